/**
 * Run events: the lines of a trace file after its header. One documented line per event.
 * The same types feed live run views and replays of recorded traces.
 */
import type { Flow, Item } from './flow.ts';
import type { Effects, NodeErrorInfo } from './node-kit.ts';
import type { FieldChange, ReviewRequest } from './review.ts';

export const TRACE_FORMAT = 'flowkeeper/trace';
export const TRACE_FORMAT_VERSION = 1;

/** A large payload stored beside the trace in a content-addressed file. */
export interface BlobRef {
  $blob: string;
  bytes: number;
}

/** `demo`: every outside call was answered from a recorded run (see `TraceHeader.demo`); nothing was sent. */
export type RunMode = 'run' | 'fork' | 'replay' | 'demo';

/**
 * Where a demo run's answers came from: the recorded run (`runId`, the flow version it ran) and
 * whether it was a run of this machine (`run`), a stored reference run (`reference`, e.g. from an
 * imported bundle) or a hand-over bundle file (`bundle`, `file`: its name only, never a path).
 */
export interface DemoOrigin {
  runId: string;
  from: 'run' | 'reference' | 'bundle';
  flowVersion: number;
  file?: string;
}

/** Line 1 of every trace file. */
export interface TraceHeader {
  kind: 'header';
  format: typeof TRACE_FORMAT;
  formatVersion: typeof TRACE_FORMAT_VERSION;
  runId: string;
  flowId: string;
  flowName: string;
  flowVersion: number;
  /** sha256 of the canonical flow JSON. */
  flowHash: string;
  /** The flow as it ran, so a trace can be replayed without the flow file. */
  flow: Flow | BlobRef;
  input: unknown;
  createdAt: string;
  mode: RunMode;
  parentRunId?: string;
  forkFromNodeId?: string;
  /** Who started it: cli, app, schedule, webhook... */
  startedBy?: string;
  /** Set when every event line carries a chained hash `h` (engine/trace/hash-chain.ts). */
  hashChain?: 'sha256-128';
  /** The person who started it, when the door knows (the app's reviewer name). */
  startedByName?: string;
  /**
   * Set on a run that carries one decided item of a one-by-one review step on (`emit: "each"`):
   * the parent run is `parentRunId`, the decision is in its trace under `requestId`. Steps before
   * the review are reused from the parent; the review step gives out only this item.
   */
  reviewItem?: { requestId: string; nodeId: string; itemIndex: number; /** An item "review only if" let through (no person decided). */ auto?: true };
  /** Set on a demo run (`mode: "demo"`): which recording answered its outside calls. */
  demo?: DemoOrigin;
}

export type RunStatus = 'running' | 'paused' | 'needs-attention' | 'succeeded' | 'failed' | 'cancelled';
export const FINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export type ItemsOrRef = Item[] | BlobRef;
export type PortsPayload = Record<string, ItemsOrRef>;

/** Identifies one recorded external call; replay matches by this, never by line order. */
export interface CallKey {
  nodeId: string;
  attempt: number;
  itemIndex: number;
  /** http, clock, random, llm, ... */
  kind: string;
  /** 0-based count of calls of this kind for this node attempt and item. */
  call: number;
}

interface EventBase {
  seq: number;
  /** ISO time the line was written (wall clock; informative, never replayed). */
  ts: string;
}

