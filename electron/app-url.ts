/**
 * Where the renderer comes from, and whether a URL is the app's own page. The IPC sender check,
 * the navigation guard and the event forwarding all ask `isAppUrl`, so "our page" means one
 * thing everywhere.
 */
import { join, posix, win32 } from 'node:path';
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

/**
 * True when `url` is the app's own page: the exact index.html file, or the dev server's origin.
 *
 * Every file:// page shares one opaque origin, so the file itself is compared — as a decoded
 * path, never as URL text. Electron's loadFile builds the URL with Node's legacy `url.format`
 * (which escapes only `#` and `?`) and Chromium then canonicalizes it (escaping space, `"`, `<`,
 * `>`, `^`, backtick, `{`, `|`, `}` and non-ASCII, unescaping `%41`-style letters, turning `\` into
 * `/`), so the text differs from `pathToFileURL()` for a folder like `100%` or `[work]` — and the
 * old text comparison refused every API call there. Query and hash are ignored.
 */
export function isAppUrl(entry: AppEntry, url: string, platform: NodeJS.Platform = process.platform): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (entry.kind === 'dev-server') return parsed.origin === entry.origin;
  const file = filePathOfUrl(parsed, platform);
  return file !== undefined && samePath(file, entry.file, platform);
}

/**
 * The file a file:// URL names, decoded the way Chromium reads it (net::FileURLToFilePath):
 * valid `%XX` escapes become bytes (UTF-8), a `%` that starts no escape stays a `%`, an escaped
 * `/` (or `\` on Windows) is refused. Undefined for anything that is not a local file URL.
 */
export function filePathOfUrl(url: URL, platform: NodeJS.Platform = process.platform): string | undefined {
  if (url.protocol !== 'file:') return undefined;
  const windows = platform === 'win32';
  if (/%2f/i.test(url.pathname) || (windows && /%5c/i.test(url.pathname))) return undefined;
  const path = percentDecode(url.pathname);
  if (!windows) return url.hostname === '' || url.hostname === 'localhost' ? path : undefined;
  // file:///C:/dir → C:\dir; file://server/share/dir → \\server\share\dir (a UNC path).
  const local = path.replace(/^\/([A-Za-z])[:|]/, '$1:').replaceAll('/', '\\');
  return url.hostname === '' ? local : `\\\\${url.hostname}${local}`;
}

function percentDecode(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const escaped = text[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3));
    if (escaped) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...new TextEncoder().encode(text[i]));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** Windows paths are case-insensitive (and Chromium upper-cases the drive letter); others are not. */
function samePath(a: string, b: string, platform: NodeJS.Platform): boolean {
  if (platform === 'win32') return win32.normalize(a).toLowerCase() === win32.normalize(b).toLowerCase();
  return posix.normalize(a) === posix.normalize(b);
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}
