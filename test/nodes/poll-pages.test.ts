/**
 * "Check a web API regularly" with paged lists, conditional requests and rate limits, through the
 * real service, a real local HTTP server and a FakeClock: new items beyond the first page start
 * runs (Link header, cursor, page numbers); an unchanged list answered 304 costs no run (ETag and
 * Last-Modified kept durably, also across a restart); a 429 with Retry-After is waited out on the
 * clock and shows in the trigger's health.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../engine/index.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { readyCharter } from '../helpers/ready-charter.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { json, startServer, type Handler, type TestServer } from '../helpers/http-server.ts';
import { startOAuthServer } from '../helpers/oauth-server.ts';
import { filesBelow } from './support.ts';

let dir: string;
let cleanup: () => Promise<void>;
let clock: FakeClock;
let service: FlowkeeperService;
let api: FlowkeeperApi;
let server: TestServer;
let keychain: MemoryKeychain;
/** The API's list, newest last; two per page. */
let orders: number[];
let handler: Handler;
const PAGE = 2;

async function open() {
  service = await createService({ dataDir: dir, registry, keychain, resumeOnStart: false, clock });
  api = inProcessApi(service);
  await service.idle();
}

/** Fires the poll's timer (the longest pending one: a finished run may leave a 0 ms timer queued). */
async function nextCheck() {
  await clock.waitForTimers(1);
  await clock.advance(Math.max(...clock.pendingDelays()));
  await clock.waitForTimers(1);
  await service.idle();
}

async function firstCheck() {
  await clock.waitForTimers(1);
  await service.idle();
}

async function started(): Promise<number[]> {
  const runs = await api.runs.list({ flowId: 'orders' });
  const inputs = await Promise.all(runs.map(async (r) => (await api.runs.get({ runId: r.runId })).input as Array<{ number: number }>));
  return inputs.flatMap((list) => list.map((o) => o.number)).sort((a, b) => a - b);
}

async function health() {
  return (await api.triggers.status())[0]!.triggers[0]!;
}

async function saveFlow(poll: Record<string, unknown>) {
  await api.flows.save({
    flow: {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'orders',
      name: 'Orders',
      charter: readyCharter(),
      nodes: [
        { id: 'poll', type: 'trigger.poll', config: { url: `${server.url}/orders`, intervalSeconds: 60, itemsPath: 'data', idField: 'number', ...poll } },
        { id: 'mark', type: 'transform.set', config: { fields: [{ name: 'seen', value: 'yes' }] } },
      ],
      edges: [{ source: 'poll', target: 'mark' }],
    },
  });
  await api.flows.activate({ id: 'orders' });
}

function pageOf(index: number) {
  return orders.slice(index * PAGE, index * PAGE + PAGE).map((number) => ({ number }));
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  clock = new FakeClock();
  keychain = new MemoryKeychain();
  orders = [1, 2, 3, 4, 5];
  handler = (_req, res) => json(res, 500, {});
  server = await startServer((req, res) => handler(req, res));
  await open();
});
afterEach(async () => {
  await service.close();
  await server.close();
  await cleanup();
});

describe('polling: pages', () => {
  it('Link header: items beyond the first page are seen and start runs', async () => {
    handler = (req, res) => {
      const page = Number(new URL(req.url, server.url).searchParams.get('p') ?? '0');
      const more = (page + 1) * PAGE < orders.length;
      json(res, 200, { data: pageOf(page) }, more ? { link: `<${server.url}/orders?p=${page + 1}>; rel="next"` } : {});
    };
    await saveFlow({ pagination: { mode: 'link-header' } });
    await firstCheck();
    expect((await health()).lastMessage).toBe('First check: remembered 5 item(s) already there. (3 pages)');
    orders = [...orders, 6, 7];
    await nextCheck();
    expect(await started()).toEqual([6, 7]);
    expect(server.requests.map((r) => r.url).slice(-4)).toEqual(['/orders', '/orders?p=1', '/orders?p=2', '/orders?p=3']);
  });

  const cursorOrPage: Handler = (req, res) => {
    const q = new URL(req.url, server.url).searchParams;
    if (q.has('page')) return json(res, 200, { data: pageOf(Number(q.get('page')) - 1) });
    const page = Number(q.get('after') ?? '0');
    json(res, 200, { data: pageOf(page), meta: { next: (page + 1) * PAGE < orders.length ? String(page + 1) : null } });
  };

  it('a cursor reads to the end of the list', async () => {
    handler = cursorOrPage;
    await saveFlow({ pagination: { mode: 'cursor', cursorPath: 'meta.next', cursorParam: 'after' } });
    await firstCheck();
    orders = [...orders, 6];
    await nextCheck();
    expect(await started()).toEqual([6]);
    expect(server.requests.slice(-3).map((r) => r.url)).toEqual(['/orders', '/orders?after=1', '/orders?after=2']);
  });

  it('page numbers read until an empty page', async () => {
    handler = cursorOrPage;
    orders = [1, 2, 3, 4, 5, 6];
    await saveFlow({ pagination: { mode: 'page-number', pageParam: 'page' } });
    await firstCheck();
    orders = [...orders, 7, 8];
    await nextCheck();
    expect(await started()).toEqual([7, 8]);
    // Pages 1..4 hold 8 orders; page 5 is empty and ends the list.
    expect(server.requests.slice(-5).map((r) => r.url)).toEqual(['/orders?page=1', '/orders?page=2', '/orders?page=3', '/orders?page=4', '/orders?page=5']);
  });

  it('more pages than the limit: a clear error in the health, no run', async () => {
    handler = (req, res) => {
      const page = Number(new URL(req.url, server.url).searchParams.get('p') ?? '0');
      json(res, 200, { data: [{ number: 100 + page }] }, { link: `</orders?p=${page + 1}>; rel="next"` });
    };
    await saveFlow({ pagination: { mode: 'link-header', maxPages: 3 }, firstCheck: 'start' });
    await firstCheck();
    expect((await health()).lastError?.message).toBe('The list has more than 3 pages, the most a check reads. Raise "Most pages per check". Tried again at the next check.');
    expect(await started()).toEqual([]);
  });
});

