/**
 * Where Flowkeeper keeps its data: --data-dir, else FLOWKEEPER_DATA_DIR, else the platform's
 * application-data folder (the same one the desktop app uses).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Flowkeeper');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Flowkeeper');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'flowkeeper');
}

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.FLOWKEEPER_DATA_DIR) return resolve(env.FLOWKEEPER_DATA_DIR);
  return defaultDataDir(env);
}
