/**
 * Demo mode through the API: a flow that signs in to a real local HTTP server (which counts its
 * requests) and asks an OpenAI-compatible local server runs once for real; that run then answers
 * demo runs made by a second service on the same data folder whose keychain throws on any
 * access. The demo sends nothing to either server, reads no credential, gives the reference's
 * outputs, says "demo" in its trace and run summary, and a demo with another input reports what
 * the recording lacks instead of sending it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type ApiEvent, type FlowkeeperApi, type FlowkeeperService, type KeychainBackend } from '../../../engine/index.ts';
import { FileTraceStore } from '../../../engine/trace/index.ts';
import { isProductionRun } from '../../../engine/charter/metrics.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import { json, startServer, type TestServer } from '../../helpers/http-server.ts';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.ts';

export const TOKEN = 'tok-demo-7f3e2d1c0b9a';
export const AI_KEY = 'sk-demo-secret-5151';

/** A keychain stand-in for "no Secret Service": every access throws, and is counted. */
export class ThrowingKeychain implements KeychainBackend {
  calls = 0;
  private refuse(): never {
    this.calls++;
    throw new Error('The Secret Service is not available (test stand-in).');
  }
  getPassword(): Promise<string | null> {
    return Promise.resolve().then(() => this.refuse());
  }
  setPassword(): Promise<void> {
    return Promise.resolve().then(() => this.refuse());
  }
  deletePassword(): Promise<boolean> {
    return Promise.resolve().then(() => this.refuse());
  }
}

/** Order lookup: fetch the order (bearer), then the AI step writes a reply about it. */
export const orderFlow = (shopUrl: string, aiUrl: string) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'order-reply',
  name: 'Order reply',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'fetch', type: 'http.request', name: 'Fetch order', config: { url: `${shopUrl}/orders/{{ orderId }}`, auth: 'bearer', credential: 'shop-api' } },
    { id: 'reply', type: 'llm.generate', name: 'Write reply', config: { provider: 'custom', baseUrl: aiUrl, credential: 'ai-key', model: 'gpt-4o-mini', prompt: 'Write to {{ body.customer }} about order {{ body.id }}.', timeoutSeconds: 5, maxRetries: 0 } },
  ],
  edges: [
    { source: 'start', target: 'fetch' },
    { source: 'fetch', target: 'reply' },
  ],
});

export function startShop(): Promise<TestServer> {
  return startServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { error: 'who are you?' });
    const id = req.url.split('/').pop();
    json(res, 200, { id, customer: id === 'A-1' ? 'Ada' : 'Ben', total: 42 });
  });
}

export async function runToEnd(api: FlowkeeperApi, start: Parameters<FlowkeeperApi['runs']['start']>[0]): Promise<string> {
  let runId: string | undefined;
  const finished = new Set<string>();
  let wake: (() => void) | undefined;
  const off = api.onEvent((event: ApiEvent) => {
    if (event.type === 'runs.changed' && ['succeeded', 'failed', 'cancelled'].includes(event.status)) {
      finished.add(event.runId);
      if (event.runId === runId) wake?.();
    }
  });
  try {
    runId = (await api.runs.start(start)).runId;
    if (!finished.has(runId)) await new Promise<void>((resolve) => (wake = resolve));
  } finally {
    off();
  }
  return runId;
}

let shop: TestServer;
let ai: OpenAiTestServer;
let dir: string;
let cleanup: () => Promise<void>;
let referenceId: string;
let service: FlowkeeperService;
let api: FlowkeeperApi;
const keychain = new ThrowingKeychain();

beforeAll(async () => {
  shop = await startShop();
  ai = await startOpenAiServer();
  ai.fallback = (request) => ({ kind: 'answer', content: `Dear customer, re: ${request.body.messages.at(-1)?.content}` });
  ({ dir, cleanup } = await tempDir());
  // The builder's machine: credentials in the keychain, one real run.
  const builder = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false, triggers: false });
  const builderApi = inProcessApi(builder);
  await builderApi.credentials.set({ id: 'shop-api', type: 'http.bearer', label: 'Shop', values: { token: TOKEN } });
  await builderApi.credentials.set({ id: 'ai-key', type: 'llm.api', label: 'AI', values: { apiKey: AI_KEY } });
  await builderApi.flows.import({ text: JSON.stringify(orderFlow(shop.url, ai.baseUrl)) });
  referenceId = await runToEnd(builderApi, { flowId: 'order-reply', input: { orderId: 'A-1' } });
  expect((await builderApi.runs.get({ runId: referenceId })).status).toBe('succeeded');
  await builder.close();
  expect(shop.requests).toHaveLength(1);
  expect(ai.requests).toHaveLength(1);
  // The demo machine: the same folder, but a keychain that cannot be reached at all.
  service = await createService({ dataDir: dir, registry, keychain, resumeOnStart: false, triggers: false });
  api = inProcessApi(service);
});
afterAll(async () => {
  await service?.close();
  await shop?.close();
  await ai?.close();
  await cleanup?.();
});

