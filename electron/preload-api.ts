/**
 * What the preload exposes as `window.flowkeeper`: the contract's methods, generated from
 * METHOD_NAMES by `buildApi`, and `onEvent`. Each method resolves to the raw `ApiReply`
 * envelope (`{ ok: true, result }` or `{ ok: false, error }`); the renderer unwraps it. An
 * `ApiError` thrown here would reach the page as a bare Error (contextBridge keeps only the
 * message), so the envelope is what crosses.
 *
 * May import only engine/model/contract.ts and ./channels.ts: this runs in the sandboxed preload.
 */
import { buildApi, type ApiEvent, type ApiReply, type FlowkeeperApi } from '../engine/model/contract.ts';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './channels.ts';

/** The part of ipcRenderer the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

type Groups = Exclude<keyof FlowkeeperApi, 'onEvent'>;

/** `window.flowkeeper`: the FlowkeeperApi shape, every method answering with an ApiReply. */
export type PreloadApi = {
  [G in Groups]: {
    [M in keyof FlowkeeperApi[G]]: FlowkeeperApi[G][M] extends (args?: infer A) => Promise<unknown> ? (args?: A) => Promise<ApiReply> : never;
  };
} & {
  onEvent(listener: (event: ApiEvent) => void): () => void;
};

export function createPreloadApi(ipc: IpcRendererLike): PreloadApi {
  const listeners = new Set<(event: ApiEvent) => void>();
  // One ipcRenderer listener for all subscribers; only the event payload reaches the page, never
  // Electron's IpcRendererEvent (it carries `sender`, i.e. ipcRenderer itself).
  const onMessage = (_event: unknown, payload: unknown) => {
    for (const listener of [...listeners]) {
      try {
        listener(payload as ApiEvent);
      } catch (error) {
        console.error('A Flowkeeper event listener failed:', error);
      }
    }
  };

  const api = buildApi({
    invoke: (method, args) => ipc.invoke(INVOKE_CHANNEL, method, args),
    subscribe(listener) {
      if (typeof listener !== 'function') throw new TypeError('onEvent needs a function.');
      if (listeners.size === 0) ipc.on(EVENT_CHANNEL, onMessage);
      listeners.add(listener);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        listeners.delete(listener);
        if (listeners.size === 0) ipc.removeListener(EVENT_CHANNEL, onMessage);
      };
    },
  });
  // buildApi types its methods by their results; over this transport they resolve to envelopes.
  return api as unknown as PreloadApi;
}
