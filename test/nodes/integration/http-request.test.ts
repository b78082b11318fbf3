import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EnvSecretResolver, replayRun, type Engine, type FileTraceStore, type NodeErrorInfo, type RetryPolicy } from '../../../engine/index.ts';
import { makeFlow, registry, testEngine } from '../../helpers/engine.ts';
import { json, startServer, type Handler, type ReceivedRequest, type TestServer } from '../../helpers/http-server.ts';
import { eventsOf, filesBelow, itemsOf, passThrough, traceEvents } from '../support.ts';

let engine: Engine;
let store: FileTraceStore;
let cleanup: () => Promise<void>;
const servers: TestServer[] = [];

beforeAll(async () => {
  ({ engine, store, cleanup } = await testEngine());
});
afterAll(() => cleanup());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

/** Fast, deterministic retries for tests (the node's default waits ~1 s and 2 s with jitter). */
const FAST_RETRY: RetryPolicy = { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20, multiplier: 1, jitter: false };
const NO_RETRY: RetryPolicy = { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, multiplier: 1, jitter: false };

interface FlowOptions {
  /** Connect `http.error -> errors`. */
  errorPort?: boolean;
  retry?: RetryPolicy;
  name?: string;
}

/** start -> http -> ok, and optionally http.error -> errors. */
function httpFlow(config: Record<string, unknown>, options: FlowOptions = {}) {
  return makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'http', type: 'http.request', config, ...(options.retry ? { retry: options.retry } : {}), ...(options.name ? { name: options.name } : {}) },
      passThrough('ok'),
      ...(options.errorPort ? [passThrough('errors')] : []),
    ],
    ['start -> http', 'http -> ok', ...(options.errorPort ? ['http.error -> errors'] : [])],
  );
}

type ErrorItem = { error: NodeErrorInfo; item: Record<string, unknown>; itemIndex: number };
const errorItems = (items: Array<Record<string, unknown>>) => items as unknown as ErrorItem[];
const paths = (server: TestServer) => server.requests.map((r) => r.url);

