/**
 * The main window's options and the security handlers every webContents and session gets.
 * Pure functions and small installers over structural types, so tests drive them with fakes;
 * nothing here imports Electron at run time.
 */
import { isAbsolute, join } from 'node:path';
import type { BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { isAppUrl, type AppEntry } from './app-url.ts';

export const PRELOAD_FILE = 'preload.cjs';

/** The built preload sits next to the built main bundle; `appDir` is that bundle's folder. */
export function preloadPath(appDir: string): string {
  if (!isAbsolute(appDir)) throw new Error(`The app folder must be an absolute path (got "${appDir}"); resolve it from the main bundle's location, never the working directory.`);
  return join(appDir, PRELOAD_FILE);
}

export interface MainWindowOptions {
  appDir: string;
  /** Restored bounds (see window-state.ts); the size defaults otherwise. */
  bounds?: Partial<Rectangle> | undefined;
}

export function mainWindowOptions({ appDir, bounds }: MainWindowOptions): BrowserWindowConstructorOptions {
  return {
    title: 'Flowkeeper',
    width: bounds?.width ?? 1280,
    height: bounds?.height ?? 820,
    ...(bounds?.x === undefined || bounds.y === undefined ? {} : { x: bounds.x, y: bounds.y }),
    minWidth: 720,
    minHeight: 480,
    // Shown on 'ready-to-show', so the window never flashes white before the app paints.
    show: false,
    backgroundColor: '#1e1f22',
    webPreferences: {
      preload: preloadPath(appDir),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// webContents: navigation, new windows, <webview>

export interface PreventableEvent {
  preventDefault(): void;
}

/** The part of Electron's WebContents the guards use. */
export interface GuardableWebContents {
  on(event: 'will-navigate', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-redirect', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface GuardOptions {
  entry: AppEntry;
  /** shell.openExternal; called only with http(s) URLs. */
  openExternal(url: string): Promise<void>;
  log?: (message: string) => void;
}

/** Only http(s) links leave the app, to the OS browser; file:, javascript:, custom schemes never. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

export function guardWebContents(contents: GuardableWebContents, { entry, openExternal, log = defaultLog }: GuardOptions): void {
  const denyForeign = (kind: string) => (event: PreventableEvent, url: string) => {
    if (isAppUrl(entry, url)) return;
    event.preventDefault();
    log(`Blocked ${kind} to ${url}: the window only shows Flowkeeper's own page.`);
  };
  contents.on('will-navigate', denyForeign('navigation'));
  contents.on('will-redirect', denyForeign('redirect'));
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) {
      openExternal(url).catch((error: unknown) => log(`Could not open ${url} in the browser: ${String(error)}`));
    } else {
      log(`Blocked a new window for ${url}: only http(s) links open, in the browser.`);
    }
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('Blocked a <webview>: Flowkeeper never embeds other pages.');
  });
}

// ---------------------------------------------------------------------------------------------
// session: permissions and the Content-Security-Policy header

export interface HeadersDetails {
  responseHeaders?: Record<string, string[]>;
}

/** What Electron tells the permission handlers about the asking frame (both handlers' details). */
export interface PermissionDetails {
  requestingUrl?: string;
  isMainFrame?: boolean;
}

/** The part of a WebContents the permission handlers read. */
export interface PermissionContents {
  getURL?(): string;
}

/** The part of Electron's Session the guards use. */
export interface GuardableSession {
  setPermissionRequestHandler(handler: (webContents: PermissionContents | null, permission: string, callback: (granted: boolean) => void, details?: PermissionDetails) => void): void;
  setPermissionCheckHandler(handler: (webContents: PermissionContents | null, permission: string, requestingOrigin?: string, details?: PermissionDetails) => boolean): void;
  webRequest: {
    onHeadersReceived(listener: (details: HeadersDetails, callback: (response: { responseHeaders?: Record<string, string | string[]> }) => void) => void): void;
  };
}

export interface SessionGuardOptions {
  /** Our page: the only one granted anything. */
  entry: AppEntry;
  contentSecurityPolicy: string;
  log?: (message: string) => void;
}

/** The one permission our page gets: writing plain text to the clipboard (the "Copy" buttons). */
export const ALLOWED_PERMISSIONS = ['clipboard-sanitized-write'];

/**
 * True only for `clipboard-sanitized-write` asked by the main frame of our own page. Flowkeeper
 * needs no camera, microphone, location, notifications from pages, MIDI, USB, clipboard reading
 * …: OS notifications come from the main process.
 */
export function isPermissionAllowed(entry: AppEntry, permission: string, contents: PermissionContents | null, details: PermissionDetails | undefined): boolean {
  if (!ALLOWED_PERMISSIONS.includes(permission) || details?.isMainFrame === false) return false;
  const url = details?.requestingUrl ?? contents?.getURL?.();
  return url !== undefined && isAppUrl(entry, url);
}

export function guardSession(session: GuardableSession, { entry, contentSecurityPolicy, log = defaultLog }: SessionGuardOptions): void {
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    const allowed = isPermissionAllowed(entry, permission, contents, details);
    if (!allowed) log(`Denied the permission "${permission}" asked for by ${details?.requestingUrl ?? 'a page'}.`);
    callback(allowed);
  });
  session.setPermissionCheckHandler((contents, permission, _origin, details) => isPermissionAllowed(entry, permission, contents, details));
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders, contentSecurityPolicy) });
  });
}

/** Adds our policy to a response's headers; a policy the server already sent stays (both apply). */
export function withContentSecurityPolicy(headers: Record<string, string[]> | undefined, policy: string): Record<string, string[]> {
  const result: Record<string, string[]> = { ...headers };
  const key = Object.keys(result).find((name) => name.toLowerCase() === 'content-security-policy') ?? 'Content-Security-Policy';
  result[key] = [...(result[key] ?? []), policy];
  return result;
}

function defaultLog(message: string): void {
  console.warn(`[flowkeeper] ${message}`);
}
