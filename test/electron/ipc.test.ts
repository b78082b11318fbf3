import { describe, expect, it, vi } from 'vitest';
import { ApiError, METHOD_NAMES, type ApiReply } from '../../engine/model/contract.ts';
import { resolveAppEntry } from '../../electron/app-url.ts';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../electron/channels.ts';
import { createSenderCheck, registerIpc, type InvokeEventLike } from '../../electron/ipc.ts';
import { APP_URL, FakeIpcMain, FakeIpcRenderer, FakeWebContents, ipcDoor } from '../helpers/ipc-door.ts';
import { SAMPLE_ARGS, stubService } from './stub-service.ts';

const entry = resolveAppEntry({ appDir: '/opt/Flowkeeper/resources/app.asar/dist/electron', isPackaged: true });

/** Our window, the sender check main.ts uses, and the adapter over a stub service. */
function setup() {
  const ipcMain = new FakeIpcMain();
  const window = new FakeWebContents(1, entry.url);
  const service = stubService({ 'flows.list': async () => [] });
  const log = vi.fn();
  const registration = registerIpc(ipcMain, service, {
    isTrustedSender: createSenderCheck({ entry, windowContents: () => window }),
    eventTargets: () => [window],
    entry,
    log,
  });
  return { ipcMain, window, service, log, registration };
}

