/**
 * The engine's front: start a run, resume an unfinished one, list runs. Every door (CLI, desktop
 * app, web bridge, tests) drives runs through this class.
 */
import { randomUUID } from 'node:crypto';
import type { Flow } from './model/flow.ts';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, callKeyString, type RunEvent, type RunEventBody, type TraceHeader } from './model/events.ts';
import type { NodeErrorInfo, PortItems } from './model/node-kit.ts';
import { attentionPause, type Pause } from './model/pause.ts';
import { applyEvent, isNodeDone, openReviews, reduceRun, type RecordedCall, type RunState } from './model/run-state.ts';
import { DecisionRefused, TIMEOUT, TIMER_REVIEWER, checkDecision, currentAssignee, type DecisionInput, type ReviewDecision } from './model/review.ts';
import { canonicalJson, sha256 } from './canonical-json.ts';
import { EnvSecretResolver, type SecretResolver } from './secrets.ts';
import { ATTENTION_CHOICES, type AttentionChoice } from './runner/call-recorder.ts';
import { execute, type ExecutionResult, type ResumePoint } from './runner/execute.ts';
import { fetchTransport, type HttpTransport } from './runner/http-transport.ts';
import type { NodeRegistry } from './runner/registry.ts';
import { Redactor, RunLockedError, MemoryRunLeases, type Durability, type RunLeases } from './trace/index.ts';
import { systemClock, type Clock } from './clock.ts';
import { RunNotFoundError, type EventSink, type LoadedTrace, type TraceStore } from './trace/trace-store.ts';
import { checkRunInput } from './run-input.ts';
import { autoEmitted, carriedDecision, carriedReuse, carriedRunId, itemsToCarry } from './runner/carried-review.ts';
import { NO_CREDENTIALS, NO_NETWORK, demoPlan } from './demo/demo-plan.ts';
import type { DemoReference } from './demo/demo-reference.ts';

/** `stopped`: stopped at a safe point for shutdown; unfinished, resumed at the next start. */
export type RunOutcomeStatus = 'succeeded' | 'failed' | 'cancelled' | 'needs-attention' | 'stopped' | 'paused';

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
  /** Named reviewer groups (settings `reviewerGroups`), read when a decision is checked. */
  reviewerGroups?: () => Record<string, string[]>;
}

/** An answer to a review: a person's decision, or one of its timers falling due. */
export type ReviewAction =
  | ({ kind: 'decision'; requestId: string } & DecisionInput)
  | { kind: 'timer'; requestId: string; timer: 'remind' | 'escalate' | 'due' };

export interface ReviewActionOutcome extends RunOutcome {
  /** What was recorded: the decision, a reminder or escalation, or nothing (a timer already fired or no longer applies). */
  recorded: 'decision' | 'reminder' | 'escalation' | 'nothing';
  decision?: ReviewDecision;
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
  /** A run carrying one decided item of a one-by-one review on (runner/carried-review.ts). */
  reviewItem?: { requestId: string; nodeId: string; itemIndex: number; decision: ReviewDecision; auto?: true };
  /** The start is already durable in the intake journal: the trace skips its own creation fsyncs (WriterOptions.journalled). */
  journalled?: boolean;
  /**
   * A demo run (engine/demo/): every outside call is answered from this recording and nothing is
   * sent, no credential read; without `input`, the recording's input.
   */
  demo?: DemoReference;
}

export interface ResumeOptions {
  signal?: AbortSignal;
  /** Stop at a safe point (shutdown) instead of cancelling: the run stays resumable. */
  stop?: AbortSignal;
  /** The answer to a needs-attention question. */
  choice?: AttentionChoice;
  by?: string;
  /** Why the run continues, for the trace (default: after an interruption). */
  reason?: string;
}

/** The last second's stamp: a busy webhook makes thousands of ids a second. */
let lastStamp = { second: NaN, text: '' };

