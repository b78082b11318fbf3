/**
 * A shadow run: the flow as it is now (its live version) re-executed with a reference run's
 * input, in memory — no trace in runs/, nothing in the runs list, the metrics or the alerts.
 *
 *   read calls (HTTP GET, a database SELECT…)  sent live, through the service's transport, with
 *                                              credentials from the vault — even when the request
 *                                              now differs from the recorded one (it only reads)
 *   write calls (POST, e-mail, Slack…)         answered from the reference's recording, never
 *                                              sent; one the reference does not have is not sent
 *                                              either, and reported
 *   AI calls (`llm`)                           from the recording, unless `liveAi` (then live)
 *   clock and randomness                       from the recording when it has them
 *
 * Waits (a Wait step, retry back-off) do not wait: the shadow run's timers fire at once.
 * What each step did then and now is handed to the comparison (compare.ts) as observations.
 *
 * May import: `engine/model`, the runner, the trace's in-memory sink, `engine/handover`'s reference view.
 */
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import { loadRecordedCalls } from '../engine.ts';
import type { CallKey } from '../model/events.ts';
import type { Flow } from '../model/flow.ts';
import { NodeError, toErrorInfo, type Effects, type NodeErrorInfo, type PortItems } from '../model/node-kit.ts';
import { reduceRun, type NodeRunState, type RecordedCall, type RunState } from '../model/run-state.ts';
import type { ReferenceRun } from '../model/handover-bundle.ts';
import { neverReachedServer } from '../model/network-errors.ts';
import { reviewId } from '../model/review.ts';
import { RecordedCallError, matchesRecording, type ShadowCalls } from '../runner/call-recorder.ts';
import { execute, type ExecutionStatus } from '../runner/execute.ts';
import { buildGraph, downstreamOf } from '../runner/graph.ts';
import type { HttpTransport } from '../runner/http-transport.ts';
import type { NodeRegistry } from '../runner/registry.ts';
import type { SecretResolver } from '../secrets.ts';
import { MemorySink, Redactor } from '../trace/index.ts';
import { referenceAsTrace } from '../handover/reference-store.ts';
import type { AnswerObservation, StepObservation } from './compare.ts';

export interface ShadowDeps {
  registry: NodeRegistry;
  secrets: SecretResolver;
  http: HttpTransport;
  /** Only its wall clock is read (`now`); timers fire at once. */
  clock?: Clock;
}

export interface ShadowOptions {
  /** Send AI calls to the model too (costs money); default: answered from the recording. */
  liveAi?: boolean;
  signal?: AbortSignal;
}

/** One call of the shadow run and how it was answered. */
export interface ShadowCall {
  nodeId: string;
  itemIndex: number;
  kind: string;
  call: number;
  effects: Effects;
  /** `live`: sent now; `recorded`: answered from the reference; `not-sent`: a write the reference never made. */
  answered: 'live' | 'recorded' | 'not-sent';
  /** The request differs from the recorded one (the flow or what came before it changed). */
  requestChanged: boolean;
  /** The request holds a masked value of a hand-over bundle. */
  masked?: boolean;
  result?: unknown;
  error?: NodeErrorInfo;
}

export interface ShadowResult {
  referenceRunId: string;
  status: ExecutionStatus;
  recorded: StepObservation[];
  live: StepObservation[];
  calls: ShadowCall[];
  /** Things a person should know that are not drift: writes answered from the recording, AI answered from it although asked something else. */
  notes: string[];
  /** Live calls that got no answer at all (server down, refused sign-in, missing credential): the check could not judge these steps. */
  unreachable: Array<{ nodeId: string; stepName: string; message: string }>;
  /**
   * Steps not to judge: a live read sent with a masked value of a hand-over bundle («masked n»:
   * the real value is not on this machine), and the steps after it.
   */
  notJudged: string[];
}

/** A bundle's mask, as it is or URL-encoded (a masked value put into an address). */
const MASKED = /(«|%C2%AB)masked(\s|%20|\+)\d+/i;

/** Timers that fire at once: a shadow run never waits out a Wait step or a back-off. */
function instantClock(base: Clock): Clock {
  return {
    now: () => base.now(),
    monotonic: () => base.monotonic(),
    setTimer: (_ms, fn) => {
      const timer = setImmediate(fn);
      return () => clearImmediate(timer);
    },
  };
}

