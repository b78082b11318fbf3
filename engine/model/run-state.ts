/**
 * The run as a fold over its events. The same reducer serves live views, `flowkeeper runs`,
 * crash-resume and replay, so "what state is this run in" has exactly one answer.
 */
import type { NodeErrorInfo } from './node-kit.ts';
import {
  callKeyString,
  type CallKey,
  type PortsPayload,
  type RunEvent,
  type RunStatus,
  type TraceHeader,
} from './events.ts';
import { attentionPause, reviewPause, type Pause } from './pause.ts';
import type { ReviewRecord } from './review.ts';

export type NodeRunStatus = 'pending' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'skipped';

export interface NodeRunState {
  status: NodeRunStatus;
  attempt: number;
  outputs?: PortsPayload;
  error?: NodeErrorInfo;
  /** A failure whose items went on along the `error` port: the node counts as done. */
  routedToErrorPort?: boolean;
  /** When a node waiting to retry may start its next attempt (ms since epoch). */
  retryAt?: number;
  /** Copied from the parent run by a fork. */
  reusedFrom?: string;
  /** Not run: pinned test data taken from this earlier run (see engine/pins.ts). */
  pinnedFrom?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface RecordedCall {
  key: CallKey;
  effects?: string;
  idempotencyKey?: string;
  request?: unknown;
  hasResult: boolean;
  result?: unknown;
  error?: NodeErrorInfo;
}

export interface RunState {
  runId: string;
  flowId: string;
  flowName: string;
  flowVersion: number;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  lastSeq: number;
  nodes: Record<string, NodeRunState>;
  /** Every external call seen, by call key string. */
  calls: Map<string, RecordedCall>;
  /** What the paused run waits for (the one pause model, see pause.ts). */
  pause?: Pause;
  /** The needs-attention question as the trace records it (kept for resume and older callers). */
  attention?: { nodeId: string; reason: string; choices: string[]; call?: CallKey };
  /** Attention choices already made, by call key string (or node id when no call). */
  resolutions: Map<string, string>;
  /** Per-item retry waits already started (see itemRetryKey), so a resume does not wait twice. */
  itemRetries: Map<string, { at: number; delayMs: number }>;
  outputs?: Record<string, PortsPayload>;
  error?: NodeErrorInfo & { nodeId?: string };
  parentRunId?: string;
  /** Who started the run (the header's `startedBy`), for four-eyes checks. */
  startedBy?: string;
  /** Every review asked in this run, by inbox id (see review.ts). */
  reviews: Map<string, ReviewRecord>;
  /** Items a review step let through without a person ("review only if"), as `${nodeId}/${itemIndex}`. */
  autoApproved: Set<string>;
  /**
   * Of those, the ones of one-by-one steps (`emit: "each"`), which go on in a run of their own:
   * when they were let through, and the run they went on in once it is recorded.
   */
  autoCarried: Map<string, { nodeId: string; itemIndex: number; at: string; emittedTo?: string }>;
}

export function initialRunState(header: TraceHeader): RunState {
  const state: RunState = {
    runId: header.runId,
    flowId: header.flowId,
    flowName: header.flowName,
    flowVersion: header.flowVersion,
    status: 'running',
    createdAt: header.createdAt,
    updatedAt: header.createdAt,
    lastSeq: 0,
    nodes: {},
    calls: new Map(),
    resolutions: new Map(),
    itemRetries: new Map(),
    reviews: new Map(),
    autoApproved: new Set(),
    autoCarried: new Map(),
  };
  if (header.startedBy !== undefined) state.startedBy = header.startedBy;
  if (header.parentRunId !== undefined) state.parentRunId = header.parentRunId;
  return state;
}

function node(state: RunState, nodeId: string): NodeRunState {
  let entry = state.nodes[nodeId];
  if (!entry) {
    entry = { status: 'pending', attempt: 0 };
    state.nodes[nodeId] = entry;
  }
  return entry;
}

/** Applies one event in place and returns the state, for cheap folding over long traces. */
export function applyEvent(state: RunState, event: RunEvent): RunState {
  state.lastSeq = event.seq;
  state.updatedAt = event.ts;
  switch (event.type) {
    case 'run.started':
      break;
    case 'run.resumed':
      if (state.status === 'needs-attention' || state.status === 'paused') state.status = 'running';
      if (state.pause?.kind === 'review') delete state.pause;
      break;
    case 'review.requested':
      state.reviews.set(event.requestId, { requestId: event.requestId, nodeId: event.nodeId, itemIndex: event.itemIndex, request: event.request, item: event.item, requestedAt: event.ts, decisions: [] });
      break;
    case 'review.auto-approved':
      state.autoApproved.add(`${event.nodeId}/${event.itemIndex}`);
      if (event.emit === 'each') state.autoCarried.set(`${event.nodeId}/${event.itemIndex}`, { nodeId: event.nodeId, itemIndex: event.itemIndex, at: event.ts });
      break;
    case 'review.decided': {
      const review = state.reviews.get(event.requestId);
      if (!review || review.decided) break;
      const decision = { outcome: event.outcome, by: event.by, at: event.ts, changes: event.changes, values: event.values, final: event.final, ...(event.comment === undefined ? {} : { comment: event.comment }) };
      review.decisions.push(decision);
      if (event.final) review.decided = decision;
      refreshReviewPause(state);
      break;
    }
    case 'review.emitted': {
      const review = state.reviews.get(event.requestId);
      if (review) review.emittedTo = event.runId;
      const auto = state.autoCarried.get(`${event.nodeId}/${event.itemIndex}`);
      if (!review && auto) auto.emittedTo = event.runId;
      break;
    }
    case 'review.reminded': {
      const review = state.reviews.get(event.requestId);
      if (review) review.remindedAt = event.ts;
      break;
    }
    case 'review.escalated': {
      const review = state.reviews.get(event.requestId);
      if (review) {
        review.escalatedTo = event.to;
        review.escalatedAt = event.ts;
      }
      refreshReviewPause(state);
      break;
    }
    case 'run.paused': {
      state.status = 'paused';
      const open = openReviews(state);
      state.pause = reviewPause(open.some((r) => r.nodeId === event.nodeId) ? event.nodeId : (open[0]?.nodeId ?? event.nodeId), open) ?? { kind: 'review', nodeId: event.nodeId, reason: event.reason, waitsFor: 'decision', answeredBy: { anyone: true }, choices: [], requests: [] };
      break;
    }
    case 'node.started': {
      const n = node(state, event.nodeId);
      n.status = 'running';
      n.attempt = event.attempt;
      n.startedAt = event.ts;
      delete n.error;
      break;
    }
    case 'node.succeeded': {
      const n = node(state, event.nodeId);
      n.status = 'succeeded';
      n.attempt = event.attempt;
      n.outputs = event.outputs;
      n.finishedAt = event.ts;
      if (event.reusedFrom !== undefined) n.reusedFrom = event.reusedFrom;
      if (event.pinnedFrom !== undefined) n.pinnedFrom = event.pinnedFrom;
      break;
    }
    case 'node.failed': {
      const n = node(state, event.nodeId);
      n.status = event.willRetry ? 'retrying' : 'failed';
      n.attempt = event.attempt;
      n.error = event.error;
      n.routedToErrorPort = event.routedToErrorPort;
      if (event.outputs !== undefined) n.outputs = event.outputs;
      n.finishedAt = event.ts;
      break;
    }
    case 'node.retrying': {
      const n = node(state, event.nodeId);
      n.status = 'retrying';
      n.retryAt = Date.parse(event.ts) + event.delayMs;
      break;
    }
    case 'item.retrying':
      state.itemRetries.set(itemRetryKey(event.nodeId, event.attempt, event.itemIndex, event.itemAttempt), { at: Date.parse(event.ts), delayMs: event.delayMs });
      break;
    case 'node.skipped': {
      const n = node(state, event.nodeId);
      n.status = 'skipped';
      n.finishedAt = event.ts;
      break;
    }
    case 'node.log':
      break;
    case 'external.intent': {
      const id = callKeyString(event);
      // A decision answers one interruption: a new attempt at the call needs a new decision.
      state.resolutions.delete(id);
      const call: RecordedCall = {
        key: { nodeId: event.nodeId, attempt: event.attempt, itemIndex: event.itemIndex, kind: event.kind, call: event.call },
        effects: event.effects,
        request: event.request,
        hasResult: false,
      };
      if (event.idempotencyKey !== undefined) call.idempotencyKey = event.idempotencyKey;
      state.calls.set(id, call);
      break;
    }
    case 'external.result': {
      const id = callKeyString(event);
      const call = state.calls.get(id) ?? {
        key: { nodeId: event.nodeId, attempt: event.attempt, itemIndex: event.itemIndex, kind: event.kind, call: event.call },
        hasResult: false,
      };
      call.hasResult = true;
      if ('result' in event) call.result = event.result;
      if (event.error !== undefined) call.error = event.error;
      state.calls.set(id, call);
      break;
    }
    case 'run.needs-attention': {
      state.status = 'needs-attention';
      const attention: NonNullable<RunState['attention']> = {
        nodeId: event.nodeId,
        reason: event.reason,
        choices: event.choices,
      };
      if (event.call !== undefined) attention.call = event.call;
      state.attention = attention;
      state.pause = attentionPause(event);
      break;
    }
    case 'run.attention-resolved':
      state.resolutions.set(event.call ? callKeyString(event.call) : event.nodeId, event.choice);
      delete state.attention;
      delete state.pause;
      if (state.status === 'needs-attention') state.status = 'running';
      break;
    case 'run.finished':
      state.status = event.status;
      state.outputs = event.outputs;
      if (event.error !== undefined) state.error = event.error;
      break;
  }
  return state;
}

export function reduceRun(header: TraceHeader, events: Iterable<RunEvent>): RunState {
  const state = initialRunState(header);
  for (const event of events) applyEvent(state, event);
  return state;
}

/** A node whose result later nodes can use: it will not run again on resume. */
export function isNodeDone(n: NodeRunState | undefined): boolean {
  return n !== undefined && (n.status === 'succeeded' || n.status === 'skipped' || (n.status === 'failed' && n.routedToErrorPort === true));
}

export function itemRetryKey(nodeId: string, attempt: number, itemIndex: number, itemAttempt: number): string {
  return `${nodeId}#${attempt}/${itemIndex}~${itemAttempt}`;
}

/**
 * After a decision or an escalation: the pause shows what is still open; once nothing is, the
 * run is due to continue — `running`, so a start after a crash at this point resumes it.
 */
function refreshReviewPause(state: RunState): void {
  if (state.status !== 'paused' || state.pause?.kind !== 'review') return;
  const open = openReviews(state);
  const pause = reviewPause(open.some((r) => r.nodeId === state.pause!.nodeId) ? state.pause.nodeId : (open[0]?.nodeId ?? state.pause.nodeId), open);
  if (pause) {
    state.pause = pause;
  } else {
    delete state.pause;
    state.status = 'running';
  }
}

/** The reviews still waiting for a decision, of one step or of the whole run, in item order. */
export function openReviews(state: Pick<RunState, 'reviews'>, nodeId?: string): ReviewRecord[] {
  return [...state.reviews.values()].filter((r) => !r.decided && (nodeId === undefined || r.nodeId === nodeId)).sort((a, b) => a.itemIndex - b.itemIndex);
}
