/**
 * Executes a flow as a DAG over an event sink. Used for fresh runs, crash-resume, forks and
 * replays alike; they differ only in what is already done and what the recorder already knows.
 *
 * Scheduling: a node becomes ready when every node feeding it is done. Ready nodes run up to
 * `concurrency` at a time. Data on edges is a list of JSON items; a node whose inputs are all
 * empty is skipped (this is what makes `if` branches exclusive).
 */
import type { Flow, FlowNode, Item } from '../model/flow.ts';
import type { PortsPayload } from '../model/events.ts';
import {
  NodeError,
  errorItem,
  outputPortsOf,
  portsOf,
  toErrorInfo,
  effectsOf,
  type AnyNodeDefinition,
  type NodeErrorInfo,
  type PortItems,
} from '../model/node-kit.ts';
import { pruneUnreachable } from '../model/reachability.ts';
import type { RecordedCall } from '../model/run-state.ts';
import type { SecretResolver } from '../secrets.ts';
import type { Redactor } from '../trace/redactor.ts';
import type { EventSink } from '../trace/trace-store.ts';
import { AttentionNeeded, CallRecorder } from './call-recorder.ts';
import { FileDevCache } from './dev-cache.ts';
import { buildGraph, isPortConnected, predecessors, upstreamOf, type FlowGraph } from './graph.ts';
import type { HttpTransport } from './http-transport.ts';
import { abortableSleep, cancelled, createNodeContext, evaluateRetryIf, isStopError } from './node-context.ts';
import type { NodeRegistry } from './registry.ts';
import { NO_RETRY, retryDelayMs, shouldRetry } from './retry-policy.ts';

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
  redactor: Redactor;
  secrets: SecretResolver;
  http: HttpTransport;
  payload: (value: unknown) => Promise<unknown>;
  /** Opt-in development cache folder for calls that carry a cache key (see CallRecorder). */
  devCacheDir?: string;
}

export type ExecutionStatus = 'succeeded' | 'failed' | 'cancelled' | 'needs-attention';

export interface ExecutionResult {
  status: ExecutionStatus;
  /** Items on the outputs of nodes that feed nothing else, by node id and port. */
  outputs: Record<string, PortItems>;
  /** Every node's outputs, for replay comparison. */
  nodeOutputs: Map<string, PortItems>;
  nodeErrors: Map<string, NodeErrorInfo>;
  error?: NodeErrorInfo & { nodeId?: string };
  attention?: AttentionNeeded;
}

class RunStop extends Error {
  constructor(readonly kind: 'failed' | 'cancelled', readonly info: NodeErrorInfo & { nodeId?: string }) {
    super(info.message);
  }
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

