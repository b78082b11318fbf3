/**
 * The open run: its detail (`runs.get`) and its trace events (`traces.events`, then live
 * `run.event`s merged in by sequence number). The timeline is a pure function of these events,
 * so a live run and a recorded one show the same sentences.
 */
import { create } from 'zustand';
import type { RunDetail } from '../../engine/model/contract.ts';
import type { RunEvent } from '../../engine/model/events.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { asRunEvents, mergeEvents } from '../logic/timeline.ts';
import { coalesce } from './coalesce.ts';

const PAGE = 1000;
const MAX_PAGES_AT_ONCE = 10;

interface RunStore {
  runId?: string;
  detail?: RunDetail;
  events: RunEvent[];
  hasMoreEvents: boolean;
  loading: boolean;
  error?: ErrorView;
  eventsError?: ErrorView;
  open(runId: string): Promise<void>;
  refreshDetail(): Promise<void>;
  /** The next pages of events; `fromStart` reads them all again (after a failed read). */
  loadEvents(options?: { fromStart?: boolean }): Promise<void>;
  addLiveEvent(runId: string, event: unknown): void;
}

export const useRun = create<RunStore>((set, get) => ({
  events: [],
  hasMoreEvents: false,
  loading: false,
  async open(runId) {
    if (get().runId !== runId) set({ runId, detail: undefined, events: [], hasMoreEvents: false, error: undefined, eventsError: undefined });
    set({ loading: true });
    await Promise.all([get().refreshDetail(), get().loadEvents()]);
    if (get().runId === runId) set({ loading: false });
  },
  async refreshDetail() {
    const runId = get().runId;
    if (!runId) return;
    try {
      const detail = await getApi().runs.get({ runId });
      if (get().runId !== runId) return;
      set({ detail, error: undefined });
      // A run opened the moment it was started may not have had a trace yet when its events were
      // first asked for: now that it has one, read them (again) from the start.
      if (get().eventsError) void get().loadEvents({ fromStart: true });
    } catch (error) {
      if (get().runId === runId) set({ error: toErrorView(error) });
    }
  },
  async loadEvents(options = {}) {
    const runId = get().runId;
    if (!runId) return;
    try {
      // Page by the server's cursor: live events merged meanwhile must not make pages skip a gap.
      let afterSeq = options.fromStart ? 0 : (get().events.at(-1)?.seq ?? 0);
      for (let page = 0; page < MAX_PAGES_AT_ONCE; page++) {
        const reply = await getApi().traces.events({ runId, afterSeq, limit: PAGE });
        if (get().runId !== runId) return;
        set((s) => ({ events: mergeEvents(s.events, asRunEvents(reply.events)), hasMoreEvents: reply.hasMore, eventsError: undefined }));
        afterSeq = reply.lastSeq;
        if (!reply.hasMore) break;
      }
    } catch (error) {
      if (get().runId === runId) set({ eventsError: toErrorView(error) });
    }
  },
  addLiveEvent(runId, event) {
    if (get().runId !== runId) return;
    const events = asRunEvents([event]);
    if (events.length === 0) return;
    set((s) => ({ events: mergeEvents(s.events, events) }));
    refreshSoon();
  },
}));

const refreshSoon = coalesce(() => void useRun.getState().refreshDetail(), 250);

export function refreshOpenRunSoon(): void {
  refreshSoon();
}
