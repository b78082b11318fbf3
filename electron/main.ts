/**
 * The Electron main process: wiring only. Window options and guards (window.ts), the IPC adapter
 * (ipc.ts), the menu (menu.ts), Import (flow-import.ts), notifications (notifications.ts), the
 * tray (tray.ts, tray-icon.ts) and window state (window-state.ts) each live in a small module with its own tests; the smoke test
 * (test/electron/smoke.test.ts) loads this file's built bundle with a stub `electron`.
 *
 * Built to dist/electron/main.js (ESM); every path it loads is resolved from that file's folder.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, Menu, Notification, Tray, app, dialog, ipcMain, nativeImage, screen, session, shell } from 'electron';
import Store from 'electron-store';
import { dispatch } from '../engine/dispatch.ts';
import { NodeRegistry, resolveDataDir } from '../engine/index.ts';
import type { MethodName } from '../engine/model/contract.ts';
import { createService } from '../engine/service/create-service.ts';
import { builtinNodes } from '../nodes/index.ts';
import { resolveAppEntry } from './app-url.ts';
import { CONTENT_SECURITY_POLICY, devContentSecurityPolicy } from './csp.ts';
import { importFlowInteractively } from './flow-import.ts';
import { createSenderCheck, registerIpc } from './ipc.ts';
import { electronProfileDir } from './profile-dir.ts';
import { closeWithin, countActiveRunsOfService, createQuitGuard } from './quit.ts';
import { buildMenuTemplate } from './menu.ts';
import { startNotifications } from './notifications.ts';
import { appLinkHash } from './app-link.ts';
import { countActiveFlows, createTrayController } from './tray.ts';
import { trayIconPng } from './tray-icon.ts';
import { guardSession, guardWebContents, mainWindowOptions } from './window.ts';
import { parseWindowState, restoreBounds, trackWindowState, type WindowState } from './window-state.ts';

/** The folder of the built main bundle (dist/electron), never the working directory. */
const appDir = dirname(fileURLToPath(import.meta.url));

/** Desktop-only settings; everything shared with the CLI and web bridge lives in the service. */
interface DesktopSettings {
  window?: WindowState;
  importFolder?: string;
  /** The one-time "still running in the tray" notice was shown. */
  trayNoticeShown?: boolean;
}

const log = (message: string) => console.warn(`[flowkeeper] ${message}`);

/** How long quitting waits for the service to close (runs to reach a safe point, traces to sync). */
const CLOSE_TIMEOUT_MS = 15_000;

// The CLI's data folder (FLOWKEEPER_DATA_DIR, else the platform's app-data folder), so the app
// and `flowkeeper` share flows and runs.
const dataDir = resolveDataDir(undefined);

// First of all, before the single-instance lock (kept in userData) and 'ready': Electron's own
// profile goes to a folder apart from the data folder, which on macOS and Windows is exactly
// Electron's default userData (profile-dir.ts). Window state (desktop.json) goes there too.
let profileReady = true;
try {
  const profileDir = electronProfileDir({ appData: app.getPath('appData'), dataDir });
  app.setPath('userData', profileDir);
  app.setPath('sessionData', profileDir);
} catch (error) {
  profileReady = false;
  dialog.showErrorBox('Flowkeeper could not start', error instanceof Error ? error.message : String(error));
  app.exit(1);
}

if (!profileReady) {
  // Said in the error box above; nothing else runs.
} else if (!app.requestSingleInstanceLock()) {
  // Another Flowkeeper is running; it focuses its window ('second-instance' below).
  app.quit();
} else {
  start().catch((error: unknown) => {
    dialog.showErrorBox('Flowkeeper could not start', error instanceof Error ? (error.stack ?? error.message) : String(error));
    app.exit(1);
  });
}

