/**
 * The inbox: items waiting for a person across all runs, the one open in the detail pane, the
 * decided ones (history), and deciding — one at a time or in bulk. Pushed `inbox.changed`
 * events reload the list (stores/live-updates.ts), so the badge and the list stay current.
 */
import { create } from 'zustand';
import type { InboxDecision, InboxItem, InboxItemDetail } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';

export interface DecisionRequest {
  outcome: string;
  comment?: string;
  edits?: Record<string, unknown>;
}

export type DecideResult = { ok: true; stillWaiting: boolean } | { ok: false; error: ErrorView };

export interface BulkResult {
  approved: number;
  /** Items that could not be approved stay in the queue; why, per item. */
  failed: Array<{ id: string; title: string; error: ErrorView }>;
}

interface InboxStore {
  items: InboxItem[];
  loaded: boolean;
  error?: ErrorView;
  /** The open item, in full (text, data, upstream steps, AI answer). */
  detail?: InboxItemDetail;
  detailError?: ErrorView;
  /** The item last asked for: an older answer arriving late is dropped. */
  requested?: string;
  history: InboxDecision[];
  historyLoaded: boolean;
  historyError?: ErrorView;
  load(): Promise<void>;
  open(id: string | undefined): Promise<void>;
  loadHistory(): Promise<void>;
  decide(id: string, request: DecisionRequest): Promise<DecideResult>;
  approveMany(ids: string[]): Promise<BulkResult>;
}

export const useInbox = create<InboxStore>((set, get) => ({
  items: [],
  loaded: false,
  history: [],
  historyLoaded: false,
  async load() {
    try {
      const items = await getApi().inbox.list({ sort: 'due' });
      set({ items, loaded: true, error: undefined });
      // The open item was decided elsewhere (another window, a colleague): say so in its pane.
      const open = get().detail;
      if (open && open.id === get().requested && !items.some((i) => i.id === open.id)) void get().open(open.id);
    } catch (error) {
      set({ loaded: true, error: toErrorView(error) });
    }
  },
  async open(id) {
    set({ requested: id });
    if (id === undefined) {
      set({ detail: undefined, detailError: undefined });
      return;
    }
    try {
      const detail = await getApi().inbox.get({ id });
      if (get().requested === id) set({ detail, detailError: undefined });
    } catch (error) {
      if (get().requested === id) set({ detail: undefined, detailError: toErrorView(error) });
    }
  },
  async loadHistory() {
    try {
      set({ history: await getApi().inbox.history({ limit: 200 }), historyLoaded: true, historyError: undefined });
    } catch (error) {
      set({ historyLoaded: true, historyError: toErrorView(error) });
    }
  },
  async decide(id, request) {
    try {
      const result = await getApi().inbox.decide({ id, outcome: request.outcome, ...(request.comment ? { comment: request.comment } : {}), ...(request.edits && Object.keys(request.edits).length > 0 ? { edits: request.edits as Record<string, never> } : {}) });
      // Gone from the list at once; the reload confirms it (four-eyes items may stay).
      if (!result.stillWaiting) set({ items: get().items.filter((i) => i.id !== id) });
      void get().load();
      if (get().historyLoaded) void get().loadHistory();
      return { ok: true, stillWaiting: result.stillWaiting };
    } catch (error) {
      return { ok: false, error: toErrorView(error) };
    }
  },
  async approveMany(ids) {
    const result: BulkResult = { approved: 0, failed: [] };
    // One after the other: each decision is synced to its run's trace before the next.
    for (const id of ids) {
      const title = get().items.find((i) => i.id === id)?.title ?? id;
      try {
        await getApi().inbox.decide({ id, outcome: 'approve' });
        result.approved += 1;
      } catch (error) {
        result.failed.push({ id, title, error: toErrorView(error) });
      }
    }
    await get().load();
    if (get().historyLoaded) void get().loadHistory();
    return result;
  },
}));
