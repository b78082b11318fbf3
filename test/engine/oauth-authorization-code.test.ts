/**
 * OAuth2 authorization code with PKCE and refresh, against a real local OAuth2 server
 * (test/helpers/oauth-server.ts). The consent page redirect is driven with an HTTP GET, as a
 * browser would follow it, to Flowkeeper's loopback listener on 127.0.0.1. Run with the real OS
 * keychain where there is one (bash /work/wt/keyring-run.sh, as CI does): the refreshed and
 * rotated tokens are read back from the keychain through the vault. Elsewhere an in-memory
 * keychain stands in for that part.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { OAuthTokens, OsKeychain, Vault, tokenAccount, type KeychainBackend } from '../../engine/index.ts';
import { makeFlow, tempDir, testEngine } from '../helpers/engine.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { startOAuthServer, type OAuthTestServer } from '../helpers/oauth-server.ts';
import { filesBelow, itemsOf, passThrough } from '../nodes/support.ts';

const os = new OsKeychain();
let osAvailable = false;
beforeAll(async () => {
  try {
    await os.setPassword('flowkeeper-test-probe', 'probe');
    await os.deletePassword('flowkeeper-test-probe');
    osAvailable = true;
  } catch {
    osAvailable = false;
  }
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const osIds: string[] = [];
afterAll(async () => {
  for (const id of osIds) {
    await os.deletePassword(id).catch(() => undefined);
    await os.deletePassword(tokenAccount(id)).catch(() => undefined);
  }
});

async function setup(options: { rotate?: boolean; keychain?: KeychainBackend; expiresIn?: number } = {}) {
  const oauth = await startOAuthServer({ rotateRefreshTokens: options.rotate ?? false, expiresIn: options.expiresIn ?? 3600 });
  cleanups.push(() => oauth.close());
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  let now = Date.now();
  const keychain = options.keychain ?? new MemoryKeychain();
  const vault = new Vault(dir, keychain, {}, { now: () => now });
  cleanups.push(async () => vault.closeConnections());
  const id = `mail-${randomUUID().slice(0, 8)}`;
  if (keychain === os) osIds.push(id);
  await vault.set(id, 'oauth2.authorization-code', 'Mailbox', { authorizeUrl: oauth.authorizeUrl, tokenUrl: oauth.tokenUrl, clientId: oauth.clientId, clientSecret: oauth.clientSecret, scopes: 'mail.read offline_access' });
  return { oauth, vault, dir, id, keychain, advance: (ms: number) => void (now += ms) };
}

/** What the browser does: open the sign-in page and follow its redirect to the loopback. */
async function signInInBrowser(url: string): Promise<string> {
  const page = await fetch(url);
  return page.text();
}

async function connect(vault: Vault, id: string): Promise<void> {
  const started = await vault.connections.start(id);
  expect(started.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  const url = new URL(started.url);
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  expect(url.searchParams.get('scope')).toBe('mail.read offline_access');
  expect(await signInInBrowser(started.url)).toContain('Connected');
  await started.done;
}

function apiFlow(oauth: OAuthTestServer, credential: string) {
  return makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'call', type: 'http.request', config: { url: oauth.apiUrl, auth: 'oauth2', credential }, retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, multiplier: 1, jitter: false } },
      passThrough('ok'),
      passThrough('failed'),
    ],
    ['start -> call', 'call -> ok', 'call.error -> failed'],
  );
}