async function start(): Promise<void> {
  const entry = resolveAppEntry({ appDir, devServerUrl: process.env.FLOWKEEPER_DEV_SERVER_URL, isPackaged: app.isPackaged });
  let mainWindow: BrowserWindow | undefined;
  /** Set once the app is ready; until then the window is about to open anyway. */
  const opener: { openWindow?: (hash?: string) => void } = {};
  // A second launch, a notification click or the Dock icon (macOS, where the app outlives its
  // window) brings the window back: focused if it is open, opened again if it was closed.
  const showWindow = (link?: string) => {
    const hash = appLinkHash(link);
    if (!mainWindow || mainWindow.isDestroyed()) {
      opener.openWindow?.(hash);
      return;
    }
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
    // An in-page route change (no reload, so an edit being saved is not cut off); the hash passed
    // appLinkHash, and JSON.stringify makes it one string literal.
    if (hash !== undefined) mainWindow.webContents.executeJavaScript(`location.hash = ${JSON.stringify(hash)}`).catch((error: unknown) => log(`Could not open ${hash}: ${String(error)}`));
  };

  if (process.platform === 'win32') app.setAppUserModelId('dev.flowkeeper.app');
  app.on('second-instance', () => showWindow());
  // Every webContents (ours, and any a bug might create) gets the navigation guards.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, { entry, openExternal: (url) => shell.openExternal(url), log }));

  await app.whenReady();
  guardSession(session.defaultSession, { entry, contentSecurityPolicy: entry.kind === 'dev-server' ? devContentSecurityPolicy(entry.origin) : CONTENT_SECURITY_POLICY, log });

  const service = await createService({ dataDir, registry: new NodeRegistry(builtinNodes) });
  const store = new Store<DesktopSettings>({ name: 'desktop', clearInvalidConfig: true });
  // electron-store answers renderers on a channel of its own; ours never use it, so the only
  // channel a page can reach stays flowkeeper:invoke.
  ipcMain.removeAllListeners('electron-store-get-data');

  const call = (method: MethodName, args: unknown) => dispatch(service, method, args);
  const ipc = registerIpc(ipcMain, service, {
    isTrustedSender: createSenderCheck({ entry, windowContents: () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents : undefined) }),
    eventTargets: () => (mainWindow && !mainWindow.isDestroyed() ? [mainWindow.webContents] : []),
    entry,
    log,
  });

  const importFlow = () =>
    importFlowInteractively({
      chooseFile: async () => {
        const options = { title: 'Import flow', properties: ['openFile' as const], filters: [{ name: 'Flowkeeper flow', extensions: ['json'] }, { name: 'All files', extensions: ['*'] }], defaultPath: store.get('importFolder') };
        const picked = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
        const file = picked.canceled ? undefined : picked.filePaths[0];
        if (file) store.set('importFolder', dirname(file));
        return file;
      },
      fileSize: async (file) => (await stat(file)).size,
      readText: (file) => readFile(file, 'utf8'),
      call,
      message: async (options) => {
        const box = { ...options, buttons: options.buttons ?? ['OK'] };
        return (mainWindow ? await dialog.showMessageBox(mainWindow, box) : await dialog.showMessageBox(box)).response;
      },
    }).catch((error: unknown) => log(`Import failed: ${String(error)}`));

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate(
        {
          command: (command) => ipc.send({ type: 'app.command', command }),
          importFlow: () => void importFlow(),
          openDataFolder: () => void shell.openPath(dataDir),
        },
        { platform: process.platform, appName: app.name, developerTools: !app.isPackaged },
      ),
    ),
  );

  // A notification that is garbage-collected loses its click handler: keep it until it is done.
  const shown = new Set<Notification>();
  const notifier = startNotifications({
    call,
    subscribe: (listener) => service.subscribe(listener),
    show: ({ title, body, onClick }) => {
      if (!Notification.isSupported()) return;
      const notification = new Notification({ title, body });
      shown.add(notification);
      notification.on('click', () => {
        shown.delete(notification);
        onClick?.();
      });
      notification.on('close', () => shown.delete(notification));
      notification.show();
    },
    focusWindow: showWindow,
    log,
  });

  // Quitting (menu, Cmd+Q, or closing the last window on Linux and Windows) asks first when runs
  // are in progress (quit.ts).
  const quitGuard = createQuitGuard({
    countActiveRuns: countActiveRunsOfService(service),
    ask: async (question) => (mainWindow && !mainWindow.isDestroyed() ? await dialog.showMessageBox(mainWindow, question) : await dialog.showMessageBox(question)).response,
    log,
  });
  const quitIfConfirmed = () =>
    void quitGuard.confirm().then((ok) => {
      if (ok) app.quit();
    });

  // Closing the window with flows switched on keeps the app (and their triggers) running in the
  // tray; with none, closing quits as before (tray.ts decides, this only wires Electron in).
  const tray = createTrayController({
    platform: process.platform,
    countActiveFlows: () => countActiveFlows(call),
    createTray: () => {
      const icon = new Tray(nativeImage.createFromBuffer(trayIconPng(32)));
      return {
        setToolTip: (text) => icon.setToolTip(text),
        setContextMenu: (template) => icon.setContextMenu(Menu.buildFromTemplate(template)),
        on: (event, listener) => void icon.on(event, listener),
        destroy: () => icon.destroy(),
      };
    },
    showNotice: ({ title, body }) => {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
    noticeShown: () => store.get('trayNoticeShown') === true,
    markNoticeShown: () => store.set('trayNoticeShown', true),
    openWindow: () => showWindow(),
    quit: () => quitIfConfirmed(),
    subscribe: (listener) => service.subscribe(listener),
    log,
  });

  const openWindow = (hash?: string) => {
    tray.windowOpened();
    const state = parseWindowState(store.get('window'));
    const options = mainWindowOptions({ appDir, bounds: restoreBounds(state, screen.getAllDisplays().map((display) => display.workArea)) });
    // Electronegativity cannot see through mainWindowOptions(): contextIsolation and sandbox are
    // true there (test/electron/window.test.ts), and smoke.test.ts checks this very call.
    const window = new BrowserWindow(options); // eng-disable CONTEXT_ISOLATION_JS_CHECK SANDBOX_JS_CHECK
    mainWindow = window;
    if (state?.maximized) window.maximize();
    trackWindowState(window, (next) => store.set('window', next));
    window.once('ready-to-show', () => window.show());
    window.on('close', (event) => {
      // On macOS the app stays open without a window, and runs go on; elsewhere closing it quits,
      // unless flows are switched on: then it goes on running in the tray.
      if (process.platform === 'darwin' || quitGuard.confirmed) return;
      event.preventDefault();
      void tray.windowClosing().then((plan) => {
        if (plan === 'to-tray') window.destroy();
        else quitIfConfirmed();
      });
    });
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = undefined;
    });
    const loading = entry.kind === 'file' ? window.loadFile(entry.file, hash === undefined ? {} : { hash: hash.slice(1) }) : window.loadURL(`${entry.url}${hash ?? ''}`);
    loading.catch((error: unknown) => log(`Could not load the app page ${entry.url}: ${String(error)}`));
  };

  opener.openWindow = openWindow;
  openWindow();
  // The Dock icon: reopen when there is no window (focusing one that is still opening would show it before it painted).
  app.on('activate', () => {
    if (!mainWindow || mainWindow.isDestroyed()) showWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin' && !tray.inTray) app.quit();
  });

  app.on('before-quit', (event) => {
    if (quitGuard.confirmed) return;
    event.preventDefault();
    quitIfConfirmed();
  });

  // Quit waits, a bounded time, for the service to close (traces synced; runs in progress are
  // resumed next start), then quits for real.
  let closing = false;
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    if (closing) return;
    closing = true;
    notifier.dispose();
    tray.dispose();
    ipc.dispose();
    void closeWithin(() => service.close(), CLOSE_TIMEOUT_MS, log).finally(() => {
      closed = true;
      app.quit();
    });
  });
}
