/**
 * Regression tests for review findings 1, 2, 3, 4, 7 and 10: what a resume, a decision or a retry
 * may send again, and what it must not.
 *
 * A crash is simulated as the reviewer did: while a request hangs at the test server, the trace
 * file is copied as it is on disk into a fresh data folder, and the run is resumed there. That is
 * a faithful crash because the write intent is fdatasynced before the request goes out. The run
 * left behind in the first folder is stopped when the test ends.
 */
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, FileTraceStore, replayRun, type EngineOptions, type NodeErrorInfo, type RetryPolicy, type RunEvent } from '../../engine/index.ts';
import { makeFlow, registry, tempDir } from '../helpers/engine.ts';
import { json, startServer, type Handler, type TestServer } from '../helpers/http-server.ts';
import { eventsOf, passThrough } from '../nodes/support.ts';

const FAST_RETRY: RetryPolicy = { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20, multiplier: 1, jitter: false };

// ---------------------------------------------------------------------------------------------
// Scaffolding: data folders, servers and background runs, all undone after each test.

let cleanups: Array<() => Promise<void>> = [];
let servers: TestServer[] = [];
let background: Array<Promise<unknown>> = [];
let stopBackground = new AbortController();

afterEach(async () => {
  stopBackground.abort();
  await Promise.allSettled(background);
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
  servers = [];
  background = [];
  stopBackground = new AbortController();
});

async function dataDir(): Promise<string> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  return dir;
}

async function serve(handler: Handler): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

function engineAt(dir: string, options: Partial<EngineOptions> = {}): Engine {
  return new Engine({ store: new FileTraceStore(dir), registry, ...options });
}

/** Starts something that will hang at the server; it is stopped when the test ends. */
function inBackground(start: (signal: AbortSignal) => Promise<unknown>): void {
  background.push(start(stopBackground.signal));
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function onlyRunId(dir: string): Promise<string> {
  const names = (await readdir(join(dir, 'runs'))).filter((n) => n.endsWith('.jsonl'));
  expect(names).toHaveLength(1);
  return names[0]!.replace(/\.jsonl$/, '');
}

/** "The process died now": the trace as it is on disk, in a fresh data folder without the lock. */
async function crashCopy(from: string, runId: string): Promise<string> {
  const to = await dataDir();
  await mkdir(join(to, 'runs'), { recursive: true });
  await cp(join(from, 'runs', `${runId}.jsonl`), join(to, 'runs', `${runId}.jsonl`));
  await cp(join(from, 'blobs'), join(to, 'blobs'), { recursive: true }).catch(() => undefined);
  return to;
}

async function eventsIn(dir: string, runId: string): Promise<RunEvent[]> {
  const text = await readFile(join(dir, 'runs', `${runId}.jsonl`), 'utf8');
  return text.trim().split('\n').slice(1).map((line) => JSON.parse(line) as RunEvent);
}

function lastQuestion(events: RunEvent[]) {
  const question = eventsOf(events, 'run.needs-attention').at(-1);
  if (!question?.call) throw new Error('the run did not ask about a call');
  return question.call;
}

/** Requests per JSON body field `n`. */
function countByN(server: TestServer): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of server.requests) {
    const { n } = JSON.parse(r.body || '{}') as { n?: number };
    if (n !== undefined) counts[n] = (counts[n] ?? 0) + 1;
  }
  return counts;
}

const start = { id: 'start', type: 'trigger.manual' };
const makeItems = (count: number) => ({ id: 'make', type: 'transform.jsonata', config: { mode: 'all', expression: `[1..${count}].{"n": $}` } });

// ---------------------------------------------------------------------------------------------