describe('http.request: building the request', () => {
  it('GET with an expression in the URL and query parameters (values encoded)', async () => {
    const server = await serve((req, res) => json(res, 200, { path: req.url }));
    const flow = httpFlow({
      url: `${server.url}/invoices/{{ id }}`,
      query: [
        { name: 'expand', value: 'lines' },
        { name: 'customer', value: '{{ customer }}' },
        { name: 'limit', value: '{{ limit }}' },
      ],
    });
    const outcome = await engine.startRun(flow, { input: [{ id: 7, customer: 'ACME', limit: 5 }, { id: 8, customer: 'Bob & Co', limit: 10 }] });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(paths(server)).toEqual(['/invoices/7?expand=lines&customer=ACME&limit=5', '/invoices/8?expand=lines&customer=Bob+%26+Co&limit=10']);
    expect(server.requests[0]!.body).toBe('');
    expect(server.requests[0]!.headers['content-type']).toBeUndefined();
    // A JSON object answer becomes the item.
    expect(itemsOf(outcome, 'ok')).toEqual([{ path: '/invoices/7?expand=lines&customer=ACME&limit=5' }, { path: '/invoices/8?expand=lines&customer=Bob+%26+Co&limit=10' }]);
  });

  it('POST with a JSON body: whole-string expressions keep their type, mixed ones become text', async () => {
    const server = await serve((req, res) => json(res, 201, { created: true }));
    const flow = httpFlow({
      method: 'POST',
      url: `${server.url}/payments`,
      bodyType: 'json',
      body: {
        amount: '{{ amount }}',
        paid: '{{ paid }}',
        lines: '{{ lines }}',
        customer: '{{ customer }}',
        note: 'Invoice {{ id }} ({{ amount }} EUR)',
        meta: { count: '{{ $count(lines) }}', fixed: 1, tags: ['{{ id }}', 'x'] },
      },
    });
    const outcome = await engine.startRun(flow, { input: { id: 'inv-1', amount: 12.5, paid: false, lines: [{ sku: 'a' }, { sku: 'b' }], customer: { name: 'Ada' } } });
    expect(outcome.status).toBe('succeeded');
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toStrictEqual({
      amount: 12.5,
      paid: false,
      lines: [{ sku: 'a' }, { sku: 'b' }],
      customer: { name: 'Ada' },
      note: 'Invoice inv-1 (12.5 EUR)',
      meta: { count: 2, fixed: 1, tags: ['inv-1', 'x'] },
    });
    expect(itemsOf(outcome, 'ok')).toEqual([{ created: true }]);
  });

  it('form body, as a list of name/value pairs or as an object', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const pairs = httpFlow({ method: 'POST', url: server.url, bodyType: 'form', body: [{ name: 'amount', value: '{{ amount }}' }, { name: 'note', value: 'a b&c=d' }, { name: 'amount', value: 2 }] });
    const object = httpFlow({ method: 'PUT', url: server.url, bodyType: 'form', body: { id: '{{ id }}', ok: true } });
    expect((await engine.startRun(pairs, { input: { amount: 12.5 } })).status).toBe('succeeded');
    expect((await engine.startRun(object, { input: { id: 'x/1' } })).status).toBe('succeeded');
    expect(server.requests.map((r) => [r.method, r.headers['content-type'], r.body])).toEqual([
      ['POST', 'application/x-www-form-urlencoded', 'amount=12.5&note=a+b%26c%3Dd&amount=2'],
      ['PUT', 'application/x-www-form-urlencoded', 'id=x%2F1&ok=true'],
    ]);
  });

  it('text body with an expression', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const outcome = await engine.startRun(httpFlow({ method: 'POST', url: server.url, bodyType: 'text', body: 'Hello {{ name }}, you owe {{ amount }}.' }), { input: { name: 'Ada', amount: 3 } });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests[0]!.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(server.requests[0]!.body).toBe('Hello Ada, you owe 3.');
  });

  it('sends no body when bodyType is none, even if a body is configured', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    await engine.startRun(httpFlow({ method: 'POST', url: server.url, body: { a: 1 } }), { input: {} });
    expect(server.requests[0]!.body).toBe('');
    expect(server.requests[0]!.headers['content-type']).toBeUndefined();
  });

  it('custom headers, with expressions', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const flow = httpFlow({
      url: server.url,
      headers: [
        { name: 'X-Source', value: 'flowkeeper' },
        { name: 'X-Invoice', value: 'inv-{{ id }}' },
        { name: 'Accept', value: 'application/json' },
        { name: 'X-Count', value: '{{ n }}' },
      ],
    });
    await engine.startRun(flow, { input: { id: 42, n: 3 } });
    const { headers } = server.requests[0]!;
    expect(headers['x-source']).toBe('flowkeeper');
    expect(headers['x-invoice']).toBe('inv-42');
    expect(headers['accept']).toBe('application/json');
    expect(headers['x-count']).toBe('3');
  });

  it('a custom Content-Type header replaces the default one for a JSON body', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const flow = httpFlow({ method: 'POST', url: server.url, headers: [{ name: 'Content-Type', value: 'application/vnd.api+json' }], bodyType: 'json', body: { a: 1 } });
    await engine.startRun(flow, { input: {} });
    expect(server.requests[0]!.headers['content-type']).toBe('application/vnd.api+json');
  });

  it('a custom content-type header in lower case also replaces the default', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const flow = httpFlow({ method: 'POST', url: server.url, headers: [{ name: 'content-type', value: 'application/vnd.api+json' }], bodyType: 'json', body: { a: 1 } });
    await engine.startRun(flow, { input: {} });
    expect(server.requests[0]!.headers['content-type']).toBe('application/vnd.api+json');
  });

  it('idempotencyKey with an expression arrives as the Idempotency-Key header and is recorded', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const flow = httpFlow({ method: 'POST', url: `${server.url}/invoices`, idempotencyKey: 'inv-{{ id }}', bodyType: 'json', body: { id: '{{ id }}' } });
    const outcome = await engine.startRun(flow, { input: [{ id: 7 }, { id: 8 }] });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests.map((r) => r.headers['idempotency-key'])).toEqual(['inv-7', 'inv-8']);
    const intents = eventsOf(await traceEvents(store, outcome.runId), 'external.intent', 'http');
    expect(intents.map((e) => e.idempotencyKey)).toEqual(['inv-7', 'inv-8']);
  });

  it('without idempotencyKey no Idempotency-Key header is sent', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    await engine.startRun(httpFlow({ method: 'POST', url: server.url }), { input: {} });
    expect(server.requests[0]!.headers['idempotency-key']).toBeUndefined();
  });
});

