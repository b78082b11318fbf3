/**
 * Where Electron keeps its own profile (userData and sessionData: Chromium's Cache, GPUCache,
 * Local Storage, Crashpad, the single-instance lock, desktop.json). Electron's default is
 * <appData>/<productName> — on macOS and Windows exactly Flowkeeper's data folder
 * (engine/data-dir.ts), which would put Chromium's folders beside flows/ and runs/ and make the
 * engine's cache/ and Chromium's Cache/ one folder on a case-insensitive disk. So main.ts moves
 * it, before anything else runs, to a folder of its own that never is, holds or sits in the
 * data folder.
 */
import { posix, win32 } from 'node:path';

export const PROFILE_FOLDER_NAMES = ['Flowkeeper Desktop', 'Flowkeeper Desktop Profile'];

export interface ProfileDirOptions {
  /** `app.getPath('appData')`. */
  appData: string;
  /** Flowkeeper's data folder (resolveDataDir). */
  dataDir: string;
  platform?: NodeJS.Platform;
}

export function electronProfileDir({ appData, dataDir, platform = process.platform }: ProfileDirOptions): string {
  const path = platform === 'win32' ? win32 : posix;
  const candidates = PROFILE_FOLDER_NAMES.map((name) => path.join(appData, name));
  const apart = candidates.find((candidate) => !isInside(candidate, dataDir, platform) && !isInside(dataDir, candidate, platform));
  if (apart) return apart;
  // A data folder that holds appData itself (FLOWKEEPER_DATA_DIR=~): the profile then sits deep
  // inside it, under a name the engine never uses — never the data folder, never around it.
  const nested = candidates.find((candidate) => !isInside(dataDir, candidate, platform));
  if (nested) return nested;
  throw new Error(`Flowkeeper's data folder ${dataDir} is inside Electron's profile folder; set FLOWKEEPER_DATA_DIR to a folder of its own.`);
}

/**
 * True when `child` is `parent` or inside it. Case-insensitive on Windows and macOS, whose disks
 * usually are (that is how cache/ and Chromium's Cache/ became one folder).
 */
export function isInside(child: string, parent: string, platform: NodeJS.Platform = process.platform): boolean {
  const path = platform === 'win32' ? win32 : posix;
  const fold = (p: string) => {
    const resolved = path.resolve(p);
    return platform === 'win32' || platform === 'darwin' ? resolved.toLowerCase() : resolved;
  };
  const [c, p] = [fold(child), fold(parent)];
  return c === p || c.startsWith(p.endsWith(path.sep) ? p : p + path.sep);
}
