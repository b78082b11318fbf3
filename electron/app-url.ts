/**
 * Where the renderer comes from, and whether a URL is the app's own page. The IPC sender check,
 * the navigation guard and the event forwarding all ask `isAppUrl`, so "our page" means one
 * thing everywhere.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type AppEntry =
  /** The built renderer next to the main bundle: `<appDir>/../renderer/index.html`, loaded with loadFile. */
  | { kind: 'file'; file: string; url: string }
  /** The Vite dev server (development only), loaded with loadURL. */
  | { kind: 'dev-server'; url: string; origin: string };

export interface AppEntryOptions {
  /** The folder of the built main bundle (`dist/electron`), never the working directory. */
  appDir: string;
  /** `FLOWKEEPER_DEV_SERVER_URL`; ignored in a packaged app. */
  devServerUrl?: string | undefined;
  isPackaged: boolean;
}

export function resolveAppEntry({ appDir, devServerUrl, isPackaged }: AppEntryOptions): AppEntry {
  if (devServerUrl && !isPackaged) {
    const url = new URL(devServerUrl);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !isLoopbackHost(url.hostname)) {
      throw new Error(`FLOWKEEPER_DEV_SERVER_URL must be an http(s) URL on this machine (localhost or 127.0.0.1), not ${devServerUrl}.`);
    }
    return { kind: 'dev-server', url: url.href, origin: url.origin };
  }
  const file = join(appDir, '..', 'renderer', 'index.html');
  return { kind: 'file', file, url: pathToFileURL(file).href };
}

/** True when `url` is the app's own page: the exact index.html file, or the dev server's origin. */
export function isAppUrl(entry: AppEntry, url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (entry.kind === 'dev-server') return parsed.origin === entry.origin;
  // Every file:// page shares one opaque origin, so compare the exact file, ignoring query and hash.
  // Windows paths are case-insensitive and Chromium may spell the drive letter differently.
  const own = new URL(entry.url);
  const same = process.platform === 'win32' ? (a: string, b: string) => a.toLowerCase() === b.toLowerCase() : (a: string, b: string) => a === b;
  return parsed.protocol === 'file:' && parsed.host === own.host && same(parsed.pathname, own.pathname);
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}