describe('IPC adapter', () => {
  it('registers exactly one handler, on flowkeeper:invoke', () => {
    const { ipcMain } = setup();
    expect([...ipcMain.handlers.keys()]).toEqual([INVOKE_CHANNEL]);
    expect(INVOKE_CHANNEL).toBe('flowkeeper:invoke');
  });

  it('routes every contract method from the trusted window to its handler', async () => {
    const { ipcMain, window, service } = setup();
    const renderer = new FakeIpcRenderer(ipcMain, window);
    for (const method of METHOD_NAMES) {
      const reply = (await renderer.invoke(INVOKE_CHANNEL, method, SAMPLE_ARGS[method])) as ApiReply;
      if (method === 'flows.list') expect(reply).toEqual({ ok: true, result: [] });
      else expect(reply).toEqual({ ok: false, error: expect.objectContaining({ code: 'STUB_REACHED', details: { method } }) });
    }
    expect(service.calls.map((call) => call.method)).toEqual(METHOD_NAMES);
  });

  it('answers with the dispatch envelope: unknown methods and bad arguments never reach the service', async () => {
    const { ipcMain, window, service } = setup();
    const renderer = new FakeIpcRenderer(ipcMain, window);
    expect(await renderer.invoke(INVOKE_CHANNEL, 'fs.readFile', { path: '/etc/passwd' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'UNKNOWN_METHOD' }) });
    expect(await renderer.invoke(INVOKE_CHANNEL, 'flows.get', { id: '' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'INVALID_ARGUMENTS', problems: expect.any(Array) }) });
    expect(await renderer.invoke(INVOKE_CHANNEL, '__proto__', {})).toEqual({ ok: false, error: expect.objectContaining({ code: 'UNKNOWN_METHOD' }) });
    expect(service.calls).toEqual([]);
  });

  const untrusted: Array<[string, (window: FakeWebContents) => InvokeEventLike]> = [
    ['an iframe inside our page', (window) => ({ sender: window, senderFrame: window.subframe(entry.url) })],
    ['our window after it navigated to another origin', (window) => ({ sender: window, senderFrame: { ...window.mainFrame, url: 'https://evil.example/' } })],
    ['another file:// page in our window', (window) => ({ sender: window, senderFrame: { ...window.mainFrame, url: 'file:///tmp/evil.html' } })],
    ['another webContents showing our page', () => ({ sender: new FakeWebContents(2, entry.url), senderFrame: new FakeWebContents(2, entry.url).mainFrame })],
    ['a frame that is gone', (window) => ({ sender: window, senderFrame: null })],
  ];
  for (const [name, event] of untrusted) {
    it(`refuses ${name} with FORBIDDEN, logs it and never calls the service`, async () => {
      const { ipcMain, window, service, log } = setup();
      const reply = (await ipcMain.invoke(event(window), INVOKE_CHANNEL, 'flows.list', {})) as ApiReply;
      expect(reply).toEqual({ ok: false, error: expect.objectContaining({ code: 'FORBIDDEN', message: expect.any(String) }) });
      expect(service.calls).toEqual([]);
      expect(log).toHaveBeenCalledWith(expect.stringContaining('Refused the API call flows.list'));
    });
  }

  it('refuses everything while there is no window, and when the check itself throws', async () => {
    const ipcMain = new FakeIpcMain();
    const service = stubService();
    registerIpc(ipcMain, service, { isTrustedSender: createSenderCheck({ entry, windowContents: () => undefined }), log: () => {} });
    const window = new FakeWebContents(1, entry.url);
    expect(await ipcMain.invoke({ sender: window, senderFrame: window.mainFrame }, INVOKE_CHANNEL, 'flows.list', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const other = new FakeIpcMain();
    registerIpc(other, service, {
      isTrustedSender: () => {
        throw new Error('boom');
      },
      log: () => {},
    });
    expect(await other.invoke({ sender: window, senderFrame: window.mainFrame }, INVOKE_CHANNEL, 'flows.list', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(service.calls).toEqual([]);
  });

  it('trusts the dev server origin in development, any path on it', () => {
    const dev = resolveAppEntry({ appDir: '/repo/dist/electron', devServerUrl: 'http://localhost:5173/', isPackaged: false });
    const window = new FakeWebContents(1, 'http://localhost:5173/#/runs');
    const check = createSenderCheck({ entry: dev, windowContents: () => window });
    expect(check({ sender: window, senderFrame: window.mainFrame })).toBe(true);
    expect(check({ sender: window, senderFrame: { ...window.mainFrame, url: 'http://localhost:5174/' } })).toBe(false);
  });

  it('forwards service events to our window only while it shows our page', () => {
    const { window, service } = setup();
    service.emit({ type: 'runs.changed', runId: 'run-1', status: 'failed' });
    expect(window.sent).toEqual([{ channel: EVENT_CHANNEL, args: [{ type: 'runs.changed', runId: 'run-1', status: 'failed' }] }]);

    window.mainFrame.url = 'https://evil.example/';
    service.emit({ type: 'inbox.changed' });
    window.mainFrame.url = entry.url;
    window.destroyed = true;
    service.emit({ type: 'inbox.changed' });
    expect(window.sent).toHaveLength(1);
  });

  it('sends app commands through the same event channel and stops on dispose', () => {
    const { ipcMain, window, service, registration } = setup();
    registration.send({ type: 'app.command', command: 'flow.save' });
    expect(window.sent.at(-1)).toEqual({ channel: EVENT_CHANNEL, args: [{ type: 'app.command', command: 'flow.save' }] });
    registration.dispose();
    expect(ipcMain.handlers.size).toBe(0);
    expect(service.listenerCount()).toBe(0);
  });
});

describe('the Electron door end to end (fake ipcMain ↔ fake ipcRenderer, real adapter and preload)', () => {
  it('keeps error shapes intact across the door', async () => {
    const service = stubService({
      'flows.get': async () => {
        throw new ApiError({ code: 'FLOW_NOT_FOUND', message: 'There is no saved flow "x".', hint: 'Import it first.', problems: [{ path: 'id', message: 'unknown', severity: 'error' }] });
      },
    });
    const { api, preload } = ipcDoor(service);
    expect(await preload.flows.get({ id: 'x' })).toEqual({ ok: false, error: { code: 'FLOW_NOT_FOUND', message: 'There is no saved flow "x".', hint: 'Import it first.', problems: [{ path: 'id', message: 'unknown', severity: 'error' }] } });
    const error = await api.flows.get({ id: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'FLOW_NOT_FOUND', hint: 'Import it first.' });
  });

  it('delivers service events to onEvent listeners', async () => {
    const service = stubService();
    const { api } = ipcDoor(service);
    const seen: unknown[] = [];
    const unsubscribe = api.onEvent((event) => seen.push(event));
    service.emit({ type: 'flows.changed', flowId: 'invoice-triage' });
    unsubscribe();
    service.emit({ type: 'inbox.changed' });
    expect(seen).toEqual([{ type: 'flows.changed', flowId: 'invoice-triage' }]);
  });

  it('is refused when the page is not ours', async () => {
    const service = stubService();
    const { ipcMain, contents } = ipcDoor(service, { isTrustedSender: createSenderCheck({ entry, windowContents: () => contents }), log: () => {} });
    contents.mainFrame.url = APP_URL.replace('index.html', 'other.html');
    const preload = new FakeIpcRenderer(ipcMain, contents);
    expect(await preload.invoke(INVOKE_CHANNEL, 'settings.get', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});
