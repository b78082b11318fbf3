/**
 * The one door the app uses. `getApi()` returns a `FlowkeeperApi`: over the Electron preload
 * when the page runs in the desktop app (`window.flowkeeper`), otherwise over the web bridge's
 * WebSocket. Nothing else in the renderer knows which.
 */
import {
  ApiError,
  METHODS,
  buildApi,
  type ApiEvent,
  type ApiReply,
  type ApiTransport,
  type FlowkeeperApi,
  type MethodName,
} from '../engine/model/contract.ts';
import { bridgeProbeUrl, bridgeSocketUrl, takeAccessKey } from './access-key.ts';
import { WsClient, type ConnectionStatus } from './ws-client.ts';
import { asRefusalReason, type RefusalReason } from './logic/access-refusal.ts';

/**
 * What the Electron preload exposes. Its methods resolve to the raw reply envelope. Either one
 * generic `invoke(method, args)` or the nested methods (`flows.list(args)`) — both are accepted.
 */
interface PreloadBridge {
  invoke?: (method: string, args: unknown) => Promise<ApiReply>;
  onEvent: (listener: (event: ApiEvent) => void) => () => void;
  [group: string]: unknown;
}

export interface Connection {
  readonly status: ConnectionStatus;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Try again now (after a refused key, or to skip the wait). */
  reconnect(): void;
}

let api: FlowkeeperApi | undefined;
let connection: Connection | undefined;

/**
 * Who is using this page: the owner (everything), or a reviewer through their own link (the
 * inbox only; the bridge enforces it, this only decides what the page offers). In the desktop
 * app it is always the owner; the person deciding is the name in Settings.
 */
export type Session = { role: 'owner'; name: string } | { role: 'reviewer'; name: string; group?: string };

let sessionSource: (() => Promise<Session | undefined>) | undefined;

/** The session, from the web bridge's `/api/session`; undefined in the desktop app (owner, name from Settings). */
export async function fetchSession(): Promise<Session | undefined> {
  if (!api) init();
  return sessionSource ? sessionSource() : undefined;
}

export function getApi(): FlowkeeperApi {
  if (!api) init();
  return api!;
}

let refusal: RefusalReason | undefined;

/** Why the web bridge refused this page's key (after the connection said "unauthorized"). */
export function refusalReason(): RefusalReason | undefined {
  return refusal;
}

/** Connection state for the status indicator. Always "connected" in the desktop app. */
export function getConnection(): Connection {
  if (!connection) init();
  return connection!;
}

function init(): void {
  const preload = (globalThis as { flowkeeper?: PreloadBridge }).flowkeeper;
  if (preload && typeof preload.onEvent === 'function') {
    api = buildApi(preloadTransport(preload));
    connection = { status: { state: 'connected' }, onStatus: () => () => {}, reconnect: () => {} };
    return;
  }
  const key = takeAccessKey(window.location, sessionStorageOrUndefined(), window.history);
  sessionSource = async () => {
    const response = await fetch(`${window.location.protocol}//${window.location.host}/api/session`, { headers: key ? { authorization: `Bearer ${key}` } : {}, cache: 'no-store' });
    if (!response.ok) return undefined;
    const body = (await response.json().catch(() => undefined)) as { ok?: boolean; result?: Session } | undefined;
    return body?.ok && body.result ? body.result : undefined;
  };
  const client = new WsClient({
    url: bridgeSocketUrl(window.location, key),
    probeUnauthorized: async () => {
      const response = await fetch(bridgeProbeUrl(window.location, key), { credentials: 'same-origin', cache: 'no-store' });
      // The bridge says why it refused, so the page can tell a replaced key from a wrong one.
      if (response.status === 401) refusal = asRefusalReason(await response.json().catch(() => undefined));
      return response.status === 401 || response.status === 403;
    },
  });
  api = buildApi(client);
  connection = {
    get status() {
      return client.status;
    },
    onStatus: (listener) => client.onStatus(listener),
    reconnect: () => client.connect(),
  };
}

function sessionStorageOrUndefined(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

function isReply(value: unknown): value is ApiReply {
  const v = value as { ok?: unknown; error?: unknown } | null;
  return typeof v === 'object' && v !== null && (v.ok === true || (v.ok === false && typeof v.error === 'object' && v.error !== null));
}

function preloadTransport(preload: PreloadBridge): ApiTransport {
  const call = (method: MethodName, args: unknown): Promise<ApiReply> => {
    if (typeof preload.invoke === 'function') return preload.invoke(method, args);
    const [group, member] = method.split('.') as [string, string];
    const fn = (preload[group] as Record<string, unknown> | undefined)?.[member];
    if (typeof fn !== 'function') {
      return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_METHOD', message: `The desktop app does not offer ${method}.`, hint: 'Update Flowkeeper; the app and its window may be different versions.' } });
    }
    return (fn as (a: unknown) => Promise<ApiReply>)(args);
  };
  return {
    invoke: async (method, args) => {
      if (!Object.hasOwn(METHODS, method)) throw new ApiError({ code: 'UNKNOWN_METHOD', message: `There is no API method "${method}".` });
      let reply: unknown;
      try {
        reply = await call(method, args);
      } catch (error) {
        throw ApiError.from(error);
      }
      if (!isReply(reply)) throw new ApiError({ code: 'BAD_REPLY', message: `The desktop app sent an answer to ${method} this window cannot read.`, hint: 'Restart Flowkeeper.' });
      if (reply.ok) return reply.result;
      throw ApiError.from(reply.error);
    },
    subscribe: (listener) => preload.onEvent(listener),
  };
}
