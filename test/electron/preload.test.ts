import { describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../../engine/model/contract.ts';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../electron/channels.ts';
import { createPreloadApi, type IpcRendererLike } from '../../electron/preload-api.ts';

function fakeIpcRenderer(reply: unknown = { ok: true, result: 'fine' }) {
  const listeners = new Set<(event: unknown, ...args: unknown[]) => void>();
  const ipc = {
    invoke: vi.fn(async (..._args: unknown[]) => reply),
    on: vi.fn((_channel: string, listener: (event: unknown, ...args: unknown[]) => void) => listeners.add(listener)),
    removeListener: vi.fn((_channel: string, listener: (event: unknown, ...args: unknown[]) => void) => listeners.delete(listener)),
  } satisfies IpcRendererLike;
  const push = (payload: unknown) => {
    for (const listener of [...listeners]) listener({ sender: 'the ipcRenderer itself', ports: [] }, payload);
  };
  return { ipc, listeners, push };
}

function expectedShape(): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const name of METHOD_NAMES) {
    const [group, member] = name.split('.') as [string, string];
    (groups[group] ??= []).push(member);
  }
  return groups;
}

describe('preload API', () => {
  it('has exactly the contract method groups and onEvent', () => {
    const api = createPreloadApi(fakeIpcRenderer().ipc) as unknown as Record<string, unknown>;
    const shape = Object.fromEntries(Object.entries(api).filter(([key]) => key !== 'onEvent').map(([group, members]) => [group, Object.keys(members as object)]));
    expect(shape).toEqual(expectedShape());
    expect(typeof api.onEvent).toBe('function');
  });

  it('calls flowkeeper:invoke with the method name and arguments and resolves to the raw envelope', async () => {
    const envelope = { ok: false, error: { code: 'FLOW_NOT_FOUND', message: 'nope', hint: 'import it' } };
    const { ipc } = fakeIpcRenderer(envelope);
    const api = createPreloadApi(ipc);
    expect(await api.flows.get({ id: 'x' })).toEqual(envelope);
    expect(await api.inbox.list()).toEqual(envelope);
    expect(ipc.invoke.mock.calls).toEqual([
      [INVOKE_CHANNEL, 'flows.get', { id: 'x' }],
      [INVOKE_CHANNEL, 'inbox.list', {}],
    ]);
  });

  it('shares one ipcRenderer listener, passes only the payload, and unsubscribes', () => {
    const { ipc, listeners, push } = fakeIpcRenderer();
    const api = createPreloadApi(ipc);
    const a = vi.fn();
    const b = vi.fn(() => {
      throw new Error('a broken listener');
    });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const offA = api.onEvent(a);
    const offB = api.onEvent(b);
    expect(ipc.on).toHaveBeenCalledTimes(1);
    expect(ipc.on).toHaveBeenCalledWith(EVENT_CHANNEL, expect.any(Function));

    push({ type: 'inbox.changed' });
    expect(a).toHaveBeenCalledWith({ type: 'inbox.changed' });
    expect(a.mock.calls[0]).toHaveLength(1); // never Electron's event object
    expect(errors).toHaveBeenCalled();

    offA();
    offA();
    expect(listeners.size).toBe(1);
    offB();
    expect(listeners.size).toBe(0);
    expect(ipc.removeListener).toHaveBeenCalledTimes(1);
    errors.mockRestore();
  });

  it('refuses a listener that is not a function', () => {
    const api = createPreloadApi(fakeIpcRenderer().ipc);
    expect(() => api.onEvent('alert(1)' as unknown as () => void)).toThrow(/needs a function/);
  });
});
