/** Saved flows, their triggers' health, and which one the desktop menu's "Export" means. */
import { create } from 'zustand';
import type { FlowSummary, FlowTriggerStatus } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';

/** A refused switch, and what was tried: switching on, off, or putting a newer version live. */
export type SwitchRefusal = ErrorView & { tried: 'on' | 'off' | 'live' };

interface FlowsStore {
  flows: FlowSummary[];
  loaded: boolean;
  loading: boolean;
  error?: ErrorView;
  /** Health of the triggers of switched-on flows, by flow id (`triggers.status`). */
  health: Record<string, FlowTriggerStatus>;
  /** A switch being flipped, by flow id (the button waits for the answer). */
  switching: Record<string, boolean>;
  /** Why switching a flow on or off was refused, by flow id, in the service's plain words. */
  switchErrors: Record<string, SwitchRefusal>;
  /** The flow last picked in the list (for the desktop menu's Export). */
  selectedId?: string;
  /** The import dialog is open (the desktop menu's "Open…" opens it too). */
  importOpen: boolean;
  load(): Promise<void>;
  /** Only the triggers' health (the list's modest refresh of "last fired 3 min ago"). */
  loadHealth(): Promise<void>;
  /**
   * Switches a flow on or off; a refusal is kept in `switchErrors` and the flow stays as it was.
   * `version` pins the saved version that goes live (the app always passes the one it shows, so
   * later autosaves do not change what runs); switching an on flow on again with a newer version
   * puts that one live, through the same readiness gate.
   */
  setActive(flowId: string, on: boolean, version?: number): Promise<void>;
  dismissSwitchError(flowId: string): void;
  select(id: string): void;
  setImportOpen(open: boolean): void;
}

/** The health is extra: the list must not fail for it (an older service without triggers.status). */
async function fetchHealth(): Promise<Record<string, FlowTriggerStatus> | undefined> {
  try {
    return Object.fromEntries((await getApi().triggers.status({})).map((s) => [s.flowId, s]));
  } catch {
    return undefined;
  }
}

export const useFlows = create<FlowsStore>((set, get) => ({
  flows: [],
  loaded: false,
  loading: false,
  health: {},
  switching: {},
  switchErrors: {},
  importOpen: false,
  async load() {
    set({ loading: true });
    try {
      const [flows, health] = await Promise.all([getApi().flows.list({}), fetchHealth()]);
      set({ flows, loaded: true, loading: false, error: undefined, ...(health ? { health } : {}) });
    } catch (error) {
      set({ loading: false, error: toErrorView(error) });
    }
  },
  async loadHealth() {
    const health = await fetchHealth();
    if (health) set({ health });
  },
  async setActive(flowId, on, version) {
    const { [flowId]: _old, ...otherErrors } = get().switchErrors;
    const wasOn = get().flows.find((f) => f.id === flowId)?.active === true;
    set({ switching: { ...get().switching, [flowId]: true }, switchErrors: otherErrors });
    try {
      if (on) await getApi().flows.activate(version === undefined ? { id: flowId } : { id: flowId, version });
      else await getApi().flows.deactivate({ id: flowId });
    } catch (error) {
      const tried = !on ? 'off' : wasOn ? 'live' : 'on';
      set({ switchErrors: { ...get().switchErrors, [flowId]: { ...toErrorView(error), tried } } });
    } finally {
      const { [flowId]: _done, ...still } = get().switching;
      set({ switching: still });
      await get().load();
    }
  },
  dismissSwitchError(flowId) {
    const { [flowId]: _gone, ...rest } = get().switchErrors;
    set({ switchErrors: rest });
  },
  select: (id) => set({ selectedId: id }),
  setImportOpen: (open) => set({ importOpen: open }),
}));
