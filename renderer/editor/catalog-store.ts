/** The node catalogue, fetched once over the API (the renderer never imports nodes/). */
import { create } from 'zustand';
import type { NodeTypeInfo } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';

export interface CatalogStore {
  types: NodeTypeInfo[];
  byType: ReadonlyMap<string, NodeTypeInfo>;
  loaded: boolean;
  error: ErrorView | undefined;
  load(): Promise<void>;
}

export const useCatalog = create<CatalogStore>((set, get) => ({
  types: [],
  byType: new Map(),
  loaded: false,
  error: undefined,
  async load() {
    if (get().loaded) return;
    try {
      const types = await getApi().catalog.list();
      set({ types, byType: new Map(types.map((t) => [t.type, t])), loaded: true, error: undefined });
    } catch (error) {
      set({ error: toErrorView(error) });
    }
  },
}));