describe('finding 1: a send-again answer covers one interruption', () => {
  it('asks again when the re-sent write is interrupted too, instead of re-sending silently', async () => {
    let answer = false;
    // Until `answer`, every POST is lost: it arrives but is never answered (the caller "dies").
    const server = await serve((_req, res) => {
      if (answer) json(res, 201, { paid: true });
    });
    const flow = makeFlow([start, { id: 'pay', type: 'http.request', config: { method: 'POST', url: `${server.url}/pay`, bodyType: 'json', body: { amount: 100 } } }], ['start -> pay']);

    const first = await dataDir();
    inBackground((signal) => engineAt(first).startRun(flow, { signal }));
    await waitFor(() => server.requests.length === 1, 'the first POST');
    const runId = await onlyRunId(first);

    // Crash 1, while the POST is in flight: the resume asks.
    const second = await crashCopy(first, runId);
    const asked = await engineAt(second).resume(runId);
    expect(asked.status).toBe('needs-attention');
    expect(server.requests).toHaveLength(1);

    // The person answers send-again; crash 2 while that re-send is in flight.
    inBackground((signal) => engineAt(second).resume(runId, { choice: 'send-again', by: 'ops', signal }));
    await waitFor(() => server.requests.length === 2, 'the re-sent POST');
    const third = await crashCopy(second, runId);
    answer = true;

    // A plain resume must ask again: the earlier answer was used up by the re-send.
    const again = await engineAt(third).resume(runId);
    expect(again.status).toBe('needs-attention');
    expect(again.attention?.nodeId).toBe('pay');
    expect(server.requests).toHaveLength(2);
    expect(lastQuestion(await eventsIn(third, runId)).itemIndex).toBe(0);

    // A new answer sends exactly once more.
    const done = await engineAt(third).resume(runId, { choice: 'send-again', by: 'ops' });
    expect(done.status).toBe('succeeded');
    expect(done.outputs.pay?.out).toEqual([{ paid: true }]);
    expect(server.requests).toHaveLength(3);
  });
});

describe('finding 2: a decision never orphans other in-flight items of the node', () => {
  it('records the results of items still in flight before pausing, and every item is processed exactly once', async () => {
    let phase: 'crash' | 'live' = 'crash';
    const processed: Record<number, number> = {};
    // First run: items 1 and 2 arrive and are processed, but the answers never come (crash).
    // Afterwards the API answers after 100 ms, so concurrent items are truly in flight together.
    const server = await serve(async (req, res) => {
      const { n } = JSON.parse(req.body) as { n: number };
      processed[n] = (processed[n] ?? 0) + 1;
      if (phase === 'crash') return;
      await new Promise((r) => setTimeout(r, 100));
      json(res, 201, { n });
    });
    const flow = makeFlow(
      [start, makeItems(4), { id: 'post', type: 'http.request', config: { method: 'POST', url: `${server.url}/a`, bodyType: 'json', body: { n: '{{ n }}' }, concurrency: 2 } }],
      ['start -> make', 'make -> post'],
    );
    const first = await dataDir();
    inBackground((signal) => engineAt(first).startRun(flow, { signal }));
    await waitFor(() => server.requests.length === 2, 'items 1 and 2 in flight');
    const runId = await onlyRunId(first);
    const dir = await crashCopy(first, runId);
    phase = 'live';

    let outcome = await engineAt(dir).resume(runId);
    let pausesWithWorkInFlight = 0;
    for (let round = 0; round < 6 && outcome.status === 'needs-attention'; round++) {
      const events = await eventsIn(dir, runId);
      // Everything sent during the session that just paused has its answer recorded before the pause.
      const resumedAt = events.findLastIndex((e) => e.type === 'run.resumed');
      const pausedAt = events.findLastIndex((e) => e.type === 'run.needs-attention');
      const session = events.slice(resumedAt, pausedAt);
      const intents = eventsOf(session, 'external.intent');
      for (const intent of intents) {
        const answered = eventsOf(session, 'external.result').some((r) => r.itemIndex === intent.itemIndex && r.attempt === intent.attempt && r.call === intent.call);
        expect(answered, `item ${intent.itemIndex + 1} answered before the run paused`).toBe(true);
      }
      if (intents.length > 0) pausesWithWorkInFlight++;
      // The person checks the receiving system, as in the crash test.
      const n = lastQuestion(events).itemIndex + 1;
      outcome = await engineAt(dir).resume(runId, { choice: processed[n] ? 'skip-item' : 'send-again', by: 'ops' });
    }
    expect(outcome.status).toBe('succeeded');
    // Give any request the engine forgot about time to arrive before counting.
    await new Promise((r) => setTimeout(r, 150));
    expect(processed).toEqual({ 1: 1, 2: 1, 3: 1, 4: 1 });
    // The scenario the finding is about did happen: a pause while another item was being sent.
    expect(pausesWithWorkInFlight).toBeGreaterThan(0);
  });

  it('with concurrency 2 and both requests lost, send-again per item sends each exactly once more', async () => {
    let lost = true;
    const arrived: Record<number, number> = {};
    const server = await serve(async (req, res) => {
      const { n } = JSON.parse(req.body) as { n: number };
      if (lost) return; // lost on the way: never processed, never answered
      arrived[n] = (arrived[n] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 150));
      json(res, 201, { n });
    });
    const flow = makeFlow(
      [start, makeItems(2), { id: 'pay', type: 'http.request', config: { method: 'POST', url: `${server.url}/payouts`, bodyType: 'json', body: { n: '{{ n }}' }, concurrency: 2 } }],
      ['start -> make', 'make -> pay'],
    );
    const first = await dataDir();
    inBackground((signal) => engineAt(first).startRun(flow, { signal }));
    await waitFor(() => server.requests.length === 2, 'both payouts in flight');
    const runId = await onlyRunId(first);
    const dir = await crashCopy(first, runId);
    lost = false;

    let outcome = await engineAt(dir).resume(runId);
    let decisions = 0;
    while (outcome.status === 'needs-attention' && decisions < 5) {
      decisions++;
      // Each time the item asked about has not arrived: send-again.
      outcome = await engineAt(dir).resume(runId, { choice: 'send-again', by: 'ops' });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(outcome.status).toBe('succeeded');
    expect(decisions).toBe(2);
    expect(arrived).toEqual({ 1: 1, 2: 1 });
  });
});

