/**
 * The web bridge (`flowkeeper serve`): the same API the desktop preload exposes, over HTTP and
 * WebSocket, plus the built renderer. Loopback only unless a host is given explicitly; every API
 * request and WebSocket needs the per-start random key printed in the link.
 *
 *   GET  /                the app: public code, no data (the page keeps the key from the link
 *                         in sessionStorage; no cookie, since cookies are shared across ports)
 *   POST /api/<method>    one call (Authorization: Bearer <key>): JSON body = arguments → ApiReply
 *   GET  /api/ws?token=…  WebSocket: { id, method, args } → { id, reply }; pushes { event }
 *   GET  /api/session     who the key belongs to: { role: 'owner' | 'reviewer', name, group? }
 *
 * Two kinds of key: the owner's (full access) and reviewers' (`flowkeeper reviewers add`, the
 * inbox only: cli/reviewer-access.ts). Every call of either goes through `call` below.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { createService, dispatch, type FlowkeeperService } from '../engine/index.ts';
import type { ApiReply, KeychainBackend, NodeRegistry } from '../engine/index.ts';
import { loadOwnerKey } from './access-key-store.ts';
import { ReviewerKeys, type ReviewerRecord } from './reviewer-keys.ts';
import { FORBIDDEN_FOR_REVIEWER, REVIEWER_EVENTS, decidedBy, isReviewersItem, notYourItem, reviewerMayCall } from './reviewer-access.ts';
import { registry as defaultRegistry } from './context.ts';

export { DEFAULT_PORT } from './default-port.ts';
import { DEFAULT_PORT } from './default-port.ts';
const MAX_BODY_BYTES = 25 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export interface BridgeOptions {
  dataDir: string;
  port?: number;
  host?: string;
  /** Required to listen on anything but loopback. */
  allowRemote?: boolean;
  staticDir?: string;
  registry?: NodeRegistry;
  keychain?: KeychainBackend;
  /** Fixed token (tests); otherwise the data folder's owner key (cli/access-key-store.ts). */
  token?: string;
  /** Replace the data folder's owner key with a new one (`flowkeeper serve --new-key`). */
  newKey?: boolean;
  service?: FlowkeeperService;
}

export interface Bridge {
  url: string;
  origin: string;
  token: string;
  /** 'new': made at this start (first start in the folder, or --new-key); 'kept': as before; 'given': options.token. */
  key: 'new' | 'kept' | 'given';
  port: number;
  service: FlowkeeperService;
  close(): Promise<void>;
}