describe('http.request: reading the answer', () => {
  it('a JSON list answer becomes several items; non-objects become { value }', async () => {
    const server = await serve((_req, res) => json(res, 200, [{ id: 1 }, { id: 2 }, 3, 'four', [5]]));
    const outcome = await engine.startRun(httpFlow({ url: `${server.url}/list` }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ id: 1 }, { id: 2 }, { value: 3 }, { value: 'four' }, { value: [5] }]);
  });

  it('answers of several input items are concatenated in input order', async () => {
    const server = await serve((req, res) => json(res, 200, [{ from: req.url, n: 1 }, { from: req.url, n: 2 }]));
    const outcome = await engine.startRun(httpFlow({ url: `${server.url}/{{ id }}` }), { input: [{ id: 'a' }, { id: 'b' }] });
    expect(itemsOf(outcome, 'ok')).toEqual([
      { from: '/a', n: 1 },
      { from: '/a', n: 2 },
      { from: '/b', n: 1 },
      { from: '/b', n: 2 },
    ]);
  });

  it("output 'full' gives status, headers and parsed body", async () => {
    const server = await serve((_req, res) => json(res, 201, { id: 9 }, { 'x-request-id': 'abc-123' }));
    const outcome = await engine.startRun(httpFlow({ method: 'POST', url: server.url, output: 'full' }), { input: {} });
    const items = itemsOf(outcome, 'ok');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ status: 201, body: { id: 9 } });
    expect((items[0]!.headers as Record<string, string>)['x-request-id']).toBe('abc-123');
    expect((items[0]!.headers as Record<string, string>)['content-type']).toBe('application/json');
  });

  it("output 'full' keeps a JSON list as one body", async () => {
    const server = await serve((_req, res) => json(res, 200, [1, 2]));
    const outcome = await engine.startRun(httpFlow({ url: server.url, output: 'full' }), { input: {} });
    expect(itemsOf(outcome, 'ok')).toEqual([expect.objectContaining({ status: 200, body: [1, 2] })]);
  });

  it("responseFormat 'auto' parses JSON by content type (also +json) and keeps other answers as text", async () => {
    const server = await serve((req, res) => {
      if (req.url === '/problem') {
        res.writeHead(200, { 'content-type': 'application/problem+json' });
        res.end('{"title":"x"}');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('{"looks":"like json"}');
      }
    });
    const problem = await engine.startRun(httpFlow({ url: `${server.url}/problem` }), { input: {} });
    expect(itemsOf(problem, 'ok')).toEqual([{ title: 'x' }]);
    const text = await engine.startRun(httpFlow({ url: `${server.url}/text` }), { input: {} });
    expect(itemsOf(text, 'ok')).toEqual([{ status: 200, body: '{"looks":"like json"}' }]);
  });

  it("responseFormat 'json' parses whatever the content type says", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('{"id": 5, "ok": true}');
    });
    const outcome = await engine.startRun(httpFlow({ url: server.url, responseFormat: 'json' }), { input: {} });
    expect(itemsOf(outcome, 'ok')).toEqual([{ id: 5, ok: true }]);
  });

  it("responseFormat 'text' keeps a JSON answer as text", async () => {
    const server = await serve((_req, res) => json(res, 200, { id: 5 }));
    const outcome = await engine.startRun(httpFlow({ url: server.url, responseFormat: 'text' }), { input: {} });
    expect(itemsOf(outcome, 'ok')).toEqual([{ status: 200, body: '{"id":5}' }]);
  });

  it('an empty answer is an item with an empty body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(204, { 'content-type': 'application/json' });
      res.end();
    });
    const outcome = await engine.startRun(httpFlow({ method: 'DELETE', url: server.url }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ status: 204, body: '' }]);
  });

  it('invalid JSON from a server claiming application/json goes to the error port with a plain message', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>Gateway says hi</html>');
    });
    const outcome = await engine.startRun(httpFlow({ url: `${server.url}/api/data?key=abc` }, { errorPort: true }), { input: { id: 1 } });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.outputs.ok).toBeUndefined();
    const [failed] = errorItems(itemsOf(outcome, 'errors'));
    expect(failed!.item).toEqual({ id: 1 });
    expect(failed!.itemIndex).toBe(0);
    expect(failed!.error.code).toBe('BAD_RESPONSE');
    expect(failed!.error.retryable).toBe(false);
    expect(failed!.error.message).toBe(`GET 127.0.0.1:${server.port}/api/data answered with something that is not valid JSON (starts with "<html>Gateway says hi</html>").`);
    expect(failed!.error.message).not.toMatch(/SyntaxError|Unexpected token|position/);
    expect(failed!.error.hint).toContain('Response format');
    // Not retryable: sent once even though the node has a default retry policy.
    expect(server.requests).toHaveLength(1);
  });

  it('a non-error status comes out as an item when failOnErrorStatus is off', async () => {
    const server = await serve((_req, res) => json(res, 404, { message: 'no such invoice' }));
    const outcome = await engine.startRun(httpFlow({ url: server.url, failOnErrorStatus: false, output: 'full' }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([expect.objectContaining({ status: 404, body: { message: 'no such invoice' } })]);
  });

  it('keeps item order with concurrency even when answers arrive out of order', async () => {
    // The server answers only once all four requests are in (so they must be in flight together),
    // and then answers the last one first.
    const held: Array<{ n: number; res: ServerResponse }> = [];
    const server = await serve((req, res) => {
      held.push({ n: Number(req.url.slice(1)), res });
      if (held.length < 4) return;
      held.sort((x, y) => y.n - x.n).forEach(({ n, res: r }, i) => setTimeout(() => json(r, 200, { n }), i * 10));
    });
    const outcome = await engine.startRun(httpFlow({ url: `${server.url}/{{ n }}`, concurrency: 4, timeoutSeconds: 3 }, { retry: NO_RETRY }), {
      input: [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }],
    });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(server.requests).toHaveLength(4);
  });
});

