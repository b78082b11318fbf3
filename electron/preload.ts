/**
 * The preload: runs sandboxed (no Node, no ESM) before the page, and exposes
 * `window.flowkeeper` (see preload-api.ts) through contextBridge. Built as one self-contained
 * CommonJS file whose only require is 'electron' (scripts/build-electron.ts).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-api.ts';

export { createPreloadApi, type PreloadApi, type IpcRendererLike } from './preload-api.ts';

contextBridge.exposeInMainWorld('flowkeeper', createPreloadApi(ipcRenderer));