export function defaultStaticDir(): string {
  return join(fileURLToPath(new URL('.', import.meta.url)), '..', 'dist', 'renderer');
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Who is calling: the owner, or a reviewer through their own link. */
export type Caller = { role: 'owner' } | { role: 'reviewer'; reviewer: ReviewerRecord };

export class BridgeConfigError extends Error {
  override name = 'BridgeConfigError';
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !options.allowRemote) {
    throw new BridgeConfigError(`Refusing to listen on ${host}: only this computer (127.0.0.1) is allowed unless you pass --host explicitly.`);
  }
  const owner = options.token === undefined ? await loadOwnerKey(options.dataDir, { rotate: options.newKey === true }) : undefined;
  const token = options.token ?? owner!.key;
  const tokenBuffer = Buffer.from(token);
  const staticDir = resolve(options.staticDir ?? defaultStaticDir());
  const service = options.service ?? (await createService({ dataDir: options.dataDir, registry: options.registry ?? defaultRegistry, ...(options.keychain ? { keychain: options.keychain } : {}) }));
  const reviewerKeys = new ReviewerKeys(options.dataDir);
  let port = 0;

  const validToken = (candidate: string | undefined | null): boolean => {
    if (!candidate) return false;
    const given = Buffer.from(candidate);
    return given.length === tokenBuffer.length && timingSafeEqual(given, tokenBuffer);
  };

  /** The caller a key belongs to, or why it is refused. */
  const identify = async (candidate: string | undefined | null): Promise<Caller | { refused: 'missing' | 'replaced' | 'revoked' | 'unknown' }> => {
    if (!candidate) return { refused: 'missing' };
    if (validToken(candidate)) return { role: 'owner' };
    const found = await reviewerKeys.lookup(candidate);
    if (found.kind === 'reviewer') return { role: 'reviewer', reviewer: found.reviewer };
    if (found.kind === 'revoked') return { refused: 'revoked' };
    return { refused: owner?.wasRetired(candidate) ? 'replaced' : 'unknown' };
  };

  const settingsGroups = async (): Promise<Record<string, string[]>> => {
    const settings = (await service.handlers['settings.get']({})) as { reviewerGroups?: Record<string, string[]> };
    return settings.reviewerGroups ?? {};
  };

  /**
   * One API call by a caller: the owner's go straight to dispatch; a reviewer's are limited to the
   * inbox, to their own items, and decide under the key's name (cli/reviewer-access.ts).
   */
  const call = async (caller: Caller, method: string, args: unknown): Promise<{ status: number; reply: ApiReply }> => {
    if (caller.role === 'owner') return { status: 200, reply: await dispatch(service, method, args) };
    const { reviewer } = caller;
    if (!reviewerMayCall(method)) return { status: 403, reply: { ok: false, error: FORBIDDEN_FOR_REVIEWER } };
    const groups = await settingsGroups();
    const mine = (item: unknown) => isReviewersItem(item, reviewer, groups);
    const given = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>;
    if (method === 'inbox.list' || method === 'inbox.history') {
      // Listing asks for everything, then keeps what is theirs (a person's own filters still apply).
      const reply = await dispatch(service, method, given);
      const keep = method === 'inbox.list' ? mine : (decision: unknown) => decidedBy(decision, reviewer.name);
      if (reply.ok && Array.isArray(reply.result)) return { status: 200, reply: { ok: true, result: reply.result.filter(keep) } };
      return { status: 200, reply };
    }
    // inbox.get and inbox.decide: the item has to be theirs first.
    const id = typeof given.id === 'string' ? given.id : '';
    const item = await dispatch(service, 'inbox.get', { id });
    if (!item.ok) return { status: 200, reply: item };
    if (!mine(item.result)) return { status: 403, reply: { ok: false, error: notYourItem(id) } };
    if (method === 'inbox.get') return { status: 200, reply: item };
    // The name comes from the key, never from the request.
    return { status: 200, reply: await dispatch(service, method, { ...given, by: reviewer.name }) };
  };

  const tokenOf = (req: IncomingMessage, url: URL): string | undefined => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice(7);
    return url.searchParams.get('token') ?? undefined;
  };

  /** DNS-rebinding guard: on loopback, only requests addressed to loopback names are served. */
  const hostAllowed = (req: IncomingMessage): boolean => {
    if (!LOOPBACK.has(host)) return true;
    const name = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    return LOOPBACK.has(name);
  };

  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (!origin) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  };

  const send = (res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': type,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      ...extra,
    });
    res.end(body);
  };

  const sendJson = (res: ServerResponse, status: number, value: unknown) => send(res, status, JSON.stringify(value), 'application/json');

  /** Says why a key was refused, so the page can say what happened (never whether a guess was close). */
  const unauthorized = (res: ServerResponse, reason: 'missing' | 'replaced' | 'revoked' | 'unknown') =>
    sendJson(res, 401, {
      ok: false,
      error: {
        code: 'UNAUTHORIZED',
        message: reason === 'revoked' ? 'This reviewer link was withdrawn.' : 'Missing or wrong access key.',
        hint: reason === 'revoked' ? 'Ask the person who runs Flowkeeper for a new link.' : 'Use the link printed by "flowkeeper serve"; it contains the key.',
        details: { reason },
      },
    } satisfies ApiReply);

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolveBody, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          reject(new Error('too large'));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const serveStatic = async (res: ServerResponse, pathname: string) => {
    const relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
    const file = resolve(staticDir, relative === '' ? 'index.html' : relative);
    if (file !== staticDir && !file.startsWith(staticDir + sep)) return send(res, 404, 'Not found', 'text/plain');
    const info = await stat(file).catch(() => undefined);
    const target = info?.isFile() ? file : join(staticDir, 'index.html');
    try {
      const body = await readFile(target);
      send(res, 200, body, MIME[extname(target)] ?? 'application/octet-stream', { 'content-security-policy': CONTENT_SECURITY_POLICY });
    } catch {
      send(
        res,
        503,
        '<!doctype html><meta charset="utf-8"><title>Flowkeeper</title><body style="font:16px system-ui;margin:3rem"><h1>The app is not built yet</h1><p>Run <code>npm run build:renderer</code> (or <code>npm run web</code>), then reload. The API works meanwhile.</p></body>',
        'text/html; charset=utf-8',
      );
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const api = url.pathname.startsWith('/api/');
      if (!hostAllowed(req)) return send(res, 421, 'This server answers only to 127.0.0.1 or localhost.', 'text/plain');
      // The page holds no data; everything it shows comes through the API, which needs the key.
      if (!api) return serveStatic(res, url.pathname);
      const caller = await identify(tokenOf(req, url));
      if ('refused' in caller) return unauthorized(res, caller.refused);
      if (!originAllowed(req)) return sendJson(res, 403, { ok: false, error: { code: 'FORBIDDEN', message: 'Requests from other sites are not allowed.' } } satisfies ApiReply);
      if (url.pathname === '/api/health') return sendJson(res, 200, { ok: true, result: { status: 'ok' } } satisfies ApiReply);
      if (url.pathname === '/api/session' && req.method === 'GET') return sendJson(res, 200, { ok: true, result: await sessionOf(caller) } satisfies ApiReply);
      if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: { code: 'METHOD_NOT_ALLOWED', message: 'Use POST for API calls.' } } satisfies ApiReply);
      let args: unknown;
      try {
        const text = await readBody(req);
        args = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
      } catch {
        return sendJson(res, 400, { ok: false, error: { code: 'BAD_MESSAGE', message: 'The request body is not valid JSON (or larger than 25 MB).' } } satisfies ApiReply);
      }
      const { status, reply } = await call(caller, url.pathname.slice('/api/'.length), args);
      sendJson(res, status, reply);
    })().catch(() => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: 'The bridge failed to answer.' } } satisfies ApiReply);
    });
  });

  /** What the page shows about who is using it (a reviewer's page shows only the inbox). */
  const sessionOf = async (caller: Caller) => {
    if (caller.role === 'reviewer') return { role: 'reviewer' as const, name: caller.reviewer.name, ...(caller.reviewer.group ? { group: caller.reviewer.group } : {}) };
    const settings = (await service.handlers['settings.get']({})) as { reviewerName?: string };
    return { role: 'owner' as const, name: settings.reviewerName ?? '' };
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  /** Each socket with the key it was opened with (checked again per message: a link can be withdrawn meanwhile). */
  const clients = new Map<WebSocket, { key: string; caller: Caller }>();
  const unsubscribe = service.subscribe((event) => {
    const text = JSON.stringify({ event });
    for (const [client, { caller }] of clients) {
      if (client.readyState !== client.OPEN) continue;
      if (caller.role === 'reviewer' && !REVIEWER_EVENTS.has(event.type)) continue;
      client.send(text);
    }
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status: number, text: string) => {
      socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (url.pathname !== '/api/ws') return refuse(404, 'Not Found');
    if (!hostAllowed(req) || !originAllowed(req)) return refuse(403, 'Forbidden');
    const key = tokenOf(req, url);
    void identify(key).then((caller) => {
      if ('refused' in caller) return refuse(401, 'Unauthorized');
      wss.handleUpgrade(req, socket, head, (ws) => {
        clients.set(ws, { key: key!, caller });
        ws.on('close', () => clients.delete(ws));
        ws.on('message', (data) => {
          void handleMessage(ws, data.toString());
        });
      });
    });
  });

  const handleMessage = async (ws: WebSocket, text: string) => {
    const entry = clients.get(ws);
    if (!entry) return;
    let message: { id?: unknown; method?: unknown; args?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      ws.send(JSON.stringify({ id: null, reply: { ok: false, error: { code: 'BAD_MESSAGE', message: 'The message is not valid JSON.', hint: 'Send { "id": 1, "method": "flows.list", "args": {} }.' } } }));
      return;
    }
    if (typeof message !== 'object' || message === null || typeof message.id !== 'number' || typeof message.method !== 'string') {
      const id = typeof message === 'object' && message !== null && typeof message.id === 'number' ? message.id : null;
      ws.send(JSON.stringify({ id, reply: { ok: false, error: { code: 'BAD_MESSAGE', message: 'A message needs a numeric "id" and a "method" name.', hint: 'Send { "id": 1, "method": "flows.list", "args": {} }.' } } }));
      return;
    }
    const caller = await identify(entry.key);
    if ('refused' in caller) {
      // Withdrawn while the page was open: say so and close; the page then shows why.
      ws.send(JSON.stringify({ id: message.id, reply: { ok: false, error: { code: 'UNAUTHORIZED', message: 'This link no longer opens Flowkeeper.', details: { reason: caller.refused } } } }));
      ws.close(4401, 'Unauthorized');
      return;
    }
    const { reply } = await call(caller, message.method, message.args ?? {});
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: message.id, reply }));
  };

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new BridgeConfigError(`Port ${options.port ?? DEFAULT_PORT} is already in use. Choose another with --port, or stop the other program.`) : error);
    });
    server.listen(options.port ?? DEFAULT_PORT, host, () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shownHost}:${port}`;
  // Alert messages link to the bridge (never with the key: whoever opens the link signs in).
  service.setPublicAddress(origin);

  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    key: owner ? (owner.created ? 'new' : 'kept') : 'given',
    port,
    service,
    async close() {
      unsubscribe();
      for (const client of clients.keys()) client.terminate();
      wss.close();
      await new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      if (!options.service) await service.close();
    },
  };
}
