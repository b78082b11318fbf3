/**
 * One contract suite, run three times: against the in-process service, through the web bridge's
 * WebSocket (the renderer's real client), and through the Electron IPC adapter with the real
 * preload factory over a paired fake ipcMain/ipcRenderer. Same results, same error shapes.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  buildApi,
  createService,
  inProcessApi,
  unwrapReply,
  type ApiEvent,
  type ApiReply,
  type FlowkeeperApi,
  type FlowkeeperService,
  type MethodName,
} from '../../engine/index.ts';
import { startBridge, type Bridge } from '../../cli/serve.ts';
import { registerIpc, type InvokeEventLike } from '../../electron/ipc.ts';
import { createPreloadApi } from '../../electron/preload-api.ts';
import { WsClient } from '../../renderer/ws-client.ts';
import { startDemoApi, type DemoApi } from '../../examples/demo-api/server.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { json, startServer, type TestServer } from '../helpers/http-server.ts';
import { startOpenAiServer, type OpenAiTestServer } from '../helpers/openai-server.ts';
import { readyCharter } from '../helpers/ready-charter.ts';

interface Door {
  name: string;
  open(): Promise<{ api: FlowkeeperApi; service: FlowkeeperService; dataDir: string; close(): Promise<void> }>;
}

let demo: DemoApi;
let echo: TestServer;
let ai: OpenAiTestServer;
let invoiceFlowText: string;
const errorShapes = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  demo = await startDemoApi(0);
  echo = await startServer((req, res) => json(res, 200, { authorization: req.headers.authorization ?? null }));
  ai = await startOpenAiServer();
  ai.fallback = () => ({ kind: 'answer', content: JSON.stringify({ label: 'billing', confidence: 0.9, reason: 'mentions an invoice' }), promptTokens: 1000, completionTokens: 500, model: 'gpt-4o-mini' });
  invoiceFlowText = (await readFile(join(import.meta.dirname, '..', '..', 'examples', 'invoice-triage', 'flow.json'), 'utf8')).replaceAll('http://127.0.0.1:4010', demo.url);
});
afterAll(async () => {
  await demo.close();
  await echo.close();
  await ai.close();
});

async function newService() {
  const { dir, cleanup } = await tempDir();
  const service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
  return { service, dir, cleanup };
}

const doors: Door[] = [
  {
    name: 'in-process',
    async open() {
      const { service, dir, cleanup } = await newService();
      return { api: inProcessApi(service), service, dataDir: dir, close: async () => (await service.close(), await cleanup()) };
    },
  },
  {
    name: 'web bridge (WebSocket)',
    async open() {
      const { service, dir, cleanup } = await newService();
      const bridge: Bridge = await startBridge({ dataDir: dir, port: 0, service, staticDir: join(dir, 'no-app') });
      const client = new WsClient({ url: `${bridge.origin.replace('http', 'ws')}/api/ws?token=${bridge.token}`, createSocket: (url) => new WebSocket(url) as never });
      return {
        api: buildApi(client),
        service,
        dataDir: dir,
        close: async () => {
          client.close();
          await bridge.close();
          await service.close();
          await cleanup();
        },
      };
    },
  },
  {
    name: 'Electron IPC (paired fakes)',
    async open() {
      const { service, dir, cleanup } = await newService();
      const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
      const rendererListeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
      const sender: InvokeEventLike = { sender: { id: 1 }, senderFrame: { url: 'file:///app/dist/renderer/index.html', parent: null } };
      // Electron structured-clones every message: a JSON round trip is the same for plain data.
      const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
      const registration = registerIpc(
        { handle: (channel, listener) => void handlers.set(channel, listener), removeHandler: (channel) => void handlers.delete(channel) },
        service,
        {
          isTrustedSender: (event) => event.sender.id === 1 && event.senderFrame?.parent === null,
          eventTargets: () => [{ id: 1, isDestroyed: () => false, getURL: () => sender.senderFrame!.url, send: (channel, payload) => rendererListeners.get(channel)?.forEach((l) => l({}, clone(payload))) }],
        },
      );
      const preload = createPreloadApi({
        invoke: async (channel, ...args) => clone(await handlers.get(channel)!(sender, ...clone(args))),
        on: (channel, listener) => void (rendererListeners.get(channel) ?? rendererListeners.set(channel, new Set()).get(channel)!).add(listener),
        removeListener: (channel, listener) => void rendererListeners.get(channel)?.delete(listener),
      });
      // What renderer/api.ts does with window.flowkeeper: call the nested method, unwrap the envelope.
      const api = buildApi({
        invoke: async (method: MethodName, args) => {
          const [group, member] = method.split('.') as [string, string];
          const fn = (preload as unknown as Record<string, Record<string, (a: unknown) => Promise<ApiReply>>>)[group]![member]!;
          return unwrapReply(await fn(args));
        },
        subscribe: (listener) => preload.onEvent(listener),
      });
      return { api, service, dataDir: dir, close: async () => (registration.dispose(), await service.close(), await cleanup()) };
    },
  },
];

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected the call to fail');
}

function waitFor(api: FlowkeeperApi, predicate: (event: ApiEvent) => boolean, timeoutMs = 10_000): Promise<ApiEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error('timed out waiting for an event'))), timeoutMs);
    const off = api.onEvent((event) => {
      if (predicate(event)) {
        clearTimeout(timer);
        off();
        resolve(event);
      }
    });
  });
}

describe.each(doors)('API contract through $name', (door) => {
  let api: FlowkeeperApi;
  let close: () => Promise<void>;
  let dataDir: string;
  const shapes: Record<string, unknown> = {};

  beforeAll(async () => {
    ({ api, close, dataDir } = await door.open());
  });
  afterAll(async () => {
    errorShapes.set(door.name, shapes);
    await close();
  });

  it('lists the node catalogue with settings schemas', async () => {
    const catalog = await api.catalog.list();
    const http = catalog.find((n) => n.type === 'http.request');
    expect(http).toMatchObject({ title: 'HTTP request', category: 'integration', effects: 'depends', inputs: ['in'] });
    expect((http!.configSchema as { properties: Record<string, unknown> }).properties.url).toBeDefined();
    expect(catalog.find((n) => n.type === 'trigger.manual')?.trigger).toBe(true);
  });

  it('imports, lists, gets, exports and versions flows', async () => {
    expect(await api.flows.list()).toEqual([]);
    const imported = await api.flows.import({ text: invoiceFlowText });
    expect(imported.version).toBe(1);
    const list = await api.flows.list();
    expect(list).toEqual([expect.objectContaining({ id: 'invoice-triage', name: 'Invoice triage', owner: 'finance-ops@example.com', version: 1, nodeCount: 7 })]);
    const { flow, problems } = await api.flows.get({ id: 'invoice-triage' });
    expect(problems).toEqual([]);
    const saved = await api.flows.save({ flow: { ...(flow as object), description: 'Changed' }, expectedVersion: 1 });
    expect(saved.version).toBe(2);
    expect((await api.flows.versions({ id: 'invoice-triage' })).map((v) => v.version)).toEqual([2, 1]);
    expect(((await api.flows.get({ id: 'invoice-triage', version: 1 })).flow as { description: string }).description).not.toBe('Changed');
    const exported = await api.flows.export({ id: 'invoice-triage' });
    expect(exported.fileName).toBe('invoice-triage.flow.json');
    expect(JSON.parse(exported.text)).toMatchObject({ id: 'invoice-triage', version: 2 });
    // The example's "$schema" is a path inside the repository: not in a file that leaves it.
    expect(invoiceFlowText).toContain('"$schema": "../../docs/flow.schema.json"');
    expect(JSON.parse(exported.text)).not.toHaveProperty('$schema');
  });

  it('offers the shipped examples as templates, each a valid flow that saves as a new one', async () => {
    const templates = await api.flows.templates();
    expect(templates.map((t) => t.id)).toEqual(expect.arrayContaining(['invoice-triage', 'lead-routing', 'support-triage']));
    const invoice = templates.find((t) => t.id === 'invoice-triage')!;
    expect(invoice).toMatchObject({ name: 'Invoice triage', nodeCount: 7 });
    expect(invoice.nodeTypes).toContain('http.request');
    expect(invoice.flow.nodes).toHaveLength(7);
    const copy = { ...invoice.flow, id: 'invoice-copy', name: 'My invoices' };
    const saved = await api.flows.save({ flow: copy, expectedVersion: 0 });
    expect(saved).toMatchObject({ version: 1, problems: [] });
    expect((await api.flows.get({ id: 'invoice-copy' })).flow.name).toBe('My invoices');
    await api.flows.delete({ id: 'invoice-copy' });
  });

  it('refuses a save over someone else\'s newer version', async () => {
    const { flow } = await api.flows.get({ id: 'invoice-triage' });
    const error = await apiError(api.flows.save({ flow, expectedVersion: 1 }));
    expect(error.code).toBe('FLOW_CONFLICT');
    expect(error.message).toMatch(/saved elsewhere meanwhile \(now version 2, you edited version 1\)/);
    expect(error.hint).toMatch(/Reload/);
    shapes.conflict = error.toInfo();
  });

  it('validates without saving and reports problems with paths', async () => {
    const result = await api.flows.validate({ flow: { format: 'flowkeeper/flow', formatVersion: 1, id: 'x', name: 'X', nodes: [{ id: 'a', type: 'nope' }], edges: [] } });
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.path)).toContain('nodes[0].type');
    const error = await apiError(api.flows.import({ text: '{ not json' }));
    expect(error.code).toBe('FLOW_INVALID');
    expect(error.problems?.[0]?.message).toMatch(/not valid JSON/);
    shapes.importInvalid = error.toInfo();
  });

  it('rejects bad arguments and unknown methods with the same error shape', async () => {
    const bad = await apiError((api.runs.get as (a: unknown) => Promise<unknown>)({}));
    expect(bad.code).toBe('INVALID_ARGUMENTS');
    expect(bad.problems).toEqual([expect.objectContaining({ path: 'runId', message: expect.stringMatching(/required/) })]);
    shapes.badArgs = bad.toInfo();
    const extra = await apiError((api.flows.get as (a: unknown) => Promise<unknown>)({ id: 'x', sneaky: true }));
    expect(extra.code).toBe('INVALID_ARGUMENTS');
    expect(extra.problems?.[0]?.message).toMatch(/Unknown field "sneaky"/);
    const missing = await apiError(api.flows.get({ id: 'does-not-exist' }));
    expect(missing.code).toBe('FLOW_NOT_FOUND');
    shapes.missing = missing.toInfo();
    const noRun = await apiError(api.runs.get({ runId: 'run-none' }));
    expect(noRun.code).toBe('RUN_NOT_FOUND');
    expect(noRun.message).not.toMatch(/\//); // no file paths leak to the renderer
    shapes.noRun = noRun.toInfo();
  });

  it('starts a run, pushes its events, and shows its state and trace', async () => {
    const finished = waitFor(api, (e) => e.type === 'runs.changed' && e.status === 'succeeded');
    const nodeEvents: string[] = [];
    const off = api.onEvent((e) => {
      if (e.type === 'run.event') nodeEvents.push(e.event.type);
    });
    const { runId } = await api.runs.start({ flowId: 'invoice-triage', input: { apiBase: demo.url } });
    expect(runId).toMatch(/^run-/);
    await finished;
    off();
    expect(nodeEvents).toContain('node.succeeded');
    expect(nodeEvents.at(-1)).toBe('run.finished');

    const detail = await api.runs.get({ runId });
    expect(detail.status).toBe('succeeded');
    expect(detail.nodes.fetch_invoices).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect((detail.nodes.fetch_invoices!.outputs as { out: unknown[] }).out).toHaveLength(4);

    const page1 = await api.traces.events({ runId, limit: 3 });
    expect(page1.events).toHaveLength(3);
    expect(page1.hasMore).toBe(true);
    const page2 = await api.traces.events({ runId, afterSeq: page1.lastSeq, limit: 5000 });
    expect((page2.events[0] as { seq: number }).seq).toBe(page1.lastSeq + 1);
    expect(page2.hasMore).toBe(false);

    expect((await api.runs.list({ flowId: 'invoice-triage' })).map((r) => r.runId)).toContain(runId);
    // What started it, in the summary; and pages by offset.
    const summary = (await api.runs.list({ flowId: 'invoice-triage' })).find((r) => r.runId === runId);
    expect(summary).toMatchObject({ startedBy: 'app', inputSummary: `apiBase: ${demo.url}` });
    const all = await api.runs.list({});
    expect((await api.runs.list({ offset: 1, limit: 1 })).map((r) => r.runId)).toEqual(all.slice(1, 2).map((r) => r.runId));
    expect((await api.runs.replay({ runId })).identical).toBe(true);

    const fork = await api.runs.fork({ runId, fromNodeId: 'is_routine' });
    await waitFor(api, (e) => e.type === 'runs.changed' && e.runId === fork.runId && e.status === 'succeeded');
    expect((await api.runs.get({ runId: fork.runId })).parentRunId).toBe(runId);

    const notActive = await apiError(api.runs.cancel({ runId }));
    expect(notActive.code).toBe('RUN_NOT_ACTIVE');
    const finishedAlready = await apiError(api.runs.resume({ runId }));
    expect(finishedAlready.code).toBe('RUN_FINISHED');
    shapes.finished = JSON.parse(JSON.stringify(finishedAlready.toInfo()).replaceAll(runId, '<run>')) as unknown;
  });

  it('refuses to run a flow with problems, saying which', async () => {
    await api.flows.save({ flow: { format: 'flowkeeper/flow', formatVersion: 1, id: 'draft', name: 'Draft', nodes: [{ id: 'start', type: 'trigger.manual' }, { id: 'call', type: 'http.request', config: {} }], edges: [{ source: 'start', target: 'call' }] } });
    const error = await apiError(api.runs.start({ flowId: 'draft' }));
    expect(error.code).toBe('FLOW_INVALID');
    expect(error.problems?.map((p) => p.path)).toContain('nodes[1].config.url');
    shapes.draft = error.toInfo();
  });

  it('says whether the keychain can be used before anything is saved', async () => {
    const status = await api.credentials.status();
    expect(status).toMatchObject({ keychain: 'available' });
    expect(status.message).toBeUndefined();
    expect(Array.isArray(status.fromEnvironment)).toBe(true);
  });

  it('keeps credential values write-only and uses them in runs without leaking them', async () => {
    const info = await api.credentials.set({ id: 'echo', type: 'http.bearer', label: 'Echo service', values: { token: 'contract-secret-token' } });
    expect(info).toMatchObject({ id: 'echo', fields: ['token'] });
    const listed = await api.credentials.list();
    expect(JSON.stringify(listed)).not.toContain('contract-secret-token');
    await api.flows.save({
      flow: {
        format: 'flowkeeper/flow',
        formatVersion: 1,
        id: 'signed',
        name: 'Signed call',
        nodes: [{ id: 'start', type: 'trigger.manual' }, { id: 'call', type: 'http.request', config: { url: echo.url, auth: 'bearer', credential: 'echo' } }],
        edges: [{ source: 'start', target: 'call' }],
      },
    });
    const pushed: ApiEvent[] = [];
    const off = api.onEvent((e) => pushed.push(e));
    const done = waitFor(api, (e) => e.type === 'runs.changed' && e.status === 'succeeded');
    const { runId } = await api.runs.start({ flowId: 'signed' });
    await done;
    off();
    // Live events reach the renderer held to the same rule as the trace.
    expect(pushed.some((e) => e.type === 'run.event' && e.event.type === 'external.intent')).toBe(true);
    expect(JSON.stringify(pushed)).not.toContain('contract-secret-token');
    expect(echo.requests.at(-1)?.headers.authorization).toBe('Bearer contract-secret-token');
    const detail = await api.runs.get({ runId });
    expect(JSON.stringify(detail)).not.toContain('contract-secret-token');
    const events = await api.traces.events({ runId });
    expect(JSON.stringify(events)).not.toContain('contract-secret-token');
    await api.credentials.delete({ id: 'echo' });
    expect(await api.credentials.list()).toEqual([]);
    const gone = await apiError(api.credentials.delete({ id: 'echo' }));
    expect(gone.code).toBe('CREDENTIAL_NOT_FOUND');
  });

  it('previews an AI step, and counts tokens and money per run and per flow with the settings\' prices', async () => {
    const config = { provider: 'openai', credential: 'ai', model: 'gpt-4o-mini', task: 'classify', labels: ['bug', 'billing'], prompt: 'Email: {{ body }}', timeoutSeconds: 5, maxRetries: 0 };
    const preview = await api.catalog.preview({ type: 'llm.generate', config, item: { body: 'Invoice 12 is wrong' } });
    expect(preview.available).toBe(true);
    expect(JSON.stringify(preview.preview)).toContain('Email: Invoice 12 is wrong');
    expect((await api.catalog.preview({ type: 'http.request', config: { url: 'https://x' } })).available).toBe(false);
    const badPreview = await api.catalog.preview({ type: 'llm.generate', config: { ...config, model: 42 } });
    expect(badPreview.problems[0]?.path).toBe('config.model');

    await api.credentials.set({ id: 'ai', type: 'llm.openai-compatible', values: { apiKey: 'sk-contract-key-123', baseUrl: ai.baseUrl } });
    await api.settings.update({ llmPrices: { 'gpt-4o-mini': { input: 1, output: 2 } } });
    await api.flows.save({
      flow: {
        format: 'flowkeeper/flow',
        formatVersion: 1,
        id: 'classify',
        name: 'Classify',
        nodes: [{ id: 'start', type: 'trigger.manual' }, { id: 'ai', type: 'llm.generate', config }],
        edges: [{ source: 'start', target: 'ai' }],
      },
    });
    const done = waitFor(api, (e) => e.type === 'runs.changed' && e.status === 'succeeded');
    const { runId } = await api.runs.start({ flowId: 'classify', input: [{ body: 'Invoice 12 is wrong' }, { body: 'Invoice 13 too' }] });
    await done;
    const detail = await api.runs.get({ runId });
    // Two calls of 1000 + 500 tokens at $1 / $2 per million: 2 × (0.001 + 0.001) = $0.004.
    expect(detail.cost).toMatchObject({ calls: 2, promptTokens: 2000, completionTokens: 1000, unpricedModels: [] });
    expect(detail.cost.costUsd).toBeCloseTo(0.004, 10);
    expect(detail.cost.perNode.ai?.calls).toBe(2);
    expect(JSON.stringify(detail)).not.toContain('sk-contract-key-123');
    const flowCost = await api.flows.cost({ id: 'classify' });
    expect(flowCost.runs.map((r) => r.runId)).toEqual([runId]);
    expect(flowCost.costUsd).toBeCloseTo(0.004, 10);
    // The dashboard counts the same run and money from the run index, and lists the run behind the figure.
    const dashboard = await api.dashboard.get({ flowId: 'classify' });
    expect(dashboard.overall).toMatchObject({ runs: { total: 1, succeeded: 1 }, successRate: 1, ai: { calls: 2, promptTokens: 2000, completionTokens: 1000 } });
    expect(dashboard.overall.ai.costUsd).toBeCloseTo(0.004, 10);
    expect(dashboard.flows.map((f) => [f.flowId, f.health.state])).toEqual([['classify', 'ok']]);
    expect(await api.dashboard.runs({ flowId: 'classify', usedAi: true })).toMatchObject({ total: 1, runs: [{ runId }] });
    const badDay = await apiError(api.dashboard.runs({ day: 'yesterday' }));
    expect(badDay.code).toBe('INVALID_ARGUMENTS');
    shapes.dashboardDay = badDay.toInfo();
    await api.settings.update({ llmPrices: {} });
  });

  it('says which runs were set aside because their trace is damaged, why, and where they are now', async () => {
    expect(await api.runs.setAside()).toEqual([]);
    await mkdir(join(dataDir, 'runs'), { recursive: true });
    await writeFile(join(dataDir, 'runs', 'run-damaged.jsonl'), 'not json at all\n{"seq":1}\n');
    const listed = await api.runs.list({});
    expect(listed.map((r) => r.runId)).not.toContain('run-damaged');
    for (let call = 0; call < 2; call++) {
      // Still reported on a later call, after the file was moved.
      const setAside = await api.runs.setAside();
      expect(setAside).toEqual([
        { runId: 'run-damaged', reason: expect.stringMatching(/^line 1: /) as string, location: expect.stringContaining(join(dataDir, 'quarantine', 'run-damaged.')) as string, moved: true, setAsideAt: expect.any(String) as string },
      ]);
    }
  });

  it('switches a flow on and off and reports its triggers\' health', async () => {
    const scheduled = {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'every-morning',
      name: 'Every morning',
      charter: readyCharter(),
      nodes: [
        { id: 'clock', type: 'trigger.schedule', config: { cron: '0 9 * * *', timezone: 'Europe/Berlin' } },
        { id: 'mark', type: 'transform.set', config: { fields: [{ name: 'morning', value: 'yes' }] } },
      ],
      edges: [{ source: 'clock', target: 'mark' }],
    };
    // Without its charter the flow is refused (the activation gate), item by item, on every door.
    await api.flows.save({ flow: { ...scheduled, charter: undefined } });
    const notReady = await apiError(api.flows.activate({ id: 'every-morning' }));
    expect(notReady.code).toBe('FLOW_NOT_READY');
    expect(notReady.message).toContain('- Nobody owns it');
    expect((notReady.details?.missing as string[]).length).toBe(4);
    expect((await api.charter.readiness({ flowId: 'every-morning' })).ready).toBe(false);
    shapes.notReady = notReady.toInfo();
    await api.flows.save({ flow: scheduled });
    expect(await api.charter.readiness({ flowId: 'every-morning' })).toMatchObject({ ready: true, active: false, missing: [] });
    const on = await api.flows.activate({ id: 'every-morning' });
    expect((await api.charter.readiness({ flowId: 'every-morning' })).active).toBe(true);
    // The headline and the metric (no production runs yet: nothing to judge, not a miss).
    const headline = (await api.charter.status({ flowId: 'every-morning' }))[0];
    expect(headline).toMatchObject({ flowId: 'every-morning', active: true, ready: true, missing: [], owner: 'Ana Owner', today: { runs: 0 }, successRate: null, metric: { kind: 'runs-without-person', value: null, met: null, target: 0.8 } });
    expect(await api.charter.metric({ flowId: 'every-morning', days: 3 })).toMatchObject({ windowDays: 3, runs: 0, value: null });
    expect(on).toMatchObject({ flowId: 'every-morning', active: true, runsHere: true, triggers: [{ nodeId: 'clock', type: 'trigger.schedule', title: 'On a schedule', state: 'listening', fired: 0 }] });
    expect(await api.triggers.status()).toEqual([expect.objectContaining({ flowId: 'every-morning', active: true })]);
    expect((await api.flows.list()).find((f) => f.id === 'every-morning')?.active).toBe(true);
    expect(await api.flows.deactivate({ id: 'every-morning' })).toEqual({ ok: true });
    expect(await api.triggers.status()).toEqual([]);
    expect((await api.flows.list()).find((f) => f.id === 'every-morning')?.active).toBeUndefined();

    await api.flows.save({ flow: { ...scheduled, id: 'by-hand', nodes: [{ id: 'start', type: 'trigger.manual', config: {} }], edges: [] } });
    const refused = await apiError(api.flows.activate({ id: 'by-hand' }));
    expect(refused.code).toBe('FLOW_HAS_NO_TRIGGER');
    shapes.noTrigger = refused.toInfo();
  });

  it('groups a failed run into an alert, pushes alerts.changed, mutes and snoozes it', async () => {
    await api.flows.save({
      flow: { format: 'flowkeeper/flow', formatVersion: 1, id: 'alerting', name: 'Alerting', nodes: [{ id: 'start', type: 'trigger.manual' }, { id: 'call', name: 'Call nobody', type: 'http.request', config: { url: 'http://127.0.0.1:1/' }, retry: { maxAttempts: 1 } }], edges: [{ source: 'start', target: 'call' }] },
    });
    const changed = waitFor(api, (e) => e.type === 'alerts.changed');
    const notified = waitFor(api, (e) => e.type === 'alerts.notify');
    await api.runs.start({ flowId: 'alerting' });
    await changed;
    expect(await notified).toMatchObject({ type: 'alerts.notify', title: 'Alerting failed at "Call nobody"', link: expect.stringMatching(/^#\/runs\/run-/) });
    const list = await api.alerts.list();
    expect(list.open).toMatchObject([{ key: 'alerting/run-failed/call', count: 1, stepName: 'Call nobody', deliveries: [{ channel: 'desktop', status: 'sent' }] }]);
    await api.alerts.mute({ flowId: 'alerting' });
    expect((await api.alerts.list()).muted).toMatchObject([{ flowId: 'alerting', flowName: 'Alerting' }]);
    const snoozed = await api.alerts.snooze({ key: 'alerting/run-failed/call', minutes: 60 });
    expect((await api.alerts.list()).open[0]!.snoozedUntil).toBe(snoozed.snoozedUntil);
    const missing = await apiError(api.alerts.snooze({ key: 'nope', minutes: 60 }));
    expect(missing.code).toBe('ALERT_NOT_FOUND');
    shapes.alertNotFound = missing.toInfo();
  });

  it('reads and changes settings, and has an (empty) inbox', async () => {
    expect((await api.settings.get()).notifications).toEqual({ inbox: true, failedRuns: true });
    const changed = await api.settings.update({ reviewerName: 'Dana' });
    expect(changed.reviewerName).toBe('Dana');
    // Changing one setting leaves the others alone.
    const toggled = await api.settings.update({ notifications: { inbox: false } });
    expect(toggled).toMatchObject({ reviewerName: 'Dana', notifications: { inbox: false, failedRuns: true } });
    expect((await api.settings.get()).reviewerName).toBe('Dana');
    expect(await api.inbox.list()).toEqual([]);
    const error = await apiError(api.inbox.decide({ id: 'nope', outcome: 'approve' }));
    expect(error.code).toBe('INBOX_ITEM_NOT_FOUND');
  });
});

describe('all doors', () => {
  it('produced identical error shapes', () => {
    const [first, ...rest] = [...errorShapes.values()];
    expect(errorShapes.size).toBe(doors.length);
    for (const other of rest) expect(other).toEqual(first);
  });
});
