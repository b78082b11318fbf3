/**
 * Replay re-executes a recorded run offline: every node runs again, but each call to the outside
 * world is answered from the trace. Outputs must match the recording exactly; otherwise a per-node
 * diff says where they part. A fork (`--from`) copies results upstream of a node and runs live
 * from it on, as a new run linked to its parent.
 */
import type { Flow } from './model/flow.ts';
import type { NodeErrorInfo, PortItems } from './model/node-kit.ts';
import { isNodeDone, reduceRun, type NodeRunStatus, type RunState } from './model/run-state.ts';
import type { Engine, RunOutcome, StartOptions } from './engine.ts';
import { loadRecordedCalls } from './engine.ts';
import { EnvSecretResolver } from './secrets.ts';
import { buildGraph, downstreamOf, upstreamOf } from './runner/graph.ts';
import { execute } from './runner/execute.ts';
import { fetchTransport } from './runner/http-transport.ts';
import type { NodeRegistry } from './runner/registry.ts';
import { MemorySink, Redactor } from './trace/index.ts';
import type { LoadedTrace, TraceStore } from './trace/trace-store.ts';
import { autoEmitted, carriedDecision } from './runner/carried-review.ts';

export interface ValueChange {
  path: string;
  recorded: unknown;
  replayed: unknown;
}

export interface NodeDiff {
  nodeId: string;
  name: string;
  recordedStatus: NodeRunStatus | 'absent';
  replayedStatus: NodeRunStatus | 'absent';
  identical: boolean;
  changes: ValueChange[];
  /** Set when the replay failed at this node (e.g. it asked for a call the recording lacks). */
  replayError?: string;
}

export interface ReplayReport {
  runId: string;
  flowId: string;
  identical: boolean;
  nodes: NodeDiff[];
  /** Set when the recorded run had not finished: only finished nodes are compared. */
  note?: string;
}

const MAX_CHANGES_PER_NODE = 20;

export async function replayRun(
  store: TraceStore,
  registry: NodeRegistry,
  source: string | LoadedTrace,
  options: { flow?: Flow } = {},
): Promise<ReplayReport> {
  const trace = typeof source === 'string' ? await store.load(source) : source;
  const recorded = reduceRun(trace.header, trace.events);
  const flow = options.flow ?? (await store.getPayload(trace.header.flow));
  const done = new Map<string, PortItems>();
  for (const [nodeId, n] of Object.entries(recorded.nodes)) {
    // Copied by a fork or pinned test data: not run then, so not run now; their result is as recorded.
    if (n.reusedFrom !== undefined || n.pinnedFrom !== undefined) done.set(nodeId, (await store.getPayload(n.outputs ?? {})) as PortItems);
  }
  // A node that hit its time limit did so because of time, which replay does not spend:
  // replay the time-out itself.
  const recordedTimeouts = new Map<string, NodeErrorInfo>();
  for (const event of trace.events) {
    if (event.type === 'node.failed' && event.error.details?.limit === 'node') recordedTimeouts.set(`${event.nodeId}#${event.attempt}`, event.error);
  }
  const carried = await carriedDecision(store, trace.header);
  const sink = new MemorySink();
  for (const [nodeId, outputs] of done) {
    const n = recorded.nodes[nodeId]!;
    sink.append({ type: 'node.succeeded', nodeId, attempt: 1, outputs, durationMs: 0, ...(n.reusedFrom !== undefined ? { reusedFrom: n.reusedFrom } : { pinnedFrom: n.pinnedFrom! }) });
  }
  await execute({
    runId: trace.header.runId,
    flow,
    registry,
    sink,
    input: trace.header.input,
    replay: true,
    done,
    resumeAt: new Map(),
    recorded: await loadRecordedCalls(recorded, (v) => store.getPayload(v)),
    resolutions: recorded.resolutions,
    // Review steps are answered by the recorded decisions, as every other call is.
    reviews: recorded.reviews,
    autoApproved: recorded.autoApproved,
    // A carried item's run (one-by-one review): its step is answered from the parent's decision.
    ...(carried ? { carried: { nodeId: carried.nodeId, itemIndex: carried.itemIndex, decision: carried.decision, ...(carried.auto ? { auto: true } : {}) } } : {}),
    autoEmitted: autoEmitted(recorded),
    recordedTimeouts,
    redactor: new Redactor(),
    secrets: new EnvSecretResolver({}),
    http: fetchTransport,
    payload: (value) => Promise.resolve(value),
  });
  const replayed = reduceRun(trace.header, sink.events);
  return compareRuns(trace, flow, recorded, replayed, store);
}

