/**
 * The engine's front: start a run, resume an unfinished one, list runs. Every door (CLI, desktop
 * app, web bridge, tests) drives runs through this class.
 */
import { randomBytes } from 'node:crypto';
import type { Flow } from './model/flow.ts';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, callKeyString, type RunEvent, type RunEventBody, type TraceHeader } from './model/events.ts';
import type { NodeErrorInfo, PortItems } from './model/node-kit.ts';
import { attentionPause, type Pause } from './model/pause.ts';
import { isNodeDone, reduceRun, type RecordedCall, type RunState } from './model/run-state.ts';
import { canonicalJson, sha256 } from './canonical-json.ts';
import { EnvSecretResolver, type SecretResolver } from './secrets.ts';
import { ATTENTION_CHOICES, type AttentionChoice } from './runner/call-recorder.ts';
import { execute, type ExecutionResult, type ResumePoint } from './runner/execute.ts';
import { fetchTransport, type HttpTransport } from './runner/http-transport.ts';
import type { NodeRegistry } from './runner/registry.ts';
import { Redactor, RunLockedError, MemoryRunLeases, type Durability, type RunLeases } from './trace/index.ts';
import { systemClock, type Clock } from './clock.ts';
import type { EventSink, TraceStore } from './trace/trace-store.ts';
import { checkRunInput } from './run-input.ts';

/** `stopped`: stopped at a safe point for shutdown; unfinished, resumed at the next start. */
export type RunOutcomeStatus = 'succeeded' | 'failed' | 'cancelled' | 'needs-attention' | 'stopped';

export interface RunOutcome {
  runId: string;
  status: RunOutcomeStatus;
  outputs: Record<string, PortItems>;
  error?: NodeErrorInfo & { nodeId?: string };
  attention?: { nodeId: string; reason: string; choices: string[] };
  /** The same question in the one pause model (engine/model/pause.ts). */
  pause?: Pause;
}

export interface EngineOptions {
  store: TraceStore;
  /** Who owns which run; default: the store's own leases, else in-process only. */
  leases?: RunLeases;
  registry: NodeRegistry;
  secrets?: SecretResolver;
  http?: HttpTransport;
  /** `buffered` (default) syncs at the points that matter; `durable` syncs every batch. */
  durability?: Durability;
  onEvent?: (runId: string, event: RunEvent) => void;
  /**
   * Opt-in development cache folder (e.g. `<dataDir>/cache`): live calls that carry a cache key
   * (AI steps) re-use stored answers, so building a flow does not pay twice for the same prompt.
   */
  devCacheDir?: string | (() => string | undefined);
  /** Time for the runner: waits, time limits, durations, `ctx.now()` and run ids (engine/clock.ts). The system clock by default. */
  clock?: Clock;
}

export interface StartOptions {
  /** A run id chosen by the caller (so it can answer before the run ends); else a new one. */
  runId?: string;
  input?: unknown;
  signal?: AbortSignal;
  /** Stop at a safe point (shutdown) instead of cancelling: the run stays resumable. */
  stop?: AbortSignal;
  startedBy?: string;
  /** The person, when known: shown in the runs list as who started the run. */
  startedByName?: string;
  /** Links a fork to the run it came from. */
  parent?: { runId: string; fromNodeId: string };
  /** Fork: nodes whose results are copied from the parent instead of run. */
  reuse?: ReadonlyMap<string, PortItems>;
  /**
   * Pinned test data (engine/pins.ts): nodes that do not run; their result is the one pinned from
   * an earlier run, recorded with `pinnedFrom` so the trace never shows it as having run.
   */
  pinned?: ReadonlyMap<string, { runId: string; outputs: PortItems }>;
}

export interface ResumeOptions {
  signal?: AbortSignal;
  /** Stop at a safe point (shutdown) instead of cancelling: the run stays resumable. */
  stop?: AbortSignal;
  /** The answer to a needs-attention question. */
  choice?: AttentionChoice;
  by?: string;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `run-${stamp}-${randomBytes(4).toString('hex')}`;
}

