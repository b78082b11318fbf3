/**
 * WebSocket RPC client for the web bridge (`flowkeeper serve`).
 *
 * Protocol (the same as cli/serve.ts):
 *   client → server  { "id": number, "method": string, "args": object }
 *   server → client  { "id": number, "reply": ApiReply }  |  { "event": ApiEvent }
 *   a malformed message gets { "id": null, "reply": { ok: false, error: { code: "BAD_MESSAGE", … } } }
 *
 * Calls made while connecting are queued and sent once the socket opens. When the connection
 * drops, calls already sent fail with a plain `DISCONNECTED` error (they may or may not have
 * happened), and the client reconnects with a growing delay. A refused access key (HTTP 401 on
 * the upgrade, or close code 4401) stops reconnecting and reports `unauthorized`.
 *
 * No DOM types on purpose: the socket is injected, so the unit tests run it in Node.
 */
import { ApiError, type ApiEvent, type ApiReply, type ApiTransport, type MethodName } from '../engine/model/contract.ts';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'unauthorized';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Plain words for the UI when not connected. */
  message?: string;
  /** When reconnecting: milliseconds until the next attempt. */
  retryInMs?: number;
}

export const UNAUTHORIZED_MESSAGE = 'Open the link printed by `flowkeeper serve` (it contains the access key).';

/** The parts of a browser WebSocket the client uses. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface WsClientOptions {
  url: string;
  /** Defaults to the global `WebSocket`. */
  createSocket?: (url: string) => SocketLike;
  /**
   * Asked when a connection closed before it ever opened: did the server refuse the access key?
   * A browser cannot see the HTTP status of a failed upgrade, so this asks over plain HTTP.
   */
  probeUnauthorized?: () => Promise<boolean>;
  backoff?: { initialMs?: number; maxMs?: number; factor?: number };
  /** Start connecting at once (default true). */
  autoConnect?: boolean;
  log?: (message: string, detail?: unknown) => void;
}

const OPEN = 1;
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;

interface Pending {
  id: number;
  method: MethodName;
  payload: string;
  sent: boolean;
  resolve(value: unknown): void;
  reject(error: ApiError): void;
}

export function disconnectedError(method: string): ApiError {
  return new ApiError({
    code: 'DISCONNECTED',
    message: 'The connection to Flowkeeper was lost before it answered.',
    hint:
      method === 'runs.start' || method === 'runs.fork' || method === 'runs.resume'
        ? 'It reconnects by itself. Check the Runs list before trying again: the run may have started.'
        : 'It reconnects by itself; try again in a moment.',
    details: { method },
  });
}

