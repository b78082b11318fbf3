/**
 * Demo mode through the API: a flow that signs in to a real local HTTP server (which counts its
 * requests) and asks an OpenAI-compatible local server runs once for real; that run then answers
 * demo runs made by a second service on the same data folder whose keychain throws on any
 * access. The demo sends nothing to either server, reads no credential, gives the reference's
 * outputs, says "demo" in its trace and run summary, and a demo with another input reports what
 * the recording lacks instead of sending it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../../engine/index.ts';
import { FileTraceStore } from '../../../engine/trace/index.ts';
import { isProductionRun } from '../../../engine/charter/metrics.ts';
import { ReferenceStore } from '../../../engine/handover/index.ts';
import type { ReferenceRun } from '../../../engine/model/handover-bundle.ts';
import { join } from 'node:path';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import type { TestServer } from '../../helpers/http-server.ts';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.ts';
import { AI_KEY, TOKEN, ThrowingKeychain, orderFlow, runToEnd, startShop } from './support.ts';

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
    // The recording's AI answer was paid once, by the reference; the demo spent nothing.
    expect(reference.cost.costUsd).toBeGreaterThan(0);
    expect(demo.cost).toMatchObject({ costUsd: 0, promptTokens: 0, completionTokens: 0 });
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

  it('a stored reference run of the flow (as an imported bundle leaves it) answers a demo too, and the run says so', async () => {
    const trace = await new FileTraceStore(dir).load(referenceId);
    // A reference with an id of its own, so it is found in references/, not in runs/.
    const run = { runId: 'ref-handed-over', flowVersion: trace.header.flowVersion, status: 'succeeded' as const, createdAt: trace.header.createdAt, header: { ...trace.header, runId: 'ref-handed-over' }, events: trace.events } as unknown as ReferenceRun;
    await new ReferenceStore(join(dir, 'references')).put('order-reply', run, { kind: 'bundle', importedAt: '2026-01-01T00:00:00.000Z', bundleCreatedAt: '2026-01-01T00:00:00.000Z' });
    const runId = await runToEnd(api, { flowId: 'order-reply', demo: { runId: 'ref-handed-over' } });
    const demo = await api.runs.get({ runId });
    expect(demo.status).toBe('succeeded');
    expect(demo.demo).toMatchObject({ runId: 'ref-handed-over', from: 'reference' });
    expect(demo.outputs).toEqual((await api.runs.get({ runId: referenceId })).outputs);
    expect([shop.requests.length, ai.requests.length, keychain.calls]).toEqual([1, 1, 0]);
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
