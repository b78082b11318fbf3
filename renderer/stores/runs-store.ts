/**
 * The runs list with its filter, a page at a time (PAGE_SIZE, newest first); reloaded
 * (coalesced) when runs change. One extra run is fetched to know whether a next page exists.
 */
import { create } from 'zustand';
import type { RunSummaryInfo } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import type { RunStatusName } from '../logic/format.ts';

export const PAGE_SIZE = 50;

export interface RunsFilter {
  status?: string;
  flowId?: string;
}

interface RunsStore {
  runs: RunSummaryInfo[];
  filter: RunsFilter;
  /** 0-based page of the list. */
  page: number;
  hasNextPage: boolean;
  loaded: boolean;
  loading: boolean;
  error?: ErrorView;
  /** Loads the page (a changed filter starts at the first page). */
  load(filter?: RunsFilter, page?: number): Promise<void>;
}

let request = 0;

export const useRuns = create<RunsStore>((set, get) => ({
  runs: [],
  filter: {},
  page: 0,
  hasNextPage: false,
  loaded: false,
  loading: false,
  async load(filter = get().filter, page) {
    const mine = ++request;
    const changed = filter.status !== get().filter.status || filter.flowId !== get().filter.flowId;
    const wanted = page ?? (changed ? 0 : get().page);
    set({ filter, page: wanted, loading: true, ...(changed ? { loaded: false } : {}) });
    try {
      const runs = await getApi().runs.list({
        limit: PAGE_SIZE + 1,
        offset: wanted * PAGE_SIZE,
        ...(filter.status ? { status: filter.status as RunStatusName } : {}),
        ...(filter.flowId ? { flowId: filter.flowId } : {}),
      });
      if (mine === request) set({ runs: runs.slice(0, PAGE_SIZE), hasNextPage: runs.length > PAGE_SIZE, loaded: true, loading: false, error: undefined });
    } catch (error) {
      if (mine === request) set({ loading: false, error: toErrorView(error) });
    }
  },
}));
