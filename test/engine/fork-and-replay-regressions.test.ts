/**
 * Regression tests for review findings 5, 11 and 13: forks re-use side branches, and runs with a
 * node time-out, `$shuffle`/`$now(picture)` or a date-style Retry-After replay identical.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, FileTraceStore, forkRun, replayRun, type EngineOptions, type NodeErrorInfo, type RetryPolicy } from '../../engine/index.ts';
import { makeFlow, registry, tempDir } from '../helpers/engine.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { json, serveDuringTest, type TestServer } from '../helpers/http-server.ts';
import { eventsOf, passThrough, traceEvents } from '../nodes/support.ts';

let cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
});

async function freshEngine(options: Partial<EngineOptions> = {}): Promise<{ engine: Engine; store: FileTraceStore }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const store = new FileTraceStore(dir);
  return { engine: new Engine({ store, registry, ...options }), store };
}

const start = { id: 'start', type: 'trigger.manual' };
const calls = (server: TestServer) => server.requests.map((r) => `${r.method} ${r.url}`);

describe('finding 5: a fork re-uses every node not downstream of its start', () => {
  //  start ─┬─> charge (POST, no key)          a side branch: charges the customer
  //         └─> lookup (GET) ─> format         the branch being debugged
  async function setup() {
    const server = await serveDuringTest((req, res) => json(res, req.method === 'POST' ? 201 : 200, { path: req.url }));
    const flow = makeFlow(
      [
        start,
        { id: 'charge', type: 'http.request', config: { method: 'POST', url: `${server.url}/charge`, bodyType: 'json', body: { amount: 100 } } },
        { id: 'lookup', type: 'http.request', config: { url: `${server.url}/customer` } },
        { id: 'format', type: 'transform.set', config: { fields: [{ name: 'formatted', value: true }] } },
      ],
      ['start -> charge', 'start -> lookup', 'lookup -> format'],
    );
    const { engine, store } = await freshEngine();
    const original = await engine.startRun(flow);
    expect(original.status).toBe('succeeded');
    expect(calls(server).sort()).toEqual(['GET /customer', 'POST /charge']);
    server.requests.length = 0;
    return { server, engine, store, original };
  }

  it('forking from the last node of one branch calls nothing: the side branch is not run again', async () => {
    const { server, engine, store, original } = await setup();
    const fork = await forkRun(engine, original.runId, 'format');
    expect(fork.status).toBe('succeeded');
    expect(calls(server)).toEqual([]);
    expect(fork.outputs).toEqual(original.outputs);
    const reused = eventsOf(await traceEvents(store, fork.runId), 'node.succeeded').filter((e) => e.reusedFrom === original.runId);
    expect(reused.map((e) => e.nodeId).sort()).toEqual(['charge', 'lookup', 'start']);
  });

  it('forking from the GET re-sends only the GET, never the POST on the other branch', async () => {
    const { server, engine, original } = await setup();
    const fork = await forkRun(engine, original.runId, 'lookup');
    expect(fork.status).toBe('succeeded');
    expect(calls(server)).toEqual(['GET /customer']);
    expect(fork.outputs.charge).toEqual(original.outputs.charge);
  });
});

describe('finding 11: a node time-out replays identical', () => {
  const retry: RetryPolicy = { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10, multiplier: 1, jitter: false };

  it('replays a run whose node hit its time limit and then succeeded on retry', async () => {
    let first = true;
    // The first request is never answered; the node's time limit ends it.
    const server = await serveDuringTest((_req, res) => {
      if (first) {
        first = false;
        return;
      }
      json(res, 200, { ok: true });
    });
    const flow = makeFlow([start, { id: 'get', type: 'http.request', timeoutMs: 300, retry, config: { url: `${server.url}/slow` } }], ['start -> get']);
    const { engine, store } = await freshEngine();
    const outcome = await engine.startRun(flow);
    expect(outcome.status).toBe('succeeded');
    expect(server.requests).toHaveLength(2);
    const failed = eventsOf(await traceEvents(store, outcome.runId), 'node.failed', 'get');
    expect(failed.map((e) => [e.error.code, e.willRetry])).toEqual([['TIMEOUT', true]]);

    const report = await replayRun(store, registry, outcome.runId);
    expect(report.nodes.filter((n) => !n.identical)).toEqual([]);
    expect(report.identical).toBe(true);
  });

  it('replays a node time-out routed to the error port', async () => {
    const server = await serveDuringTest(() => undefined); // never answers
    const flow = makeFlow(
      [start, { id: 'get', type: 'http.request', timeoutMs: 200, retry: { ...retry, maxAttempts: 1 }, config: { url: `${server.url}/slow` } }, passThrough('handle')],
      ['start -> get', 'get.error -> handle'],
    );
    const { engine, store } = await freshEngine();
    const outcome = await engine.startRun(flow);
    expect(outcome.status).toBe('succeeded');
    const handled = (outcome.outputs.handle?.out ?? []) as unknown as Array<{ error: NodeErrorInfo }>;
    expect(handled.map((i) => i.error.code)).toEqual(['TIMEOUT']);

    const report = await replayRun(store, registry, outcome.runId);
    expect(report.nodes.filter((n) => !n.identical)).toEqual([]);
    expect(report.identical).toBe(true);
  });
});

describe('finding 13: recorded randomness, formatted $now and Retry-After dates', () => {
  it('$shuffle replays identical and $now(picture) returns the formatted value', async () => {
    const flow = makeFlow(
      [
        start,
        {
          id: 'pick',
          type: 'transform.jsonata',
          config: { mode: 'all', expression: '{"order": $shuffle([1,2,3,4,5,6,7,8,9,10,11,12]), "month": $now("[Y0001]-[M01]"), "iso": $now()}' },
        },
      ],
      ['start -> pick'],
    );
    const { engine, store } = await freshEngine();
    const outcome = await engine.startRun(flow);
    expect(outcome.status).toBe('succeeded');
    const [picked] = outcome.outputs.pick!.out! as Array<{ order: number[]; month: string; iso: string }>;
    expect([...picked!.order].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(picked!.month).toMatch(/^\d{4}-\d{2}$/);
    expect(picked!.month).toBe(picked!.iso.slice(0, 7));
    // Randomness comes from the recorded source.
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'external.result', 'pick').filter((e) => e.kind === 'random').length).toBeGreaterThan(0);

    for (let i = 0; i < 3; i++) {
      const report = await replayRun(store, registry, outcome.runId);
      expect(report.nodes.filter((n) => !n.identical)).toEqual([]);
    }
  });

  it('measures a date-style Retry-After against the answer\'s Date header, so the error item replays identical', async () => {
    const server = await serveDuringTest((_req, res) => {
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      res.writeHead(503, { date: now.toUTCString(), 'retry-after': new Date(now.getTime() + 3600_000).toUTCString() });
      res.end();
    });
    const flow = makeFlow(
      [
        start,
        { id: 'get', type: 'http.request', retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1, multiplier: 1, jitter: false }, config: { url: `${server.url}/status` } },
        { id: 'handle', type: 'transform.set', config: { fields: [{ name: 'handled', value: true }] } },
      ],
      ['start -> get', 'get.error -> handle'],
    );
    // The run's own clock is a day behind the machine's, so the replay (on the machine's clock)
    // happens at a very different time: the wait must come from the answer, not the local clock.
    const { engine, store } = await freshEngine({ clock: new FakeClock(Date.now() - 86_400_000) });
    const outcome = await engine.startRun(flow);
    expect(outcome.status).toBe('succeeded');
    const [item] = outcome.outputs.handle!.out! as Array<{ error: NodeErrorInfo }>;
    expect(item!.error.retryAfterMs).toBe(3600_000);

    const report = await replayRun(store, registry, outcome.runId);
    expect(report.nodes.filter((n) => !n.identical)).toEqual([]);
    expect(report.identical).toBe(true);
  });
});
