/**
 * Drift checks through the real service, against real local servers: a customer API that can be
 * switched from v1 to v2, a CRM that counts the writes it gets, a fake OpenAI-compatible model and
 * an alert webhook receiver. A real run of the flow becomes the reference; a check with the API
 * unchanged raises nothing, the v2 API gives exactly one drift alert whose text holds the readable
 * sentences; the CRM never hears from a check and the model only when live AI checks are on.
 * The schedule runs on a fake clock, across restarts of the service.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../../engine/index.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import { json, startServer, type TestServer } from '../../helpers/http-server.ts';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.ts';
import { readyCharter } from '../../helpers/ready-charter.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface World {
  dir: string;
  clock: FakeClock;
  keychain: MemoryKeychain;
  api: { version: 'v1' | 'v2' };
  upstream: TestServer;
  crm: TestServer;
  ai: OpenAiTestServer;
  hook: TestServer;
}

async function world(clock = new FakeClock(Date.UTC(2026, 2, 2, 5, 0))): Promise<World> {
  const { dir, cleanup } = await tempDir('fk-drift-');
  cleanups.push(cleanup);
  const state = { version: 'v1' as 'v1' | 'v2' };
  const upstream = await startServer((req, res) => {
    if (req.url.startsWith('/customers/7/orders')) return state.version === 'v1' ? json(res, 200, [{ id: 'o-1', total: 12 }, { id: 'o-2', total: 30 }]) : json(res, 404, { error: 'moved to /v2/orders' });
    if (state.version === 'v1') return json(res, 200, { customer: { id: 'c-7', email: 'ana@example.com', plan: 'pro', note: 'I was charged twice, I want my money back', since: '2025-04-01T10:00:00Z' } });
    // v2: `email` renamed `mail`, the id is a number now, and other values changed (not drift).
    return json(res, 200, { customer: { id: 7, mail: 'ana@example.com', plan: 'team', note: 'I was charged twice, I want my money back', since: '2026-03-01T08:00:00Z' } });
  });
  cleanups.push(() => upstream.close());
  const crm = await startServer((_req, res) => json(res, 201, { ok: true, ticket: 'T-1' }));
  cleanups.push(() => crm.close());
  const ai = await startOpenAiServer();
  ai.fallback = () => ({ kind: 'answer', content: JSON.stringify({ label: 'refund', confidence: 0.92, reason: 'Asks for money back.' }), promptTokens: 50, completionTokens: 10 });
  cleanups.push(() => ai.close());
  const hook = await startServer((_req, res) => json(res, 200, { ok: true }));
  cleanups.push(() => hook.close());
  return { dir, clock, keychain: new MemoryKeychain(), api: state, upstream, crm, ai, hook };
}

async function open(w: World): Promise<{ service: FlowkeeperService; api: FlowkeeperApi }> {
  const service = await createService({ dataDir: w.dir, registry, keychain: w.keychain, resumeOnStart: false, clock: w.clock, triggers: false });
  let closed = false;
  const close = service.close.bind(service);
  service.close = async (o) => {
    if (closed) return;
    closed = true;
    await close(o);
  };
  cleanups.push(() => service.close());
  return { service, api: inProcessApi(service) };
}

function flow(w: World, drift: Record<string, unknown> = { schedule: '0 6 * * *', timeZone: 'UTC' }) {
  const charter = readyCharter();
  return {
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: 'refunds',
    name: 'Refund requests',
    nodes: [
      // Fires once a year at most: the test starts runs by hand, the trigger only makes the flow switchable on.
      { id: 'start', name: 'Every new year', type: 'trigger.schedule', config: { cron: '0 0 1 1 *', timezone: 'UTC' } },
      { id: 'fetch', name: 'Fetch customer', type: 'http.request', config: { url: `${w.upstream.url}/customers/7`, method: 'GET' }, retry: { maxAttempts: 1 } },
      { id: 'orders', name: 'Order list', type: 'http.request', config: { url: `${w.upstream.url}/customers/7/orders`, method: 'GET', failOnErrorStatus: false }, retry: { maxAttempts: 1 } },
      { id: 'classify', name: 'Classify', type: 'llm.generate', config: { provider: 'ollama', baseUrl: w.ai.baseUrl, model: 'llama3', task: 'classify', labels: ['refund', 'question'], prompt: '{{ customer.note }}', timeoutSeconds: 5, maxRetries: 0 } },
      { id: 'crm', name: 'Update CRM', type: 'http.request', config: { url: `${w.crm.url}/tickets`, method: 'POST', bodyType: 'json', body: { email: '{{ customer.email }}', label: '{{ ai.label }}' } }, retry: { maxAttempts: 1 } },
    ],
    edges: [
      { source: 'start', target: 'fetch' },
      { source: 'start', target: 'orders' },
      { source: 'fetch', target: 'classify' },
      { source: 'classify', target: 'crm' },
    ],
    charter: {
      ...charter,
      alerts: { webhook: { url: `${w.hook.url}/alerts`, format: 'json' }, desktop: true },
      waivers: [
        { check: 'review-step', reason: 'CRM tickets are internal only.', by: 'Ana Owner', at: '2026-03-01T00:00:00Z' },
        { check: 'error-paths', reason: 'A failed ticket is retried by hand.', by: 'Ana Owner', at: '2026-03-01T00:00:00Z' },
      ],
      drift,
    },
  };
}

/** A real run of the flow (v1 API), made a reference. */
async function withReference(w: World, api: FlowkeeperApi, service: FlowkeeperService): Promise<string> {
  const { runId } = await api.runs.start({ flowId: 'refunds' });
  await service.idle();
  const run = await api.runs.get({ runId });
  expect(run.status).toBe('succeeded');
  const ref = await api.references.add({ flowId: 'refunds', runId });
  expect(ref).toMatchObject({ runId, source: 'local', status: 'succeeded' });
  return runId;
}

