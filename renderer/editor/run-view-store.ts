/**
 * The run shown on the canvas: live (events pushed by the API, folded as they arrive) or a past
 * run being stepped through (time travel). Both go through the one reducer,
 * engine/model/run-state.ts, applied to the events up to the cursor — so a node's state at a
 * moment in the timeline is exactly what the live view showed then. No polling.
 */
import { create } from 'zustand';
import type { RunEvent, TraceHeader } from '../../engine/model/events.ts';
import { applyEvent, initialRunState, type RunState } from '../../engine/model/run-state.ts';

export interface NodeProgress {
  /** Items the node started with. */
  total: number;
  /** Items whose outside call answered (HTTP, AI…). */
  done: number;
  /** Item indexes already counted (a item may make several calls). */
  seen: Record<number, true>;
}

export interface RunViewStore {
  runId: string | undefined;
  /** 'live': follows pushed events; 'past': read-only, stepped through with the timeline. */
  mode: 'live' | 'past' | undefined;
  header: RunHeader | undefined;
  events: RunEvent[];
  /** How many events are applied (time travel); equals events.length when following live. */
  cursor: number;
  state: RunState | undefined;
  progress: Record<string, NodeProgress>;
  /** After "Replay": per node, whether replaying gave the recorded result. */
  replay: Record<string, boolean> | undefined;
  setReplay(replay: Record<string, boolean> | undefined): void;
  follow(header: RunHeader): void;
  openPast(header: RunHeader, events: RunEvent[]): void;
  /** A pushed event of any run; ignored unless it belongs to the run shown. */
  push(runId: string, event: RunEvent): void;
  /** Adds events read from the trace (possibly overlapping what was pushed), in order. */
  merge(runId: string, events: readonly RunEvent[]): void;
  seek(cursor: number): void;
  close(): void;
}

/** What the reducer needs from a trace header. */
export type RunHeader = Pick<TraceHeader, 'runId' | 'flowId' | 'flowName' | 'flowVersion' | 'createdAt'> & { parentRunId?: string };

export const useRunView = create<RunViewStore>((set, get) => ({
  runId: undefined,
  mode: undefined,
  header: undefined,
  events: [],
  cursor: 0,
  state: undefined,
  progress: {},
  replay: undefined,
  setReplay(replay) {
    set({ replay });
  },
  follow(header) {
    set({ replay: undefined,  runId: header.runId, mode: 'live', header, events: [], cursor: 0, ...fold(header, []) });
  },
  openPast(header, events) {
    set({ replay: undefined,  runId: header.runId, mode: 'past', header, events, cursor: events.length, ...fold(header, events) });
  },
  push(runId, event) {
    const { runId: shown, mode, header, events, state, progress } = get();
    if (runId !== shown || mode !== 'live' || !header || !state) return;
    const last = events.at(-1);
    if (last && event.seq <= last.seq) {
      // Delivered twice or out of order (a reconnect): merge keeps the order.
      get().merge(runId, [event]);
      return;
    }
    const next = [...events, event];
    set({ events: next, cursor: next.length, state: applyEvent(state, event), progress: addProgress(progress, event) });
  },
  merge(runId, more) {
    const { runId: shown, header, events, mode } = get();
    if (runId !== shown || !header) return;
    const bySeq = new Map(events.map((e) => [e.seq, e]));
    for (const e of more) bySeq.set(e.seq, e);
    const next = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    if (next.length === events.length) return;
    set({ events: next, ...(mode === 'live' ? { cursor: next.length, ...fold(header, next) } : {}) });
  },
  seek(cursor) {
    const { header, events } = get();
    if (!header) return;
    const at = Math.max(0, Math.min(events.length, Math.round(cursor)));
    set({ cursor: at, ...fold(header, events.slice(0, at)) });
  },
  close() {
    set({ runId: undefined, mode: undefined, header: undefined, events: [], cursor: 0, state: undefined, progress: {}, replay: undefined });
  },
}));

function fold(header: RunHeader, events: readonly RunEvent[]): { state: RunState; progress: Record<string, NodeProgress> } {
  // The reducer reads only the ids, names, version and times of the header.
  let state = initialRunState(header as TraceHeader);
  let progress: Record<string, NodeProgress> = {};
  for (const event of events) {
    state = applyEvent(state, event);
    progress = addProgress(progress, event);
  }
  return { state, progress };
}

/** Items worked through per node: the input count at start, one more per answered outside call. */
function addProgress(progress: Record<string, NodeProgress>, event: RunEvent): Record<string, NodeProgress> {
  if (event.type === 'node.started') {
    const total = Object.values(event.inputCounts).reduce((a, b) => a + b, 0);
    return { ...progress, [event.nodeId]: { total, done: 0, seen: {} } };
  }
  if (event.type === 'external.result') {
    const current = progress[event.nodeId];
    if (!current || current.seen[event.itemIndex]) return progress;
    return { ...progress, [event.nodeId]: { total: current.total, done: Math.min(current.total, current.done + 1), seen: { ...current.seen, [event.itemIndex]: true } } };
  }
  return progress;
}
