/**
 * Pinned test data of the flow being edited (engine/pins.ts): which steps give a pinned result in
 * test runs started from the editor. Loaded with the flow; pin and unpin go through the API and
 * replace the list with what the service answered, so the cards never show a pin that is not there.
 */
import { create } from 'zustand';
import type { PinInfo } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';

export interface PinStore {
  flowId: string | undefined;
  byNode: Record<string, PinInfo>;
  /** A pin or unpin that failed, in plain words. */
  error: string | undefined;
  load(flowId: string): Promise<void>;
  pin(flowId: string, nodeId: string, runId: string): Promise<void>;
  unpin(flowId: string, nodeId: string): Promise<void>;
}

const index = (pins: readonly PinInfo[]) => Object.fromEntries(pins.map((p) => [p.nodeId, p]));
const words = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const usePins = create<PinStore>((set, get) => ({
  flowId: undefined,
  byNode: {},
  error: undefined,
  async load(flowId) {
    if (get().flowId !== flowId) set({ flowId, byNode: {}, error: undefined });
    try {
      const pins = await getApi().pins.list({ flowId });
      if (get().flowId === flowId) set({ byNode: index(pins) });
    } catch (e) {
      if (get().flowId === flowId) set({ error: `The pinned test data could not be read: ${words(e)}` });
    }
  },
  async pin(flowId, nodeId, runId) {
    try {
      const pin = await getApi().pins.set({ flowId, nodeId, runId });
      if (get().flowId === flowId) set({ byNode: { ...get().byNode, [nodeId]: pin }, error: undefined });
    } catch (e) {
      set({ error: words(e) });
    }
  },
  async unpin(flowId, nodeId) {
    try {
      await getApi().pins.remove({ flowId, nodeId });
      if (get().flowId === flowId) {
        const { [nodeId]: _gone, ...rest } = get().byNode;
        set({ byNode: rest, error: undefined });
      }
    } catch (e) {
      set({ error: words(e) });
    }
  },
}));
