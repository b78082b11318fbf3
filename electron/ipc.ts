/**
 * The IPC adapter: the Electron door onto the one dispatch. One channel in
 * (`flowkeeper:invoke` → `dispatch(service, method, args)` → `ApiReply`), one channel out
 * (`flowkeeper:event`, every service event). Every call is checked: only the main frame of our
 * own window, showing our own page, may call. Nothing here imports Electron at run time; tests
 * pair it with a fake ipcMain.
 */
import { dispatch, type ApiService } from '../engine/dispatch.ts';
import type { ApiEvent, ApiReply } from '../engine/model/contract.ts';
import { isAppUrl, type AppEntry } from './app-url.ts';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './channels.ts';

/** The part of a WebFrameMain the sender check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly processId?: number;
  readonly routingId?: number;
}

/** The part of IpcMainInvokeEvent the adapter reads. */
export interface InvokeEventLike {
  readonly sender: { readonly id: number };
  readonly senderFrame: FrameLike | null;
}

/** The part of ipcMain the adapter uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** Where events go: the window's webContents. */
export interface EventTarget {
  readonly id: number;
  isDestroyed(): boolean;
  getURL(): string;
  send(channel: string, ...args: unknown[]): void;
}

export interface IpcOptions {
  isTrustedSender(event: InvokeEventLike): boolean;
  /** The webContents that receive events (our window), looked up at each event. */
  eventTargets?: () => Iterable<EventTarget>;
  /** Which pages may receive events; without it every target does. */
  entry?: AppEntry;
  log?: (message: string) => void;
}

export interface IpcRegistration {
  /** Sends an event to the window (also used for the menu's `app.command` events). */
  send(event: ApiEvent): void;
  dispose(): void;
}

export function registerIpc(ipcMain: IpcMainLike, service: ApiService, options: IpcOptions): IpcRegistration {
  const log = options.log ?? ((message: string) => console.warn(`[flowkeeper] ${message}`));

  ipcMain.handle(INVOKE_CHANNEL, async (event, method, args): Promise<ApiReply> => {
    let trusted = false;
    try {
      trusted = options.isTrustedSender(event);
    } catch (error) {
      log(`The IPC sender check failed: ${String(error)}`);
    }
    if (!trusted) {
      const where = event.senderFrame?.url ?? 'a frame that is gone';
      log(`Refused the API call ${String(method)} from ${where} (webContents ${event.sender.id}): not the main frame of Flowkeeper's own page.`);
      return { ok: false, error: { code: 'FORBIDDEN', message: 'This page is not allowed to use the Flowkeeper API.', hint: 'Only the Flowkeeper window itself may call the API.' } };
    }
    return dispatch(service, method, args);
  });

  const send = (event: ApiEvent) => {
    for (const target of options.eventTargets?.() ?? []) {
      if (target.isDestroyed()) continue;
      // A page that navigated away (it cannot, but should it) no longer hears about runs.
      if (options.entry && !isAppUrl(options.entry, target.getURL())) continue;
      target.send(EVENT_CHANNEL, event);
    }
  };
  const unsubscribe = service.subscribe(send);

  return {
    send,
    dispose() {
      unsubscribe();
      ipcMain.removeHandler(INVOKE_CHANNEL);
    },
  };
}

export interface SenderCheckOptions {
  entry: AppEntry;
  /** Our window's webContents, or undefined while there is none. */
  windowContents(): { readonly id: number; readonly mainFrame: FrameLike } | undefined;
}

/**
 * The sender must be our own window's webContents, the frame its main frame (not an iframe),
 * and the frame's URL the app's own page (the packaged index.html, or the dev server).
 */
export function createSenderCheck({ entry, windowContents }: SenderCheckOptions): (event: InvokeEventLike) => boolean {
  return (event) => {
    const contents = windowContents();
    if (!contents || event.sender.id !== contents.id) return false;
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null || !isSameFrame(frame, contents.mainFrame)) return false;
    return isAppUrl(entry, frame.url);
  };
}

function isSameFrame(a: FrameLike, b: FrameLike): boolean {
  if (a === b) return true;
  // WebFrameMain wrappers may be re-created; the (process, routing) ids identify the frame.
  return a.processId !== undefined && a.processId === b.processId && a.routingId !== undefined && a.routingId === b.routingId;
}
