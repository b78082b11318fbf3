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
  loadEvents(): Promise<void>;
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
      if (get().runId === runId) set({ detail, error: undefined });
    } catch (error) {
      if (get().runId === runId) set({ error: toErrorView(error) });
    }
  },
  async loadEvents() {
    const runId = get().runId;
    if (!runId) return;
    try {
      for (let page = 0; page < MAX_PAGES_AT_ONCE; page++) {
        const afterSeq = get().events.at(-1)?.seq ?? 0;
        const reply = await getApi().traces.events({ runId, afterSeq, limit: PAGE });
        if (get().runId !== runId) return;
        set((s) => ({ events: mergeEvents(s.events, asRunEvents(reply.events)), hasMoreEvents: reply.hasMore, eventsError: undefined }));
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
