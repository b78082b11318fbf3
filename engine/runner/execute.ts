/**
 * Executes a flow as a DAG over an event sink (the scheduler; one node's attempts are in
 * run-node.ts). Used for fresh runs, crash-resume, forks and
 * replays alike; they differ only in what is already done and what the recorder already knows.
 *
 * Scheduling: a node becomes ready when every node feeding it is done. Ready nodes run up to
 * `concurrency` at a time. Data on edges is a list of JSON items; a node whose inputs are all
 * empty is skipped (this is what makes `if` branches exclusive).
 */
import type { Flow } from '../model/flow.ts';
import { AwaitingReview, toErrorInfo, type NodeErrorInfo, type PortItems } from '../model/node-kit.ts';
import { pruneUnreachable } from '../model/reachability.ts';
import type { ReviewDecision, ReviewRecord } from '../model/review.ts';
import { ReviewDesk, type DemoReviews } from './review-desk.ts';
import type { RecordedCall } from '../model/run-state.ts';
import type { SecretResolver } from '../secrets.ts';
import type { Clock } from '../clock.ts';
import type { Redactor } from '../trace/index.ts';
import type { EventSink } from '../trace/trace-store.ts';
import { AttentionNeeded, CallRecorder, type ShadowCalls } from './call-recorder.ts';
import { FileDevCache } from './dev-cache.ts';
import { buildGraph, isPortConnected, predecessors } from './graph.ts';
import type { HttpTransport } from './http-transport.ts';
import { cancelled } from './node-context.ts';
import type { NodeRegistry } from './registry.ts';
import { runNode } from './run-node.ts';
import { RunStop } from './run-stop.ts';

export interface ResumePoint {
  attempt: number;
  /** Wait until this time before starting (a retry delay interrupted by a crash). */
  notBefore?: number;
}

export interface ExecutionPlan {
  runId: string;
  flow: Flow;
  registry: NodeRegistry;
  sink: EventSink;
  input: unknown;
  replay: boolean;
  /** Nodes already finished (resume, fork): their outputs are used, they do not run. */
  done: ReadonlyMap<string, PortItems>;
  /** Nodes interrupted mid-attempt (resume): continue at this attempt. */
  resumeAt: ReadonlyMap<string, ResumePoint>;
  recorded: ReadonlyMap<string, RecordedCall>;
  resolutions: ReadonlyMap<string, string>;
  /** Per-item retry waits already recorded (resume); empty for fresh runs. */
  itemRetries?: ReadonlyMap<string, { at: number; delayMs: number }>;
  /** Replay: node attempts that ended in a node-level time-out, by `${nodeId}#${attempt}`. */
  recordedTimeouts?: ReadonlyMap<string, NodeErrorInfo>;
  signal?: AbortSignal;
  /**
   * Stop at a safe point (shutdown): no new node starts, nodes in progress finish, and the run
   * ends as `stopped` — unfinished, so a later resume continues it.
   */
  stop?: AbortSignal;
  redactor: Redactor;
  secrets: SecretResolver;
  http: HttpTransport;
  payload: (value: unknown) => Promise<unknown>;
  /** Opt-in development cache folder for calls that carry a cache key (see CallRecorder). */
  devCacheDir?: string;
  /** Time for durations, waits, time limits and the recorded clock; the system clock by default. */
  clock?: Clock;
  /** Reviews already asked and decided in this run (resume, replay), by inbox id. */
  reviews?: ReadonlyMap<string, ReviewRecord>;
  /** Items already let through without review, as `${nodeId}/${itemIndex}`. */
  autoApproved?: ReadonlySet<string>;
  /** A run carrying one decided item of a one-by-one review on (see TraceHeader.reviewItem). */
  carried?: { nodeId: string; itemIndex: number; decision: ReviewDecision; auto?: boolean };
  /** One by one: items let through that already went on in a run of their own (`node/item`). */
  autoEmitted?: ReadonlySet<string>;
  /** A drift check's shadow run: it answers every call (live or from the reference), see CallRecorder. */
  shadow?: ShadowCalls;
  /** A demo run (with `replay`; engine/demo/): the reference's answers are written to this trace, its decisions answer review steps. */
  demo?: DemoReviews;
}

/** `paused`: review steps wait for people; branches that do not depend on them ran on. */
export type ExecutionStatus = 'succeeded' | 'failed' | 'cancelled' | 'needs-attention' | 'stopped' | 'paused';

export interface ExecutionResult {
  status: ExecutionStatus;
  /** Items on the outputs of nodes that feed nothing else, by node id and port. */
  outputs: Record<string, PortItems>;
  /** Every node's outputs, for replay comparison. */
  nodeOutputs: Map<string, PortItems>;
  nodeErrors: Map<string, NodeErrorInfo>;
  error?: NodeErrorInfo & { nodeId?: string };
  attention?: AttentionNeeded;
  /** The review steps that wait (status `paused`), in the order they paused. */
  awaiting?: AwaitingReview[];
}