describe('finding 3: a node-level retry re-uses what the earlier attempt already got', () => {
  /** items 1-3 are answered at once; item 4 hangs the first time, so the node hits its time limit. */
  async function slowFourthItem(): Promise<TestServer> {
    let fourth = 0;
    return serve((req, res) => {
      const { n } = JSON.parse(req.body) as { n: number };
      if (n === 4 && ++fourth === 1) return;
      json(res, 201, { n });
    });
  }
  const retry: RetryPolicy = { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10, multiplier: 1, jitter: false };
  const invoiceFlow = (url: string, extra: Record<string, unknown> = {}) =>
    makeFlow(
      [start, makeItems(4), { id: 'invoice', type: 'http.request', timeoutMs: 800, retry, config: { method: 'POST', url, bodyType: 'json', body: { n: '{{ n }}' }, ...extra } }],
      ['start -> make', 'make -> invoice'],
    );

  it('without an idempotency key: items 1-3 are sent once, the interrupted item 4 waits for a decision', async () => {
    const server = await slowFourthItem();
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const engine = engineAt(dir);
    const outcome = await engine.startRun(invoiceFlow(`${server.url}/invoices`));

    expect(outcome.status).toBe('needs-attention');
    expect(countByN(server)).toEqual({ 1: 1, 2: 1, 3: 1, 4: 1 });
    const events = await eventsIn(dir, outcome.runId);
    expect(eventsOf(events, 'node.retrying', 'invoice')).toHaveLength(1);
    expect(lastQuestion(events)).toMatchObject({ nodeId: 'invoice', itemIndex: 3 });

    // Item 4 did not arrive: send it again; items 1-3 still are not repeated.
    const done = await engine.resume(outcome.runId, { choice: 'send-again', by: 'ops' });
    expect(done.status).toBe('succeeded');
    expect(countByN(server)).toEqual({ 1: 1, 2: 1, 3: 1, 4: 2 });
    expect(done.outputs.invoice?.out).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
  });

  it('with an idempotency key: only the interrupted item 4 is sent again, with the same key', async () => {
    const server = await slowFourthItem();
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const outcome = await engineAt(dir).startRun(invoiceFlow(`${server.url}/invoices`, { idempotencyKey: 'inv-{{ n }}' }));

    expect(outcome.status).toBe('succeeded');
    expect(countByN(server)).toEqual({ 1: 1, 2: 1, 3: 1, 4: 2 });
    const keysForFour = server.requests.filter((r) => (JSON.parse(r.body) as { n: number }).n === 4).map((r) => r.headers['idempotency-key']);
    expect(keysForFour).toEqual(['inv-4', 'inv-4']);
    expect(outcome.outputs.invoice?.out).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
  });

  it('re-uses an item that succeeded after a per-item retry (unkeyed POST refused once, then accepted)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    const seen: Record<number, number> = {};
    const late = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { n } = JSON.parse(body) as { n: number };
        seen[n] = (seen[n] ?? 0) + 1;
        if (n === 2 && seen[n] === 1) return; // hangs: the node hits its time limit
        json(res, 201, { n });
      });
    });
    cleanups.push(async () => {
      late.closeAllConnections();
      await new Promise((resolve) => late.close(resolve));
    });
    const flow = makeFlow(
      [
        start,
        makeItems(2),
        {
          id: 'post',
          type: 'http.request',
          timeoutMs: 1500,
          retry: { maxAttempts: 2, initialDelayMs: 300, maxDelayMs: 300, multiplier: 1, jitter: false },
          config: { method: 'POST', url: `http://127.0.0.1:${port}/a`, bodyType: 'json', body: { n: '{{ n }}' } },
        },
      ],
      ['start -> make', 'make -> post'],
    );
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    // The server comes up while item 1 waits for its per-item retry.
    const onEvent = (_runId: string, event: RunEvent) => {
      if (event.type === 'item.retrying' && !late.listening) late.listen(port, '127.0.0.1');
    };
    const outcome = await engineAt(dir, { onEvent }).startRun(flow);
    const events = await eventsIn(dir, outcome.runId);
    expect(eventsOf(events, 'node.retrying', 'post')).toHaveLength(1);
    expect(seen[1]).toBe(1);
  });
});

