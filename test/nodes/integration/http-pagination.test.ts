/**
 * http.request pagination (Link header, next-page field, cursor, page numbers, the max-pages
 * guard) and rate limits (Retry-After while paging, X-RateLimit-Remaining/Reset), against real
 * local HTTP servers. The node's other behaviour is in http-request.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayRun, validateFlow, type Engine, type FileTraceStore, type NodeErrorInfo, type RetryPolicy } from '../../../engine/index.ts';
import { makeFlow, registry, testEngine } from '../../helpers/engine.ts';
import { json, serveDuringTest, type TestServer } from '../../helpers/http-server.ts';
import { eventsOf, itemsOf, passThrough, traceEvents } from '../support.ts';

let engine: Engine;
let store: FileTraceStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ engine, store, cleanup } = await testEngine());
});
afterAll(() => cleanup());

const NO_RETRY: RetryPolicy = { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, multiplier: 1, jitter: false };
type ErrorItem = { error: NodeErrorInfo; itemIndex: number };
const paths = (server: TestServer) => server.requests.map((r) => r.url);

function pagedFlow(config: Record<string, unknown>) {
  return makeFlow(
    [{ id: 'start', type: 'trigger.manual' }, { id: 'http', type: 'http.request', config, retry: NO_RETRY }, passThrough('ok'), passThrough('errors')],
    ['start -> http', 'http -> ok', 'http.error -> errors'],
  );
}

/** Records 1..total, `size` per page, for page `n` (1-based). */
const records = (n: number, size: number, total: number) =>
  Array.from({ length: Math.max(0, Math.min(size, total - (n - 1) * size)) }, (_, i) => ({ id: (n - 1) * size + i + 1 }));

