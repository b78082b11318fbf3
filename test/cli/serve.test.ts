/**
 * The web bridge: token on every request, loopback only by default, DNS-rebinding and cross-site
 * guards, malformed messages answered without dropping the connection, and the real command.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeConfigError, startBridge, type Bridge } from '../../cli/serve.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { tempDir } from '../helpers/engine.ts';

let bridge: Bridge;
let cleanup: () => Promise<void>;
let dir: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const staticDir = join(dir, 'app');
  await mkdir(staticDir, { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Flowkeeper</title><div id="root"></div>');
  await writeFile(join(dir, 'secret.txt'), 'outside the app folder');
  bridge = await startBridge({ dataDir: join(dir, 'data'), port: 0, staticDir, keychain: new MemoryKeychain() });
});
afterAll(async () => {
  await bridge.close();
  await cleanup();
});

/** A raw HTTP request, so Host and Origin headers can be set freely. */
function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const auth = () => ({ authorization: `Bearer ${bridge.token}` });

describe('web bridge', () => {
  it('listens on loopback only, and refuses another address unless asked explicitly', async () => {
    expect(bridge.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(startBridge({ dataDir: join(dir, 'x'), port: 0, host: '0.0.0.0', keychain: new MemoryKeychain() })).rejects.toThrow(BridgeConfigError);
    await expect(startBridge({ dataDir: join(dir, 'x'), port: 0, host: '0.0.0.0', keychain: new MemoryKeychain() })).rejects.toThrow(/only this computer/);
  });

  it('answers 401 to API calls without the key or with a wrong one', async () => {
    expect((await raw('/api/flows.list', { method: 'POST' })).status).toBe(401);
    const wrong = await raw('/api/flows.list', { method: 'POST', headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED', hint: expect.stringMatching(/link printed/) } });
    expect((await raw(`/api/flows.list?token=${bridge.token}x`, { method: 'POST' })).status).toBe(401);
  });

  it('serves the page (public code, no data) with a strict CSP and never sets a cookie', async () => {
    // Cookies are shared by every port of a host: a cookie holding the key would reach any other
    // local server the browser visits. The page keeps the key from the link in sessionStorage.
    const page = await raw(`/?token=${bridge.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<div id="root">/);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect((await raw('/')).status).toBe(200);
    const byCookie = await raw('/api/flows.list', { method: 'POST', headers: { cookie: `fk_token=${bridge.token}` }, body: '{}' });
    expect(byCookie.status).toBe(401);
    const byHeader = await raw('/api/flows.list', { method: 'POST', headers: auth(), body: '{}' });
    expect(JSON.parse(byHeader.body)).toEqual({ ok: true, result: [] });
  });

  it('does not serve files outside the app folder', async () => {
    const escaped = await raw('/../secret.txt', { headers: auth() });
    expect(escaped.body).not.toContain('outside the app folder');
    const encoded = await raw('/%2e%2e/secret.txt', { headers: auth() });
    expect(encoded.body).not.toContain('outside the app folder');
  });

  it('refuses requests addressed to another host name (DNS rebinding) and cross-site API calls', async () => {
    expect((await raw('/api/flows.list', { method: 'POST', headers: { ...auth(), host: 'evil.example:80' } })).status).toBe(421);
    const cross = await raw('/api/flows.list', { method: 'POST', headers: { ...auth(), origin: 'https://evil.example' }, body: '{}' });
    expect(cross.status).toBe(403);
  });

  it('answers malformed HTTP calls plainly', async () => {
    const bad = await raw('/api/flows.list', { method: 'POST', headers: auth(), body: '{oops' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('BAD_MESSAGE');
    const unknown = await raw('/api/flows.frobnicate', { method: 'POST', headers: auth(), body: '{}' });
    expect(JSON.parse(unknown.body).error.code).toBe('UNKNOWN_METHOD');
  });

  it('refuses a WebSocket without the token, and keeps a connection usable after a malformed message', async () => {
    const refused = new WebSocket(`${bridge.origin.replace('http', 'ws')}/api/ws`);
    const outcome = await new Promise<string>((resolve) => {
      refused.onopen = () => resolve('open');
      refused.onerror = () => resolve('error');
    });
    expect(outcome).toBe('error');
    expect((await raw('/api/ws', { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } })).status).toBe(401);

    const ws = new WebSocket(`${bridge.origin.replace('http', 'ws')}/api/ws?token=${bridge.token}`);
    await new Promise((resolve) => (ws.onopen = resolve));
    const replies: Array<{ id: number | null; reply: { ok: boolean; error?: { code: string }; result?: unknown } }> = [];
    // Wait for the three replies themselves, not for a guess at how long they take.
    const threeReplies = new Promise<void>((resolve) => {
      ws.onmessage = (m) => {
        replies.push(JSON.parse(String(m.data)) as (typeof replies)[number]);
        if (replies.length === 3) resolve();
      };
    });
    ws.send('this is not json');
    ws.send(JSON.stringify({ method: 'flows.list' }));
    ws.send(JSON.stringify({ id: 7, method: 'flows.list', args: {} }));
    await threeReplies;
    expect(replies[0]).toMatchObject({ id: null, reply: { ok: false, error: { code: 'BAD_MESSAGE' } } });
    expect(replies[1]).toMatchObject({ id: null, reply: { ok: false, error: { code: 'BAD_MESSAGE' } } });
    expect(replies[2]).toEqual({ id: 7, reply: { ok: true, result: [] } });
    ws.close();
  });

  it('keeps the key per data folder across restarts, and says when a refused key was replaced', async () => {
    const data = join(dir, 'stable');
    const first = await startBridge({ dataDir: data, port: 0, staticDir: join(dir, 'app'), keychain: new MemoryKeychain() });
    const firstKey = first.token;
    expect(first.key).toBe('new');
    await first.close();
    const second = await startBridge({ dataDir: data, port: 0, staticDir: join(dir, 'app'), keychain: new MemoryKeychain() });
    expect(second.token).toBe(firstKey);
    expect(second.key).toBe('kept');
    await second.close();
    const rotated = await startBridge({ dataDir: data, port: 0, staticDir: join(dir, 'app'), keychain: new MemoryKeychain(), newKey: true });
    try {
      expect(rotated.token).not.toBe(firstKey);
      const reason = async (headers: Record<string, string>) => {
        const res = await fetch(`${rotated.origin}/api/flows.list`, { method: 'POST', headers, body: '{}' });
        expect(res.status).toBe(401);
        return ((await res.json()) as { error: { details: { reason: string } } }).error.details.reason;
      };
      expect(await reason({ authorization: `Bearer ${firstKey}` })).toBe('replaced');
      expect(await reason({ authorization: 'Bearer not-a-key' })).toBe('unknown');
      expect(await reason({})).toBe('missing');
    } finally {
      await rotated.close();
    }
  });

  it('runs as `flowkeeper serve`, prints the link, and stops on Ctrl-C', async () => {
    const bin = join(import.meta.dirname, '..', '..', 'cli', 'bin.js');
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', join(dir, 'cli-data')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no link printed: ${out}`)), 15_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        }
      });
    });
    const api = new URL(url);
    const res = await fetch(`${api.origin}/api/settings.get`, { method: 'POST', headers: { authorization: `Bearer ${api.searchParams.get('token')}` }, body: '{}' });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
  });
});
