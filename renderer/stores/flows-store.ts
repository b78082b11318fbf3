/** Saved flows, and which one the desktop menu's "Export" means. */
import { create } from 'zustand';
import type { FlowSummary } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';

interface FlowsStore {
  flows: FlowSummary[];
  loaded: boolean;
  loading: boolean;
  error?: ErrorView;
  /** The flow last picked in the list (for the desktop menu's Export). */
  selectedId?: string;
  /** The import dialog is open (the desktop menu's "Open…" opens it too). */
  importOpen: boolean;
  load(): Promise<void>;
  select(id: string): void;
  setImportOpen(open: boolean): void;
}

export const useFlows = create<FlowsStore>((set) => ({
  flows: [],
  loaded: false,
  loading: false,
  importOpen: false,
  async load() {
    set({ loading: true });
    try {
      const flows = await getApi().flows.list({});
      set({ flows, loaded: true, loading: false, error: undefined });
    } catch (error) {
      set({ loading: false, error: toErrorView(error) });
    }
  },
  select: (id) => set({ selectedId: id }),
  setImportOpen: (open) => set({ importOpen: open }),
}));