describe('http.request: reading every page', () => {
  it('follows the Link header (relative addresses too); every page is a recorded call; replay needs no server', async () => {
    const server = await serveDuringTest((req, res) => {
      const n = Number(new URL(req.url, 'http://x').searchParams.get('page') ?? '1');
      const link = n < 3 ? `</items?page=${n + 1}&per_page=2>; rel="next", </items?page=3&per_page=2>; rel="last"` : '</items?page=1&per_page=2>; rel="first"';
      json(res, 200, records(n, 2, 5), { link });
    });
    const outcome = await engine.startRun(pagedFlow({ url: `${server.url}/items?per_page=2`, pagination: { mode: 'link-header' } }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 5 }]);
    expect(paths(server)).toEqual(['/items?per_page=2', '/items?page=2&per_page=2', '/items?page=3&per_page=2']);
    const calls = eventsOf(await traceEvents(store, outcome.runId), 'external.result', 'http').filter((e) => e.kind === 'http');
    expect(calls.map((c) => c.call)).toEqual([0, 1, 2]);
    await server.close();
    expect((await replayRun(store, registry, outcome.runId)).identical).toBe(true);
  });

  it('follows a next-page address in the answer, taking the records from the named field', async () => {
    const server = await serveDuringTest((req, res) => {
      const n = Number(new URL(req.url, 'http://x').searchParams.get('page') ?? '1');
      json(res, 200, { count: 3, next: n < 2 ? `${server.url}/api/people?page=${n + 1}` : null, results: records(n, 2, 3) });
    });
    const outcome = await engine.startRun(pagedFlow({ url: `${server.url}/api/people`, pagination: { mode: 'next-url', nextUrlPath: 'next', itemsPath: 'results' } }), { input: {} });
    expect(itemsOf(outcome, 'ok')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(paths(server)).toEqual(['/api/people', '/api/people?page=2']);
  });

  it('sends a cursor back in the named query parameter, keeping the other parameters', async () => {
    const server = await serveDuringTest((req, res) => {
      const cursor = new URL(req.url, 'http://x').searchParams.get('after');
      const n = cursor === null ? 1 : Number(cursor.replace('c', ''));
      json(res, 200, { data: records(n, 2, 6), meta: { next_cursor: n < 3 ? `c${n + 1}` : '' } });
    });
    const outcome = await engine.startRun(
      pagedFlow({ url: `${server.url}/v1/orders`, query: [{ name: 'status', value: 'open' }], pagination: { mode: 'cursor', cursorPath: 'meta.next_cursor', cursorParam: 'after', itemsPath: 'data' } }),
      { input: {} },
    );
    expect(itemsOf(outcome, 'ok').map((i) => i.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(paths(server)).toEqual(['/v1/orders?status=open', '/v1/orders?status=open&after=c2', '/v1/orders?status=open&after=c3']);
  });

  it('counts page numbers up until a page comes back empty', async () => {
    const server = await serveDuringTest((req, res) => {
      const n = Number(new URL(req.url, 'http://x').searchParams.get('p'));
      json(res, 200, { items: records(n + 1, 2, 3) });
    });
    const outcome = await engine.startRun(pagedFlow({ url: `${server.url}/list`, pagination: { mode: 'page-number', pageParam: 'p', firstPage: 0, itemsPath: 'items' } }), { input: {} });
    expect(itemsOf(outcome, 'ok')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(paths(server)).toEqual(['/list?p=0', '/list?p=1', '/list?p=2']);
  });

  it('the max-pages guard: a list that never ends fails on the error port, naming the limit and the way out', async () => {
    const server = await serveDuringTest((req, res) => {
      const n = Number(new URL(req.url, 'http://x').searchParams.get('page') ?? '1');
      json(res, 200, [{ n }], { link: `<${server.url}/x?page=${n + 1}>; rel="next"` });
    });
    const outcome = await engine.startRun(pagedFlow({ url: `${server.url}/x`, pagination: { mode: 'link-header', maxPages: 4 } }), { input: {} });
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error).toMatchObject({ code: 'TOO_MANY_PAGES', retryable: false, message: 'The list has more than 4 pages, the most this step reads.' });
    expect(failed!.error.hint).toContain('Raise "Most pages"');
    expect(server.requests).toHaveLength(4);
    expect(itemsOf(outcome, 'ok')).toEqual([]);
  });

  it('page numbers: a list of exactly max pages is read whole (the empty page after it is allowed)', async () => {
    const server = await serveDuringTest((req, res) => json(res, 200, records(Number(new URL(req.url, 'http://x').searchParams.get('page')), 1, 3)));
    const outcome = await engine.startRun(pagedFlow({ url: `${server.url}/x`, pagination: { mode: 'page-number', maxPages: 3 } }), { input: {} });
    expect(itemsOf(outcome, 'ok')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(server.requests).toHaveLength(4);
  });

  it('page numbers: a 404 after the last page ends the list instead of failing it', async () => {
    const server = await serveDuringTest((req, res) => {
      const n = Number(new URL(req.url, 'http://x').searchParams.get('page'));
      if (n > 2) return json(res, 404, { message: 'no such page' });
      json(res, 200, { data: records(n, 1, 2) });
    });
    const outcome = await engine.startRun(pagedFlow({ url: `${server.url}/x`, pagination: { mode: 'page-number', itemsPath: 'data' } }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ id: 1 }, { id: 2 }]);
    expect(itemsOf(outcome, 'errors')).toEqual([]);
  });

  it('a next page on another site is not followed, so the credential never goes there', async () => {
    const server = await serveDuringTest((_req, res) => json(res, 200, [{ id: 1 }], { link: '<http://elsewhere.example/steal?page=2>; rel="next"' }));
    const outcome = await engine.startRun(pagedFlow({ url: `${server.url}/x`, pagination: { mode: 'link-header' } }), { input: {} });
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error.message).toBe(`The next page is on another site (http://elsewhere.example) than the first (${server.url}), so Flowkeeper did not follow it.`);
    expect(server.requests).toHaveLength(1);
  });

  it('an API that sends the same page again stops with a plain error instead of looping', async () => {
    const server = await serveDuringTest((_req, res) => json(res, 200, { data: [{ id: 1 }], next: 'same' }));
    const outcome = await engine.startRun(pagedFlow({ url: `${server.url}/x`, pagination: { mode: 'cursor', cursorPath: 'next', cursorParam: 'c', itemsPath: 'data' } }), { input: {} });
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error.message).toContain('back to a page it had already given');
    expect(server.requests).toHaveLength(2);
  });

  it('pagination is refused for anything but GET', () => {
    const result = validateFlow(
      { format: 'flowkeeper/flow', formatVersion: 1, id: 'f', name: 'f', nodes: [{ id: 'h', type: 'http.request', config: { method: 'POST', url: 'http://x', pagination: { mode: 'link-header' } } }], edges: [] },
      registry,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.message)).toContain('Pages can only be read with GET.');
  });
});