async function compareRuns(trace: LoadedTrace, flow: Flow, recorded: RunState, replayed: RunState, store: TraceStore): Promise<ReplayReport> {
  const unfinished = !['succeeded', 'failed', 'cancelled'].includes(recorded.status);
  const names = new Map(flow.nodes.map((n) => [n.id, n.name ?? n.id]));
  const ids = [...new Set([...flow.nodes.map((n) => n.id), ...Object.keys(recorded.nodes)])];
  const nodes: NodeDiff[] = [];
  for (const nodeId of ids) {
    const before = recorded.nodes[nodeId];
    const after = replayed.nodes[nodeId];
    if (unfinished && !isNodeDone(before)) continue;
    const diff: NodeDiff = {
      nodeId,
      name: names.get(nodeId) ?? nodeId,
      recordedStatus: before?.status ?? 'absent',
      replayedStatus: after?.status ?? 'absent',
      identical: true,
      changes: [],
    };
    const beforeOutputs = before?.outputs ? await store.getPayload(before.outputs) : undefined;
    const afterOutputs = after?.outputs;
    diffValues(beforeOutputs ?? {}, afterOutputs ?? {}, 'outputs', diff.changes);
    if (after?.error && (before?.error?.message !== after.error.message)) diff.replayError = after.error.message;
    diff.identical = diff.recordedStatus === diff.replayedStatus && diff.changes.length === 0;
    nodes.push(diff);
  }
  const report: ReplayReport = { runId: trace.header.runId, flowId: trace.header.flowId, identical: nodes.every((n) => n.identical), nodes };
  if (unfinished) report.note = `The recorded run is ${recorded.status}: only nodes that finished are compared.`;
  return report;
}

/** Collects differences between two JSON values as paths, up to a limit. */
export function diffValues(a: unknown, b: unknown, path: string, out: ValueChange[]): void {
  if (out.length >= MAX_CHANGES_PER_NODE) return;
  if (Object.is(a, b)) return;
  const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) {
    out.push({ path, recorded: a, replayed: b });
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const length = Math.max(a.length, b.length);
    for (let i = 0; i < length; i++) {
      if (i >= a.length) out.push({ path: `${path}[${i}]`, recorded: undefined, replayed: b[i] });
      else if (i >= b.length) out.push({ path: `${path}[${i}]`, recorded: a[i], replayed: undefined });
      else diffValues(a[i], b[i], `${path}[${i}]`, out);
      if (out.length >= MAX_CHANGES_PER_NODE) return;
    }
    return;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    const child = /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
    if (!(key in ao)) out.push({ path: child, recorded: undefined, replayed: bo[key] });
    else if (!(key in bo)) out.push({ path: child, recorded: ao[key], replayed: undefined });
    else diffValues(ao[key], bo[key], child, out);
    if (out.length >= MAX_CHANGES_PER_NODE) return;
  }
}

export class ForkError extends Error {
  override name = 'ForkError';
}

/**
 * Starts a new run from `fromNodeId`: nodes it depends on keep their recorded results; the node
 * and everything after it run live. The new trace's header names the parent run.
 */
export async function forkRun(
  engine: Engine,
  source: string | LoadedTrace,
  fromNodeId: string,
  options: { flow?: Flow; signal?: AbortSignal; startedBy?: string; runId?: string } = {},
): Promise<RunOutcome> {
  const { flow, start } = await prepareFork(engine.store, source, fromNodeId, options);
  return engine.startRun(flow, start);
}

/** Checks a fork is possible and works out what it re-uses; throws ForkError in plain words. */
export async function prepareFork(
  store: TraceStore,
  source: string | LoadedTrace,
  fromNodeId: string,
  options: { flow?: Flow; signal?: AbortSignal; startedBy?: string; runId?: string } = {},
): Promise<{ flow: Flow; start: StartOptions }> {
  const trace = typeof source === 'string' ? await store.load(source) : source;
  if (trace.header.mode === 'demo') {
    // A demo's steps never ran: re-running one for real would send what the demo only showed.
    throw new ForkError(`Run ${trace.header.runId} is a demo: its steps were answered from a recording and never ran, so there is nothing to re-run from. Run the flow itself, or start another demo.`);
  }
  const state = reduceRun(trace.header, trace.events);
  const flow = options.flow ?? (await store.getPayload(trace.header.flow));
  const graph = buildGraph(flow);
  if (!graph.nodes.has(fromNodeId)) {
    throw new ForkError(`The flow has no node "${fromNodeId}". Its nodes are: ${[...graph.nodes.keys()].join(', ')}.`);
  }
  // Everything not after the node keeps its recorded result, side branches included: a fork
  // must never repeat a side effect that is not part of what it re-runs.
  const reuse = new Map<string, PortItems>();
  // A step that used pinned test data in the parent did not run there either: the fork carries it
  // as pinned (from the run the pin was taken from), never as a reused result that seems to have run.
  const pinned = new Map<string, { runId: string; outputs: PortItems }>();
  const rerun = downstreamOf(graph, fromNodeId);
  for (const nodeId of flow.nodes.map((n) => n.id).filter((id) => !rerun.has(id))) {
    const n = state.nodes[nodeId];
    if (!isNodeDone(n)) {
      const why = upstreamOf(graph, fromNodeId).has(nodeId) ? 'which it depends on' : 'on another branch of the flow';
      throw new ForkError(`Cannot start from "${fromNodeId}": node "${nodeId}", ${why}, did not finish in run ${trace.header.runId}. Start from "${nodeId}" or earlier instead.`);
    }
    const outputs = (await store.getPayload(n!.outputs ?? {})) as PortItems;
    if (n!.pinnedFrom !== undefined) pinned.set(nodeId, { runId: n!.pinnedFrom, outputs });
    else reuse.set(nodeId, outputs);
  }
  const start: StartOptions = { input: trace.header.input, parent: { runId: trace.header.runId, fromNodeId }, reuse, startedBy: options.startedBy ?? 'fork' };
  if (pinned.size > 0) start.pinned = pinned;
  if (options.signal) start.signal = options.signal;
  if (options.runId) start.runId = options.runId;
  return { flow, start };
}