export class Engine {
  private readonly secrets: SecretResolver;
  private readonly http: HttpTransport;
  private readonly durability: Durability;
  private readonly leases: RunLeases;
  private readonly clock: Clock;

  constructor(private readonly options: EngineOptions) {
    this.leases = options.leases ?? options.store.leases ?? new MemoryRunLeases();
    this.clock = options.clock ?? systemClock;
    this.secrets = options.secrets ?? new EnvSecretResolver();
    this.http = options.http ?? fetchTransport;
    this.durability = options.durability ?? 'buffered';
  }

  /** The dev cache folder for a run starting now (a setting may switch it on and off). */
  private devCache(): { devCacheDir?: string } {
    const option = this.options.devCacheDir;
    const dir = typeof option === 'function' ? option() : option;
    return dir === undefined ? {} : { devCacheDir: dir };
  }

  get store(): TraceStore {
    return this.options.store;
  }

  async startRun(flow: Flow, start: StartOptions = {}): Promise<RunOutcome> {
    const { store } = this.options;
    checkRunInput(start.input);
    const runId = start.runId ?? newRunId(new Date(this.clock.now()));
    const redactor = new Redactor();
    const header: TraceHeader = {
      kind: 'header',
      format: TRACE_FORMAT,
      formatVersion: TRACE_FORMAT_VERSION,
      runId,
      flowId: flow.id,
      flowName: flow.name,
      flowVersion: flow.version,
      flowHash: sha256(canonicalJson(flow)),
      flow: (await store.putPayload(flow)) as TraceHeader['flow'],
      input: start.input ?? {},
      createdAt: new Date(this.clock.now()).toISOString(),
      mode: start.parent ? 'fork' : 'run',
      ...(start.startedBy ? { startedBy: start.startedBy } : {}),
      ...(start.startedByName ? { startedByName: start.startedByName } : {}),
      ...(start.parent ? { parentRunId: start.parent.runId, forkFromNodeId: start.parent.fromNodeId } : {}),
    };
    const claim = await this.leases.claim(runId);
    try {
      const sink = this.observe(runId, await store.create(header, { durability: this.durability, redactor }), redactor);
      sink.append({ type: 'run.started', input: header.input });
      for (const [nodeId, outputs] of start.reuse ?? []) {
        sink.append({ type: 'node.succeeded', nodeId, attempt: 1, outputs: (await store.putPayload(outputs, redactor)) as never, durationMs: 0, reusedFrom: start.parent!.runId });
      }
      const done = new Map(start.reuse ?? []);
      for (const [nodeId, pin] of start.pinned ?? []) {
        if (done.has(nodeId) || !flow.nodes.some((n) => n.id === nodeId)) continue;
        sink.append({ type: 'node.succeeded', nodeId, attempt: 1, outputs: (await store.putPayload(pin.outputs, redactor)) as never, durationMs: 0, pinnedFrom: pin.runId });
        done.set(nodeId, pin.outputs);
      }
      const result = await execute({
        runId,
        flow,
        registry: this.options.registry,
        sink,
        input: header.input,
        replay: false,
        done,
        resumeAt: new Map(),
        recorded: new Map(),
        resolutions: new Map(),
        ...(start.signal ? { signal: start.signal } : {}),
        ...(start.stop ? { stop: start.stop } : {}),
        redactor,
        secrets: this.secrets,
        http: this.http,
        payload: (value) => store.putPayload(value, redactor),
        clock: this.clock,
        ...this.devCache(),
      });
      return await this.finish(runId, sink, result, redactor);
    } finally {
      await claim.release();
    }
  }