const driftAlerts = async (api: FlowkeeperApi) => (await api.alerts.list()).open.filter((a) => a.kind === 'drift' || a.kind === 'drift-check-failed');
const alertPosts = (w: World) => w.hook.requests.map((r) => JSON.parse(r.body) as { alert: { kind: string }; state: string; text?: string });

describe('drift checks', () => {
  it('unchanged answers raise nothing; v2 answers raise one drift alert with readable sentences; no write is sent and the model is not asked', async () => {
    const w = await world();
    const { service, api } = await open(w);
    await api.flows.save({ flow: flow(w) });
    await withReference(w, api, service);
    expect(w.crm.requests).toHaveLength(1);
    expect(w.ai.requests).toHaveLength(1);
    const runsBefore = (await api.runs.list({})).length;

    const same = await api.drift.check({ flowId: 'refunds' });
    await service.idle();
    expect(same.outcome).toBe('unchanged');
    expect(same.sentences).toEqual([]);
    expect(same.references[0]!.notes.join(' ')).toContain('1 write was answered from the reference and not sent (Update CRM)');
    expect(await driftAlerts(api)).toEqual([]);

    w.api.version = 'v2';
    const changed = await api.drift.check({ flowId: 'refunds' });
    await service.idle();
    expect(changed.outcome).toBe('drift');
    expect(changed.sentences).toEqual([
      '`customer.email` is gone from Fetch customer\'s answer.',
      '`customer.id` in Fetch customer\'s answer changed from text to number.',
      '`customer.mail` is new in Fetch customer\'s answer.',
      'Order list\'s answer status changed from 200 to 404.',
    ]);
    const [alert, ...others] = await driftAlerts(api);
    expect(others).toEqual([]);
    expect(alert).toMatchObject({ kind: 'drift', key: 'refunds/drift', title: 'Refund requests: its answers no longer look like the reference', count: 1, link: '#/flows/refunds/overview' });
    for (const sentence of changed.sentences) expect(alert!.detail).toContain(sentence);

    // The same drift again (a minute later) is the same alert, counted, not a second message.
    await w.clock.advance(60_000);
    await api.drift.check({ flowId: 'refunds' });
    await service.idle();
    const again = await driftAlerts(api);
    expect(again).toHaveLength(1);
    expect(again[0]!.count).toBe(2);
    const opened = alertPosts(w).filter((p) => p.alert.kind === 'drift' && p.state === 'open');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.text).toContain('`customer.email` is gone from Fetch customer\'s answer.');

    // Nothing was written by a check, the model was not asked, and no run was added to the list.
    expect(w.crm.requests).toHaveLength(1);
    expect(w.ai.requests).toHaveLength(1);
    expect((await api.runs.list({})).length).toBe(runsBefore);

    const status = await api.drift.status({ flowId: 'refunds' });
    expect(status.results.map((r) => r.outcome)).toEqual(['drift', 'drift', 'unchanged']);
    expect(status.references).toBe(1);

    // Back to v1: the drift clears with one recovery message.
    w.api.version = 'v1';
    expect((await api.drift.check({ flowId: 'refunds' })).outcome).toBe('unchanged');
    await service.idle();
    expect(await driftAlerts(api)).toEqual([]);
    expect(alertPosts(w).filter((p) => p.alert.kind === 'drift').map((p) => p.state)).toEqual(['open', 'resolved']);
  });

  it('a reference run decided by a person: its review is answered from the recorded decision, so an unchanged API is no drift', async () => {
    const w = await world();
    const { service, api } = await open(w);
    const f = flow(w);
    f.nodes.splice(4, 0, { id: 'check', name: 'Check the ticket', type: 'human.review', config: { title: 'Ticket for {{ customer.email }}' } } as unknown as (typeof f.nodes)[number]);
    f.edges = [...f.edges.filter((e) => e.source !== 'classify'), { source: 'classify', target: 'check' }, { source: 'check', sourcePort: 'approve', target: 'crm' } as (typeof f.edges)[number]];
    f.charter.waivers = f.charter.waivers.filter((x) => x.check !== 'review-step');
    await api.flows.save({ flow: f });
    const { runId } = await api.runs.start({ flowId: 'refunds' });
    await service.idle();
    const [item] = await api.inbox.list({});
    await api.inbox.decide({ id: item!.id, outcome: 'approve', by: 'Ana Owner' });
    await service.idle();
    expect((await api.runs.get({ runId })).status).toBe('succeeded');
    expect(w.crm.requests).toHaveLength(1);
    await api.references.add({ flowId: 'refunds', runId });

    const same = await api.drift.check({ flowId: 'refunds' });
    expect(same.sentences).toEqual([]);
    expect(same.outcome).toBe('unchanged');
    expect(await api.inbox.list({})).toEqual([]);
    expect(w.crm.requests).toHaveLength(1);
  });

  it('live AI checks ask the model again; a label that moved is drift', async () => {
    const w = await world();
    const { service, api } = await open(w);
    await api.flows.save({ flow: flow(w, { schedule: '0 6 * * *', timeZone: 'UTC', liveAi: true }) });
    await withReference(w, api, service);
    expect(w.ai.requests).toHaveLength(1);
    w.ai.fallback = () => ({ kind: 'answer', content: JSON.stringify({ label: 'question', confidence: 0.6, reason: 'Unclear.' }) });
    const result = await api.drift.check({ flowId: 'refunds' });
    expect(w.ai.requests).toHaveLength(2);
    expect(result.liveAi).toBe(true);
    expect(result.outcome).toBe('drift');
    expect(result.sentences).toEqual(['‘question’ went from 0 % to 100 % of Classify\'s items (label).', '‘refund’ went from 100 % to 0 % of Classify\'s items (label).']);
    expect(w.crm.requests).toHaveLength(1);
  });

  it('a check that cannot reach a server says so, as another alert than drift', async () => {
    const w = await world();
    const { service, api } = await open(w);
    await api.flows.save({ flow: flow(w) });
    await withReference(w, api, service);
    await w.upstream.close();
    const result = await api.drift.check({ flowId: 'refunds' });
    await service.idle();
    expect(result.outcome).toBe('could-not-run');
    expect(result.sentences).toEqual([]);
    expect(result.problem).toContain('Fetch customer got no answer');
    const alerts = await driftAlerts(api);
    expect(alerts.map((a) => a.kind)).toEqual(['drift-check-failed']);
    expect(alerts[0]!.title).toBe('Refund requests: the drift check could not run');
  });

  it('a read asked with a value masked in a hand-over bundle is not judged, and says so', async () => {
    const w = await world();
    const { service, api } = await open(w);
    const base = flow(w);
    const masked = { ...base, nodes: base.nodes.map((n) => (n.id === 'fetch' ? { ...n, config: { ...n.config, url: `${w.upstream.url}/customers/7?email={{ email }}` } } : n)) };
    await api.flows.save({ flow: masked });
    const { runId } = await api.runs.start({ flowId: 'refunds', input: { email: 'ana@example.com' } });
    await service.idle();
    expect((await api.runs.get({ runId })).status).toBe('succeeded');
    // As an imported bundle with `email` masked would have it: the real value is not on this machine.
    const plain = await service.data.references.get('refunds', (await api.references.add({ flowId: 'refunds', runId })).runId);
    const run = JSON.parse(JSON.stringify(plain!.run).replaceAll('ana@example.com', '«masked 1»')) as NonNullable<typeof plain>["run"];
    await service.data.references.put('refunds', run, { kind: 'bundle', importedAt: '2026-03-01T00:00:00.000Z', bundleCreatedAt: '2026-02-28T00:00:00.000Z' });
    w.api.version = 'v2';
    const result = await api.drift.check({ flowId: 'refunds' });
    expect(result.references[0]!.notes.join(' ')).toContain('Fetch customer asked with a value masked in the hand-over bundle');
    // Only the other branch is judged: its status change is drift, the masked branch says nothing.
    expect(result.sentences).toEqual(['Order list\'s answer status changed from 200 to 404.']);
    expect((await api.references.list({ flowId: 'refunds' }))[0]!.source).toBe('bundle');
  });

  it('references: list, add, remove, with plain errors', async () => {
    const w = await world();
    const { service, api } = await open(w);
    await api.flows.save({ flow: flow(w) });
    const runId = await withReference(w, api, service);
    expect((await api.references.list({ flowId: 'refunds' })).map((r) => r.runId)).toEqual([runId]);
    await expect(api.references.add({ flowId: 'refunds', runId: 'run-nope' })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    expect(await api.references.remove({ flowId: 'refunds', runId })).toEqual({ ok: true, removed: true });
    expect(await api.references.list({ flowId: 'refunds' })).toEqual([]);
    const none = await api.drift.check({ flowId: 'refunds' });
    expect(none.outcome).toBe('no-references');
    expect((await api.drift.status({ flowId: 'refunds' })).note).toContain('no reference runs');
  });

  it('the schedule runs on the service clock: due once, not twice across a restart, missed checks caught up once', async () => {
    const w = await world();
    let { service, api } = await open(w);
    await api.flows.save({ flow: flow(w) });
    await withReference(w, api, service);
    await api.flows.activate({ id: 'refunds' });
    await service.idle();
    expect((await api.drift.status({ flowId: 'refunds' })).nextCheckAt).toBe('2026-03-02T06:00:00.000Z');
    expect((await api.drift.status({ flowId: 'refunds' })).results).toEqual([]);

    // To 06:00:30, a minute at a time: the scheduler wakes at least every minute.
    for (let minute = 0; minute <= 60; minute++) {
      await w.clock.advance(minute === 60 ? 30_000 : 60_000);
      await service.idle();
    }
    let results = (await api.drift.status({ flowId: 'refunds' })).results;
    expect(results.map((r) => [r.by, r.scheduledFor, r.outcome])).toEqual([['schedule', '2026-03-02T06:00:00.000Z', 'unchanged']]);

    // A restart at the same time does not check 06:00 again.
    await service.close();
    ({ service, api } = await open(w));
    await service.idle();
    expect((await api.drift.status({ flowId: 'refunds' })).results).toHaveLength(1);
    await service.close();

    // Closed for three days: one check catches up the three missed times.
    w.clock.setWallClock(Date.UTC(2026, 2, 5, 7, 30));
    ({ service, api } = await open(w));
    await service.idle();
    results = (await api.drift.status({ flowId: 'refunds' })).results;
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ by: 'schedule', scheduledFor: '2026-03-05T06:00:00.000Z', missed: 2 });
    expect((await api.drift.status({ flowId: 'refunds' })).nextCheckAt).toBe('2026-03-06T06:00:00.000Z');
    expect(w.crm.requests).toHaveLength(1);
  });
});