describe('OAuth2 authorization code', () => {
  it('connects through the loopback (PKCE), stores the tokens in the keychain and shows only "connected"', async () => {
    const { oauth, vault, id, keychain } = await setup();
    await connect(vault, id);
    const exchange = oauth.tokenRequests.find((r) => r.grant === 'authorization_code')!;
    expect(exchange.body.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = JSON.parse((await keychain.getPassword(tokenAccount(id)))!) as Record<string, unknown>;
    expect(stored.refreshToken).toBe(oauth.issued[1]);
    expect(stored.accessToken).toBe(oauth.issued[0]);
    const [info] = await vault.list();
    expect(info!.connection?.state).toBe('connected');
    expect(JSON.stringify(info)).not.toContain(oauth.issued[0]!);
    // The access token from the sign-in is used as it is: no second token request.
    expect((await vault.get(id)).token).toBe(oauth.issued[0]);
    expect(oauth.tokenRequests).toHaveLength(1);
    expect(await vault.connections.result(id)).toEqual({ state: 'connected', credential: info });
  });

  it('refuses a redirect whose state is not the one it sent, and keeps waiting for the right one', async () => {
    const { vault, id } = await setup();
    const started = await vault.connections.start(id);
    const wrong = await fetch(`${started.redirectUri}?code=stolen&state=not-ours`);
    expect(wrong.status).toBe(400);
    expect((await vault.connections.result(id)).state).toBe('waiting');
    await signInInBrowser(started.url);
    await started.done;
  });

  it('a declined consent is a plain failure', async () => {
    const { vault, id } = await setup();
    const started = await vault.connections.start(id);
    const state = new URL(started.url).searchParams.get('state');
    await fetch(`${started.redirectUri}?error=access_denied&state=${state}`);
    await expect(started.done).rejects.toThrow('The sign-in was declined on the provider\'s page, so nothing was connected.');
    expect(await vault.connections.result(id)).toEqual({ state: 'failed', message: 'The sign-in was declined on the provider\'s page, so nothing was connected.' });
  });

  for (const where of ['memory', 'os'] as const) {
    it(`on expiry refreshes and stores the new access token (and the rotated refresh token) back in the ${where} keychain`, async (ctx) => {
      if (where === 'os' && !osAvailable) ctx.skip();
      const { oauth, vault, id, advance, dir, keychain } = await setup({ rotate: true, keychain: where === 'os' ? os : new MemoryKeychain() });
      await connect(vault, id);
      const { engine, dir: traceDir, cleanup } = await testEngine({ secrets: vault });
      cleanups.push(cleanup);
      expect(itemsOf(await engine.startRun(apiFlow(oauth, id), { input: {} }), 'ok')).toHaveLength(1);

      advance(3_600_000);
      const outcome = await engine.startRun(apiFlow(oauth, id), { input: {} });
      expect(itemsOf(outcome, 'ok')).toHaveLength(1);
      const refresh = oauth.tokenRequests.filter((r) => r.grant === 'refresh_token');
      expect(refresh).toHaveLength(1);
      expect(refresh[0]!.body.get('refresh_token')).toBe(oauth.issued[1]);
      // Read back through the vault from the keychain: a fresh vault (no memory cache) sees them.
      const again = new Vault(dir, keychain, {}, { now: () => Date.now() + 3_600_000 });
      const tokens = await again.readTokens(id);
      expect(tokens).toEqual({ accessToken: oauth.issued[2], refreshToken: oauth.issued[3], expiresAt: expect.any(Number) });
      expect(oauth.refreshTokens.has(oauth.issued[1]!)).toBe(false);
      expect((await again.get(id)).token).toBe(oauth.issued[2]);
      expect(oauth.tokenRequests.filter((r) => r.grant === 'refresh_token')).toHaveLength(1);

      // No token, refresh token or client secret anywhere in the data folder or the traces.
      const files = [...(await filesBelow(dir)), ...(await filesBelow(traceDir))];
      expect(files.length).toBeGreaterThan(1);
      for (const file of files) for (const secret of [...oauth.issued, oauth.clientSecret]) expect(file.text, file.path).not.toContain(secret);
    });
  }

  it('one 401 refreshes once and retries; a revoked refresh token fails the step with the plain message and marks the sign-in expired', async () => {
    const { oauth, vault, id } = await setup();
    await connect(vault, id);
    const { engine, cleanup } = await testEngine({ secrets: vault });
    cleanups.push(cleanup);
    oauth.invalidateAccessTokens();
    expect(itemsOf(await engine.startRun(apiFlow(oauth, id), { input: {} }), 'ok')).toHaveLength(1);
    expect(oauth.tokenRequests.filter((r) => r.grant === 'refresh_token')).toHaveLength(1);

    oauth.invalidateAccessTokens();
    oauth.revokeRefreshTokens();
    const outcome = await engine.startRun(apiFlow(oauth, id), { input: {} });
    const [failed] = itemsOf(outcome, 'failed');
    expect((failed as { error: { message: string } }).error.message).toBe(`The sign-in for ${id} has expired or was revoked: reconnect it in Credentials.`);
    expect((await vault.list())[0]!.connection?.state).toBe('expired');

    // Reconnecting makes it work again.
    await connect(vault, id);
    expect(itemsOf(await engine.startRun(apiFlow(oauth, id), { input: {} }), 'ok')).toHaveLength(1);
  });

  it('a refresh token another process just rotated is picked up from the keychain, not taken for a revoked sign-in', async () => {
    const { oauth, vault, id } = await setup({ rotate: true });
    await connect(vault, id);
    const stale = oauth.issued[1]!;
    // The other process (the desktop app while the CLI runs) refreshes first: R1 → R2.
    const other = new OAuthTokens({ readTokens: async () => ({ refreshToken: stale }), writeTokens: async () => undefined, markExpired: async () => undefined });
    const { values } = await vault.settings(id);
    await other.accessToken(id, 'oauth2.authorization-code', values);
    const rotated = oauth.issued[3]!;
    // This process still read R1 first; the keychain now holds R2.
    const reads = [{ refreshToken: stale }, { refreshToken: rotated }];
    const written: unknown[] = [];
    let expired = false;
    const late = new OAuthTokens({ readTokens: async () => reads.shift(), writeTokens: async (_id, t) => void written.push(t), markExpired: async () => void (expired = true) });
    const token = await late.accessToken(id, 'oauth2.authorization-code', values);
    expect(token).toBe(oauth.issued[4]);
    expect(expired).toBe(false);
    expect(oauth.tokenRequests.filter((r) => r.grant === 'refresh_token').map((r) => r.body.get('refresh_token'))).toEqual([stale, stale, rotated]);
    expect(written).toEqual([{ accessToken: oauth.issued[4], refreshToken: oauth.issued[5], expiresAt: expect.any(Number) }]);
  });

  it('flowkeeper credentials connect prints the sign-in address and waits for the browser', async (ctx) => {
    // The CLI's vault is the data folder's own, on the OS keychain (skipped without one).
    if (!osAvailable) ctx.skip();
    const oauth = await startOAuthServer();
    cleanups.push(() => oauth.close());
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const data = `${dir}/data`;
    const id = `cli-oauth-${randomUUID().slice(0, 8)}`;
    osIds.push(id);
    let out = '';
    let err = '';
    const io = { out: (s: string) => void (out += `${s}\n`), err: (s: string) => void (err += `${s}\n`), readSecret: async () => oauth.clientSecret };
    const fields = [`authorizeUrl=${oauth.authorizeUrl}`, `tokenUrl=${oauth.tokenUrl}`, `clientId=${oauth.clientId}`].flatMap((f) => ['--field', f]);
    expect(await main(['credentials', 'set', '--data-dir', data, '--name', id, '--type', 'oauth2.authorization-code', ...fields], io)).toBe(0);
    expect(out).toContain(`Next, sign in once in the browser: flowkeeper credentials connect ${id}`);
    out = '';
    const browsed: Promise<string>[] = [];
    const printing = { ...io, out: (s: string) => {
      io.out(s);
      const url = /https?:\/\/127\.0\.0\.1:\d+\/authorize\S+/.exec(s)?.[0];
      if (url) browsed.push(signInInBrowser(url));
    } };
    const code = await main(['credentials', 'connect', id, '--data-dir', data], printing);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(await browsed[0]).toContain('Connected');
    expect(out).toContain(`Connected "${id}".`);
    out = '';
    expect(await main(['credentials', 'list', '--data-dir', data], io)).toBe(0);
    expect(out).toMatch(new RegExp(`${id}\\s+oauth2.authorization-code fields: .*  signed in`));
    for (const file of await filesBelow(data)) for (const secret of [...oauth.issued, oauth.clientSecret]) expect(file.text).not.toContain(secret);
  });
});