export type RunEventBody =
  | { type: 'run.started'; input: unknown }
  | { type: 'run.resumed'; reason: string; pid: number }
  /** Input items are not copied: they are the recorded outputs of upstream nodes. */
  | { type: 'node.started'; nodeId: string; attempt: number; inputCounts: Record<string, number> }
  /**
   * `reusedFrom`: a fork copied this node's result from the parent run instead of running it.
   * `pinnedFrom`: the node did not run; its result is pinned test data taken from that earlier run
   * (only in runs started from the editor with `usePins`).
   */
  | { type: 'node.succeeded'; nodeId: string; attempt: number; outputs: PortsPayload; durationMs: number; reusedFrom?: string; pinnedFrom?: string }
  /**
   * `outputs` is present when the failure still produced items: routed to the `error` port
   * (the run goes on) or partial results kept for the record (the run stops).
   */
  | { type: 'node.failed'; nodeId: string; attempt: number; error: NodeErrorInfo; willRetry: boolean; routedToErrorPort: boolean; outputs?: PortsPayload; durationMs: number }
  | { type: 'node.retrying'; nodeId: string; attempt: number; delayMs: number }
  /** One input item failed and will be tried again (per-item retry inside a node attempt). */
  | { type: 'item.retrying'; nodeId: string; attempt: number; itemIndex: number; itemAttempt: number; delayMs: number; error: NodeErrorInfo }
  | { type: 'node.skipped'; nodeId: string; reason: string }
  | { type: 'node.log'; nodeId: string; level: 'info' | 'warn'; message: string; data?: Record<string, unknown> }
  | ({ type: 'external.intent'; effects: Effects; request: unknown; idempotencyKey?: string } & CallKey)
  /** `cached`: answered by the opt-in development cache, or by a demo's recording (header `demo`), instead of the outside world. */
  | ({ type: 'external.result'; result?: unknown; error?: NodeErrorInfo; cached?: boolean } & CallKey)
  | {
      type: 'run.needs-attention';
      nodeId: string;
      call?: CallKey;
      reason: string;
      /** What the person can choose, e.g. ["mark-done", "send-again", "cancel"]. */
      choices: string[];
    }
  | { type: 'run.attention-resolved'; nodeId: string; choice: string; by: string; call?: CallKey }
  /**
   * A review step asks a person (synced before the run pauses). `item` is the item as it
   * arrived (or a reference to a side file); `requestId` is the inbox id (run:node:item).
   */
  | { type: 'review.requested'; requestId: string; nodeId: string; itemIndex: number; request: ReviewRequest; item: unknown }
  /** "Review only if" said no: the item left on approve without a person. */
  | { type: 'review.auto-approved'; nodeId: string; itemIndex: number; /** One-by-one step: the item goes on at once, in a run of its own. */ emit?: 'each' }
  /** A person (or the timer: `by: "timer"`, outcome `timeout`) decided; `final: false` for an approval still waiting for more approvers. */
  | { type: 'review.decided'; requestId: string; nodeId: string; itemIndex: number; outcome: string; by: string; comment?: string; changes: FieldChange[]; values: Record<string, unknown>; final: boolean }
  /** A decided item of a one-by-one review step went on in its own run `runId` (synced; once per item). */
  | { type: 'review.emitted'; requestId: string; nodeId: string; itemIndex: number; runId: string }
  /** The reminder went out (once). */
  | { type: 'review.reminded'; requestId: string; nodeId: string; assignee?: string }
  /** Nobody decided by the escalation time: the item is now assigned to `to` (once). */
  | { type: 'review.escalated'; requestId: string; nodeId: string; from?: string; to: string }
  /** The run waits for people (review); it resumes when the step's items are decided. */
  | { type: 'run.paused'; nodeId: string; reason: string; requests: string[] }
  /** The process stopped the run at a safe point (shutdown); it stays unfinished and resumes at the next start. */
  | { type: 'run.stopped'; reason: 'shutdown'; message: string }
  | { type: 'run.finished'; status: Exclude<RunStatus, 'running' | 'paused' | 'needs-attention'>; outputs: Record<string, PortsPayload>; error?: NodeErrorInfo & { nodeId?: string } };

export type RunEvent = EventBase & RunEventBody;
export type RunEventType = RunEvent['type'];
export type TraceLine = TraceHeader | RunEvent;

export function callKeyString(key: CallKey): string {
  return `${key.nodeId}#${key.attempt}/${key.itemIndex}/${key.kind}#${key.call}`;
}

export function isBlobRef(value: unknown): value is BlobRef {
  return typeof value === 'object' && value !== null && typeof (value as BlobRef).$blob === 'string';
}
