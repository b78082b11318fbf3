/**
 * One-by-one review (`emit: "each"` on the review step): each decided item goes on at once in a
 * run of its own — a "carried" run — while the step's other items still wait in the parent run.
 * This file works out what such a run is made of; the engine starts it (engine.ts).
 *
 * Exactly once, across crashes: the carried run's id follows from the parent run and the item
 * (`<parent>.<step>.<item>`), so it is created at most once (the store refuses a second trace
 * of that id); the parent records `review.emitted` after it; and whoever holds the parent's lease
 * next (a decision, a timer, a resume) emits every decided item that has no `review.emitted`
 * yet — starting the run only when no trace of that id exists (an existing one resumes like any
 * interrupted run). Everything a carried run needs is in the traces: its header names the parent
 * and the request; the decision is read from the parent's trace; steps that are not after the
 * review are reused from the parent (recorded again here when a crash cut them off).
 *
 * May import: `engine/model`, the graph helpers, the trace store interface.
 */
import { createHash } from 'node:crypto';
import type { Flow } from '../model/flow.ts';
import type { PortItems } from '../model/node-kit.ts';
import { reviewId, type ReviewDecision, type ReviewRecord } from '../model/review.ts';
import { isNodeDone, reduceRun, type RunState } from '../model/run-state.ts';
import type { TraceHeader } from '../model/events.ts';
import type { TraceStore } from '../trace/trace-store.ts';
import { assertRunId } from '../trace/index.ts';
import { buildGraph, downstreamOf } from './graph.ts';

/** The id of the run that carries this item on: the same for every process, every time. */
export function carriedRunId(parentRunId: string, record: Pick<ReviewRecord, 'nodeId' | 'itemIndex' | 'requestId'> | ToCarry): string {
  const plain = `${parentRunId}.${record.nodeId}.${record.itemIndex + 1}`;
  try {
    assertRunId(plain);
    return plain;
  } catch {
    /* a step id with other characters, or too long: a hash of the request instead */
  }
  return `${parentRunId.slice(0, 90)}.${createHash('sha256').update(record.requestId).digest('hex').slice(0, 16)}`;
}

/** One item to carry on: decided by a person (or the timer), or let through by "review only if". */
export interface ToCarry {
  requestId: string;
  nodeId: string;
  itemIndex: number;
  decision: ReviewDecision;
  auto?: true;
}

/**
 * The items of one-by-one review steps that have not gone on yet: decided ones, and ones "review
 * only if" let through at a step that waits for others (a step that finished gave those out itself).
 */
export function itemsToCarry(state: RunState): ToCarry[] {
  const decided: ToCarry[] = [...state.reviews.values()]
    .filter((r) => r.decided !== undefined && r.request.emit === 'each' && r.emittedTo === undefined)
    .map((r) => ({ requestId: r.requestId, nodeId: r.nodeId, itemIndex: r.itemIndex, decision: r.decided! }));
  const auto: ToCarry[] = [...state.autoCarried.values()]
    .filter((a) => a.emittedTo === undefined && !isNodeDone(state.nodes[a.nodeId]))
    .map((a) => ({ requestId: reviewId(state.runId, a.nodeId, a.itemIndex), nodeId: a.nodeId, itemIndex: a.itemIndex, decision: autoDecision(a.at), auto: true }));
  return [...auto, ...decided].sort((a, b) => a.itemIndex - b.itemIndex);
}

/** What "review only if" let through reads as, as a decision. */
function autoDecision(at: string): ReviewDecision {
  return { outcome: 'approve', by: 'auto', at, changes: [], values: {}, final: true };
}

/** Items let through that went on in a run of their own, as `node/item` (the parent's step gives nothing out for them). */
export function autoEmitted(state: RunState): Set<string> {
  return new Set([...state.autoCarried].filter(([, a]) => a.emittedTo !== undefined).map(([key]) => key));
}

/**
 * What a carried run reuses from its parent: every step that is not the review step or after it —
 * its result when it finished there, nothing (`{}`) when it did not (a branch waiting for another
 * review: the carried run does not run it, so it never asks anyone again).
 */
export async function carriedReuse(store: TraceStore, parent: RunState, flow: Flow, reviewNodeId: string): Promise<Map<string, PortItems>> {
  const after = downstreamOf(buildGraph(flow), reviewNodeId);
  const reuse = new Map<string, PortItems>();
  for (const node of flow.nodes) {
    if (after.has(node.id)) continue;
    const n = parent.nodes[node.id];
    reuse.set(node.id, isNodeDone(n) ? ((await store.getPayload(n!.outputs ?? {})) as PortItems) : {});
  }
  return reuse;
}

export interface Carried {
  nodeId: string;
  itemIndex: number;
  decision: ReviewDecision;
  auto?: boolean;
  /** The parent's state (the carried run reuses its steps). */
  parent: RunState;
}

/** For a carried run (its header names the request): the decision, read from the parent's trace. */
export async function carriedDecision(store: TraceStore, header: TraceHeader): Promise<Carried | undefined> {
  const item = header.reviewItem;
  if (!item || header.parentRunId === undefined) return undefined;
  const parentTrace = await store.load(header.parentRunId);
  const parent = reduceRun(parentTrace.header, parentTrace.events);
  const letThrough = item.auto ? parent.autoCarried.get(`${item.nodeId}/${item.itemIndex}`) : undefined;
  const decision = letThrough ? autoDecision(letThrough.at) : parent.reviews.get(item.requestId)?.decided;
  if (!decision) throw new Error(`Run ${header.runId} carries item ${item.itemIndex + 1} of run ${header.parentRunId} on, but that run has no decision for it.`);
  return { nodeId: item.nodeId, itemIndex: item.itemIndex, decision, parent, ...(item.auto ? { auto: true } : {}) };
}