export function newRunId(now = new Date()): string {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== lastStamp.second) lastStamp = { second, text: now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z') };
  // 8 random hex digits: the first 8 of a v4 UUID are all random, and randomUUID draws from a
  // pooled buffer (~1 µs) where randomBytes(4) asks the system each time (~6 µs).
  return `run-${lastStamp.text}-${randomUUID().slice(0, 8)}`;
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
    const demo = start.demo ? await demoPlan(start.demo, (v) => store.getPayload(v), loadRecordedCalls) : undefined;
    const input = start.input ?? start.demo?.trace.header.input;
    checkRunInput(input);
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
      input: input ?? {},
      createdAt: new Date(this.clock.now()).toISOString(),
      mode: start.demo ? 'demo' : start.parent ? 'fork' : 'run',
      ...(start.demo ? { demo: start.demo.origin } : {}),
      ...(start.startedBy ? { startedBy: start.startedBy } : {}),
      ...(start.startedByName ? { startedByName: start.startedByName } : {}),
      ...(start.parent ? { parentRunId: start.parent.runId, forkFromNodeId: start.parent.fromNodeId } : {}),
      ...(start.reviewItem ? { reviewItem: { requestId: start.reviewItem.requestId, nodeId: start.reviewItem.nodeId, itemIndex: start.reviewItem.itemIndex, ...(start.reviewItem.auto ? { auto: true as const } : {}) } } : {}),
    };
    const claim = await this.leases.claim(runId);
    try {
      const sink = this.observe(runId, await store.create(header, { durability: this.durability, redactor, ...(start.journalled ? { journalled: true } : {}) }), redactor);
      sink.append({ type: 'run.started', input: header.input });
      for (const [nodeId, outputs] of start.reuse ?? []) {
        sink.append({ type: 'node.succeeded', nodeId, attempt: 1, outputs: (await store.putPayload(outputs, redactor)) as never, durationMs: 0, reusedFrom: start.parent!.runId });
      }
      // A carried item's run is started once (see carryDecided): what it reuses is on disk before anything runs.
      if (start.reviewItem) await sink.sync();
      const done = new Map(start.reuse ?? []);
      // A demo from a fork: the steps the fork copied are copied again, from the reference.
      for (const [nodeId, outputs] of demo?.reused ?? []) {
        if (!flow.nodes.some((n) => n.id === nodeId)) continue;
        sink.append({ type: 'node.succeeded', nodeId, attempt: 1, outputs: (await store.putPayload(outputs, redactor)) as never, durationMs: 0, reusedFrom: start.demo!.origin.runId });
        done.set(nodeId, outputs);
      }
      for (const [nodeId, pin] of start.pinned ?? []) {
        if (done.has(nodeId) || !flow.nodes.some((n) => n.id === nodeId)) continue;
        sink.append({ type: 'node.succeeded', nodeId, attempt: 1, outputs: (await store.putPayload(pin.outputs, redactor)) as never, durationMs: 0, pinnedFrom: pin.runId });
        done.set(nodeId, pin.outputs);
      }
      const carried = start.reviewItem;
      const result = await execute({
        runId,
        flow,
        registry: this.options.registry,
        sink,
        input: header.input,
        // A demo is a replay that writes its own trace: answers from the recording, nothing sent.
        replay: demo !== undefined,
        done,
        resumeAt: new Map(),
        recorded: demo?.recorded ?? new Map(),
        resolutions: new Map(),
        ...(start.signal ? { signal: start.signal } : {}),
        ...(start.stop ? { stop: start.stop } : {}),
        redactor,
        secrets: demo ? NO_CREDENTIALS : this.secrets,
        http: demo ? NO_NETWORK : this.http,
        payload: (value) => store.putPayload(value, redactor),
        clock: this.clock,
        ...(carried ? { carried: { nodeId: carried.nodeId, itemIndex: carried.itemIndex, decision: carried.decision, ...(carried.auto ? { auto: true } : {}) } } : {}),
        ...(demo ? { demo: demo.reviews, recordedTimeouts: demo.recordedTimeouts } : this.devCache()),
      });
      const outcome = await this.finish(runId, sink, result, redactor);
      if (outcome.status === 'paused') await this.carryAfterPause(runId, redactor);
      return outcome;
    } finally {
      await claim.release();
    }
  }

  /**
   * One by one: a run that just paused at such a step carries on at once the items "review only
   * if" let through there (still under the run's lease).
   */
  private async carryAfterPause(runId: string, redactor: Redactor): Promise<void> {
    const { store } = this.options;
    const peek = await store.load(runId);
    const peekState = reduceRun(peek.header, peek.events);
    if (itemsToCarry(peekState).length === 0) return;
    const { trace, sink: rawSink } = await store.reopen(runId, { durability: this.durability, redactor });
    const sink = this.observe(runId, rawSink, redactor);
    try {
      await this.carryDecided(trace, reduceRun(trace.header, trace.events), sink);
    } finally {
      await sink.close();
    }
  }

  /**
   * One-by-one review: starts a run for every decided item of the parent that has not gone on
   * yet, and records `review.emitted` for it (synced). Under the parent's lease; a carried run
   * whose trace exists already (a crash came between) is not started again — it resumes like any
   * interrupted run. See runner/carried-review.ts.
   */
  private async carryDecided(trace: LoadedTrace, state: RunState, sink: EventSink): Promise<void> {
    const { store } = this.options;
    const todo = itemsToCarry(state);
    if (todo.length === 0) return;
    const flow = await store.getPayload(trace.header.flow);
    for (const record of todo) {
      const childId = carriedRunId(trace.header.runId, record);
      if (!(await this.traceExists(childId))) {
        await this.startRun(flow, {
          runId: childId,
          input: trace.header.input,
          parent: { runId: trace.header.runId, fromNodeId: record.nodeId },
          reuse: await carriedReuse(store, state, flow, record.nodeId),
          reviewItem: { requestId: record.requestId, nodeId: record.nodeId, itemIndex: record.itemIndex, decision: record.decision, ...(record.auto ? { auto: true as const } : {}) },
          startedBy: 'review',
          ...(record.auto ? {} : { startedByName: record.decision.by }),
        });
      }
      const event = await sink.appendDurable({ type: 'review.emitted', requestId: record.requestId, nodeId: record.nodeId, itemIndex: record.itemIndex, runId: childId });
      applyEvent(state, event);
      trace.events.push(event);
    }
  }

  private async traceExists(runId: string): Promise<boolean> {
    const { store } = this.options;
    if (store.stamp) return (await store.stamp(runId)) !== undefined;
    try {
      await store.load(runId);
      return true;
    } catch (error) {
      if (error instanceof RunNotFoundError) return false;
      throw error;
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
      if (state.status === 'paused' && state.pause?.kind === 'review') {
        // Waiting for people: a resume changes nothing (the decisions continue it).
        await sink.close();
        return await this.outcomeFromState(state);
      }
      return await this.continueOpened(runId, trace, state, sink, redactor, options);
    } finally {
      await claim.release();
    }
  }

  /** The rest of a resume, on a reopened trace (resume, and a decision that completes a review step). */
  private async continueOpened(runId: string, trace: LoadedTrace, state: RunState, sink: EventSink, redactor: Redactor, options: ResumeOptions): Promise<RunOutcome> {
    const { store } = this.options;
    {
      if (state.status === 'succeeded' || state.status === 'failed' || state.status === 'cancelled') {
        await sink.close();
        return await this.outcomeFromState(state);
      }
      if (trace.header.mode === 'demo') {
        // A demo is never continued: its recording may not be at hand here, and continuing it
        // as a normal run would send what the demo promised not to.
        const error = { message: 'This demo run was interrupted before it finished; a demo is not continued.', code: 'DEMO_INTERRUPTED', retryable: false, hint: 'Start the demo again.' };
        await sink.appendDurable({ type: 'run.finished', status: 'failed', outputs: {}, error });
        await sink.close();
        return { runId, status: 'failed', outputs: {}, error };
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
      // One-by-one review: items decided before a crash go on first (once); a carried run gets
      // back what it reuses should a crash have cut it off after its header.
      await this.carryDecided(trace, state, sink);
      const carried = await carriedDecision(store, trace.header);
      if (carried) {
        for (const [nodeId, outputs] of await carriedReuse(store, carried.parent, flow, carried.nodeId)) {
          if (done.has(nodeId) || resumeAt.has(nodeId)) continue;
          sink.append({ type: 'node.succeeded', nodeId, attempt: 1, outputs: (await store.putPayload(outputs, redactor)) as never, durationMs: 0, reusedFrom: trace.header.parentRunId! });
          done.set(nodeId, outputs);
        }
      }
      sink.append({ type: 'run.resumed', reason: options.reason ?? (options.choice ? `decision: ${options.choice}` : 'continuing after an interruption'), pid: process.pid });
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
        reviews: state.reviews,
        autoApproved: state.autoApproved,
        ...(carried ? { carried: { nodeId: carried.nodeId, itemIndex: carried.itemIndex, decision: carried.decision, ...(carried.auto ? { auto: true } : {}) } } : {}),
        autoEmitted: autoEmitted(state),
        ...this.devCache(),
      });
      const outcome = await this.finish(runId, sink, result, redactor);
      if (outcome.status === 'paused') await this.carryAfterPause(runId, redactor);
      return outcome;
    }
  }

  /**
   * Answers a review under the run's lease: checks it against the trace (the first durable answer
   * wins — a second decision, a timer after a decision, a decision on a finished run are refused
   * or ignored), records it synced, and when the step has no open items left, continues the run
   * on the matching ports, like a resume. Steps finished before the pause do not run again.
   */
  async answerReview(runId: string, action: ReviewAction, options: ResumeOptions = {}): Promise<ReviewActionOutcome> {
    const { store } = this.options;
    const claim = await this.leases.claim(runId);
    const redactor = new Redactor();
    try {
      const { trace, sink: rawSink } = await store.reopen(runId, { durability: this.durability, redactor });
      const sink = this.observe(runId, rawSink, redactor);
      const state = reduceRun(trace.header, trace.events);
      try {
        // Items of a one-by-one step decided before a crash go on first (once).
        await this.carryDecided(trace, state, sink);
      } catch (error) {
        await sink.close();
        throw error;
      }
      const nothing = async (): Promise<ReviewActionOutcome> => {
        await sink.close();
        return { ...(await this.outcomeFromState(state)), recorded: 'nothing' };
      };
      const record = state.reviews.get(action.requestId);
      const finished = state.status === 'succeeded' || state.status === 'failed' || state.status === 'cancelled';
      if (action.kind === 'timer') {
        if (finished || !record || record.decided) return await nothing();
        const now = this.clock.now();
        const at = Date.parse((action.timer === 'remind' ? record.request.remindAt : action.timer === 'escalate' ? record.request.escalateAt : record.request.dueAt) ?? '');
        // Never early (a timer armed on a clock that later moved back), never twice (the trace says).
        if (!Number.isFinite(at) || now < at) return await nothing();
        if (action.timer === 'remind') {
          if (record.remindedAt) return await nothing();
          const assignee = currentAssignee(record);
          await sink.appendDurable({ type: 'review.reminded', requestId: record.requestId, nodeId: record.nodeId, ...(assignee ? { assignee } : {}) });
          await sink.close();
          return { ...(await this.outcomeFromState(state)), status: 'paused', recorded: 'reminder' };
        }
        if (action.timer === 'escalate') {
          if (record.escalatedAt || !record.request.escalateTo) return await nothing();
          const from = currentAssignee(record);
          await sink.appendDurable({ type: 'review.escalated', requestId: record.requestId, nodeId: record.nodeId, ...(from ? { from } : {}), to: record.request.escalateTo });
          await sink.close();
          return { ...(await this.outcomeFromState(state)), status: 'paused', recorded: 'escalation' };
        }
        if (record.request.onDue !== 'timeout') return await nothing();
      } else {
        if (finished) {
          await sink.close();
          throw new DecisionRefused('RUN_FINISHED', `Run ${runId} already ${state.status === 'cancelled' ? 'was cancelled' : state.status}, so its reviews can no longer be decided.`, 'Nothing waits for this decision any more.');
        }
        if (!record) {
          await sink.close();
          throw new DecisionRefused('INBOX_ITEM_NOT_FOUND', `Run ${runId} has no review "${action.requestId}".`, 'List open items with "flowkeeper inbox list".');
        }
      }
      let decision: ReviewDecision;
      try {
        const input: DecisionInput = action.kind === 'timer' ? { outcome: TIMEOUT, by: TIMER_REVIEWER } : action;
        decision = checkDecision(record!, input, { groups: this.options.reviewerGroups?.() ?? {}, at: new Date(this.clock.now()).toISOString(), ...(state.startedBy === undefined ? {} : { startedBy: state.startedBy }) });
      } catch (error) {
        await sink.close();
        throw error;
      }
      const event = await sink.appendDurable({
        type: 'review.decided',
        requestId: record!.requestId,
        nodeId: record!.nodeId,
        itemIndex: record!.itemIndex,
        outcome: decision.outcome,
        by: decision.by,
        ...(decision.comment === undefined ? {} : { comment: decision.comment }),
        changes: decision.changes,
        values: decision.values,
        final: decision.final,
      });
      applyEvent(state, event);
      trace.events.push(event);
      if (decision.final && record!.request.emit === 'each') {
        try {
          // One by one: this item goes on now, in a run of its own.
          await this.carryDecided(trace, state, sink);
        } catch (error) {
          // The decision is recorded; the next holder of the run's lease carries the item on.
          await sink.close();
          throw error;
        }
      }
      if (!decision.final || openReviews(state, record!.nodeId).length > 0) {
        await sink.close();
        return { ...(await this.outcomeFromState(state)), recorded: 'decision', decision };
      }
      const outcome = await this.continueOpened(runId, trace, state, sink, redactor, { ...options, reason: `decision: ${decision.outcome} by ${decision.by}` });
      return { ...outcome, recorded: 'decision', decision };
    } finally {
      await claim.release();
    }
  }

  /**
   * Cancels a run that waits for people (paused at review): recorded as cancelled, so its open
   * items leave the inbox and a later decision is refused. False when the run does not wait.
   */
  async cancelWaiting(runId: string, by: string): Promise<boolean> {
    const claim = await this.leases.claim(runId);
    const redactor = new Redactor();
    try {
      const { trace, sink } = await this.options.store.reopen(runId, { durability: this.durability, redactor });
      const observed = this.observe(runId, sink, redactor);
      const state = reduceRun(trace.header, trace.events);
      if (state.status !== 'paused') {
        await observed.close();
        return false;
      }
      await observed.appendDurable({ type: 'run.finished', status: 'cancelled', outputs: {}, error: { message: `Cancelled by ${by} while waiting for a review.`, code: 'CANCELLED', retryable: false, ...(state.pause ? { nodeId: state.pause.nodeId } : {}) } });
      await observed.close();
      return true;
    } finally {
      await claim.release();
    }
  }

  /**
   * Resumes every run that was interrupted (not paused for a person, not owned by a live process).
   * `running`: the runs left running, when the caller knows them (the run index); otherwise the
   * store lists every trace.
   */
  async resumeAll(options: { signal?: AbortSignal; running?: ReadonlyArray<{ runId: string }> } = {}): Promise<{ resumed: RunOutcome[]; skipped: Array<{ runId: string; reason: string }> }> {
    const running = options.running ?? (await this.options.store.list()).runs.filter((r) => r.status === 'running');
    const resumed: RunOutcome[] = [];
    const skipped: Array<{ runId: string; reason: string }> = [];
    for (const run of running) {
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
      status: state.status === 'running' ? 'needs-attention' : state.status,
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
      if (result.status === 'paused') {
        const first = result.awaiting![0]!;
        const requests = result.awaiting!.flatMap((a) => [...a.requests]);
        await sink.appendDurable({ type: 'run.paused', nodeId: first.nodeId, reason: redactor.redactString(first.message), requests });
      } else if (result.status === 'stopped') {
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
    if (result.status === 'paused') {
      // What waits (titles, outcomes, who is asked) is read back from the trace: one answer.
      const trace = await store.load(runId);
      const state = reduceRun(trace.header, trace.events);
      if (state.pause) outcome.pause = withoutCall(state.pause);
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