  const recorder = new CallRecorder({
    sink: plan.sink,
    recorded: plan.recorded,
    resolutions: plan.resolutions,
    replay: plan.replay,
    payload: plan.payload,
    describeNode: (id) => `node "${graph.nodes.get(id)?.name ?? id}"`,
    redactor: plan.redactor,
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
    const task = runNode(plan, graph, id, outputs, recorder, runController.signal)
      .then((result) => {
        outputs.set(id, result);
        release(id);
      })
      .catch((error: unknown) => {
        if (error instanceof AttentionNeeded) {
          attention ??= error;
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
      })
      .finally(() => running.delete(id));
    running.set(id, task);
  };

  try {
    for (;;) {
      if (runController.signal.aborted && !stop) stop = new RunStop('cancelled', { ...toErrorInfo(cancelled()) });
      if (!stop && !attention) {
        while (ready.length > 0 && running.size < concurrency) launch(ready.shift()!);
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
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

function collectInputs(graph: FlowGraph, node: FlowNode, def: AnyNodeDefinition, outputs: Map<string, PortItems>, input: unknown): PortItems {
  const incoming = graph.incoming.get(node.id) ?? [];
  const ports = portsOf(def.inputs, node.config);
  const inputs: PortItems = Object.fromEntries(ports.map((p) => [p, [] as Item[]]));
  if (incoming.length === 0) {
    inputs[ports[0] ?? 'in'] = runInputItems(input);
    return inputs;
  }
  for (const edge of incoming) {
    const items = outputs.get(edge.source)?.[edge.sourcePort] ?? [];
    (inputs[edge.targetPort] ??= []).push(...items);
  }
  return inputs;
}

/** The run input as items: a list stays a list, anything else becomes one item. */
export function runInputItems(input: unknown): Item[] {
  const list = Array.isArray(input) ? input : [input ?? {}];
  return list.map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Item) : { value: v }));
}

async function runNode(
  plan: ExecutionPlan,
  graph: FlowGraph,
  nodeId: string,
  outputs: Map<string, PortItems>,
  recorder: CallRecorder,
  runSignal: AbortSignal,
): Promise<PortItems> {
  const node = graph.nodes.get(nodeId)!;
  const def = plan.registry.require(node.type);
  const { sink } = plan;
  const inputs = collectInputs(graph, node, def, outputs, plan.input);
  const items = Object.values(inputs).flat();
  const isEntry = (graph.incoming.get(nodeId) ?? []).length === 0;

  if (!isEntry && items.length === 0 && !def.runWhenEmpty) {
    sink.append({ type: 'node.skipped', nodeId, reason: 'no items arrived on its inputs' });
    return {};
  }

  const policy = node.retry ?? def.defaultRetry ?? NO_RETRY;
  const errorPortConnected = isPortConnected(graph, nodeId, 'error');
  const allowedPorts = new Set(outputPortsOf(def, node.config));
  // Only nodes this one depends on: anything else may or may not be done yet, which would
  // make expressions (and therefore replay) depend on timing. Built once, on first use.
  let upstreamView: Record<string, Item[]> | undefined;
  const upstream = () => {
    if (upstreamView) return upstreamView;
    const view: Record<string, Item[]> = {};
    for (const id of upstreamOf(graph, nodeId)) {
      const produced = outputs.get(id);
      if (!produced) continue;
      const upstreamNode = graph.nodes.get(id);
      const upstreamDef = upstreamNode && plan.registry.get(upstreamNode.type);
      const main = upstreamDef ? portsOf(upstreamDef.outputs, upstreamNode.config)[0] : undefined;
      view[id] = (main && produced[main]) || Object.values(produced)[0] || [];
    }
    upstreamView = view;
    return view;
  };

  const resume = plan.resumeAt.get(nodeId);
  if (resume?.notBefore !== undefined && !plan.replay) {
    const wait = resume.notBefore - Date.now();
    if (wait > 0) await abortableSleep(wait, runSignal).catch(() => undefined);
  }

  for (let attempt = resume?.attempt ?? 1; ; attempt++) {
    if (runSignal.aborted) throw new RunStop('cancelled', { ...cancelled().toInfo(), nodeId });
    const started = performance.now();
    sink.append({ type: 'node.started', nodeId, attempt, inputCounts: Object.fromEntries(Object.entries(inputs).map(([p, list]) => [p, list.length])) });

    const controller = new AbortController();
    const onRunAbort = () => controller.abort(cancelled());
    runSignal.addEventListener('abort', onRunAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      if (node.timeoutMs !== undefined && !plan.replay) {
        const limit = node.timeoutMs;
        timer = setTimeout(() => {
          const error = new NodeError({
            message: `Node "${node.name ?? nodeId}" took longer than its time limit of ${limit / 1000} s.`,
            code: 'TIMEOUT',
            retryable: true,
            hint: 'Raise the node\'s time limit, or find out why the service is slow.',
            details: { limit: 'node', timeoutMs: limit },
          });
          controller.abort(error);
          reject(error);
        }, limit);
      }
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    timedOut.catch(() => undefined);

    try {
      const ctx = createNodeContext({
        runId: plan.runId,
        flowId: plan.flow.id,
        node,
        attempt,
        effects: effectsOf(def, node.config),
        items,
        input: plan.input,
        upstream,
        signal: controller.signal,
        replay: plan.replay,
        recorder,
        sink,
        redactor: plan.redactor,
        secrets: plan.secrets,
        http: plan.http,
        policy,
        itemRetries: plan.itemRetries ?? new Map(),
        jitter: Math.random,
      });
      const recordedTimeout = plan.replay ? plan.recordedTimeouts?.get(`${nodeId}#${attempt}`) : undefined;
      if (recordedTimeout) throw new NodeError(recordedTimeout);
      const produced = await Promise.race([def.run({ inputs, items, config: node.config, ctx }), timedOut]);
      const result = checkOutputs(produced, allowedPorts, node, def);
      const durationMs = Math.round(performance.now() - started);
      const failedItems = result.error ?? [];
      if (failedItems.length > 0 && !errorPortConnected) {
        const first = (failedItems[0] as { error?: NodeErrorInfo }).error;
        const info: NodeErrorInfo = {
          message: `${failedItems.length} of ${items.length} item${items.length === 1 ? '' : 's'} failed in node "${node.name ?? nodeId}". First: ${first?.message ?? 'unknown error'}`,
          code: first?.code ?? 'ITEM_FAILED',
          retryable: false,
          ...(first?.status === undefined ? {} : { status: first.status }),
          hint: first?.hint ?? 'Connect the node\'s "error" output to handle failed items, or fix the cause and resume.',
        };
        sink.append({ type: 'node.failed', nodeId, attempt, error: info, willRetry: false, routedToErrorPort: false, outputs: (await plan.payload(result)) as PortsPayload, durationMs });
        throw new RunStop('failed', { ...info, nodeId });
      }
      sink.append({ type: 'node.succeeded', nodeId, attempt, outputs: (await plan.payload(result)) as PortsPayload, durationMs });
      return result;
    } catch (error) {
      if (error instanceof RunStop || error instanceof AttentionNeeded) throw error;
      const durationMs = Math.round(performance.now() - started);
      if (runSignal.aborted && !(error instanceof NodeError && error.code === 'TIMEOUT')) {
        const info = cancelled().toInfo();
        sink.append({ type: 'node.failed', nodeId, attempt, error: info, willRetry: false, routedToErrorPort: false, durationMs });
        throw new RunStop('cancelled', { ...info, nodeId });
      }
      if (isStopError(error)) throw error;
      const info = toErrorInfo(error);
      const retry = await shouldRetry(policy, attempt, info, evaluateRetryIf).catch(() => false);
      if (retry) {
        const delayMs = plan.replay ? 0 : retryDelayMs(policy, attempt, Math.random(), info.retryAfterMs);
        sink.append({ type: 'node.failed', nodeId, attempt, error: info, willRetry: true, routedToErrorPort: false, durationMs });
        await sink.appendDurable({ type: 'node.retrying', nodeId, attempt, delayMs });
        if (delayMs > 0) {
          try {
            await abortableSleep(delayMs, runSignal);
          } catch {
            throw new RunStop('cancelled', { ...cancelled().toInfo(), nodeId });
          }
        }
        continue;
      }
      if (errorPortConnected) {
        const routed: PortItems = { error: items.map((item, index) => errorItem(info, item, index)) };
        sink.append({ type: 'node.failed', nodeId, attempt, error: info, willRetry: false, routedToErrorPort: true, outputs: (await plan.payload(routed)) as PortsPayload, durationMs });
        return routed;
      }
      sink.append({ type: 'node.failed', nodeId, attempt, error: info, willRetry: false, routedToErrorPort: false, durationMs });
      throw new RunStop('failed', { ...info, nodeId });
    } finally {
      clearTimeout(timer);
      runSignal.removeEventListener('abort', onRunAbort);
    }
  }
}

/** Guards the runner against a node type returning something other than lists of JSON objects. */
function checkOutputs(produced: unknown, allowed: Set<string>, node: FlowNode, def: AnyNodeDefinition): PortItems {
  if (typeof produced !== 'object' || produced === null || Array.isArray(produced)) {
    throw new NodeError({ message: `Node type "${def.type}" returned no port map.`, code: 'INTERNAL_OUTPUT', retryable: false });
  }
  const result: PortItems = {};
  for (const [port, items] of Object.entries(produced as Record<string, unknown>)) {
    if (!allowed.has(port)) {
      throw new NodeError({ message: `Node "${node.name ?? node.id}" sent items to "${port}", which is not one of its outputs (${[...allowed].join(', ')}).`, code: 'INTERNAL_OUTPUT', retryable: false });
    }
    if (!Array.isArray(items)) {
      throw new NodeError({ message: `Node "${node.name ?? node.id}" sent something other than a list of items to "${port}".`, code: 'INTERNAL_OUTPUT', retryable: false });
    }
    result[port] = items.map((v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Item) : { value: v }));
  }
  // What later nodes, resume and replay see is exactly what the trace holds: plain JSON.
  return JSON.parse(JSON.stringify(result)) as PortItems;
}