describe('http.request: failures', () => {
  it('404 with the error port connected: the failed item goes to "error" with status 404, the others to "out"', async () => {
    const server = await serve((req, res) => (req.url === '/invoices/2' ? json(res, 404, { message: 'not found' }) : json(res, 200, { id: req.url })));
    const flow = httpFlow({ url: `${server.url}/invoices/{{ id }}` }, { errorPort: true });
    const outcome = await engine.startRun(flow, { input: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ id: '/invoices/1' }, { id: '/invoices/3' }]);
    const errors = errorItems(itemsOf(outcome, 'errors'));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.item).toEqual({ id: 2 });
    expect(errors[0]!.itemIndex).toBe(1);
    expect(errors[0]!.error).toMatchObject({ code: 'HTTP_STATUS', status: 404, retryable: false });
    expect(errors[0]!.error.message).toContain(`GET 127.0.0.1:${server.port}/invoices/2 answered 404 Not Found`);
    expect(errors[0]!.error.message).toContain('not found');
    // 404 is not retried.
    expect(paths(server)).toEqual(['/invoices/1', '/invoices/2', '/invoices/3']);

    const events = await traceEvents(store, outcome.runId);
    const succeeded = eventsOf(events, 'node.succeeded', 'http');
    expect(succeeded).toHaveLength(1);
    expect(Object.keys(succeeded[0]!.outputs).sort()).toEqual(['error', 'out']);
  });

  it('404 with NO error port: the run fails with a message naming the node', async () => {
    const server = await serve((req, res) => (req.url === '/invoices/2' ? json(res, 404, { message: 'not found' }) : json(res, 200, { ok: true })));
    const flow = httpFlow({ url: `${server.url}/invoices/{{ id }}` }, { name: 'Fetch invoice' });
    const outcome = await engine.startRun(flow, { input: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.nodeId).toBe('http');
    expect(outcome.error?.code).toBe('HTTP_STATUS');
    expect(outcome.error?.message).toContain('1 of 3 items failed in node "Fetch invoice"');
    expect(outcome.error?.message).toContain('answered 404 Not Found');
    expect(outcome.error?.hint).toContain('Check the address');
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'node.started', 'ok')).toHaveLength(0);
    const failed = eventsOf(events, 'node.failed', 'http');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.routedToErrorPort).toBe(false);
    expect(eventsOf(events, 'run.finished')[0]!.status).toBe('failed');
  });

  it('503 twice then 200 with a node retry policy: only that item is sent again', async () => {
    const attempts = new Map<string, number>();
    const server = await serve((req, res) => {
      const n = (attempts.get(req.url) ?? 0) + 1;
      attempts.set(req.url, n);
      if (req.url === '/items/2' && n <= 2) json(res, 503, { message: 'busy' });
      else json(res, 200, { url: req.url, attempt: n });
    });
    const flow = httpFlow({ url: `${server.url}/items/{{ id }}` }, { retry: FAST_RETRY });
    const outcome = await engine.startRun(flow, { input: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([
      { url: '/items/1', attempt: 1 },
      { url: '/items/2', attempt: 3 },
      { url: '/items/3', attempt: 1 },
    ]);
    expect(paths(server).filter((p) => p === '/items/2')).toHaveLength(3);
    expect(paths(server).filter((p) => p === '/items/1')).toHaveLength(1);
    expect(paths(server).filter((p) => p === '/items/3')).toHaveLength(1);
    expect(server.requests).toHaveLength(5);

    const events = await traceEvents(store, outcome.runId);
    const retrying = eventsOf(events, 'item.retrying', 'http');
    expect(retrying.map((e) => [e.itemIndex, e.itemAttempt, e.delayMs, e.error.status, e.error.code])).toEqual([
      [1, 1, 10, 503, 'HTTP_STATUS'],
      [1, 2, 10, 503, 'HTTP_STATUS'],
    ]);
    // Per-item retry inside one node attempt: the node itself started once.
    expect(eventsOf(events, 'node.started', 'http')).toHaveLength(1);
    expect(eventsOf(events, 'node.retrying', 'http')).toHaveLength(0);
    expect(eventsOf(events, 'external.intent', 'http')).toHaveLength(5);
  });

  it('without a flow policy the node default retries a 503 (one retry, under a second with jitter)', async () => {
    let calls = 0;
    const server = await serve((_req, res) => {
      calls++;
      if (calls === 1) json(res, 503, {});
      else json(res, 200, { ok: true });
    });
    const outcome = await engine.startRun(httpFlow({ url: server.url }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests).toHaveLength(2);
    const [retry] = eventsOf(await traceEvents(store, outcome.runId), 'item.retrying', 'http');
    expect(retry!.delayMs).toBeGreaterThanOrEqual(0);
    expect(retry!.delayMs).toBeLessThan(1000);
  });

  it('a replay of a run with retries is identical and contacts no server', async () => {
    let calls = 0;
    const server = await serve((req, res) => {
      calls++;
      if (calls === 1) json(res, 503, {});
      else json(res, 200, { ok: calls });
    });
    const outcome = await engine.startRun(httpFlow({ url: `${server.url}/x` }, { retry: FAST_RETRY }), { input: { id: 1 } });
    expect(outcome.status).toBe('succeeded');
    await server.close();
    const report = await replayRun(store, registry, outcome.runId);
    expect(report.identical).toBe(true);
    expect(calls).toBe(2);
  });

  it('503 every time: after maxAttempts the item goes to the error port', async () => {
    const server = await serve((_req, res) => json(res, 503, { message: 'down' }));
    const outcome = await engine.startRun(httpFlow({ url: server.url }, { retry: FAST_RETRY, errorPort: true }), { input: { id: 1 } });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests).toHaveLength(3);
    const [failed] = errorItems(itemsOf(outcome, 'errors'));
    expect(failed!.error).toMatchObject({ code: 'HTTP_STATUS', status: 503, retryable: true });
    expect(failed!.error.hint).toContain('Retries may help');
  });

  it('429 with Retry-After: 0 is retried and succeeds; the wait is recorded', async () => {
    let calls = 0;
    const server = await serve((_req, res) => {
      calls++;
      if (calls === 1) json(res, 429, { message: 'slow down' }, { 'retry-after': '0' });
      else json(res, 200, { ok: true });
    });
    const outcome = await engine.startRun(httpFlow({ url: server.url }, { retry: FAST_RETRY }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ ok: true }]);
    expect(server.requests).toHaveLength(2);
    const [retry] = eventsOf(await traceEvents(store, outcome.runId), 'item.retrying', 'http');
    expect(retry!.error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 0 });
    expect(retry!.error.hint).toContain('rate-limiting');
    // The server's Retry-After is obeyed exactly, instead of the policy's own delay.
    expect(retry!.delayMs).toBe(0);
  });

  it('a longer Retry-After is obeyed even past the policy ceiling (maxDelayMs)', async () => {
    let calls = 0;
    const server = await serve((_req, res) => {
      calls++;
      if (calls === 1) json(res, 429, {}, { 'retry-after': '1' });
      else json(res, 200, { ok: true });
    });
    const started = performance.now();
    const outcome = await engine.startRun(httpFlow({ url: server.url }, { retry: FAST_RETRY }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    const [retry] = eventsOf(await traceEvents(store, outcome.runId), 'item.retrying', 'http');
    expect(retry!.error.retryAfterMs).toBe(1000);
    expect(retry!.delayMs).toBe(1000);
  });

  it('a Retry-After date without a Date header is measured against the recorded clock, so replay agrees', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    const server = await serve((_req, res) => {
      res.sendDate = false;
      json(res, 429, {}, { 'retry-after': at });
    });
    const outcome = await engine.startRun(httpFlow({ url: server.url }, { errorPort: true, retry: NO_RETRY }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    const [failed] = errorItems(itemsOf(outcome, 'errors'));
    const events = await traceEvents(store, outcome.runId);
    const [clock] = eventsOf(events, 'external.result', 'http').filter((e) => e.kind === 'clock');
    expect(typeof clock!.result).toBe('number');
    expect(failed!.error.retryAfterMs).toBe(Date.parse(at) - (clock!.result as number));
    const report = await replayRun(store, registry, outcome.runId);
    expect(report.identical).toBe(true);
  });

  it('connection refused: a NETWORK error on the error port', async () => {
    const gone = await startServer(() => undefined);
    const { url, port } = gone;
    await gone.close();
    const outcome = await engine.startRun(httpFlow({ url: `${url}/ping?token=abc` }, { errorPort: true, retry: NO_RETRY }), { input: { id: 1 } });
    expect(outcome.status).toBe('succeeded');
    const [failed] = errorItems(itemsOf(outcome, 'errors'));
    expect(failed!.error.code).toBe('NETWORK');
    expect(failed!.error.retryable).toBe(true);
    expect(failed!.error.message).toBe(`Could not reach http://127.0.0.1:${port}/ping: ECONNREFUSED.`);
    expect(failed!.error.details).toEqual({ errno: 'ECONNREFUSED' });
    expect(failed!.item).toEqual({ id: 1 });
  });

  it('connection refused is retried by the retry policy', async () => {
    const gone = await startServer(() => undefined);
    await gone.close();
    const outcome = await engine.startRun(httpFlow({ url: gone.url }, { errorPort: true, retry: FAST_RETRY }), { input: {} });
    const retrying = eventsOf(await traceEvents(store, outcome.runId), 'item.retrying', 'http');
    expect(retrying.map((e) => e.error.code)).toEqual(['NETWORK', 'NETWORK']);
    expect(errorItems(itemsOf(outcome, 'errors'))[0]!.error.code).toBe('NETWORK');
  });

  it('a server that never answers: TIMEOUT after timeoutSeconds', async () => {
    const server = await serve(() => undefined);
    const started = performance.now();
    const outcome = await engine.startRun(httpFlow({ url: `${server.url}/slow`, timeoutSeconds: 0.2 }, { errorPort: true, retry: NO_RETRY }), { input: { id: 1 } });
    const elapsed = performance.now() - started;
    expect(outcome.status).toBe('succeeded');
    const [failed] = errorItems(itemsOf(outcome, 'errors'));
    expect(failed!.error.code).toBe('TIMEOUT');
    expect(failed!.error.retryable).toBe(true);
    expect(failed!.error.message).toBe(`GET http://127.0.0.1:${server.port}/slow did not answer within 0.2 s.`);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2000);
    expect(server.requests).toHaveLength(1);
  });

  it('a non-http address (ftp://) is a CONFIG error, never retried', async () => {
    const outcome = await engine.startRun(httpFlow({ url: 'ftp://files.example.com/{{ name }}' }, { errorPort: true }), { input: { name: 'report.csv' } });
    expect(outcome.status).toBe('succeeded');
    const [failed] = errorItems(itemsOf(outcome, 'errors'));
    expect(failed!.error.code).toBe('CONFIG');
    expect(failed!.error.message).toBe('Only http and https addresses can be called, not "ftp:".');
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'item.retrying')).toHaveLength(0);
    expect(eventsOf(events, 'external.intent')).toHaveLength(0);
  });

  it('text that is not an address is a CONFIG error that fails the run without an error port', async () => {
    const outcome = await engine.startRun(httpFlow({ url: '{{ host }}/invoices' }), { input: { host: 'api.example.com' } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('CONFIG');
    expect(outcome.error?.message).toContain('"api.example.com/invoices" is not a web address.');
    expect(outcome.error?.hint).toContain('https://');
  });

  it('a bad expression in the URL is an EXPRESSION error quoting it', async () => {
    const outcome = await engine.startRun(httpFlow({ url: 'http://127.0.0.1:1/{{ id + }}' }), { input: { id: 1 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('EXPRESSION');
    expect(outcome.error?.message).toContain('"id +"');
  });
});

describe('http.request: effects', () => {
  it("GET is recorded as a 'read' and POST as a 'write'", async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const get = await engine.startRun(httpFlow({ method: 'GET', url: server.url }), { input: {} });
    const post = await engine.startRun(httpFlow({ method: 'POST', url: server.url, bodyType: 'json', body: { a: 1 } }), { input: {} });
    const del = await engine.startRun(httpFlow({ method: 'DELETE', url: server.url }), { input: {} });
    const intentsOf = async (runId: string) => eventsOf(await traceEvents(store, runId), 'external.intent', 'http');

    const [getIntent] = await intentsOf(get.runId);
    expect(getIntent!.effects).toBe('read');
    expect(getIntent!.request).toMatchObject({ method: 'GET', url: `${server.url}/` });

    const [postIntent] = await intentsOf(post.runId);
    expect(postIntent!.effects).toBe('write');
    expect(postIntent!.request).toMatchObject({ method: 'POST', body: '{"a":1}' });

    expect((await intentsOf(del.runId))[0]!.effects).toBe('write');

    // Each intent is followed by its result, matched by call key.
    const results = eventsOf(await traceEvents(store, post.runId), 'external.result', 'http');
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ itemIndex: 0, call: 0, attempt: 1, kind: 'http' });
    expect((results[0]!.result as { status: number }).status).toBe(200);
  });
});