describe('finding 4: an unkeyed write is never repeated after an ambiguous failure', () => {
  /**
   * Paths fail in one way the first time they are called and answer 201 afterwards:
   * slow (answers after the request's time limit), reset (connection dropped), 500/502/504,
   * 429/503 (with Retry-After: 0).
   */
  async function flakyServer(): Promise<TestServer> {
    const calls = new Map<string, number>();
    return serve(async (req, res) => {
      const count = (calls.get(req.url) ?? 0) + 1;
      calls.set(req.url, count);
      const mode = req.url.split('/').pop()!;
      if (count === 1) {
        if (mode === 'slow') await new Promise((r) => setTimeout(r, 600));
        else if (mode === 'reset') return void res.socket?.destroy();
        else if (mode === '429' || mode === '503') return json(res, Number(mode), { error: 'later' }, { 'retry-after': '0' });
        else if (/^5\d\d$/.test(mode)) return json(res, Number(mode), { error: 'upstream trouble' });
      }
      json(res, 201, { ok: true, mode });
    });
  }

  async function closedPort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const { port } = s.address() as AddressInfo;
    await new Promise((resolve) => s.close(resolve));
    return port;
  }

  const callsTo = (server: TestServer, path: string) => server.requests.filter((r) => r.url === path).length;
  type ErrorItem = { error: NodeErrorInfo; item: { url: string } };

  /** start -> post -> ok, post.error -> failed; one item per URL. */
  async function runPosts(urls: string[], config: Record<string, unknown> = {}, retry?: RetryPolicy) {
    const flow = makeFlow(
      [
        start,
        { id: 'post', type: 'http.request', ...(retry ? { retry } : {}), config: { method: 'POST', url: '{{ url }}', bodyType: 'json', body: { amount: 100 }, timeoutSeconds: 0.2, ...config } },
        passThrough('ok'),
        passThrough('failed'),
      ],
      ['start -> post', 'post -> ok', 'post.error -> failed'],
    );
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const outcome = await engineAt(dir).startRun(flow, { input: urls.map((url) => ({ url })) });
    expect(outcome.status).toBe('succeeded');
    const events = await eventsIn(dir, outcome.runId);
    const failed = (outcome.outputs.failed?.out ?? []) as unknown as ErrorItem[];
    return { events, failed, ok: outcome.outputs.ok?.out ?? [] };
  }

  it('with the default HTTP retry policy: time-out, reset, 500, 502, 504 are sent once (retried only with a key); 429, 503 and connection refused are retried', async () => {
    const server = await flakyServer();
    const refused = `http://127.0.0.1:${await closedPort()}/refused`;
    const ambiguous = ['slow', 'reset', '500', '502', '504'];
    const urls = [...ambiguous.map((m) => `${server.url}/a/${m}`), `${server.url}/a/429`, `${server.url}/a/503`, refused];
    const { events, failed, ok } = await runPosts(urls);

    for (const m of ambiguous) expect(callsTo(server, `/a/${m}`), `POST /a/${m}`).toBe(1);
    expect(callsTo(server, '/a/429')).toBe(2);
    expect(callsTo(server, '/a/503')).toBe(2);
    expect(ok.map((i) => i.mode)).toEqual(['429', '503']);

    // Each ambiguous one went to the error port, marked as not to be retried.
    expect(failed.map((f) => f.item.url)).toEqual([...ambiguous.map((m) => `${server.url}/a/${m}`), refused]);
    for (const f of failed.slice(0, ambiguous.length)) expect(f.error.retryable).toBe(false);
    // Per-item retries happened only for 429, 503 (once each) and the refused connection (twice).
    const retried = eventsOf(events, 'item.retrying', 'post').map((e) => urls[e.itemIndex]);
    expect(retried).toEqual([`${server.url}/a/429`, `${server.url}/a/503`, refused, refused]);
    expect(failed.at(-1)!.error).toMatchObject({ code: 'NETWORK', details: { errno: 'ECONNREFUSED' } });

    // With an idempotency key the same ambiguous failures are retried, with the same key.
    const keyed = await runPosts(
      ambiguous.map((m) => `${server.url}/d/${m}`),
      { idempotencyKey: 'charge-{{ $itemIndex }}' },
      FAST_RETRY,
    );
    expect(keyed.failed).toEqual([]);
    expect(keyed.ok.map((i) => i.mode)).toEqual(ambiguous);
    for (const m of ambiguous) expect(callsTo(server, `/d/${m}`), `POST /d/${m}`).toBe(2);
    const keys = server.requests.filter((r) => r.url === '/d/502').map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual(['charge-3', 'charge-3']);
  });

  it('says a timed-out or reset write may or may not have been processed, with a hint about idempotency keys', async () => {
    const server = await flakyServer();
    const { failed } = await runPosts([`${server.url}/b/slow`, `${server.url}/b/reset`]);
    expect(failed).toHaveLength(2);
    for (const f of failed) {
      expect(f.error.message).toMatch(/may or may not have been processed/);
      expect(f.error.hint).toMatch(/idempotency key/i);
    }
    expect(failed.map((f) => f.error.code)).toEqual(['TIMEOUT', 'NETWORK']);
  });

  it('says a 500/502/504 answer to an unkeyed write may or may not have been processed, with a hint about idempotency keys', async () => {
    const server = await flakyServer();
    const { failed } = await runPosts(['500', '502', '504'].map((m) => `${server.url}/c/${m}`));
    expect(failed).toHaveLength(3);
    for (const f of failed) {
      expect(f.error.message).toMatch(/may or may not have been processed/);
      expect(f.error.hint).toMatch(/idempotency key/i);
    }
  });
});

