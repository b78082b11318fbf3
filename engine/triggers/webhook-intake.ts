/**
 * The webhook intake: one `node:http` server per port, shared by every webhook route of every
 * active flow on it, which answers bad requests itself before anything is recorded:
 *
 *   unknown path 404 · wrong method 405 · over the route's concurrency cap 429 + Retry-After ·
 *   body over the limit 413 (stops reading) · missing/wrong bearer or shared secret 401 ·
 *   missing/wrong HMAC signature 401 (constant-time compare over the raw body)
 *
 * A good request goes to the trigger's handler, which emits it (the intake journal, group
 * commit: many concurrent requests share one fdatasync) and answers 2xx only once the run's start
 * is durable. Secrets compared here are never logged or echoed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { IntakeBusyError } from './intake-busy.ts';
import type { WebhookReply, WebhookRequest, WebhookRoute } from '../model/node-kit.ts';

type Handler = (request: WebhookRequest) => Promise<WebhookReply>;

interface Mounted {
  route: WebhookRoute;
  handle: Handler;
  inFlight: number;
}

interface Listener {
  server: Server;
  host: string;
  routes: Map<string, Mounted>;
}

/** Seconds a client is asked to wait when a route is at its cap. */
const RETRY_AFTER_S = 1;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class WebhookIntake {
  private readonly listeners = new Map<number, Listener>();

  /** Mounts a route; returns what unmounts it (and closes the port when it was the last route). */
  async mount(route: WebhookRoute, handle: Handler): Promise<() => Promise<void>> {
    const host = route.host ?? '127.0.0.1';
    let listener = this.listeners.get(route.port);
    if (listener && listener.host !== host) throw new Error(`Port ${route.port} already listens on ${listener.host}; use the same address for every webhook on a port, or another port.`);
    if (!listener) listener = await this.open(route.port, host);
    const key = route.path;
    if (listener.routes.has(key)) throw new Error(`Another active flow already listens on port ${route.port} at ${route.path}. Give this webhook another path.`);
    const mounted: Mounted = { route, handle, inFlight: 0 };
    listener.routes.set(key, mounted);
    return async () => {
      const current = this.listeners.get(route.port);
      if (current?.routes.get(key) !== mounted) return;
      current.routes.delete(key);
      if (current.routes.size === 0) {
        this.listeners.delete(route.port);
        await new Promise<void>((done) => current.server.close(() => done()));
        current.server.closeAllConnections();
      }
    };
  }

  private async open(port: number, host: string): Promise<Listener> {
    const listener: Listener = { server: createServer((req, res) => void this.serve(listener, req, res)), host, routes: new Map() };
    // Keep-alive connections are the norm for webhook senders and load tests alike.
    listener.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      listener.server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new Error(error.code === 'EADDRINUSE' ? `Port ${port} is already used by another program. Choose another port for the webhook.` : `The webhook could not listen on ${host}:${port}: ${error.message}`)),
      );
      listener.server.listen(port, host, () => resolve());
    });
    this.listeners.set(port, listener);
    return listener;
  }

  /** The port a route's listener got (for port 0 in tests). */
  boundPort(port: number): number | undefined {
    const address = this.listeners.get(port)?.server.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  private async serve(listener: Listener, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://intake');
    const mounted = listener.routes.get(url.pathname);
    if (!mounted) return send(res, 404, { error: `Nothing listens at ${url.pathname}.` });
    const { route } = mounted;
    if ((req.method ?? 'GET').toUpperCase() !== route.method.toUpperCase()) return send(res, 405, { error: `Use ${route.method} for this webhook.` }, { allow: route.method });
    if (mounted.inFlight >= route.maxConcurrent) {
      req.resume();
      return send(res, 429, { error: 'Too many requests at once; try again shortly.' }, { 'retry-after': String(RETRY_AFTER_S) });
    }
    mounted.inFlight++;
    try {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > route.maxBodyBytes) {
        res.setHeader('connection', 'close');
        return send(res, 413, { error: `The body is larger than this webhook accepts (${route.maxBodyBytes} bytes).` });
      }
      const body = await readBody(req, route.maxBodyBytes);
      if (body === undefined) {
        res.setHeader('connection', 'close');
        return send(res, 413, { error: `The body is larger than this webhook accepts (${route.maxBodyBytes} bytes).` });
      }
      const refusal = this.check(route, req, body);
      if (refusal) return send(res, 401, { error: refusal });
      const hidden = new Set([route.auth?.kind === 'header' ? route.auth.name.toLowerCase() : 'authorization', route.signature?.header.toLowerCase() ?? '']);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (!hidden.has(name) && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      const reply = await mounted.handle({ method: req.method ?? 'POST', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body });
      send(res, reply.status, reply.body, reply.headers);
    } catch (error) {
      // Over capacity (too many accepted events waiting to start): 429, like the in-flight cap.
      if (error instanceof IntakeBusyError) return send(res, 429, { error: error.message }, { 'retry-after': String(error.retryAfterSeconds) });
      // Not taken: the sender should try again (nothing was acknowledged).
      send(res, 503, { error: `The event was not taken: ${(error as Error).message}` }, { 'retry-after': String(RETRY_AFTER_S) });
    } finally {
      mounted.inFlight--;
    }
  }

  private check(route: WebhookRoute, req: IncomingMessage, body: string): string | undefined {
    if (route.auth?.kind === 'bearer') {
      const given = req.headers.authorization ?? '';
      if (!given.startsWith('Bearer ') || !equal(given.slice(7), route.auth.token)) return 'Missing or wrong bearer token.';
    }
    if (route.auth?.kind === 'header') {
      const given = req.headers[route.auth.name.toLowerCase()];
      if (typeof given !== 'string' || !equal(given, route.auth.value)) return `Missing or wrong ${route.auth.name} header.`;
    }
    if (route.signature) {
      const given = req.headers[route.signature.header.toLowerCase()];
      const expected = `${route.signature.prefix ?? ''}${createHmac(route.signature.algorithm, route.signature.secret).update(body).digest('hex')}`;
      if (typeof given !== 'string' || !equal(given.trim().toLowerCase(), expected.toLowerCase())) return `Missing or wrong signature in ${route.signature.header}.`;
    }
    return undefined;
  }

  async close(): Promise<void> {
    const all = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(all.map((l) => new Promise<void>((done) => (l.server.close(() => done()), l.server.closeAllConnections()))));
  }
}

/** The body as text, or undefined when it grows past `limit` (reading stops there). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