export async function execute(fullPlan: ExecutionPlan): Promise<ExecutionResult> {
  // Only steps the trigger reaches run: a step dropped on the canvas but not wired yet must not
  // call a live system (validation warns about it).
  const plan = { ...fullPlan, flow: pruneUnreachable(fullPlan.flow, (n) => fullPlan.registry.get(n.type)?.trigger === true) };
  const graph = buildGraph(plan.flow);
  const runController = new AbortController();
  const onOuterAbort = () => runController.abort();
  if (plan.signal?.aborted) runController.abort();
  plan.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const outputs = new Map<string, PortItems>(plan.done);
  const nodeErrors = new Map<string, NodeErrorInfo>();
  const remaining = new Set(plan.flow.nodes.map((n) => n.id).filter((id) => !outputs.has(id)));
  const running = new Map<string, Promise<void>>();
  const concurrency = plan.flow.settings.concurrency;
  let stop: RunStop | undefined;
  let attention: AttentionNeeded | undefined;
  const awaiting: AwaitingReview[] = [];
  const desk = new ReviewDesk(plan.runId, plan.sink, plan.reviews ?? new Map(), plan.autoApproved ?? new Set(), plan.payload, plan.carried, plan.autoEmitted, plan.demo);

  const recorder = new CallRecorder({
    sink: plan.sink,
    recorded: plan.recorded,
    resolutions: plan.resolutions,
    replay: plan.replay,
    ...(plan.demo ? { demo: { referenceRunId: plan.demo.referenceRunId } } : {}),
    payload: plan.payload,
    describeNode: (id) => `node "${graph.nodes.get(id)?.name ?? id}"`,
    redactor: plan.redactor,
    ...(plan.shadow ? { shadow: plan.shadow } : {}),
    ...(plan.devCacheDir !== undefined && !plan.replay ? { devCache: new FileDevCache(plan.devCacheDir) } : {}),
  });

  // Readiness by counting: each node waits for its distinct predecessors; a finished node
  // releases its successors. Ready nodes start in file order, so runs are reproducible.
  const order = new Map(plan.flow.nodes.map((n, i) => [n.id, i]));
  const waitingOn = new Map<string, number>();
  const ready: string[] = [];
  for (const id of remaining) {
    const count = predecessors(graph, id).filter((p) => !outputs.has(p)).length;
    waitingOn.set(id, count);
    if (count === 0) ready.push(id);
  }
  const release = (finished: string) => {
    for (const successor of new Set((graph.outgoing.get(finished) ?? []).map((e) => e.target))) {
      const left = (waitingOn.get(successor) ?? 0) - 1;
      waitingOn.set(successor, left);
      if (left === 0 && remaining.has(successor)) {
        const at = ready.findIndex((id) => order.get(id)! > order.get(successor)!);
        ready.splice(at === -1 ? ready.length : at, 0, successor);
      }
    }
  };

  const launch = (id: string) => {
    remaining.delete(id);
    // One async function rather than a then/catch/finally chain: one promise per node, not three.
    const task = (async () => {
      try {
        const result = await runNode(plan, graph, id, outputs, recorder, runController.signal, desk);
        outputs.set(id, result);
        release(id);
      } catch (error) {
        if (error instanceof AttentionNeeded) {
          attention ??= error;
        } else if (error instanceof AwaitingReview) {
          // The node's successors stay waiting; independent branches go on.
          awaiting.push(error);
        } else if (error instanceof RunStop) {
          if (!stop || stop.kind === 'cancelled') stop = error;
          nodeErrors.set(id, error.info);
          runController.abort();
        } else {
          const info = { ...toErrorInfo(error), nodeId: id };
          stop ??= new RunStop('failed', info);
          nodeErrors.set(id, info);
          runController.abort();
        }
      } finally {
        running.delete(id);
      }
    })();
    running.set(id, task);
  };

  try {
    for (;;) {
      if (runController.signal.aborted && !stop) stop = new RunStop('cancelled', { ...toErrorInfo(cancelled()) });
      if (!stop && !attention && !plan.stop?.aborted) {
        while (ready.length > 0 && running.size < concurrency) launch(ready.shift()!);
      }
      if (running.size === 0) break;
      // Tasks never reject (they record their error); with one running, wait on it directly.
      await (running.size === 1 ? running.values().next().value : Promise.race(running.values()));
    }
  } finally {
    plan.signal?.removeEventListener('abort', onOuterAbort);
  }

  const result: ExecutionResult = { status: 'succeeded', outputs: {}, nodeOutputs: outputs, nodeErrors };
  if (attention) {
    result.status = 'needs-attention';
    result.attention = attention;
  } else if (stop) {
    result.status = stop.kind;
    result.error = stop.info;
  } else if (awaiting.length > 0) {
    result.status = 'paused';
    result.awaiting = awaiting;
  } else if (remaining.size > 0 && plan.stop?.aborted) {
    result.status = 'stopped';
  } else if (remaining.size > 0) {
    result.status = 'failed';
    result.error = { message: `Nodes ${[...remaining].join(', ')} never became ready.`, code: 'INTERNAL', retryable: false };
  }
  // The run's outputs: items on every port that leads nowhere (where the flow "ends").
  for (const node of plan.flow.nodes) {
    const produced = outputs.get(node.id);
    if (!produced) continue;
    const dangling = Object.entries(produced).filter(([port, items]) => items.length > 0 && !isPortConnected(graph, node.id, port));
    if (dangling.length > 0) result.outputs[node.id] = Object.fromEntries(dangling);
  }
  return result;
}