describe('finding 7: skip-item completes the item', () => {
  it('completes the skipped item with no output and a warning; the run goes on for the other items', async () => {
    let phase: 'crash' | 'live' = 'crash';
    const processed: Record<number, number> = {};
    const server = await serve((req, res) => {
      const { n } = JSON.parse(req.body) as { n: number };
      processed[n] = (processed[n] ?? 0) + 1;
      if (phase === 'live') json(res, 201, { n });
    });
    const flow = makeFlow(
      [
        start,
        makeItems(3),
        { id: 'invoice', type: 'http.request', config: { method: 'POST', url: `${server.url}/invoices`, bodyType: 'json', body: { n: '{{ n }}' } } },
        { id: 'notify', type: 'transform.set', config: { fields: [{ name: 'notified', value: true }] } },
      ],
      ['start -> make', 'make -> invoice', 'invoice -> notify'],
    );
    const first = await dataDir();
    inBackground((signal) => engineAt(first).startRun(flow, { signal }));
    await waitFor(() => server.requests.length === 1, 'invoice 1 in flight');
    const runId = await onlyRunId(first);
    const dir = await crashCopy(first, runId);
    phase = 'live';

    const asked = await engineAt(dir).resume(runId);
    expect(asked.status).toBe('needs-attention');
    // The person checked: invoice 1 did arrive.
    const outcome = await engineAt(dir).resume(runId, { choice: 'skip-item', by: 'ops' });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs).toEqual({ notify: { out: [{ n: 2, notified: true }, { n: 3, notified: true }] } });
    expect(processed).toEqual({ 1: 1, 2: 1, 3: 1 });

    const events = await eventsIn(dir, runId);
    const invoiceDone = eventsOf(events, 'node.succeeded', 'invoice').at(-1)!;
    expect(invoiceDone.outputs).toEqual({ out: [{ n: 2 }, { n: 3 }] });
    const warnings = eventsOf(events, 'node.log', 'invoice').filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/Item 1 .*confirmed as already sent/);

    // Finished for good: a later resume changes nothing.
    expect((await engineAt(dir).resume(runId)).status).toBe('succeeded');
    expect(processed).toEqual({ 1: 1, 2: 1, 3: 1 });
    const report = await replayRun(new FileTraceStore(dir), registry, runId);
    expect(report.nodes.filter((n) => !n.identical)).toEqual([]);
  });
});