export function unauthorizedError(): ApiError {
  return new ApiError({ code: 'UNAUTHORIZED', message: 'Flowkeeper did not accept this page’s access key.', hint: UNAUTHORIZED_MESSAGE });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isReply(value: unknown): value is ApiReply {
  return isRecord(value) && (value.ok === true ? 'result' in value : value.ok === false && isRecord(value.error));
}

export class WsClient implements ApiTransport {
  private readonly options: WsClientOptions;
  private socket: SocketLike | undefined;
  private opened = false;
  private closedByUser = false;
  private attempts = 0;
  private nextId = 1;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: ApiEvent) => void>();
  private readonly statusListeners = new Set<(status: ConnectionStatus) => void>();
  private current: ConnectionStatus = { state: 'connecting' };

  constructor(options: WsClientOptions) {
    this.options = options;
    if (options.autoConnect !== false) this.connect();
  }

  get status(): ConnectionStatus {
    return this.current;
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  invoke(method: MethodName, args: unknown): Promise<unknown> {
    if (this.current.state === 'unauthorized') return Promise.reject(unauthorizedError());
    if (this.closedByUser) return Promise.reject(disconnectedError(method));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const entry: Pending = { id, method, payload: JSON.stringify({ id, method, args: args ?? {} }), sent: false, resolve, reject };
      this.pending.set(id, entry);
      if (this.socket?.readyState === OPEN && this.opened) this.send(entry);
    });
  }

  /** Connects now (after `autoConnect: false`, or to skip the wait before the next attempt). */
  connect(): void {
    if (this.closedByUser) return;
    if (this.socket && this.socket.readyState <= OPEN) return;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.current.state === 'unauthorized') this.setStatus({ state: 'connecting' });
    this.open();
  }

  /** Stops for good: pending calls fail, no reconnect. */
  close(): void {
    this.closedByUser = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'closed by the page');
    this.socket = undefined;
    this.failPending(true);
  }

  private open(): void {
    const create = this.options.createSocket ?? defaultSocket;
    let socket: SocketLike;
    try {
      socket = create(this.options.url);
    } catch (error) {
      this.log('Could not open the connection', error);
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.opened = false;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.opened = true;
      this.attempts = 0;
      this.setStatus({ state: 'connected' });
      for (const entry of this.pending.values()) if (!entry.sent) this.send(entry);
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) this.receive(event.data);
    };
    socket.onerror = () => {
      // A close event always follows; it decides what happens next.
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      const wasOpen = this.opened;
      this.socket = undefined;
      this.opened = false;
      void this.handleClose(event, wasOpen);
    };
  }

  private async handleClose(event: { code: number; reason: string }, wasOpen: boolean): Promise<void> {
    // Calls already sent may or may not have run; they fail. Queued ones wait for the reconnect.
    this.failPending(false);
    if (this.closedByUser) return;
    const refused = event.code === CLOSE_UNAUTHORIZED || event.code === CLOSE_FORBIDDEN || (event.code === 1008 && /unauthori|token|access key/i.test(event.reason));
    if (refused || (!wasOpen && (await this.probe()))) {
      this.setStatus({ state: 'unauthorized', message: UNAUTHORIZED_MESSAGE });
      for (const entry of this.pending.values()) entry.reject(unauthorizedError());
      this.pending.clear();
      return;
    }
    this.scheduleReconnect();
  }

  private async probe(): Promise<boolean> {
    if (!this.options.probeUnauthorized) return false;
    try {
      return await this.options.probeUnauthorized();
    } catch {
      return false;
    }
  }

  private scheduleReconnect(): void {
    if (this.closedByUser) return;
    const { initialMs = 500, maxMs = 10_000, factor = 2 } = this.options.backoff ?? {};
    const base = Math.min(maxMs, initialMs * factor ** this.attempts);
    // A little jitter so many pages do not reconnect in step after a restart.
    const delay = Math.round(base * (0.85 + Math.random() * 0.3));
    this.attempts++;
    this.setStatus({ state: 'reconnecting', message: 'Connection lost. Reconnecting…', retryInMs: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.open();
    }, delay);
  }

  private send(entry: Pending): void {
    try {
      this.socket!.send(entry.payload);
      entry.sent = true;
    } catch (error) {
      this.log(`Could not send ${entry.method}`, error);
    }
  }

  private receive(data: unknown): void {
    let message: unknown;
    try {
      message = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      this.log('Flowkeeper sent a message that is not JSON; ignored.');
      return;
    }
    if (!isRecord(message)) return;
    if (isRecord(message.event) && typeof message.event.type === 'string') {
      for (const listener of [...this.eventListeners]) {
        try {
          listener(message.event as ApiEvent);
        } catch (error) {
          this.log('An event listener failed', error);
        }
      }
      return;
    }
    if (!('reply' in message)) return;
    if (typeof message.id !== 'number') {
      // The server could not read one of our messages; nothing to attribute it to.
      this.log('Flowkeeper could not read a message from this page', message.reply);
      return;
    }
    const entry = this.pending.get(message.id);
    if (!entry) return;
    this.pending.delete(message.id);
    if (!isReply(message.reply)) {
      entry.reject(new ApiError({ code: 'BAD_REPLY', message: `Flowkeeper sent an answer to ${entry.method} this page cannot read.`, hint: 'Reload the page; if it keeps happening, the page and Flowkeeper may be different versions.' }));
    } else if (message.reply.ok) {
      entry.resolve(message.reply.result);
    } else {
      entry.reject(ApiError.from(message.reply.error));
    }
  }

  private failPending(includeQueued: boolean): void {
    for (const entry of [...this.pending.values()]) {
      if (!entry.sent && !includeQueued) continue;
      this.pending.delete(entry.id);
      entry.reject(disconnectedError(entry.method));
    }
  }

  private setStatus(status: ConnectionStatus): void {
    this.current = status;
    for (const listener of [...this.statusListeners]) listener(status);
  }

  private log(message: string, detail?: unknown): void {
    (this.options.log ?? ((m: string, d?: unknown) => console.warn(`[flowkeeper] ${m}`, d ?? '')))(message, detail);
  }
}

function defaultSocket(url: string): SocketLike {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => SocketLike }).WebSocket;
  if (!Ctor) throw new Error('This browser has no WebSocket support.');
  return new Ctor(url);
}
