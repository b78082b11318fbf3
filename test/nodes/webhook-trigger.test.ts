/**
 * "On a webhook" through the real service and real HTTP: 2xx only once the event is in the
 * journal on disk, auth (bearer, shared secret), HMAC signatures, body limit, 429 above the cap,
 * "answer with the flow's result", delivery ids that start one run, and the port closing when
 * the flow is switched off.
 */
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../engine/index.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { json, startServer, type TestServer } from '../helpers/http-server.ts';
import { withReadyCharter } from '../helpers/ready-charter.ts';

let dir: string;
let cleanup: () => Promise<void>;
let service: FlowkeeperService;
let api: FlowkeeperApi;
let port: number;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function hookFlow(config: Record<string, unknown>, after: Array<Record<string, unknown>> = [{ id: 'mark', type: 'transform.set', config: { fields: [{ name: 'seen', value: '{{ body.order }}' }] } }]) {
  return withReadyCharter({
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: 'hook',
    name: 'Hook',
    nodes: [{ id: 'hook', type: 'trigger.webhook', config: { port, path: '/hooks/orders', ...config } }, ...after],
    edges: after.length ? [{ source: 'hook', target: String(after[0]!.id) }] : [],
  });
}

async function activate(config: Record<string, unknown>, after?: Array<Record<string, unknown>>) {
  await api.flows.save({ flow: hookFlow(config, after) });
  const status = await api.flows.activate({ id: 'hook' });
  expect(status.triggers[0]).toMatchObject({ state: 'listening' });
}

const post = (body: unknown, headers: Record<string, string> = {}, path = '/hooks/orders') =>
  fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  port = await freePort();
  service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
  api = inProcessApi(service);
});
afterEach(async () => {
  await service.close();
  await cleanup();
});

describe('On a webhook', () => {
  it('answers 202 with the run id once the event is on disk, and the run gets the request', async () => {
    await activate({});
    const res = await post({ order: 42 });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect(await readFile(join(dir, 'triggers', 'intake.jsonl'), 'utf8')).toContain(runId);
    await service.idle();
    const run = await api.runs.get({ runId });
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toEqual({ mark: { out: [expect.objectContaining({ body: { order: 42 }, seen: 42, method: 'POST', path: '/hooks/orders' })] } });
    expect((await fetch(`http://127.0.0.1:${port}/elsewhere`, { method: 'POST' })).status).toBe(404);
    const wrongMethod = await fetch(`http://127.0.0.1:${port}/hooks/orders`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect((await post('{not json')).status).toBe(400);
  });

  it('checks a bearer token and a shared secret, and never passes them to the run', async () => {
    await api.credentials.set({ id: 'hook-token', type: 'webhook.secret', values: { token: 'tok-123', value: 'shh-456' } });
    await activate({ auth: 'bearer', credential: 'hook-token' });
    expect((await post({ order: 1 })).status).toBe(401);
    expect((await post({ order: 1 }, { authorization: 'Bearer nope' })).status).toBe(401);
    const ok = await post({ order: 1 }, { authorization: 'Bearer tok-123' });
    expect(ok.status).toBe(202);
    await activate({ auth: 'header', authHeader: 'X-Hook-Secret', credential: 'hook-token' });
    expect((await post({ order: 2 }, { 'x-hook-secret': 'wrong' })).status).toBe(401);
    const ok2 = await post({ order: 2 }, { 'x-hook-secret': 'shh-456' });
    expect(ok2.status).toBe(202);
    await service.idle();
    for (const res of [ok, ok2]) {
      const { runId } = (await res.json()) as { runId: string };
      const trace = await readFile(join(dir, 'runs', `${runId}.jsonl`), 'utf8');
      expect(trace).not.toContain('tok-123');
      expect(trace).not.toContain('shh-456');
    }
  });

  it('checks an HMAC signature over the raw body', async () => {
    await api.credentials.set({ id: 'signing', type: 'webhook.secret', values: { signingSecret: 'sign-me' } });
    await activate({ credential: 'signing', signatureHeader: 'X-Hub-Signature-256', signaturePrefix: 'sha256=' });
    const body = JSON.stringify({ order: 7 });
    const good = `sha256=${createHmac('sha256', 'sign-me').update(body).digest('hex')}`;
    expect((await post(body)).status).toBe(401);
    expect((await post(body, { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` })).status).toBe(401);
    expect((await post(`${body} `, { 'x-hub-signature-256': good })).status).toBe(401);
    expect((await post(body, { 'x-hub-signature-256': good })).status).toBe(202);
  });

  it('refuses a body over the limit with 413', async () => {
    await activate({ maxBodyKb: 1 });
    expect((await post({ text: 'x'.repeat(2048) })).status).toBe(413);
    expect((await post({ text: 'x'.repeat(100) })).status).toBe(202);
  });

  it('answers with the flow\'s result, and 429 with Retry-After above the cap', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    const slow: TestServer = await startServer(async (_req, res) => {
      arrived();
      await held;
      json(res, 200, { total: 99 });
    });
    try {
      await activate({ respondWith: 'result', maxConcurrent: 1 }, [{ id: 'price', type: 'http.request', config: { url: `${slow.url}/price`, output: 'body' } }]);
      const first = post({ order: 1 });
      await arrival;
      const second = await post({ order: 2 });
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('1');
      release();
      const done = await first;
      expect(done.status).toBe(200);
      expect(await done.json()).toMatchObject({ status: 'succeeded', outputs: { price: { out: [expect.objectContaining({ total: 99 })] } } });
    } finally {
      release();
      await slow.close();
    }
  });

  it('starts one run for a delivery sent twice', async () => {
    await activate({ deliveryIdHeader: 'X-Delivery-Id' });
    const a = (await (await post({ order: 1 }, { 'x-delivery-id': 'd-1' })).json()) as { runId: string };
    const b = (await (await post({ order: 1 }, { 'x-delivery-id': 'd-1' })).json()) as { runId: string; duplicate?: boolean };
    expect(b).toEqual({ runId: a.runId, duplicate: true });
    await service.idle();
    expect(await api.runs.list({ flowId: 'hook' })).toHaveLength(1);
  });

  it('stops listening when the flow is switched off, and says so when the port is taken', async () => {
    await activate({});
    await api.flows.deactivate({ id: 'hook' });
    await expect(post({ order: 1 })).rejects.toThrow();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      await api.flows.save({ flow: hookFlow({}) });
      const status = await api.flows.activate({ id: 'hook' });
      expect(status.triggers[0]).toMatchObject({ state: 'failed', lastError: { message: `Port ${port} is already used by another program. Choose another port for the webhook.` } });
    } finally {
      blocker.close();
    }
  });
});