describe('http.request: credentials', () => {
  const TOKEN = 's3cret-token-value';
  const PASSWORD = 'pa55-word-hidden';
  const API_KEY = 'k3y-value-hidden';
  let authEngine: Engine;
  let authStore: FileTraceStore;
  let authCleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ engine: authEngine, store: authStore, cleanup: authCleanup } = await testEngine({
      secrets: new EnvSecretResolver({
        FLOWKEEPER_CREDENTIAL_API: JSON.stringify({ token: TOKEN }),
        FLOWKEEPER_CREDENTIAL_BILLING_LOGIN: JSON.stringify({ username: 'billing-bot', password: PASSWORD }),
        FLOWKEEPER_CREDENTIAL_KEY: JSON.stringify({ value: API_KEY }),
        FLOWKEEPER_CREDENTIAL_SERVICE_ACCOUNT: JSON.stringify({ username: 'node', password: PASSWORD }),
      }),
    }));
  });
  afterAll(() => authCleanup());

  /** Echoes the auth headers back inside an answer big enough to land in the blobs folder. */
  const echo = (req: ReceivedRequest, res: ServerResponse) =>
    json(res, 200, { authorization: req.headers.authorization ?? null, apiKey: req.headers['x-api-key'] ?? null, padding: 'x'.repeat(70_000) });

  /** The secret must appear nowhere on disk: not in the trace, not in any blob. */
  async function expectNotOnDisk(location: string, secrets: string[]) {
    const trace = await readFile(location, 'utf8');
    const blobs = await filesBelow(authStore.blobsDir);
    expect(blobs.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(trace).not.toContain(secret);
      for (const blob of blobs) expect(blob.text, blob.path).not.toContain(secret);
    }
    expect(trace).toContain('[redacted]');
  }

  it('bearer: the server gets the token; the trace and blobs never hold it', async () => {
    const server = await serve(echo);
    const outcome = await authEngine.startRun(httpFlow({ url: `${server.url}/me`, auth: 'bearer', credential: 'api' }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    await expectNotOnDisk(authStore.locate(outcome.runId), [TOKEN]);
    const [intent] = eventsOf(await traceEvents(authStore, outcome.runId), 'external.intent', 'http');
    expect((intent!.request as { headers: Record<string, string> }).headers.Authorization).toBe('Bearer [redacted]');
  });

  it('basic: the server gets user:password in base64; neither the password nor the base64 is on disk', async () => {
    const server = await serve(echo);
    const outcome = await authEngine.startRun(httpFlow({ url: server.url, auth: 'basic', credential: 'billing-login' }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    const encoded = Buffer.from(`billing-bot:${PASSWORD}`).toString('base64');
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${encoded}`);
    await expectNotOnDisk(authStore.locate(outcome.runId), [PASSWORD, encoded]);
  });

  it('header: the key goes in X-API-Key by default, or in the named header', async () => {
    const server = await serve(echo);
    const byDefault = await authEngine.startRun(httpFlow({ url: server.url, auth: 'header', credential: 'key' }), { input: {} });
    const named = await authEngine.startRun(httpFlow({ url: server.url, auth: 'header', credential: 'key', authHeaderName: 'X-Billing-Key' }), { input: {} });
    expect(byDefault.status).toBe('succeeded');
    expect(named.status).toBe('succeeded');
    expect(server.requests[0]!.headers['x-api-key']).toBe(API_KEY);
    expect(server.requests[1]!.headers['x-billing-key']).toBe(API_KEY);
    expect(server.requests[1]!.headers['x-api-key']).toBeUndefined();
    await expectNotOnDisk(authStore.locate(byDefault.runId), [API_KEY]);
    await expectNotOnDisk(authStore.locate(named.runId), [API_KEY]);
  });

  it('the secret is also kept out of error messages that echo it', async () => {
    const server = await serve((req, res) => json(res, 401, { message: `bad token ${req.headers.authorization}` }));
    const outcome = await authEngine.startRun(httpFlow({ url: server.url, auth: 'bearer', credential: 'api' }), { input: {} });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.hint).toContain('Check the credential');
    const trace = await readFile(authStore.locate(outcome.runId), 'utf8');
    expect(trace).toContain('answered 401');
    expect(trace).not.toContain(TOKEN);
  });

  it('a missing credential fails with CREDENTIAL_MISSING naming the environment variable; nothing is sent', async () => {
    const server = await serve(echo);
    const outcome = await authEngine.startRun(httpFlow({ url: server.url, auth: 'bearer', credential: 'crm-prod' }), { input: {} });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('CREDENTIAL_MISSING');
    expect(outcome.error?.message).toContain('Credential "crm-prod" is not available.');
    expect(outcome.error?.hint).toContain('FLOWKEEPER_CREDENTIAL_CRM_PROD');
    expect(server.requests).toHaveLength(0);
    // Not retryable: asked once, even with the default retry policy.
    expect(eventsOf(await traceEvents(authStore, outcome.runId), 'item.retrying')).toHaveLength(0);
  });

  it('a credential without the field the auth needs fails with CREDENTIAL_INVALID', async () => {
    const server = await serve(echo);
    const outcome = await authEngine.startRun(httpFlow({ url: server.url, auth: 'basic', credential: 'api' }), { input: {} });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('CREDENTIAL_INVALID');
    expect(outcome.error?.message).toContain('The credential "api" has no "username".');
    expect(server.requests).toHaveLength(0);
  });

  it('a basic-auth username that is also a trace word ("node") does not corrupt the trace', async () => {
    const server = await serve((_req, res) => json(res, 200, { ok: true }));
    const outcome = await authEngine.startRun(httpFlow({ url: server.url, auth: 'basic', credential: 'service-account' }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    const events = await traceEvents(authStore, outcome.runId);
    expect(eventsOf(events, 'node.succeeded', 'http')).toHaveLength(1);
    expect(eventsOf(events, 'node.succeeded', 'ok')).toHaveLength(1);
    expect((await replayRun(authStore, registry, outcome.runId)).identical).toBe(true);
  });

  it('a run that used a credential replays identically without the secret', async () => {
    const server = await serve((_req, res) => json(res, 200, { ok: true }));
    const outcome = await authEngine.startRun(httpFlow({ url: server.url, auth: 'bearer', credential: 'api' }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    await server.close();
    const report = await replayRun(authStore, registry, outcome.runId);
    expect(report.identical).toBe(true);
  });

  it('a run that failed on a missing credential replays identically', async () => {
    const server = await serve(echo);
    const outcome = await authEngine.startRun(httpFlow({ url: server.url, auth: 'bearer', credential: 'crm-prod' }), { input: {} });
    expect(outcome.status).toBe('failed');
    const report = await replayRun(authStore, registry, outcome.runId);
    expect(report.nodes.find((n) => n.nodeId === 'http')?.changes).toEqual([]);
    expect(report.identical).toBe(true);
  });

  it('validation requires a credential when auth is set', () => {
    expect(() => httpFlow({ url: 'https://example.com', auth: 'bearer' })).toThrow(/credential/);
  });
});