describe('http.request: rate limits', () => {
  it('while paging, a 429 with Retry-After is waited out and the same page asked again (not page one)', async () => {
    let refusedOnce = false;
    const server = await serveDuringTest((req, res) => {
      const n = Number(new URL(req.url, 'http://x').searchParams.get('page'));
      if (n === 2 && !refusedOnce) {
        refusedOnce = true;
        return json(res, 429, { message: 'slow down' }, { 'retry-after': '0' });
      }
      json(res, 200, { items: records(n, 1, 3) });
    });
    const outcome = await engine.startRun(pagedFlow({ url: `${server.url}/x`, pagination: { mode: 'page-number', itemsPath: 'items' } }), { input: {} });
    expect(itemsOf(outcome, 'ok')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(paths(server)).toEqual(['/x?page=1', '/x?page=2', '/x?page=2', '/x?page=3', '/x?page=4']);
    const logs = eventsOf(await traceEvents(store, outcome.runId), 'node.log', 'http');
    expect(logs.map((l) => l.message)).toContain('The API asked to slow down; waiting 0 s before asking for the page again.');
  });

  it('X-RateLimit-Remaining: 0 makes the next call wait until X-RateLimit-Reset', async () => {
    const arrived: number[] = [];
    const server = await serveDuringTest((_req, res) => {
      arrived.push(Date.now());
      json(res, 200, { ok: true }, { 'x-ratelimit-remaining': arrived.length === 1 ? '0' : '10', 'x-ratelimit-reset': '1' });
    });
    const outcome = await engine.startRun(pagedFlow({ url: `${server.url}/x` }), { input: [{ n: 1 }, { n: 2 }] });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests).toHaveLength(2);
    // A lower bound only: the second call cannot have gone out before the limit reset.
    expect(arrived[1]! - arrived[0]!).toBeGreaterThanOrEqual(950);
    // The moment the wait was measured from is recorded, so replay computes the same wait.
    const clock = eventsOf(await traceEvents(store, outcome.runId), 'external.result', 'http').filter((e) => e.kind === 'clock');
    expect(clock).toHaveLength(1);
    await server.close();
    expect((await replayRun(store, registry, outcome.runId)).identical).toBe(true);
  });

  it('a limit that resets later than the step waits fails the next item with a plain message', async () => {
    const server = await serveDuringTest((_req, res) => json(res, 200, { ok: true }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '3600' }));
    const outcome = await engine.startRun(pagedFlow({ url: `${server.url}/x`, rateLimit: { maxWaitSeconds: 60 } }), { input: [{ n: 1 }, { n: 2 }] });
    expect(itemsOf(outcome, 'ok')).toEqual([{ ok: true }]);
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.itemIndex).toBe(1);
    expect(failed!.error).toMatchObject({ code: 'RATE_LIMITED', message: "The API's call limit is used up and resets in 3600 seconds, longer than the 60 seconds this step waits." });
    expect(server.requests).toHaveLength(1);
  });

  it('a reset given as a time is measured against the answer\'s Date header', async () => {
    const date = new Date('2030-01-01T00:00:00Z');
    const server = await serveDuringTest((_req, res) =>
      json(res, 429, { message: 'limit' }, { date: date.toUTCString(), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(date.getTime() / 1000 + 42) }),
    );
    const outcome = await engine.startRun(pagedFlow({ url: `${server.url}/x` }), { input: {} });
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error).toMatchObject({ code: 'HTTP_STATUS', status: 429, retryAfterMs: 42_000 });
  });
});
