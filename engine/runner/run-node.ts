/**
 * One node of a run, attempt by attempt: gathers its inputs (or skips it when nothing arrived),
 * waits out a retry delay interrupted by a crash, then per attempt records `node.started`, runs the
 * node type under its time limit with a fresh ctx, checks and records what it produced, and on an
 * error retries, routes the items to the error port, or stops the run.
 */
import type { PortsPayload } from '../model/events.ts';
import type { Item } from '../model/flow.ts';
import { AwaitingReview, NodeError, errorItem, outputPortsOf, toErrorInfo, effectsOf, type NodeErrorInfo, type PortItems } from '../model/node-kit.ts';
import { systemClock } from '../clock.ts';
import { AttentionNeeded, type CallRecorder } from './call-recorder.ts';
import type { ExecutionPlan } from './execute.ts';
import { isPortConnected, type FlowGraph } from './graph.ts';
import { abortableSleep, cancelled, createNodeContext, evaluateRetryIf, isStopError } from './node-context.ts';
import { collectInputs, lazyUpstreamView } from './node-inputs.ts';
import { attemptLimits } from './attempt-limits.ts';
import { checkOutputs } from './node-outputs.ts';
import { withFailingField } from './error-field.ts';
import type { ReviewDesk } from './review-desk.ts';
import { NO_RETRY, retryDelayMs, shouldRetry } from './retry-policy.ts';
import { RunStop } from './run-stop.ts';
import { BLOB_THRESHOLD_BYTES } from '../trace/trace-store.ts';

const NO_ITEM_RETRIES: ReadonlyMap<string, { at: number; delayMs: number }> = new Map();

/**
 * Whether outputs of this JSON length go inline into the trace without asking the store: text far
 * below its blob threshold (a store keeps anything under BLOB_THRESHOLD_BYTES inline); the margin
 * covers redaction, which can lengthen a value (a 4-character secret becomes "[redacted]"). Most
 * outputs are small, and this saves a stringify and a wait per node.
 */
function staysInline(jsonLength: number): boolean {
  return jsonLength * 3 < BLOB_THRESHOLD_BYTES;
}

export async function runNode(
  plan: ExecutionPlan,
  graph: FlowGraph,
  nodeId: string,
  outputs: Map<string, PortItems>,
  recorder: CallRecorder,
  runSignal: AbortSignal,
  desk?: ReviewDesk,
): Promise<PortItems> {
  const node = graph.nodes.get(nodeId)!;
  const def = plan.registry.require(node.type);
  const { sink } = plan;
  const clock = plan.clock ?? systemClock;
  const inputs = collectInputs(graph, node, def, outputs, plan.input);
  const items: Item[] = [];
  const inputCounts: Record<string, number> = {};
  for (const port in inputs) {
    const list = inputs[port]!;
    inputCounts[port] = list.length;
    for (const item of list) items.push(item);
  }
  const isEntry = (graph.incoming.get(nodeId) ?? []).length === 0;

  if (!isEntry && items.length === 0 && !def.runWhenEmpty) {
    sink.append({ type: 'node.skipped', nodeId, reason: 'no items arrived on its inputs' });
    return {};
  }

  const policy = node.retry ?? def.defaultRetry ?? NO_RETRY;
  const errorPortConnected = isPortConnected(graph, nodeId, 'error');
  const allowedPorts = outputPortsOf(def, node.config);
  const upstream = lazyUpstreamView(graph, plan.registry, nodeId, outputs);

  const resume = plan.resumeAt.get(nodeId);
  if (resume?.notBefore !== undefined && !plan.replay) {
    const wait = resume.notBefore - clock.now();
    if (wait > 0) await abortableSleep(clock, wait, runSignal).catch(() => undefined);
  }

  for (let attempt = resume?.attempt ?? 1; ; attempt++) {
    if (runSignal.aborted) throw new RunStop('cancelled', { ...cancelled().toInfo(), nodeId });
    const started = clock.monotonic();
    sink.append({ type: 'node.started', nodeId, attempt, inputCounts });

    const limits = attemptLimits(node, nodeId, runSignal, clock, plan.replay);

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
        limits,
        replay: plan.replay,
        recorder,
        sink,
        redactor: plan.redactor,
        secrets: plan.secrets,
        http: plan.http,
        policy,
        itemRetries: plan.itemRetries ?? NO_ITEM_RETRIES,
        jitter: Math.random,
        clock,
        ...(desk ? { desk } : {}),
      });
      const recordedTimeout = plan.replay ? plan.recordedTimeouts?.get(`${nodeId}#${attempt}`) : undefined;
      if (recordedTimeout) throw new NodeError(recordedTimeout);
      const produced = await limits.race(def.run({ inputs, items, config: node.config, ctx }));
      const { result, jsonLength } = checkOutputs(produced, allowedPorts, node, def);
      const durationMs = Math.round(clock.monotonic() - started);
      const failedItems = result.error ?? [];
      if (failedItems.length > 0 && !errorPortConnected) {
        const failed = (failedItems[0] as { error?: NodeErrorInfo }).error;
        const first = failed ? withFailingField(failed, node.config) : undefined;
        const info: NodeErrorInfo = {
          message: `${failedItems.length} of ${items.length} item${items.length === 1 ? '' : 's'} failed in node "${node.name ?? nodeId}". First: ${first?.message ?? 'unknown error'}`,
          code: first?.code ?? 'ITEM_FAILED',
          retryable: false,
          ...(first?.status === undefined ? {} : { status: first.status }),
          ...(first?.field === undefined ? {} : { field: first.field }),
          hint: first?.hint ?? 'Connect the node\'s "error" output to handle failed items, or fix the cause and resume.',
        };
        sink.append({ type: 'node.failed', nodeId, attempt, error: info, willRetry: false, routedToErrorPort: false, outputs: (staysInline(jsonLength) ? result : await plan.payload(result)) as PortsPayload, durationMs });
        throw new RunStop('failed', { ...info, nodeId });
      }
      const outputs = (staysInline(jsonLength) ? result : await plan.payload(result)) as PortsPayload;
      sink.append({ type: 'node.succeeded', nodeId, attempt, outputs, durationMs });
      return result;
    } catch (error) {
      // A review pause leaves the node unfinished (no node.failed): on resume this attempt runs again
      // and finds the decisions in the trace.
      if (error instanceof RunStop || error instanceof AttentionNeeded || error instanceof AwaitingReview) throw error;
      const durationMs = Math.round(clock.monotonic() - started);
      if (runSignal.aborted && !(error instanceof NodeError && error.code === 'TIMEOUT')) {
        const info = cancelled().toInfo();
        sink.append({ type: 'node.failed', nodeId, attempt, error: info, willRetry: false, routedToErrorPort: false, durationMs });
        throw new RunStop('cancelled', { ...info, nodeId });
      }
      if (isStopError(error)) throw error;
      const info = withFailingField(toErrorInfo(error), node.config);
      const retry = await shouldRetry(policy, attempt, info, evaluateRetryIf).catch(() => false);
      if (retry) {
        const delayMs = plan.replay ? 0 : retryDelayMs(policy, attempt, Math.random(), info.retryAfterMs);
        sink.append({ type: 'node.failed', nodeId, attempt, error: info, willRetry: true, routedToErrorPort: false, durationMs });
        await sink.appendDurable({ type: 'node.retrying', nodeId, attempt, delayMs });
        if (delayMs > 0) {
          try {
            await abortableSleep(clock, delayMs, runSignal);
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
      limits.dispose();
    }
  }
}