  /** Continues an unfinished run from its trace. Finished nodes do not run again. */
  async resume(runId: string, options: ResumeOptions = {}): Promise<RunOutcome> {
    const { store } = this.options;
    const claim = await this.leases.claim(runId);
    const redactor = new Redactor();
    try {
      const { trace, sink: rawSink } = await store.reopen(runId, { durability: this.durability, redactor });
      const sink = this.observe(runId, rawSink, redactor);
      const state = reduceRun(trace.header, trace.events);
      if (state.status === 'succeeded' || state.status === 'failed' || state.status === 'cancelled') {
        await sink.close();
        return await this.outcomeFromState(state);
      }
      const failed = Object.entries(state.nodes).find(([, n]) => n.status === 'failed' && !n.routedToErrorPort);
      if (failed) {
        // Crashed between a final node failure and writing the end of the run.
        const [nodeId, n] = failed;
        const error = { ...(n.error ?? { message: 'failed', code: 'INTERNAL', retryable: false }), nodeId };
        await sink.appendDurable({ type: 'run.finished', status: 'failed', outputs: {}, error });
        await sink.close();
        return { runId, status: 'failed', outputs: {}, error };
      }
      const resolutions = new Map(state.resolutions);
      if (state.status === 'needs-attention' && state.attention) {
        if (!options.choice) {
          await sink.close();
          return await this.outcomeFromState(state);
        }
        if (!ATTENTION_CHOICES.includes(options.choice)) throw new Error(`"${String(options.choice)}" is not a choice here. Choose one of: ${state.attention.choices.join(', ')}.`);
        const { attention } = state;
        sink.append({ type: 'run.attention-resolved', nodeId: attention.nodeId, choice: options.choice, by: options.by ?? 'unknown', ...(attention.call ? { call: attention.call } : {}) });
        if (options.choice === 'cancel') {
          await sink.appendDurable({ type: 'run.finished', status: 'cancelled', outputs: {}, error: { message: 'Cancelled by a person after an interruption.', code: 'CANCELLED', retryable: false, nodeId: attention.nodeId } });
          await sink.close();
          return { runId, status: 'cancelled', outputs: {} };
        }
        if (attention.call) resolutions.set(callKeyString(attention.call), options.choice);
      }

      const flow = await store.getPayload(trace.header.flow);
      const done = new Map<string, PortItems>();
      const resumeAt = new Map<string, ResumePoint>();
      for (const [nodeId, n] of Object.entries(state.nodes)) {
        if (isNodeDone(n)) done.set(nodeId, (await store.getPayload(n.outputs ?? {})) as PortItems);
        else if (n.status === 'running') resumeAt.set(nodeId, { attempt: n.attempt });
        else if (n.status === 'retrying') resumeAt.set(nodeId, { attempt: n.attempt + 1, ...(n.retryAt ? { notBefore: n.retryAt } : {}) });
      }
      sink.append({ type: 'run.resumed', reason: options.choice ? `decision: ${options.choice}` : 'continuing after an interruption', pid: process.pid });
      const result = await execute({
        runId,
        flow,
        registry: this.options.registry,
        sink,
        input: trace.header.input,
        replay: false,
        done,
        resumeAt,
        recorded: await loadRecordedCalls(state, (v) => store.getPayload(v)),
        resolutions,
        itemRetries: state.itemRetries,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.stop ? { stop: options.stop } : {}),
        redactor,
        secrets: this.secrets,
        http: this.http,
        payload: (value) => store.putPayload(value, redactor),
        clock: this.clock,
        ...this.devCache(),
      });
      return await this.finish(runId, sink, result, redactor);
    } finally {
      await claim.release();
    }
  }

  /** Resumes every run that was interrupted (not paused for a person, not owned by a live process). */
  async resumeAll(options: { signal?: AbortSignal } = {}): Promise<{ resumed: RunOutcome[]; skipped: Array<{ runId: string; reason: string }> }> {
    const { runs } = await this.options.store.list();
    const resumed: RunOutcome[] = [];
    const skipped: Array<{ runId: string; reason: string }> = [];
    for (const run of runs.filter((r) => r.status === 'running')) {
      // Stopped (Ctrl-C, shutdown): leave the remaining runs untouched for the next resume.
      if (options.signal?.aborted) break;
      try {
        resumed.push(await this.resume(run.runId, options.signal ? { signal: options.signal } : {}));
      } catch (error) {
        if (error instanceof RunLockedError) skipped.push({ runId: run.runId, reason: error.message });
        else throw error;
      }
    }
    return { resumed, skipped };
  }

  async outcomeFromState(state: RunState): Promise<RunOutcome> {
    const outcome: RunOutcome = {
      runId: state.runId,
      status: state.status === 'running' || state.status === 'paused' ? 'needs-attention' : state.status,
      outputs: {},
    };
    for (const [nodeId, ports] of Object.entries(state.outputs ?? {})) outcome.outputs[nodeId] = (await this.options.store.getPayload(ports)) as PortItems;
    if (state.error) outcome.error = state.error;
    if (state.attention) outcome.attention = { nodeId: state.attention.nodeId, reason: state.attention.reason, choices: state.attention.choices };
    if (state.pause) outcome.pause = withoutCall(state.pause);
    return outcome;
  }

  private async finish(runId: string, sink: EventSink, result: ExecutionResult, redactor: Redactor): Promise<RunOutcome> {
    const { store } = this.options;
    // What the caller prints or shows is held to the same rule as the trace: no secrets.
    const outcome: RunOutcome = { runId, status: result.status, outputs: redactor.redactValue(result.outputs) };
    try {
      if (result.status === 'stopped') {
        await sink.appendDurable({ type: 'run.stopped', reason: 'shutdown', message: 'Stopped because Flowkeeper was closing; it continues at the next start.' });
      } else if (result.status === 'needs-attention' && result.attention) {
        const { attention } = result;
        await sink.appendDurable({ type: 'run.needs-attention', nodeId: attention.nodeId, call: attention.call, reason: attention.reason, choices: [...ATTENTION_CHOICES] });
        outcome.attention = { nodeId: attention.nodeId, reason: redactor.redactString(attention.reason), choices: [...ATTENTION_CHOICES] };
        outcome.pause = withoutCall(attentionPause(outcome.attention));
      } else {
        const status = result.status === 'needs-attention' ? 'failed' : result.status;
        const outputs: Record<string, unknown> = {};
        for (const [nodeId, ports] of Object.entries(result.outputs)) outputs[nodeId] = await store.putPayload(ports, redactor);
        await sink.appendDurable({ type: 'run.finished', status, outputs: outputs as never, ...(result.error ? { error: result.error } : {}) });
        if (result.error) outcome.error = redactor.redactValue(result.error);
      }
    } finally {
      await sink.close();
    }
    return outcome;
  }

  /** Listeners (the app, the bridge) get events held to the trace's rule: secrets redacted. */
  private observe(runId: string, sink: EventSink, redactor: Redactor): EventSink {
    const listener = this.options.onEvent;
    if (!listener) return sink;
    const notify = (event: RunEvent) => listener(runId, redactor.redactValue(event));
    return {
      get lastSeq() {
        return sink.lastSeq;
      },
      append(body: RunEventBody) {
        const event = sink.append(body);
        notify(event);
        return event;
      },
      async appendDurable(body: RunEventBody) {
        const event = await sink.appendDurable(body);
        notify(event);
        return event;
      },
      sync: () => sink.sync(),
      flush: () => sink.flush(),
      close: () => sink.close(),
    };
  }
}

/** The recorded calls of a run with large payloads read back from their side files. */
export async function loadRecordedCalls(state: RunState, getPayload: (value: unknown) => Promise<unknown>): Promise<Map<string, RecordedCall>> {
  const calls = new Map<string, RecordedCall>();
  for (const [id, call] of state.calls) {
    const loaded: RecordedCall = { ...call };
    if (call.result !== undefined) loaded.result = await getPayload(call.result);
    if (call.request !== undefined) loaded.request = await getPayload(call.request);
    calls.set(id, loaded);
  }
  return calls;
}

/** What a caller sees of a pause: the recorded call key stays inside the engine. */
function withoutCall(pause: Pause): Pause {
  const { call: _call, ...shown } = pause;
  return shown;
}
