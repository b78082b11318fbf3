/**
 * One inbox item in full, read from its run's trace: the text, fields and outcomes, the item, the
 * AI answer, the main output of every step before the review, and the decisions so far. Decided
 * items and items of finished runs are shown too (the history), with the run's status.
 *
 * May import: `engine/model`, the trace store, the runner's graph helpers.
 */
import { ApiError, type InboxItemDetail } from '../model/contract.ts';
import type { Flow } from '../model/flow.ts';
import { portsOf, type PortItems } from '../model/node-kit.ts';
import { parseReviewId } from '../model/review.ts';
import { reduceRun } from '../model/run-state.ts';
import { buildGraph, upstreamOf } from '../runner/graph.ts';
import type { NodeRegistry } from '../runner/registry.ts';
import { RunNotFoundError, type TraceStore } from '../trace/trace-store.ts';
import { publicItem, reviewForm, runEntries } from './inbox-entries.ts';

export function inboxNotFound(id: string): ApiError {
  return new ApiError({ code: 'INBOX_ITEM_NOT_FOUND', message: `There is no inbox item "${id}".`, hint: 'Check the id; list open items with "flowkeeper inbox list".' });
}

export async function inboxItemDetail(traces: TraceStore, registry: NodeRegistry, now: number, id: string): Promise<InboxItemDetail> {
  const ref = parseReviewId(id);
  if (!ref) throw inboxNotFound(id);
  let trace;
  try {
    trace = await traces.load(ref.runId);
  } catch (error) {
    if (error instanceof RunNotFoundError) throw inboxNotFound(id);
    throw error;
  }
  const state = reduceRun(trace.header, trace.events);
  const record = state.reviews.get(id);
  if (!record) throw inboxNotFound(id);
  const flow = (await traces.getPayload(trace.header.flow)) as Flow;
  // A decided or finished item is shown too (history); runEntries builds the open shape.
  const entries = runEntries(trace.header, { ...state, status: 'paused', reviews: new Map([[id, { ...record, decided: undefined } as typeof record]]) }, flow);
  const base = entries.open[0]!;
  const stepNames: Record<string, string> = Object.fromEntries(flow.nodes.map((n) => [n.id, n.name ?? n.id]));
  const graph = buildGraph(flow);
  const upstream: Record<string, unknown[]> = {};
  for (const nodeId of upstreamOf(graph, record.nodeId)) {
    const n = state.nodes[nodeId];
    if (!n?.outputs) continue;
    const produced = (await traces.getPayload(n.outputs)) as PortItems;
    const node = graph.nodes.get(nodeId);
    const def = node && registry.get(node.type);
    const main = def ? portsOf(def.outputs, node.config)[0] : undefined;
    upstream[nodeId] = (main && produced[main]) || Object.values(produced)[0] || [];
  }
  const { request } = record;
  return {
    ...publicItem(base, now),
    ...reviewForm(record),
    body: request.body,
    ...(request.table ? { table: request.table } : {}),
    ...(request.ai ? { ai: request.ai } : {}),
    item: await traces.getPayload(record.item),
    upstream,
    stepNames,
    ...(state.startedBy === undefined ? {} : { startedBy: state.startedBy }),
    decisions: record.decisions,
    runStatus: state.status,
  };
}