describe('demo mode', () => {
  it('answers every call from the reference: nothing reaches either server, no credential is read, the outputs are the reference\'s', async () => {
    const runId = await runToEnd(api, { flowId: 'order-reply', demo: { runId: referenceId } });
    expect(shop.requests).toHaveLength(1);
    expect(ai.requests).toHaveLength(1);
    expect(keychain.calls).toBe(0);
    const demo = await api.runs.get({ runId });
    const reference = await api.runs.get({ runId: referenceId });
    expect(demo.status).toBe('succeeded');
    expect(demo.mode).toBe('demo');
    expect(demo.demo).toEqual({ runId: referenceId, from: 'run', flowVersion: reference.flowVersion });
    expect(demo.input).toEqual({ orderId: 'A-1' });
    expect(demo.outputs).toEqual(reference.outputs);
    expect(demo.nodes.reply!.outputs).toEqual(reference.nodes.reply!.outputs);
    // The trace says so in its header, and holds the answers as a live run would (so it replays).
    const trace = await new FileTraceStore(dir).load(runId);
    expect(trace.header).toMatchObject({ mode: 'demo', demo: { runId: referenceId, from: 'run' } });
    expect(trace.events.filter((e) => e.type === 'external.result').map((e) => (e as { kind: string }).kind)).toEqual(expect.arrayContaining(['http', 'llm']));
    expect(JSON.stringify(trace)).not.toContain(TOKEN);
    const replay = await api.runs.replay({ runId });
    expect(replay.identical).toBe(true);
    // Listed as a demo run.
    const listed = (await api.runs.list({ flowId: 'order-reply', limit: 10, offset: 0 })).find((r) => r.runId === runId);
    expect(listed).toMatchObject({ mode: 'demo', demo: { runId: referenceId } });
  });

  it('a different input is reported, never sent or guessed: the step fails saying what the recording asked for', async () => {
    const runId = await runToEnd(api, { flowId: 'order-reply', input: { orderId: 'B-7' }, demo: { runId: referenceId } });
    expect(shop.requests).toHaveLength(1);
    expect(ai.requests).toHaveLength(1);
    expect(keychain.calls).toBe(0);
    const demo = await api.runs.get({ runId });
    expect(demo.status).toBe('failed');
    expect(demo.nodes.fetch!.status).toBe('failed');
    const error = demo.nodes.fetch!.error!;
    expect(error.code).toBe('DEMO_NOT_RECORDED');
    expect(error.message).toContain(`This demo has no recorded answer for the HTTP request of node "Fetch order" (item 1) (the recording asked for url “${shop.url}/orders/A-1”, this run for “${shop.url}/orders/B-7”). Nothing was sent.`);
    expect(demo.nodes.reply).toBeUndefined();
    expect(demo.errorInfo?.nodeId).toBe('fetch');
  });

  it('a reference that cannot answer a demo is refused at once, in words', async () => {
    await expect(api.runs.start({ flowId: 'order-reply', demo: { runId: 'run-nope' } })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND', message: expect.stringContaining('no run or reference run “run-nope”') });
    await expect(api.runs.start({ flowId: 'order-reply', demo: { runId: referenceId, from: 'reference' } })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('demo runs are left out of every count: dashboard, production runs, alerts (a real failing run on the same machine does raise one)', async () => {
    const failedDemo = await runToEnd(api, { flowId: 'order-reply', input: { orderId: 'C-3' }, demo: { runId: referenceId } });
    expect((await api.runs.get({ runId: failedDemo })).status).toBe('failed');
    const demos = (await api.runs.list({ flowId: 'order-reply', limit: 100, offset: 0 })).filter((r) => r.mode === 'demo');
    expect(demos.length).toBeGreaterThanOrEqual(3);
    const board = await api.dashboard.get({ flowId: 'order-reply', days: 14 });
    expect(board.overall.runs).toMatchObject({ total: 1, succeeded: 1, failed: 0 });
    expect((await api.dashboard.runs({ flowId: 'order-reply', days: 14, limit: 100, offset: 0 })).runs.map((r) => r.runId)).toEqual([referenceId]);
    expect(isProductionRun({ mode: 'demo', startedBy: 'trigger:start' })).toBe(false);
    const failedAlerts = () => api.alerts.list({ recent: 50 }).then((list) => [...list.open, ...list.recent].filter((a) => a.flowId === 'order-reply' && a.kind === 'run-failed'));
    expect(await failedAlerts()).toEqual([]);
    // The same flow run for real here fails (the keychain cannot be read) and is alerted.
    const real = await runToEnd(api, { flowId: 'order-reply', input: { orderId: 'A-1' } });
    expect((await api.runs.get({ runId: real })).status).toBe('failed');
    await expect.poll(failedAlerts).toHaveLength(1);
    // Alerts take run events in order: had the failed demos counted, this one would count them too.
    expect((await failedAlerts())[0]).toMatchObject({ count: 1, runId: real });
    expect(keychain.calls).toBeGreaterThan(0);
  });
});
