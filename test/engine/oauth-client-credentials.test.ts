/**
 * OAuth2 client credentials against a real local OAuth2 server (test/helpers/oauth-server.ts,
 * RFC 6749 over HTTP): the vault fetches the access token, reuses it until shortly before it
 * expires, renews it after one 401 (the step retries once), and steps asking at the same time
 * share one token request. No token or client secret reaches the data folder or a trace.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, createService, inProcessApi, replayRun, Vault } from '../../engine/index.ts';
import { makeFlow, registry, tempDir, testEngine } from '../helpers/engine.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { startOAuthServer, type OAuthTestServer } from '../helpers/oauth-server.ts';
import { json, startServer } from '../helpers/http-server.ts';
import { filesBelow, itemsOf, passThrough } from '../nodes/support.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: { expiresIn?: number } = {}) {
  const oauth = await startOAuthServer(options);
  cleanups.push(() => oauth.close());
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  let now = Date.parse('2026-12-01T09:00:00Z');
  const vault = new Vault(dir, new MemoryKeychain(), {}, { now: () => now });
  await vault.set('crm', 'oauth2.client-credentials', 'CRM', { tokenUrl: oauth.tokenUrl, clientId: oauth.clientId, clientSecret: oauth.clientSecret, scope: 'read:orders', audience: 'https://api.example.com' });
  return { oauth, vault, dir, advance: (ms: number) => void (now += ms) };
}

function apiFlow(oauth: OAuthTestServer, extra: Record<string, unknown> = {}) {
  return makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'call', type: 'http.request', config: { url: oauth.apiUrl, auth: 'oauth2', credential: 'crm', ...extra }, retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, multiplier: 1, jitter: false } },
      passThrough('ok'),
      passThrough('failed'),
    ],
    ['start -> call', 'call -> ok', 'call.error -> failed'],
  );
}

async function expectNoSecretIn(dirs: string[], secrets: string[]) {
  let files = 0;
  for (const dir of dirs) {
    for (const file of await filesBelow(dir)) {
      files++;
      for (const secret of secrets) expect(file.text, file.path).not.toContain(secret);
    }
  }
  expect(files).toBeGreaterThan(0);
}

describe('OAuth2 client credentials', () => {
  it('fetches a token (Basic client auth, scope, audience), reuses it, and renews it shortly before it expires', async () => {
    const { oauth, vault, advance } = await setup({ expiresIn: 600 });
    const first = await vault.get('crm');
    expect(Object.keys(first)).toEqual(['token']);
    expect(oauth.valid.has(first.token!)).toBe(true);
    const [request] = oauth.tokenRequests;
    expect(request!.grant).toBe('client_credentials');
    expect(request!.body.get('scope')).toBe('read:orders');
    expect(request!.body.get('audience')).toBe('https://api.example.com');
    expect(request!.body.get('client_secret')).toBeNull();
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from(`${oauth.clientId}:${oauth.clientSecret}`).toString('base64')}`);

    advance(500_000);
    expect((await vault.get('crm')).token).toBe(first.token);
    expect(oauth.tokenRequests).toHaveLength(1);
    // 600 s token: renewed from 60 s before its end on.
    advance(50_000);
    const renewed = await vault.get('crm');
    expect(renewed.token).not.toBe(first.token);
    expect(oauth.tokenRequests).toHaveLength(2);
  });

  it('a step refused with 401 gets one renewed token and retries once; replay takes the same path', async () => {
    const { oauth, vault, dir } = await setup();
    const { engine, store, dir: traceDir, cleanup } = await testEngine({ secrets: vault });
    cleanups.push(cleanup);
    const warm = await engine.startRun(apiFlow(oauth), { input: {} });
    expect(itemsOf(warm, 'ok')).toEqual([expect.objectContaining({ ok: true })]);
    expect(oauth.tokenRequests).toHaveLength(1);

    oauth.invalidateAccessTokens();
    const before = oauth.server.requests.length;
    const outcome = await engine.startRun(apiFlow(oauth), { input: {} });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([expect.objectContaining({ ok: true })]);
    expect(oauth.tokenRequests).toHaveLength(2);
    const apiCalls = oauth.server.requests.slice(before).filter((r) => r.url.startsWith('/api/'));
    expect(apiCalls.map((r) => r.headers.authorization === `Bearer ${oauth.issued[1]}`)).toEqual([false, true]);

    const report = await replayRun(store, registry, outcome.runId);
    expect(report.identical).toBe(true);
    await expectNoSecretIn([dir, traceDir], [...oauth.issued, oauth.clientSecret]);
  });

  it('a 401 in the middle of reading pages renews the token and reads on from that page', async () => {
    const { oauth, vault } = await setup();
    const { engine, cleanup } = await testEngine({ secrets: vault });
    cleanups.push(cleanup);
    // A paged API on its own server that trusts the tokens the OAuth2 server issued.
    const api = await startServer((req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !oauth.valid.has(token)) return json(res, 401, { error: 'invalid_token' });
      const page = Number(new URL(req.url, 'http://x').searchParams.get('p') ?? '1');
      // The server rotates its keys after the first page: every token so far stops working.
      if (page === 1) oauth.invalidateAccessTokens();
      json(res, 200, { data: [{ page }] }, page < 3 ? { link: `</items?p=${page + 1}>; rel="next"` } : {});
    });
    cleanups.push(() => api.close());
    const flow = makeFlow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'call', type: 'http.request', config: { url: `${api.url}/items`, auth: 'oauth2', credential: 'crm', pagination: { mode: 'link-header', itemsPath: 'data' } } },
        passThrough('ok'),
      ],
      ['start -> call', 'call -> ok'],
    );
    const outcome = await engine.startRun(flow, { input: {} });
    expect(itemsOf(outcome, 'ok')).toEqual([{ page: 1 }, { page: 2 }, { page: 3 }]);
    expect(api.requests.map((r) => [r.url, r.headers.authorization])).toEqual([
      ['/items', `Bearer ${oauth.issued[0]}`],
      ['/items?p=2', `Bearer ${oauth.issued[0]}`],
      ['/items?p=2', `Bearer ${oauth.issued[1]}`],
      ['/items?p=3', `Bearer ${oauth.issued[1]}`],
    ]);
    expect(oauth.tokenRequests).toHaveLength(2);
  });

  it('a second 401 after the renewal fails the step on its error path, without a third call', async () => {
    const { oauth, vault } = await setup();
    const { engine, cleanup } = await testEngine({ secrets: vault });
    cleanups.push(cleanup);
    // The API refuses every token, even fresh ones.
    oauth.refuseApi = true;
    const outcome = await engine.startRun(apiFlow(oauth), { input: {} });
    expect(itemsOf(outcome, 'failed')).toHaveLength(1);
    expect(oauth.server.requests.filter((r) => r.url.startsWith('/api/'))).toHaveLength(2);
    expect(oauth.tokenRequests).toHaveLength(2);
  });

  it('steps asking at the same time share one token request, also when renewing after a 401', async () => {
    const { oauth, vault } = await setup();
    const { engine, cleanup } = await testEngine({ secrets: vault });
    cleanups.push(cleanup);
    const hold = oauth.holdTokens();
    const flow = apiFlow(oauth, { concurrency: 8 });
    const running = engine.startRun(flow, { input: Array.from({ length: 8 }, (_, i) => ({ i })) });
    const parallel = Promise.all(Array.from({ length: 5 }, () => vault.get('crm')));
    await vi_waitFor(() => oauth.tokenRequests.length >= 1);
    hold.release();
    const outcome = await running;
    expect(itemsOf(outcome, 'ok')).toHaveLength(8);
    expect(new Set((await parallel).map((v) => v.token)).size).toBe(1);
    expect(oauth.tokenRequests).toHaveLength(1);

    oauth.invalidateAccessTokens();
    const again = await engine.startRun(flow, { input: Array.from({ length: 8 }, (_, i) => ({ i })) });
    expect(itemsOf(again, 'ok')).toHaveLength(8);
    expect(oauth.tokenRequests).toHaveLength(2);
  });

  it('works from the headless environment fallback when the JSON names its type', async () => {
    const oauth = await startOAuthServer();
    cleanups.push(() => oauth.close());
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const env = { FLOWKEEPER_CREDENTIAL_CRM: JSON.stringify({ type: 'oauth2.client-credentials', tokenUrl: oauth.tokenUrl, clientId: oauth.clientId, clientSecret: oauth.clientSecret }) };
    const vault = new Vault(dir, new MemoryKeychain(), env);
    expect(await vault.get('crm')).toEqual({ token: oauth.issued[0] });
  });

  it('credentials.set checks a known type\'s required fields against the shared list; nothing is stored', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const keychain = new MemoryKeychain();
    const service = await createService({ dataDir: dir, registry, keychain, resumeOnStart: false });
    cleanups.push(() => service.close());
    const api = inProcessApi(service);
    const refused = await api.credentials.set({ id: 'crm', type: 'oauth2.client-credentials', values: { tokenUrl: 'https://login.example.com/token', clientSecret: 'x' } }).catch((e: unknown) => e as ApiError);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).message).toBe('A "OAuth2 sign-in for a service (client credentials)" credential needs “Client id” (clientId), which was not given.');
    expect(await api.credentials.list()).toEqual([]);
    expect(keychain.entries.size).toBe(0);
    // A type of one's own is not checked.
    await api.credentials.set({ id: 'own', type: 'my-service.key', values: { anything: 'x' } });
  });

  it('a wrong client secret is a plain error on the step\'s error path', async () => {
    const { oauth, vault } = await setup();
    await vault.set('crm', 'oauth2.client-credentials', 'CRM', { tokenUrl: oauth.tokenUrl, clientId: oauth.clientId, clientSecret: 'wrong-secret' });
    const { engine, cleanup } = await testEngine({ secrets: vault });
    cleanups.push(cleanup);
    const outcome = await engine.startRun(apiFlow(oauth), { input: {} });
    const [failed] = itemsOf(outcome, 'failed');
    expect(JSON.stringify(failed)).toContain(`Signing in for \\"crm\\" at 127.0.0.1:${oauth.server.port} failed: invalid_client (Client authentication failed).`);
    expect(oauth.server.requests.filter((r) => r.url.startsWith('/api/'))).toHaveLength(0);
  });
});

/** Waits on the server's own record of requests (no timed assertion): polls each event-loop turn. */
async function vi_waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