describe('polling: conditional requests', () => {
  it('sends the ETag and Last-Modified back; 304 costs no run, also after a restart', async () => {
    let version = 1;
    handler = (req, res) => {
      const etag = `"v${version}"`;
      const lastModified = new Date(Date.UTC(2026, 0, version)).toUTCString();
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag, 'last-modified': lastModified });
        return void res.end();
      }
      json(res, 200, { data: orders.map((number) => ({ number })) }, { etag, 'last-modified': lastModified });
    };
    await saveFlow({});
    await firstCheck();
    expect(server.requests[0]!.headers['if-none-match']).toBeUndefined();
    await nextCheck();
    expect(server.requests[1]!.headers['if-none-match']).toBe('"v1"');
    expect(server.requests[1]!.headers['if-modified-since']).toBe('Thu, 01 Jan 2026 00:00:00 GMT');
    expect((await health()).lastMessage).toBe('Checked: nothing new (the API said not modified).');
    expect(await api.runs.list({ flowId: 'orders' })).toEqual([]);

    orders = [...orders, 6];
    version = 2;
    await nextCheck();
    expect(await started()).toEqual([6]);

    // The validators are durable: the first check after a restart is conditional too.
    await service.close();
    await open();
    await firstCheck();
    expect(server.requests.at(-1)!.headers['if-none-match']).toBe('"v2"');
    expect((await health()).lastMessage).toBe('Checked: nothing new (the API said not modified).');
    expect(await started()).toEqual([6]);
  });

  it('paged: unchanged pages answer 304 and are skipped by their saved next page; new items on later pages still start runs', async () => {
    // Oldest first, two per page: new orders land on the last page or a new one.
    handler = (req, res) => {
      const page = Number(new URL(req.url, server.url).searchParams.get('p') ?? '0');
      const data = pageOf(page);
      const etag = `"${data.map((o) => o.number).join('-')}"`;
      const more = (page + 1) * PAGE < orders.length;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        return void res.end();
      }
      json(res, 200, { data }, { etag, ...(more ? { link: `<${server.url}/orders?p=${page + 1}>; rel="next"` } : {}) });
    };
    await saveFlow({ pagination: { mode: 'link-header' } });
    await firstCheck();
    await nextCheck();
    const second = server.requests.slice(3);
    expect(second.map((r) => [r.url, r.headers['if-none-match'] ?? null])).toEqual([
      ['/orders', '"1-2"'],
      ['/orders?p=1', '"3-4"'],
      // The last known page is always read: a Link header to a new page is not covered by its ETag.
      ['/orders?p=2', null],
    ]);
    expect((await health()).lastMessage).toBe('Checked: 0 new item(s). (3 pages, 2 unchanged)');
    expect(await api.runs.list({ flowId: 'orders' })).toEqual([]);

    orders = [...orders, 6, 7, 8];
    await nextCheck();
    expect(await started()).toEqual([6, 7, 8]);
    expect(server.requests.slice(6).map((r) => r.url)).toEqual(['/orders', '/orders?p=1', '/orders?p=2', '/orders?p=3']);
  });

  it('paged by cursor: every page unchanged is "not modified" and costs no run', async () => {
    handler = (req, res) => {
      const page = Number(new URL(req.url, server.url).searchParams.get('after') ?? '0');
      const etag = `"page-${page}-${orders.length}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        return void res.end();
      }
      json(res, 200, { data: pageOf(page), meta: { next: (page + 1) * PAGE < orders.length ? String(page + 1) : null } }, { etag });
    };
    await saveFlow({ pagination: { mode: 'cursor', cursorPath: 'meta.next', cursorParam: 'after' } });
    await firstCheck();
    await nextCheck();
    expect(server.requests.slice(3).map((r) => r.headers['if-none-match'])).toEqual(['"page-0-5"', '"page-1-5"', '"page-2-5"']);
    expect((await health()).lastMessage).toBe('Checked: nothing new (the API said not modified).');
    expect(await api.runs.list({ flowId: 'orders' })).toEqual([]);
  });

  it('"Ask only for changes" off sends no validators', async () => {
    handler = (_req, res) => json(res, 200, { data: orders.map((number) => ({ number })) }, { etag: '"same"' });
    await saveFlow({ onlyChanges: false });
    await firstCheck();
    await nextCheck();
    expect(server.requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, undefined]);
  });
});

describe('polling: rate limits', () => {
  it('a 429 with Retry-After is waited out on the clock, asked again, and shown in the health', async () => {
    let refuse = 0;
    handler = (_req, res) => {
      if (refuse > 0) {
        refuse--;
        return json(res, 429, { error: 'slow down' }, { 'retry-after': '30' });
      }
      json(res, 200, { data: orders.map((number) => ({ number })) });
    };
    await saveFlow({});
    await firstCheck();
    orders = [...orders, 6];
    refuse = 1;
    await clock.waitForTimers(1);
    await clock.advance(clock.pendingDelays()[0]!);
    // The check is now waiting for the 30 s the API asked for.
    await clock.waitForTimers(1);
    expect(clock.pendingDelays()).toEqual([30_000]);
    expect((await health()).lastMessage).toBe(`Rate-limited: ${server.url}/orders answered 429 Too Many Requests (too many requests); waiting 30 s as it asked, then asking again.`);
    expect(await started()).toEqual([]);
    await clock.advance(30_000);
    await clock.waitForTimers(1);
    await service.idle();
    expect(await started()).toEqual([6]);
    expect((await health()).lastMessage).toBe('Checked: 1 new item(s). Waited 30 s for the API\'s rate limit.');
  });

  it('a wait longer than the limit is a clear error, and the next check goes on', async () => {
    let refuse = true;
    handler = (_req, res) => (refuse ? json(res, 429, {}, { 'retry-after': '3600' }) : json(res, 200, { data: orders.map((number) => ({ number })) }));
    await saveFlow({ rateLimit: { maxWaitSeconds: 60 } });
    await firstCheck();
    expect((await health()).lastError?.message).toBe(
      `${server.url}/orders answered 429 Too Many Requests (too many requests) and asks to wait 3600 s, longer than the 60 s a check waits (raise "Longest wait" under Rate limits). Tried again at the next check.`,
    );
    refuse = false;
    await nextCheck();
    expect((await health()).lastMessage).toBe('First check: remembered 5 item(s) already there.');
  });
});

describe('polling: OAuth2', () => {
  it('signs in with client credentials; one 401 renews the token and the check goes on', async () => {
    const oauth = await startOAuthServer();
    try {
      oauth.apiData = [{ number: 1 }];
      await api.credentials.set({ id: 'shop-oauth', type: 'oauth2.client-credentials', values: { tokenUrl: oauth.tokenUrl, clientId: oauth.clientId, clientSecret: oauth.clientSecret } });
      await saveFlow({ url: `${oauth.url}/api/orders`, auth: 'oauth2', credential: 'shop-oauth' });
      await firstCheck();
      expect((await health()).lastMessage).toBe('First check: remembered 1 item(s) already there.');
      expect(oauth.tokenRequests).toHaveLength(1);

      oauth.invalidateAccessTokens();
      oauth.apiData = [{ number: 1 }, { number: 2 }];
      await nextCheck();
      expect(await started()).toEqual([2]);
      expect(oauth.tokenRequests).toHaveLength(2);
      const calls = oauth.server.requests.filter((r) => r.url === '/api/orders');
      expect(calls.map((r) => r.headers.authorization)).toEqual([`Bearer ${oauth.issued[0]}`, `Bearer ${oauth.issued[0]}`, `Bearer ${oauth.issued[1]}`]);
      // Expiry follows the service's clock: two hours later the token (3600 s) is renewed before use.
      clock.setWallClock(clock.now() + 2 * 3_600_000);
      await nextCheck();
      expect(oauth.tokenRequests).toHaveLength(3);
      expect(oauth.server.requests.filter((r) => r.url === '/api/orders').at(-1)!.headers.authorization).toBe(`Bearer ${oauth.issued[2]}`);
      // No token or client secret in the data folder (trigger state, runs, health).
      for (const file of await filesBelow(dir)) for (const secret of [...oauth.issued, oauth.clientSecret]) expect(file.text, file.path).not.toContain(secret);
    } finally {
      await oauth.close();
    }
  });
});