export async function shadowRun(deps: ShadowDeps, flow: Flow, reference: ReferenceRun, options: ShadowOptions = {}): Promise<ShadowResult> {
  const trace = referenceAsTrace(reference);
  const recordedState = reduceRun(trace.header, trace.events);
  const recordedCalls = await loadRecordedCalls(recordedState, (v) => Promise.resolve(v));
  const names = new Map(flow.nodes.map((n) => [n.id, n.name || n.id]));
  for (const n of (trace.header.flow as unknown as Flow).nodes ?? []) if (!names.has(n.id)) names.set(n.id, n.name || n.id);
  const stepName = (id: string) => names.get(id) ?? id;

  const calls: ShadowCall[] = [];
  const shadow: ShadowCalls = {
    call: async (key: CallKey, effects: Effects, request: unknown, recorded: RecordedCall | undefined, perform: () => Promise<unknown>) => {
      const requestChanged = recorded?.request !== undefined && !matchesRecording(recorded.request, request);
      const entry: ShadowCall = { nodeId: key.nodeId, itemIndex: key.itemIndex, kind: key.kind, call: key.call, effects, answered: 'live', requestChanged };
      if (effects !== 'pure' && MASKED.test(JSON.stringify(request) ?? '')) entry.masked = true;
      calls.push(entry);
      const fromRecording = effects === 'write' || (key.kind === 'llm' && !options.liveAi) || (effects === 'pure' && recorded?.hasResult === true);
      if (fromRecording) {
        if (!recorded?.hasResult) {
          entry.answered = 'not-sent';
          const what = effects === 'write' ? 'a write' : key.kind === 'llm' ? 'an AI call' : `a ${key.kind} call`;
          const error = new NodeError({
            message: `${stepName(key.nodeId)} would make ${what} (item ${key.itemIndex + 1}) that the reference run never made; a drift check sends no writes${key.kind === 'llm' ? ' and, unless live AI checks are on, no AI calls' : ''}, so it was not sent.`,
            code: 'SHADOW_NOT_RECORDED',
            retryable: false,
          });
          entry.error = toErrorInfo(error);
          throw error;
        }
        entry.answered = 'recorded';
        if (recorded.error) {
          entry.error = recorded.error;
          throw new RecordedCallError(recorded.error);
        }
        entry.result = recorded.result;
        return recorded.result;
      }
      try {
        const result = await perform();
        entry.result = JSON.parse(JSON.stringify(result ?? null)) as unknown;
        return result;
      } catch (error) {
        entry.error = toErrorInfo(error);
        throw error;
      }
    },
  };

  const done = new Map<string, PortItems>();
  for (const [nodeId, n] of Object.entries(recordedState.nodes)) if (n.reusedFrom !== undefined || n.pinnedFrom !== undefined) done.set(nodeId, (n.outputs ?? {}) as PortItems);
  const sink = new MemorySink();
  const shadowRunId = `shadow-${trace.header.runId}`;
  const result = await execute({
    runId: shadowRunId,
    flow,
    registry: deps.registry,
    sink,
    input: trace.header.input,
    replay: false,
    done,
    resumeAt: new Map(),
    recorded: recordedCalls,
    resolutions: new Map(),
    // Review steps are answered by the reference's decisions (a drift check asks nobody). The
    // desk finds a decision by its review id, which holds the run id: re-keyed to the shadow run.
    reviews: new Map([...recordedState.reviews.values()].map((r) => {
      const requestId = reviewId(shadowRunId, r.nodeId, r.itemIndex);
      return [requestId, { ...r, requestId }];
    })),
    autoApproved: recordedState.autoApproved,
    redactor: new Redactor(),
    secrets: deps.secrets,
    http: deps.http,
    payload: (value) => Promise.resolve(value),
    clock: instantClock(deps.clock ?? systemClock),
    shadow,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const liveState = reduceRun(trace.header, sink.events);

  const liveCallKinds = new Set(calls.filter((c) => c.answered === 'live' && c.effects !== 'pure').map((c) => `${c.nodeId}/${c.itemIndex}/${c.kind}#${c.call}`));
  const nodeIds = [...new Set([...Object.keys(recordedState.nodes), ...flow.nodes.map((n) => n.id)])];
  const labelFields = new Map(flow.nodes.map((n) => [n.id, labelFieldsOf(n)]));
  const observe = (state: RunState, answers: (nodeId: string) => AnswerObservation[]) =>
    nodeIds
      .filter((id) => state.nodes[id] !== undefined)
      .map((id): StepObservation => {
        const n = state.nodes[id]!;
        const fields = labelFields.get(id) ?? [];
        return {
          nodeId: id,
          name: stepName(id),
          status: statusOf(n),
          ...(n.error && !n.routedToErrorPort ? { error: { message: n.error.message, code: n.error.code } } : {}),
          ...(n.outputs ? { outputs: n.outputs as Record<string, unknown[]> } : {}),
          answers: answers(id),
          ...(fields.length > 0 ? { labelFields: fields } : {}),
        };
      });
  const recordedAnswers = (nodeId: string) => latestAnswers([...recordedCalls.values()].filter((c) => c.key.nodeId === nodeId && c.hasResult).map((c) => ({ key: c.key, ...(c.error ? { error: c.error } : { result: c.result }) })), liveCallKinds);
  const liveAnswers = (nodeId: string) => latestAnswers(calls.filter((c) => c.nodeId === nodeId && c.answered === 'live').map((c) => ({ key: { nodeId: c.nodeId, itemIndex: c.itemIndex, kind: c.kind, call: c.call, attempt: 0 }, ...(c.error ? { error: c.error } : { result: c.result }) })), liveCallKinds);

  const notes: string[] = [];
  const writes = calls.filter((c) => c.effects === 'write' && c.answered === 'recorded');
  if (writes.length > 0) notes.push(`${writes.length} write${writes.length === 1 ? ' was' : 's were'} answered from the reference and not sent (${[...new Set(writes.map((c) => stepName(c.nodeId)))].join(', ')}).`);
  for (const c of calls.filter((c) => c.answered === 'not-sent')) notes.push(c.error?.message ?? `${stepName(c.nodeId)}: a call was not sent.`);
  const aiChanged = calls.filter((c) => c.kind === 'llm' && c.answered === 'recorded' && c.requestChanged);
  if (aiChanged.length > 0) notes.push(`${[...new Set(aiChanged.map((c) => stepName(c.nodeId)))].join(', ')} now asks the AI something else than in the reference; the recorded answer was used. Switch on live AI checks to see what the model answers now.`);

  const maskedSteps = new Set(calls.filter((c) => c.answered === 'live' && c.masked).map((c) => c.nodeId));
  const graph = buildGraph(flow);
  const notJudged = new Set<string>();
  for (const id of maskedSteps) for (const d of graph.nodes.has(id) ? downstreamOf(graph, id) : [id]) notJudged.add(d);
  if (maskedSteps.size > 0) notes.push(`${[...maskedSteps].map(stepName).join(', ')} asked with a value masked in the hand-over bundle (the real value is not on this machine), so ${maskedSteps.size === 1 ? 'it' : 'they'} and the steps after ${maskedSteps.size === 1 ? 'it are' : 'them are'} not judged. Choose one of this machine's runs as a reference to check them.`);

  const unreachable = calls
    .filter((c) => c.answered === 'live' && !c.masked && c.error !== undefined && noAnswerAtAll(c.error))
    .map((c) => ({ nodeId: c.nodeId, stepName: stepName(c.nodeId), message: c.error!.message }));

  return { referenceRunId: trace.header.runId, status: result.status, recorded: observe(recordedState, recordedAnswers), live: observe(liveState, liveAnswers), calls, notes, unreachable, notJudged: [...notJudged] };
}

/** The last attempt's answer of each (item, kind, n-th call) made live in the shadow run. */
function latestAnswers(entries: Array<{ key: CallKey; result?: unknown; error?: NodeErrorInfo }>, live: Set<string>): AnswerObservation[] {
  const byKey = new Map<string, { attempt: number; answer: AnswerObservation }>();
  for (const e of entries) {
    const loose = `${e.key.nodeId}/${e.key.itemIndex}/${e.key.kind}#${e.key.call}`;
    if (!live.has(loose)) continue;
    const current = byKey.get(loose);
    if (current && current.attempt > e.key.attempt) continue;
    byKey.set(loose, { attempt: e.key.attempt, answer: { key: `${e.key.itemIndex}/${e.key.kind}#${e.key.call}`, kind: e.key.kind, itemIndex: e.key.itemIndex, ...(e.error ? { error: { message: e.error.message, code: e.error.code } } : { result: e.result }) } });
  }
  return [...byKey.values()].map((v) => v.answer).sort((a, b) => a.key.localeCompare(b.key));
}

function statusOf(n: NodeRunState): StepObservation['status'] {
  if (n.status === 'failed' && n.routedToErrorPort) return 'succeeded';
  if (n.status === 'succeeded' || n.status === 'failed' || n.status === 'skipped') return n.status;
  return 'other';
}

/** No answer came back: the server could not be reached, or sign-in or a credential failed before anything was asked. */
function noAnswerAtAll(error: NodeErrorInfo): boolean {
  // A connection reset or a time-out mid-answer is "no answer" too: whatever the server does, a check cannot judge it.
  return neverReachedServer(error) || error.code === 'NETWORK' || error.code === 'TIMEOUT' || error.code.startsWith('CREDENTIAL_') || error.code === 'LLM_CONNECTION' || error.code === 'LLM_TIMEOUT';
}

/** The fields whose values are categories: an AI step's label (sorting into labels) and its choice fields. */
export function labelFieldsOf(node: Flow['nodes'][number]): string[] {
  if (node.type !== 'llm.generate') return [];
  const config = node.config as { task?: string; outputFields?: Array<{ name?: string; type?: string }> };
  const out: string[] = [];
  if (config.task === 'classify') out.push('label');
  for (const f of config.outputFields ?? []) if (f.type === 'choice' && typeof f.name === 'string') out.push(f.name);
  return out;
}
