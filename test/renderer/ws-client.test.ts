/**
 * The renderer's WebSocket client: queueing while connecting, replies and events, a dropped
 * connection (pending calls fail plainly, then reconnect with backoff), a refused access key,
 * and malformed messages. Fake sockets for the timing; the real bridge for the 401 path.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, buildApi } from '../../engine/model/contract.ts';
import { UNAUTHORIZED_MESSAGE, WsClient, type ConnectionStatus, type SocketLike } from '../../renderer/ws-client.ts';
import { startBridge } from '../../cli/serve.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { tempDir } from '../helpers/engine.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Array<{ id: number; method: string; args: unknown }> = [];
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as { id: number; method: string; args: unknown });
  }
  close(code = 1000, reason = '') {
    this.drop(code, reason);
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  receive(message: unknown) {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }
}

function setup(options: { probe?: () => Promise<boolean> } = {}) {
  const sockets: FakeSocket[] = [];
  const statuses: ConnectionStatus[] = [];
  const logs: string[] = [];
  const client = new WsClient({
    url: 'ws://127.0.0.1:1/api/ws?token=k',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    backoff: { initialMs: 100, maxMs: 1000, factor: 2 },
    log: (m) => logs.push(m),
    ...(options.probe ? { probeUnauthorized: options.probe } : {}),
  });
  client.onStatus((s) => statuses.push(s));
  return { client, sockets, statuses, logs, api: buildApi(client), last: () => sockets.at(-1)! };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('WsClient', () => {
  it('queues calls while connecting and answers each by id', async () => {
    const { api, last, statuses } = setup();
    const flows = api.flows.list({});
    const settings = api.settings.get();
    expect(last().sent).toEqual([]);
    last().open();
    expect(statuses.at(-1)).toEqual({ state: 'connected' });
    expect(last().sent.map((m) => [m.method, m.args])).toEqual([
      ['flows.list', {}],
      ['settings.get', {}],
    ]);
    const [a, b] = last().sent;
    last().receive({ id: b!.id, reply: { ok: true, result: { reviewerName: 'Ana' } } });
    last().receive({ id: a!.id, reply: { ok: false, error: { code: 'NOPE', message: 'Not today.', hint: 'Tomorrow.' } } });
    await expect(settings).resolves.toEqual({ reviewerName: 'Ana' });
    const error = await flows.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'NOPE', message: 'Not today.', hint: 'Tomorrow.' });
  });

  it('delivers pushed events to subscribers until they unsubscribe', () => {
    const { api, last } = setup();
    last().open();
    const seen: unknown[] = [];
    const off = api.onEvent((e) => seen.push(e));
    last().receive({ event: { type: 'runs.changed', runId: 'r1', status: 'running' } });
    off();
    last().receive({ event: { type: 'inbox.changed' } });
    expect(seen).toEqual([{ type: 'runs.changed', runId: 'r1', status: 'running' }]);
  });

  it('fails calls in flight with DISCONNECTED, keeps unsent ones, and reconnects with growing delays', async () => {
    vi.useFakeTimers();
    const { api, sockets, last, statuses } = setup();
    last().open();
    const started = api.runs.start({ flowId: 'f' });
    last().drop();
    const error = (await started.catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe('DISCONNECTED');
    expect(error.message).toBe('The connection to Flowkeeper was lost before it answered.');
    expect(error.hint).toMatch(/Check the Runs list/);
    await vi.waitFor(() => expect(statuses.at(-1)?.state).toBe('reconnecting'));
    const firstDelay = statuses.at(-1)!.retryInMs!;
    expect(firstDelay).toBeGreaterThanOrEqual(85);
    expect(firstDelay).toBeLessThanOrEqual(115);

    // Asked while reconnecting: queued, sent once the new socket opens.
    const list = api.flows.list({});
    await vi.advanceTimersByTimeAsync(firstDelay);
    expect(sockets).toHaveLength(2);
    last().drop();
    await vi.waitFor(() => expect(statuses.at(-1)?.state).toBe('reconnecting'));
    expect(statuses.at(-1)!.retryInMs!).toBeGreaterThanOrEqual(170);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(3);
    last().open();
    expect(last().sent.map((m) => m.method)).toEqual(['flows.list']);
    last().receive({ id: last().sent[0]!.id, reply: { ok: true, result: [] } });
    await expect(list).resolves.toEqual([]);
    expect(statuses.at(-1)).toEqual({ state: 'connected' });
  });

  it('stops on a refused key (close code 4401) and fails calls plainly', async () => {
    const { api, last, statuses, sockets } = setup();
    const call = api.flows.list({});
    last().drop(4401, 'unauthorized');
    await vi.waitFor(() => expect(statuses.at(-1)).toEqual({ state: 'unauthorized', message: UNAUTHORIZED_MESSAGE }));
    await expect(call).rejects.toMatchObject({ code: 'UNAUTHORIZED', hint: UNAUTHORIZED_MESSAGE });
    await expect(api.flows.list({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(sockets).toHaveLength(1);
  });

  it('asks over HTTP whether the key was refused when the socket never opened', async () => {
    let refused = false;
    const { last, statuses, client, sockets } = setup({ probe: async () => refused });
    last().drop();
    await vi.waitFor(() => expect(statuses.at(-1)?.state).toBe('reconnecting'));
    client.connect();
    expect(sockets).toHaveLength(2);
    refused = true;
    last().drop();
    await vi.waitFor(() => expect(statuses.at(-1)?.state).toBe('unauthorized'));
    // "Try again" after opening the right link.
    client.connect();
    expect(statuses.at(-1)?.state).toBe('connecting');
    last().open();
    expect(statuses.at(-1)?.state).toBe('connected');
    client.close();
  });

  it('ignores unreadable messages and rejects a malformed reply for its call', async () => {
    const { api, last, logs } = setup();
    last().open();
    const call = api.flows.list({});
    last().receive('not json');
    last().receive({ id: null, reply: { ok: false, error: { code: 'BAD_MESSAGE', message: 'Bad.' } } });
    last().receive({ id: 999, reply: { ok: true, result: 1 } });
    last().receive({ id: last().sent[0]!.id, reply: { nonsense: true } });
    await expect(call).rejects.toMatchObject({ code: 'BAD_REPLY' });
    expect(logs).toEqual(['Flowkeeper sent a message that is not JSON; ignored.', 'Flowkeeper could not read a message from this page']);
  });

  it('fails everything when closed by the page', async () => {
    const { api, client } = setup();
    const call = api.flows.list({});
    client.close();
    await expect(call).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await expect(api.flows.list({})).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });

  it('reports a wrong key against the real bridge (401 on the upgrade)', async () => {
    const { dir, cleanup } = await tempDir();
    const bridge = await startBridge({ dataDir: join(dir, 'data'), port: 0, staticDir: join(dir, 'app'), keychain: new MemoryKeychain() });
    const url = `${bridge.origin.replace('http', 'ws')}/api/ws?token=wrong`;
    const client = new WsClient({
      url,
      createSocket: (u) => new WebSocket(u) as never,
      probeUnauthorized: async () => (await fetch(url.replace('ws', 'http'))).status === 401,
      log: () => {},
    });
    try {
      await vi.waitFor(() => expect(client.status).toEqual({ state: 'unauthorized', message: UNAUTHORIZED_MESSAGE }), { timeout: 5000 });
      const good = new WsClient({ url: url.replace('wrong', bridge.token), createSocket: (u) => new WebSocket(u) as never });
      await expect(buildApi(good).flows.list({})).resolves.toEqual([]);
      good.close();
    } finally {
      client.close();
      await bridge.close();
      await cleanup();
    }
  });
});