describe('finding 10: resume does not wait again for a per-item retry delay already waited', () => {
  it('finishes at once after a crash that came after the retried item succeeded', async () => {
    let hang = true;
    const seen: Record<number, number> = {};
    const server = await serve((req, res) => {
      const { n } = JSON.parse(req.body) as { n: number };
      seen[n] = (seen[n] ?? 0) + 1;
      if (n === 1 && seen[n] === 1) return json(res, 429, { error: 'slow down' }, { 'retry-after': '2' });
      if (n === 2 && hang) return;
      json(res, 201, { n });
    });
    const flow = makeFlow(
      [start, makeItems(2), { id: 'post', type: 'http.request', config: { method: 'POST', url: `${server.url}/a`, bodyType: 'json', body: { n: '{{ n }}' }, idempotencyKey: 'k-{{ n }}' } }],
      ['start -> make', 'make -> post'],
    );
    const first = await dataDir();
    const began = Date.now();
    inBackground((signal) => engineAt(first).startRun(flow, { signal }));
    // Item 1 waits out its Retry-After and succeeds; the crash comes while item 2 is in flight.
    await waitFor(() => seen[2] === 1, 'item 2 in flight', 8000);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1900);
    const runId = await onlyRunId(first);
    const dir = await crashCopy(first, runId);
    hang = false;
    const before = { ...seen };

    const resumedAt = Date.now();
    const outcome = await engineAt(dir).resume(runId);
    const took = Date.now() - resumedAt;
    expect(outcome.status).toBe('succeeded');
    expect(took).toBeLessThan(1000);
    expect(seen[1]).toBe(before[1]); // item 1: no live call during the resume
    expect(seen[2]).toBe(2); // item 2 (keyed) was sent again
    expect(outcome.outputs.post?.out).toEqual([{ n: 1 }, { n: 2 }]);
    const retries = eventsOf(await eventsIn(dir, runId), 'item.retrying', 'post');
    expect(retries).toHaveLength(1); // the wait is not recorded (nor taken) a second time
  });
});
