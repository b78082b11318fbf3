/** The runs list with its filter; reloaded (coalesced) when runs change. */
import { create } from 'zustand';
import type { RunSummaryInfo } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import type { RunStatusName } from '../logic/format.ts';

export interface RunsFilter {
  status?: string;
  flowId?: string;
}

interface RunsStore {
  runs: RunSummaryInfo[];
  filter: RunsFilter;
  loaded: boolean;
  loading: boolean;
  error?: ErrorView;
  load(filter?: RunsFilter): Promise<void>;
}

let request = 0;

export const useRuns = create<RunsStore>((set, get) => ({
  runs: [],
  filter: {},
  loaded: false,
  loading: false,
  async load(filter = get().filter) {
    const mine = ++request;
    const changed = filter.status !== get().filter.status || filter.flowId !== get().filter.flowId;
    set({ filter, loading: true, ...(changed ? { loaded: false } : {}) });
    try {
      const runs = await getApi().runs.list({
        limit: 200,
        ...(filter.status ? { status: filter.status as RunStatusName } : {}),
        ...(filter.flowId ? { flowId: filter.flowId } : {}),
      });
      if (mine === request) set({ runs, loaded: true, loading: false, error: undefined });
    } catch (error) {
      if (mine === request) set({ loading: false, error: toErrorView(error) });
    }
  },
}));
