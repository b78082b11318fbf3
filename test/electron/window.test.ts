import { isAbsolute, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { isAppUrl, resolveAppEntry } from '../../electron/app-url.ts';
import { CONTENT_SECURITY_POLICY, devContentSecurityPolicy } from '../../electron/csp.ts';
import { guardSession, guardWebContents, isSafeExternalUrl, mainWindowOptions, preloadPath, withContentSecurityPolicy, type GuardableSession, type GuardableWebContents, type HeadersDetails, type PreventableEvent } from '../../electron/window.ts';

const appDir = '/opt/Flowkeeper/resources/app.asar/dist/electron';
const entry = resolveAppEntry({ appDir, isPackaged: true });

describe('main window options', () => {
  const options = mainWindowOptions({ appDir });
  const prefs = options.webPreferences!;

  it('isolates and sandboxes the page, with every Node door shut', () => {
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('additionalArguments');
  });

  it('takes the preload from next to the main bundle, never from the working directory', () => {
    expect(prefs.preload).toBe(join(appDir, 'preload.cjs'));
    expect(isAbsolute(prefs.preload!)).toBe(true);
    expect(() => preloadPath('dist/electron')).toThrow(/absolute/);
  });

  it('opens hidden (shown when ready) and uses restored bounds', () => {
    expect(options.show).toBe(false);
    expect(mainWindowOptions({ appDir, bounds: { x: 10, y: 20, width: 900, height: 700 } })).toMatchObject({ x: 10, y: 20, width: 900, height: 700 });
    expect(mainWindowOptions({ appDir, bounds: { width: 900, height: 700 } })).not.toHaveProperty('x');
  });
});

describe('the app URL', () => {
  it('is the built index.html next to the bundle in a packaged app, even with a dev server URL set', () => {
    expect(entry).toEqual({ kind: 'file', file: '/opt/Flowkeeper/resources/app.asar/dist/renderer/index.html', url: 'file:///opt/Flowkeeper/resources/app.asar/dist/renderer/index.html' });
    expect(resolveAppEntry({ appDir, isPackaged: true, devServerUrl: 'http://localhost:5173' }).kind).toBe('file');
  });

  it('is the dev server in development, which must be on this machine', () => {
    expect(resolveAppEntry({ appDir, isPackaged: false, devServerUrl: 'http://127.0.0.1:5173/' })).toEqual({ kind: 'dev-server', url: 'http://127.0.0.1:5173/', origin: 'http://127.0.0.1:5173' });
    expect(() => resolveAppEntry({ appDir, isPackaged: false, devServerUrl: 'https://evil.example/' })).toThrow(/on this machine/);
    expect(() => resolveAppEntry({ appDir, isPackaged: false, devServerUrl: 'file:///etc/passwd' })).toThrow(/http\(s\)/);
  });

  it('matches only our own page', () => {
    expect(isAppUrl(entry, entry.url)).toBe(true);
    expect(isAppUrl(entry, `${entry.url}#/runs/run-1`)).toBe(true);
    expect(isAppUrl(entry, 'file:///opt/Flowkeeper/resources/app.asar/dist/renderer/other.html')).toBe(false);
    expect(isAppUrl(entry, 'file:///etc/passwd')).toBe(false);
    expect(isAppUrl(entry, 'https://example.com/')).toBe(false);
    expect(isAppUrl(entry, 'not a url')).toBe(false);
    const dev = resolveAppEntry({ appDir, isPackaged: false, devServerUrl: 'http://localhost:5173' });
    expect(isAppUrl(dev, 'http://localhost:5173/src/main.tsx')).toBe(true);
    expect(isAppUrl(dev, 'http://localhost:5173.evil.example/')).toBe(false);
    expect(isAppUrl(dev, entry.url)).toBe(false);
  });
});

type Listener = (event: PreventableEvent, url: string) => void;

class FakeContents implements GuardableWebContents {
  readonly listeners = new Map<string, Listener>();
  openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  on(event: string, listener: Listener): this {
    this.listeners.set(event, listener);
    return this;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler;
  }
  fire(name: string, url?: string): boolean {
    const event = { defaultPrevented: false, preventDefault() {
      this.defaultPrevented = true;
    } };
    this.listeners.get(name)!(event, url ?? '');
    return event.defaultPrevented;
  }
}

function guarded() {
  const contents = new FakeContents();
  const openExternal = vi.fn(async (_url: string) => {});
  const log = vi.fn();
  guardWebContents(contents, { entry, openExternal, log });
  return { contents, openExternal, log };
}

describe('webContents guards', () => {
  it('prevents navigation and redirects to anything but our page', () => {
    const { contents, log } = guarded();
    expect(contents.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(contents.fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('Blocked navigation to https://evil.example/'));
    expect(contents.fire('will-navigate', `${entry.url}#/inbox`)).toBe(false);
  });

  it('denies every new window; http(s) links go to the OS browser, nothing else does', () => {
    const { contents, openExternal } = guarded();
    for (const url of ['https://docs.example.com/', 'http://example.com/a', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'about:blank']) {
      expect(contents.openHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(openExternal.mock.calls).toEqual([['https://docs.example.com/'], ['http://example.com/a']]);
  });

  it('logs when the browser cannot be opened instead of throwing', async () => {
    const contents = new FakeContents();
    const log = vi.fn();
    guardWebContents(contents, { entry, openExternal: () => Promise.reject(new Error('no browser')), log });
    contents.openHandler!({ url: 'https://example.com/' });
    await vi.waitFor(() => expect(log).toHaveBeenCalledWith(expect.stringContaining('no browser')));
  });

  it('prevents <webview> attachment', () => {
    const { contents } = guarded();
    expect(contents.fire('will-attach-webview')).toBe(true);
  });

  it('opens only http(s) URLs externally', () => {
    expect(isSafeExternalUrl('https://a.example')).toBe(true);
    expect(isSafeExternalUrl('HTTP://A.EXAMPLE')).toBe(true);
    expect(isSafeExternalUrl('file:///C:/Windows/System32/calc.exe')).toBe(false);
    expect(isSafeExternalUrl('ms-msdt:/id')).toBe(false);
    expect(isSafeExternalUrl('')).toBe(false);
  });
});

class FakeSession implements GuardableSession {
  requestHandler: Parameters<GuardableSession['setPermissionRequestHandler']>[0] | undefined;
  checkHandler: Parameters<GuardableSession['setPermissionCheckHandler']>[0] | undefined;
  headersListener: ((details: HeadersDetails, callback: (response: { responseHeaders?: Record<string, string | string[]> }) => void) => void) | undefined;
  setPermissionRequestHandler(handler: NonNullable<FakeSession['requestHandler']>): void {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: NonNullable<FakeSession['checkHandler']>): void {
    this.checkHandler = handler;
  }
  webRequest = {
    onHeadersReceived: (listener: NonNullable<FakeSession['headersListener']>) => {
      this.headersListener = listener;
    },
  };
}

describe('session guards', () => {
  const session = new FakeSession();
  guardSession(session, { entry, contentSecurityPolicy: CONTENT_SECURITY_POLICY, log: () => {} });

  it('denies every permission request and check', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'hid', 'unknown']) {
      const callback = vi.fn();
      session.requestHandler!({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(session.checkHandler!({}, permission)).toBe(false);
    }
  });

  it('grants exactly clipboard-sanitized-write, and only to the main frame of our own page', () => {
    const ours = { getURL: () => `${entry.url}#/runs/run-1` };
    const foreign = { getURL: () => 'https://evil.example/' };
    const allowed = (contents: { getURL(): string } | null, permission: string, details?: { requestingUrl?: string; isMainFrame?: boolean }) => {
      const callback = vi.fn();
      session.requestHandler!(contents, permission, callback, details);
      const checked = session.checkHandler!(contents, permission, 'file:///', details);
      expect(callback).toHaveBeenCalledWith(checked);
      return checked;
    };
    expect(allowed(ours, 'clipboard-sanitized-write')).toBe(true);
    expect(allowed(null, 'clipboard-sanitized-write', { requestingUrl: entry.url, isMainFrame: true })).toBe(true);
    expect(allowed(ours, 'clipboard-sanitized-write', { requestingUrl: entry.url, isMainFrame: false })).toBe(false);
    expect(allowed(ours, 'clipboard-sanitized-write', { requestingUrl: 'https://evil.example/' })).toBe(false);
    expect(allowed(foreign, 'clipboard-sanitized-write')).toBe(false);
    expect(allowed(null, 'clipboard-sanitized-write')).toBe(false);
    expect(allowed({ getURL: () => 'file:///etc/passwd' }, 'clipboard-sanitized-write')).toBe(false);
    for (const permission of ['clipboard-read', 'clipboard-write', 'media', 'notifications', 'Clipboard-Sanitized-Write']) expect(allowed(ours, permission), permission).toBe(false);
  });

  it('adds the Content-Security-Policy header to responses, keeping the other headers', () => {
    const callback = vi.fn();
    session.headersListener!({ responseHeaders: { 'content-type': ['text/html'] } }, callback);
    expect(callback).toHaveBeenCalledWith({ responseHeaders: { 'content-type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    session.headersListener!({}, callback);
    expect(callback).toHaveBeenLastCalledWith({ responseHeaders: { 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });

  it('keeps a policy the server already sent (both apply)', () => {
    expect(withContentSecurityPolicy({ 'content-security-policy': ["default-src 'none'"] }, 'x')).toEqual({ 'content-security-policy': ["default-src 'none'", 'x'] });
  });
});

describe('Content-Security-Policy', () => {
  const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));

  it('is the strict policy: own files only, no inline scripts, no eval, no plugins, no framing', () => {
    expect(directives).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' data:",
      'font-src': "'self'",
      'connect-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
      'form-action': "'none'",
    });
  });

  it('relaxes only inline scripts and the HMR socket for the dev server', () => {
    const dev = devContentSecurityPolicy('http://localhost:5173');
    expect(dev).toContain("script-src 'self' 'unsafe-inline';");
    expect(dev).toContain("connect-src 'self' ws://localhost:5173;");
    expect(dev).not.toContain('unsafe-eval');
  });
});
