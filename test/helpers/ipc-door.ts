/**
 * The Electron door without Electron: a fake ipcMain and ipcRenderer paired in memory, the real
 * IPC adapter (electron/ipc.ts) on one side and the real preload API (electron/preload-api.ts)
 * on the other. Arguments and replies are structured-cloned on the way, as Electron does.
 *
 * `ipcDoor(service)` gives a `FlowkeeperApi` that unwraps the preload's reply envelopes the way
 * the renderer does, so the contract suite can run against this door too.
 */
import { ApiError, buildApi, type ApiEvent, type ApiReply, type FlowkeeperApi } from '../../engine/model/contract.ts';
import type { ApiService } from '../../engine/dispatch.ts';
import { registerIpc, type FrameLike, type InvokeEventLike, type IpcMainLike, type IpcOptions, type IpcRegistration } from '../../electron/ipc.ts';
import { createPreloadApi, type IpcRendererLike, type PreloadApi } from '../../electron/preload-api.ts';

type Handler = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;
type Listener = (event: unknown, ...args: unknown[]) => void;

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();

  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** What Electron does when a renderer calls ipcRenderer.invoke. */
  async invoke(event: InvokeEventLike, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return structuredClone(await handler(event, ...structuredClone(args)));
  }
}

/** A webContents as the adapter sees it: id, main frame, URL, send(). */
export class FakeWebContents {
  readonly mainFrame: FrameLike & { url: string };
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  destroyed = false;
  private readonly renderers = new Set<FakeIpcRenderer>();

  constructor(
    readonly id: number,
    url: string,
  ) {
    this.mainFrame = { url, parent: null, processId: 7, routingId: id };
  }

  getURL(): string {
    return this.mainFrame.url;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args: structuredClone(args) });
    for (const renderer of this.renderers) renderer.deliver(channel, structuredClone(args));
  }

  attach(renderer: FakeIpcRenderer): void {
    this.renderers.add(renderer);
  }

  /** An iframe inside this page. */
  subframe(url: string): FrameLike {
    return { url, parent: this.mainFrame, processId: 7, routingId: 1000 + this.id };
  }
}

/** The renderer side, bound to one webContents and (by default) its main frame. */
export class FakeIpcRenderer implements IpcRendererLike {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly ipcMain: FakeIpcMain,
    readonly contents: FakeWebContents,
    private readonly frame: () => FrameLike | null = () => contents.mainFrame,
  ) {
    contents.attach(this);
  }

  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    return this.ipcMain.invoke({ sender: this.contents, senderFrame: this.frame() }, channel, ...args);
  }

  on(channel: string, listener: Listener): this {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    return this;
  }

  removeListener(channel: string, listener: Listener): this {
    this.listeners.get(channel)?.delete(listener);
    return this;
  }

  listenerCount(channel: string): number {
    return this.listeners.get(channel)?.size ?? 0;
  }

  deliver(channel: string, args: unknown[]): void {
    for (const listener of this.listeners.get(channel) ?? []) listener({ sender: 'ipc-renderer-event' }, ...args);
  }
}

export const APP_URL = 'file:///opt/Flowkeeper/resources/app.asar/dist/renderer/index.html';

export interface IpcDoor {
  api: FlowkeeperApi;
  preload: PreloadApi;
  ipcMain: FakeIpcMain;
  contents: FakeWebContents;
  registration: IpcRegistration;
}

/** The whole Electron door over a service: adapter, fake IPC, preload, renderer-side unwrapping. */
export function ipcDoor(service: ApiService, options: Partial<IpcOptions> = {}): IpcDoor {
  const ipcMain = new FakeIpcMain();
  const contents = new FakeWebContents(1, APP_URL);
  const registration = registerIpc(ipcMain, service, {
    isTrustedSender: (event) => event.sender.id === contents.id && event.senderFrame === contents.mainFrame,
    eventTargets: () => [contents],
    ...options,
  });
  const preload = createPreloadApi(new FakeIpcRenderer(ipcMain, contents));
  const api = buildApi({
    invoke: async (method, args) => {
      const [group, member] = method.split('.') as [string, string];
      const call = (preload as unknown as Record<string, Record<string, (a: unknown) => Promise<ApiReply>>>)[group]![member]!;
      const reply = await call(args);
      if (reply.ok) return reply.result;
      throw new ApiError(reply.error);
    },
    subscribe: (listener: (event: ApiEvent) => void) => preload.onEvent(listener),
  });
  return { api, preload, ipcMain, contents, registration };
}
