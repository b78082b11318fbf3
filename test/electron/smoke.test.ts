/**
 * Smoke test of the real build: runs scripts/build-electron.ts, then loads dist/electron/main.js
 * in plain Node with a stub `electron` (fixtures/) and the real service on a temporary data
 * folder, from a different working directory; and loads dist/electron/preload.cjs the way a
 * sandboxed preload is loaded. Catches the launch-only traps: wrong paths, ESM in the preload,
 * a package left out of the app, a method nobody handles.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { extractAll, listPackage } from '@electron/asar';
import { Arch, Platform, build as packageApp } from 'electron-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES, type ApiReply } from '../../engine/model/contract.ts';
import { CONTENT_SECURITY_POLICY } from '../../electron/csp.ts';
import { MAIN_ESM_EXTERNALS, MAIN_REQUIRED_EXTERNALS, buildElectron, bundleExternals, scanCommonJs, type ElectronBuildResult } from '../../scripts/build-electron.ts';
import { SAMPLE_ARGS } from './stub-service.ts';

const root = join(import.meta.dirname, '..', '..');
const harness = join(import.meta.dirname, 'fixtures', 'main-harness.mjs');

let built: ElectronBuildResult;
let scratch: string;

beforeAll(async () => {
  built = await buildElectron({ logLevel: 'silent' });
  scratch = await mkdtemp(join(tmpdir(), 'flowkeeper-electron-smoke-'));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

interface HarnessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function runMain(env: Record<string, string> = {}, main = built.main): Promise<HarnessRun> {
  // Credentials are written to the OS keychain; the smoke test must not touch the machine's.
  const sample = { ...SAMPLE_ARGS, 'credentials.set': { id: '-not-an-id', type: 'x', values: {} } };
  const argsFile = join(scratch, 'sample-args.json');
  await writeFile(argsFile, JSON.stringify(sample));
  const child = spawn(process.execPath, [harness, main, argsFile], {
    // Not the repo: every path must come from the bundle's own location.
    cwd: scratch,
    env: { ...process.env, FLOWKEEPER_DATA_DIR: join(scratch, 'data'), XDG_CONFIG_HOME: join(scratch, 'config'), FLOWKEEPER_DEV_SERVER_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

function parse(run: HarnessRun): Record<string, unknown> {
  if (run.code !== 0) throw new Error(`The main bundle did not run (exit ${run.code}):\n${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('built main bundle, loaded with a stub electron', () => {
  let report: Record<string, unknown>;
  beforeAll(async () => {
    report = parse(await runMain());
  });

  it('asks for the single-instance lock', () => {
    expect(report.singleInstanceLockRequests).toBe(1);
  });

  it('moves Electron’s profile away from the data folder before the lock and before ready', () => {
    const profile = join(scratch, 'config', 'Flowkeeper Desktop');
    expect(report.setPaths).toEqual([
      { name: 'userData', path: profile, beforeLock: true, beforeReady: true },
      { name: 'sessionData', path: profile, beforeLock: true, beforeReady: true },
    ]);
    expect(report).toMatchObject({ userData: profile, sessionData: profile, lockUserData: profile });
  });

  it('creates the window sandboxed and isolated, with the preload next to the bundle', () => {
    const options = report.windowOptions as { show: boolean; webPreferences: Record<string, unknown> };
    expect(options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, nodeIntegrationInWorker: false, webviewTag: false, webSecurity: true, allowRunningInsecureContent: false });
    const preload = options.webPreferences.preload as string;
    expect(isAbsolute(preload)).toBe(true);
    expect(preload).toBe(join(dirname(built.main), 'preload.cjs'));
    expect(preload).toBe(built.preload);
  });

  it('loads the built renderer from the app folder with loadFile', () => {
    expect(report.loaded).toEqual([{ kind: 'file', target: join(root, 'dist', 'renderer', 'index.html') }]);
  });

  it('registers flowkeeper:invoke and no other IPC channel (electron-store’s is removed)', () => {
    expect(report.ipcHandlers).toEqual(['flowkeeper:invoke']);
    expect(report.ipcListeners).toEqual([]);
  });

  it('handles every contract method through the real service', () => {
    const replies = report.replies as Record<string, ApiReply>;
    expect(Object.keys(replies)).toEqual(METHOD_NAMES);
    for (const [method, reply] of Object.entries(replies)) {
      expect(typeof reply.ok, method).toBe('boolean');
      if (!reply.ok) {
        expect(reply.error.code, `${method}: ${reply.error.message}`).not.toBe('UNKNOWN_METHOD');
        expect(reply.error.message, method).not.toMatch(/is not a function|does not match its contract/);
      }
    }
    expect(replies['flows.list']).toEqual({ ok: true, result: [] });
    expect(replies['catalog.list']).toMatchObject({ ok: true, result: expect.arrayContaining([expect.objectContaining({ type: 'http.request' })]) });
    expect(replies['settings.get']).toMatchObject({ ok: true });
    expect(report.unknownMethod).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
  });

  it('refuses subframes and other origins', () => {
    expect(report.fromSubframe).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(report.fromOtherOrigin).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('guards the window: navigation, new windows, webviews, permissions, CSP', () => {
    expect(report.navigationPrevented).toBe(true);
    expect(report.webviewPrevented).toBe(true);
    expect(report.windowOpen).toEqual({ action: 'deny' });
    expect(report.windowOpenFile).toEqual({ action: 'deny' });
    expect(report.openedExternally).toEqual(['https://example.com/docs']);
    expect(report.permissionRequest).toBe(false);
    expect(report.permissionCheck).toBe(false);
    expect(report).toMatchObject({ clipboardCheck: true, clipboardRequest: true, clipboardFromOtherPage: false, clipboardReadCheck: false });
    expect(report.headers).toEqual({ responseHeaders: { 'content-type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });

  it('has the File menu, whose commands reach the renderer as app.command events', () => {
    expect(report.fileMenu).toEqual(['New flow', 'Open…', 'Save', 'Import flow…', 'Export flow…', 'Quit']);
    expect(report.sentAfterMenu).toContainEqual({ channel: 'flowkeeper:event', args: [{ type: 'app.command', command: 'flow.new' }] });
  });

  it('shows the window when ready, focuses it for a second instance, and closes the service before quitting', () => {
    expect(report.windowState).toMatchObject({ shown: true, focused: true });
    expect(report.quitPrevented).toBe(true);
    expect(report.secondQuitPrevented).toBe(false);
    expect(report.errorBoxes).toEqual([]);
  });
});

describe('installed in a folder whose name a URL spells differently', () => {
  // Issue 15: the IPC sender check compared URL text with pathToFileURL and refused every call
  // here. The copy has no node_modules beside it: everything but electron is in the bundle.
  it('answers API calls from its own page, and still refuses other frames', async () => {
    const install = join(scratch, '100% [work] {x}|^` é', 'app');
    await mkdir(join(install, 'dist', 'electron'), { recursive: true });
    await mkdir(join(install, 'dist', 'renderer'), { recursive: true });
    await cp(built.main, join(install, 'dist', 'electron', 'main.js'));
    await cp(built.preload, join(install, 'dist', 'electron', 'preload.cjs'));
    await writeFile(join(install, 'dist', 'renderer', 'index.html'), '<!doctype html><title>Flowkeeper</title>');
    const report = parse(await runMain({ FLOWKEEPER_DATA_DIR: join(scratch, 'awkward-data') }, join(install, 'dist', 'electron', 'main.js')));
    const page = join(install, 'dist', 'renderer', 'index.html');
    expect(report.loaded).toEqual([{ kind: 'file', target: page }]);
    const replies = report.replies as Record<string, ApiReply>;
    const forbidden = Object.entries(replies).filter(([, reply]) => !reply.ok && reply.error.code === 'FORBIDDEN');
    expect(forbidden.map(([method]) => method)).toEqual([]);
    expect(replies['flows.list']).toEqual({ ok: true, result: [] });
    expect(report.fromOtherOrigin).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(report.errorBoxes).toEqual([]);
  });
});

describe('with the data folder where Electron would put its profile (macOS and Windows default)', () => {
  it('keeps Chromium’s folders out of it', async () => {
    // Electron's default userData: <appData>/<productName>, here $XDG_CONFIG_HOME/Flowkeeper.
    const electronDefault = join(scratch, 'config2', 'Flowkeeper');
    const report = parse(await runMain({ XDG_CONFIG_HOME: join(scratch, 'config2'), FLOWKEEPER_DATA_DIR: electronDefault, STUB_SINGLE_INSTANCE_LOCK: 'taken' }));
    expect(report.lockUserData).not.toBe(electronDefault);
    expect(report.userData).toBe(join(scratch, 'config2', 'Flowkeeper Desktop'));
    expect(report.sessionData).toBe(report.userData);
  });
});

describe('quitting while a run is in progress', () => {
  it('asks first (also when the last window closes), and quits only on "Quit anyway"', async () => {
    const report = parse(await runMain({ HARNESS_SCENARIO: 'quit-with-runs', FLOWKEEPER_DATA_DIR: join(scratch, 'quit-data') }));
    expect(report.saved).toBe(true);
    expect(report.started).toMatchObject({ ok: true });
    expect(report.afterKeepOpen).toEqual({ exited: false, windowOpen: true });
    const question = { type: 'question', message: '1 run is still running. Quit anyway?', detail: 'They stop at a safe point and continue next time you open Flowkeeper.', buttons: ['Quit anyway', 'Keep Flowkeeper open'], defaultId: 1, cancelId: 1 };
    const boxes = report.messageBoxes as { options: unknown; withWindow: boolean }[];
    expect(boxes).toEqual(process.platform === 'darwin' ? [{ options: question, withWindow: true }] : [{ options: question, withWindow: true }, { options: question, withWindow: true }]);
    expect(report.closeAccepted).toBe(false);
    expect(report.windowClosed).toBe(true);
    expect(report.errorBoxes).toEqual([]);
  });
});

describe.runIf(process.platform !== 'darwin')('with flows switched on, closing the window', () => {
  const env = () => ({ FLOWKEEPER_DATA_DIR: join(scratch, 'tray-data'), XDG_CONFIG_HOME: join(scratch, 'tray-config') });

  it('keeps Flowkeeper running in the tray (notice once), reopens from it, and quits when nothing is on', async () => {
    const report = parse(await runMain({ HARNESS_SCENARIO: 'tray', ...env() }));
    expect(report).toMatchObject({ saved: true, activated: true, deactivated: true });
    expect(report.steps).toEqual([
      { step: 'closed with a flow on', open: 0, windows: 1, exited: false, trays: 1, trayLive: true, notifications: 1 },
      { step: 'tray Open', open: 1, windows: 2, exited: false, trays: 1, trayLive: false, notifications: 1 },
      { step: 'closed again', open: 0, windows: 2, exited: false, trays: 2, trayLive: true, notifications: 1 },
      { step: 'second launch', open: 1, windows: 3, exited: false, trays: 2, trayLive: false, notifications: 1 },
      { step: 'closed with no flow on', open: 0, windows: 3, exited: true, trays: 2, trayLive: false, notifications: 1 },
    ]);
    expect(report.trayMenu).toEqual([
      { label: 'Open Flowkeeper', enabled: true },
      { label: '1 flow switched on', enabled: false },
      { label: 'separator', enabled: true },
      { label: 'Quit Flowkeeper', enabled: true },
    ]);
    expect(report.trayToolTip).toBe('Flowkeeper: 1 flow switched on');
    expect(report.trayImage).toEqual({ width: 32, height: 32 });
    expect(report.notice).toEqual({ title: 'Flowkeeper is still running', body: expect.stringContaining('use its icon in the tray') });
    // Nothing was running: no quit question.
    expect(report.messageBoxes).toEqual([]);
    expect(report.errorBoxes).toEqual([]);
  });

  it('quits from the tray’s menu, and never shows the notice a second time', async () => {
    const report = parse(await runMain({ HARNESS_SCENARIO: 'tray-quit', ...env() }));
    expect(report.activated).toBe(true);
    expect(report.trayMenu).toEqual(['Open Flowkeeper', '1 flow switched on', 'separator', 'Quit Flowkeeper']);
    expect(report.notificationsAfterClose).toBe(0);
    expect(report).toMatchObject({ exited: true, trayDestroyed: true, errorBoxes: [] });
  });
});

describe('on macOS, with the window closed', () => {
  it('the Dock icon, a second launch and a notification click each reopen it', async () => {
    const report = parse(await runMain({ HARNESS_SCENARIO: 'mac-reopen', HARNESS_PLATFORM: 'darwin', HOME: join(scratch, 'mac-home'), FLOWKEEPER_DATA_DIR: join(scratch, 'mac-data') }));
    expect(report.saved).toMatchObject({ ok: true });
    expect(report.started).toMatchObject({ ok: true });
    expect(report.steps).toEqual([
      { step: 'closed', open: 0, quits: 0 },
      { step: 'activate', open: 1, windows: 2 },
      { step: 'second-instance', open: 1, windows: 3 },
      { step: 'notification click', open: 1, windows: 4 },
    ]);
    expect(report.notifications).toEqual([expect.objectContaining({ title: expect.stringMatching(/fail/i) })]);
    // The click opens the failed run itself: the new window loads at its route, an open one goes there.
    const route = `#/runs/${encodeURIComponent(report.failedRunId as string)}`;
    expect(report.openedAt).toMatchObject({ kind: 'file', hash: route.slice(1) });
    expect(report.executed).toEqual([`location.hash = ${JSON.stringify(route)}`]);
    // Closing the window on macOS neither quits nor asks.
    expect(report.messageBoxes).toEqual([]);
    expect(report.quits).toBe(0);
  });
});

describe('a second instance', () => {
  it('quits at once without opening a window', async () => {
    const report = parse(await runMain({ STUB_SINGLE_INSTANCE_LOCK: 'taken' }));
    expect(report).toMatchObject({ singleInstanceLockRequests: 1, quits: 1, windows: 0 });
  });
});

describe('built bundles', () => {
  it('main bundles every pure-JS package: it imports only electron and requires only @napi-rs/keyring', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; main: string };
    const shipped = new Set([...Object.keys(pkg.dependencies), 'electron']);
    const source = await readFile(built.main, 'utf8');
    const { imported, required } = bundleExternals(source);
    // Exactly these: an ES-module package resolved from inside app.asar is the trap (issue 15).
    expect(imported).toEqual(MAIN_ESM_EXTERNALS);
    expect(required).toEqual(MAIN_REQUIRED_EXTERNALS);
    expect(MAIN_ESM_EXTERNALS).toEqual(['electron']);
    expect(MAIN_REQUIRED_EXTERNALS).toEqual(['@napi-rs/keyring']);
    expect([...imported, ...required].filter((name) => !shipped.has(name))).toEqual([]);
    // The keyring goes through Node's CommonJS loader, never import().
    expect(source).toMatch(/createRequire\(import\.meta\.url\)\("@napi-rs\/keyring"\)/);
    expect(join(root, pkg.main)).toBe(built.main);
  });

  it('the externals scan reads syntax, not text', () => {
    const scanned = bundleExternals(
      [
        'import { app } from "electron";',
        'import fs from "node:fs";',
        'export * from "zod";',
        'const m = await import("openai/resources");',
        'const k = createRequire(import.meta.url)("@napi-rs/keyring");',
        'const a = __require("ajv/dist/core");',
        'const code = `require("ajv/dist/runtime/validation_error")`;',
        'const s = "import x from \'jsonata\'";',
        'const r = require("./local.js");',
      ].join('\n'),
    );
    expect(scanned).toEqual({ imported: ['electron', 'openai', 'zod'], required: ['@napi-rs/keyring', 'ajv'] });
  });

  it('the preload is one CommonJS file whose only require is electron', async () => {
    const source = await readFile(built.preload, 'utf8');
    expect(scanCommonJs(source)).toEqual({ requires: ['electron'], hasEsmSyntax: false });
  });

  it('the preload runs in a bare context and exposes exactly the contract', async () => {
    const source = await readFile(built.preload, 'utf8');
    const exposed: Record<string, unknown> = {};
    const invoked: unknown[][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => (invoked.push(args), { ok: true, result: [] }),
        on: () => {},
        removeListener: () => {},
      },
    };
    const requireInSandbox = (id: string) => {
      if (id === 'electron') return electron;
      throw new Error(`A sandboxed preload cannot require "${id}".`);
    };
    const module = { exports: {} };
    // Like Electron's sandboxed preload: a function wrapper with exports/require/module, no Node.
    const wrapper = runInNewContext(`(function (exports, require, module) {\n${source}\n})`, { console }, { filename: built.preload }) as (e: unknown, r: unknown, m: unknown) => void;
    wrapper(module.exports, requireInSandbox, module);

    expect(Object.keys(exposed)).toEqual(['flowkeeper']);
    const api = exposed.flowkeeper as Record<string, Record<string, (args?: unknown) => Promise<unknown>>>;
    const groups = [...new Set(METHOD_NAMES.map((name) => name.split('.')[0]!))];
    expect(Object.keys(api).sort()).toEqual([...groups, 'onEvent'].sort());
    for (const group of groups) {
      expect(Object.keys(api[group]!).sort(), group).toEqual(METHOD_NAMES.filter((name) => name.startsWith(`${group}.`)).map((name) => name.split('.')[1]).sort());
    }
    expect(await api.flows!.list!()).toEqual({ ok: true, result: [] });
    expect(invoked).toEqual([['flowkeeper:invoke', 'flows.list', {}]]);
  });
});

// electron-builder with a stand-in Electron distribution (the real one cannot be downloaded
// here): checks what the package holds, then loads the unpacked package with the stub.
describe.runIf(process.platform === 'linux')('packaged app (electron-builder, unpacked Linux target)', () => {
  let resources: string;
  let files: Set<string>;
  beforeAll(async () => {
    const fakeElectron = join(scratch, 'fake-electron');
    await mkdir(fakeElectron, { recursive: true });
    await writeFile(join(fakeElectron, 'electron'), '#!/bin/sh\n');
    await chmod(join(fakeElectron, 'electron'), 0o755);
    const output = join(scratch, 'release');
    await packageApp({ projectDir: root, targets: Platform.LINUX.createTarget('dir', Arch.x64), config: { electronDist: fakeElectron, directories: { output } }, publish: 'never' });
    resources = join(output, 'linux-unpacked', 'resources');
    files = new Set(listPackage(join(resources, 'app.asar'), { isPack: false }).map((file) => file.replaceAll('\\', '/')));
    const size = async (path: string) => (await readdir(path, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).length;
    const bytes = (await stat(join(resources, 'app.asar'))).size + (await du(join(resources, 'app.asar.unpacked')));
    console.log(`Package (app.asar + app.asar.unpacked): ${(bytes / 1e6).toFixed(1)} MB; ${files.size} entries in the asar, ${await size(join(resources, 'app.asar.unpacked'))} files unpacked.`);
  }, 120_000);

  it('holds the bundles, the built page and every package main imports, with the keychain binary unpacked', async () => {
    for (const file of ['/package.json', '/dist/electron/main.js', '/dist/electron/preload.cjs']) expect(files, file).toContain(file);
    if (existsSync(join(root, 'dist', 'renderer', 'index.html'))) expect(files).toContain('/dist/renderer/index.html');
    expect([...files].filter((file) => file.startsWith('/dist/') && file.endsWith('.map'))).toEqual([]);
    for (const name of bundleExternals(await readFile(built.main, 'utf8')).required) {
      expect(files, `${name} is imported by main.js but not packaged`).toContain(`/node_modules/${name}/package.json`);
    }
    expect(files).not.toContain('/node_modules/electron/package.json');
    expect(files).not.toContain('/node_modules/vite/package.json');
    const unpacked = join(resources, 'app.asar.unpacked', 'node_modules', '@napi-rs');
    const native = (await readdir(unpacked, { recursive: true })).filter((file) => file.endsWith('.node'));
    expect(native.length).toBeGreaterThan(0);
  });

  it('carries exactly the keychain module and its platform binary in node_modules, nothing else', async () => {
    const installed = (await readdir(join(root, 'node_modules', '@napi-rs'))).filter((name) => name.startsWith('keyring')).map((name) => `@napi-rs/${name}`);
    const packaged = [...files].map((file) => /^\/node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(file)?.[1]).filter((name) => name !== undefined);
    expect(packaged.sort()).toEqual(installed.sort());
    expect(installed).toContain('@napi-rs/keyring');
    expect(installed.length).toBeGreaterThan(1);
    // Not even nested copies: a package inside another package's node_modules.
    expect([...files].filter((file) => /\/node_modules\/.*\/node_modules\//.test(file))).toEqual([]);
    // The app's package.json ships only runtime dependencies the main process may load.
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    for (const name of ['react', 'react-dom', 'zustand', 'electron-store']) expect(pkg.devDependencies, name).toHaveProperty(name);
    for (const name of ['react', 'react-dom', 'zustand', 'electron-store', 'electron', 'vite']) expect(pkg.dependencies, name).not.toHaveProperty(name);
  });

  it('loads from the unpacked package with the stub: window, every API method, the keychain module', async () => {
    const app = join(scratch, 'extracted-app');
    extractAll(join(resources, 'app.asar'), app);
    await cp(join(resources, 'app.asar.unpacked'), app, { recursive: true });
    const main = join(app, 'dist', 'electron', 'main.js');
    const report = parse(await runMain({ FLOWKEEPER_DATA_DIR: join(scratch, 'packaged-data'), STUB_APP_PATH: app, STUB_PACKAGED: '1', HARNESS_CHECK_KEYRING: '1' }, main));
    expect(report.isPackaged).toBe(true);
    expect(report.loaded).toEqual([{ kind: 'file', target: join(app, 'dist', 'renderer', 'index.html') }]);
    const replies = report.replies as Record<string, ApiReply>;
    expect(Object.keys(replies)).toEqual(METHOD_NAMES);
    expect(Object.values(replies).filter((reply) => !reply.ok && ['FORBIDDEN', 'UNKNOWN_METHOD'].includes(reply.error.code))).toEqual([]);
    expect(replies['flows.list']).toEqual({ ok: true, result: [] });
    // createRequire from the bundle's own folder finds the native module in the package.
    expect(report.keyring).toEqual({ resolved: join(app, 'node_modules', '@napi-rs', 'keyring', 'index.js'), AsyncEntry: 'function' });
    expect(report.errorBoxes).toEqual([]);
  }, 60_000);
});

async function du(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  return total;
}
