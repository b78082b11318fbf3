/**
 * Records every call a node makes to the outside world, and answers from the record when it can
 * (crash-resume, node-level retries, replay). Calls are matched by (node, attempt, item, kind,
 * n-th call), never by line order, so concurrent branches may interleave freely. A later attempt
 * of a node re-uses what an earlier attempt already got for the same item and call, so a retry
 * never sends again what already went out.
 */
import { callKeyString, type CallKey } from '../model/events.ts';
import { NodeError, toErrorInfo, type Effects, type NodeErrorInfo } from '../model/node-kit.ts';
import type { RecordedCall } from '../model/run-state.ts';
import { neverReachedServer } from '../model/network-errors.ts';
import type { EventSink } from '../trace/trace-store.ts';
import { REDACTED, type Redactor } from '../trace/index.ts';
import { describeDifference, firstDifference } from './request-difference.ts';

/** Raised when a run must stop for a person: a write may or may not have gone out. */
export class AttentionNeeded extends Error {
  constructor(
    readonly nodeId: string,
    readonly call: CallKey,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'AttentionNeeded';
  }
}

/** A person confirmed the item's write went out: the item is done, with nothing to pass on. */
export class ItemConfirmedSent extends Error {
  constructor(readonly call: CallKey) {
    super('A person confirmed this item was already sent.');
    this.name = 'ItemConfirmedSent';
  }
}

/** An error answered from the record (resume, retry, replay): the wait before it already happened. */
export class RecordedCallError extends NodeError {}

export { ATTENTION_CHOICES, type AttentionChoice } from './attention-choices.ts';

export interface RecorderOptions {
  sink: EventSink;
  /** Calls recorded earlier in this run (resume) or in the run being replayed. */
  recorded: ReadonlyMap<string, RecordedCall>;
  /** Choices a person made for interrupted calls, by call key string. */
  resolutions: ReadonlyMap<string, string>;
  replay: boolean;
  /**
   * A demo run (engine/demo/, with `replay`): answered from the reference run's record like a
   * replay, but each answer is written to this run's own trace as if the call had been made, and
   * a call the record lacks fails with a demo's plain reason. Clock and randomness are local, so
   * those the record lacks are read live; nothing else ever is.
   */
  demo?: { referenceRunId: string };
  /** Stores large requests/results in side files. */
  payload: (value: unknown) => Promise<unknown>;
  describeNode: (nodeId: string) => string;
  /** Opt-in development cache: answers to identical calls while a flow is being built. */
  devCache?: DevCache;
  /** The run's known secrets, so nothing holding one goes to the development cache. */
  redactor?: Redactor;
  /**
   * A shadow run (a drift check, engine/drift/shadow-run.ts) decides every call itself — sent
   * live or answered from the reference's recording — and nothing else of this class applies.
   */
  shadow?: ShadowCalls;
}

/** How a shadow run answers a call; `recorded` is what the reference holds for it (this attempt's, else an earlier one's). */
export interface ShadowCalls {
  call(key: CallKey, effects: Effects, request: unknown, recorded: RecordedCall | undefined, perform: () => Promise<unknown>): Promise<unknown>;
}

/** Stores successful call results by kind and cache key (see EngineOptions.devCacheDir). */
export interface DevCache {
  get(kind: string, cacheKey: string): Promise<unknown>;
  put(kind: string, cacheKey: string, result: unknown): Promise<void>;
}

export function provablyNotSent(error: NodeErrorInfo | undefined): boolean {
  if (!error) return false;
  if (error.code === 'NETWORK') return neverReachedServer(error);
  return error.code.startsWith('CREDENTIAL_') || error.code === 'CONFIG';
}

function attemptless(key: CallKey): string {
  return `${key.nodeId}/${key.itemIndex}/${key.kind}#${key.call}`;
}

export class CallRecorder {
  private readonly calls = new Map<string, RecordedCall>();
  /** The latest attempt's record of each (node, item, kind, n-th call). */
  private readonly latest = new Map<string, RecordedCall>();
  private readonly resolutions: Map<string, string>;

  constructor(private readonly options: RecorderOptions) {
    for (const [id, call] of options.recorded) this.remember(id, call);
    this.resolutions = new Map(options.resolutions);
  }

  private remember(id: string, call: RecordedCall): void {
    this.calls.set(id, call);
    const loose = attemptless(call.key);
    const current = this.latest.get(loose);
    if (!current || current.key.attempt <= call.key.attempt) this.latest.set(loose, call);
  }

  /** What the record holds for this exact call, if anything. */
  recordedCall(key: CallKey): RecordedCall | undefined {
    return this.calls.get(callKeyString(key));
  }

  /** Writes the outcome of a lookup that must always run live (e.g. a secret), once per key. */
  note(key: CallKey, outcome: { result: unknown } | { error: NodeErrorInfo }): void {
    if (this.options.replay || this.calls.get(callKeyString(key))?.hasResult) return;
    this.options.sink.append({ type: 'external.result', ...key, ...outcome });
  }

  /** The record that answers this call: this attempt's, else an earlier attempt's. */
  private previous(key: CallKey): RecordedCall | undefined {
    const exact = this.calls.get(callKeyString(key));
    if (exact) return exact;
    const earlier = this.latest.get(attemptless(key));
    return earlier && earlier.key.attempt < key.attempt ? earlier : undefined;
  }

  async call<T>(
    key: CallKey,
    effects: Effects,
    request: unknown,
    idempotencyKey: string | undefined,
    perform: () => Promise<T>,
    cacheOptions?: { key: string; keep?: (result: unknown) => boolean },
  ): Promise<T> {
    if (this.options.shadow) return this.options.shadow.call(key, effects, request, this.previous(key), perform) as Promise<T>;
    const id = callKeyString(key);
    const previous = this.previous(key);
    const sameRequest = !this.options.replay || previous?.request === undefined || matchesRecording(previous.request, request);
    const fromThisAttempt = previous?.key.attempt === key.attempt;

    // An earlier attempt's failed call that the item then moved past (it tried again and went
    // on) is history to repeat, not a call to make again.
    const movedPast = previous?.error !== undefined && !fromThisAttempt && this.calls.has(callKeyString({ ...previous.key, call: previous.key.call + 1 }));
    if (previous?.hasResult && sameRequest && (fromThisAttempt || !previous.error || movedPast)) {
      if (this.options.demo) await this.writeDemoAnswer(key, effects, request, previous, idempotencyKey);
      if (previous.error) throw new RecordedCallError(previous.error);
      return previous.result as T;
    }

    // An earlier try whose outcome is unknown: it may have gone out.
    const unknownOutcome = previous !== undefined && (!previous.hasResult || (previous.error !== undefined && !provablyNotSent(previous.error)));
    const unsafeToRepeat = unknownOutcome && effects === 'write' && previous.idempotencyKey === undefined && idempotencyKey === undefined;
    const choice = this.resolutions.get(callKeyString(previous?.key ?? key)) ?? this.resolutions.get(id);
    if (unsafeToRepeat && choice === 'skip-item') throw new ItemConfirmedSent(key);

    const local = key.kind === 'clock' || key.kind === 'random';
    if (this.options.demo && !local) throw demoMissing(key, this.options.describeNode(key.nodeId), this.options.demo.referenceRunId, previous?.hasResult ? previous.request : undefined, request);
    if (this.options.replay && !(this.options.demo && local)) {
      if (previous?.hasResult && !sameRequest) {
        throw new NodeError({
          message: `In the recording this ${key.kind} call (item ${key.itemIndex + 1}) asked for something else, so the recorded answer does not apply: recorded ${brief(previous.request)}, now ${brief(request)}.`,
          code: 'REPLAY_MISSING',
          retryable: false,
          hint: 'A changed setting upstream or in this node changes what it asks for. Use "replay --from" this node to run it live.',
        });
      }
      throw new NodeError({
        message: `Replay needs a ${key.kind} call (item ${key.itemIndex + 1}, call ${key.call + 1}) that the recording does not have, so the node now behaves differently from the recorded run.`,
        code: 'REPLAY_MISSING',
        retryable: false,
        hint: 'A changed setting upstream or in this node changes what it asks for. Use "replay --from" this node to run it live.',
      });
    }
    if (unsafeToRepeat && choice !== 'send-again') {
      throw new AttentionNeeded(
        key.nodeId,
        previous.key,
        `Flowkeeper stopped while ${this.options.describeNode(key.nodeId)} was sending item ${key.itemIndex + 1} (${key.kind}), and it cannot tell whether it went out. ` +
          'Check the receiving system. Then choose "send-again" if it did not arrive, "skip-item" if it did, or "cancel" to stop the run. ' +
          'To make this automatic next time, give the node an idempotency key.',
      );
    }
    if (choice === 'send-again') {
      // One answer covers one interruption: if this send is interrupted too, ask again.
      this.resolutions.delete(callKeyString(previous?.key ?? key));
      this.resolutions.delete(id);
    }

    const { sink } = this.options;
    if (effects !== 'pure') {
      const intent = {
        type: 'external.intent' as const,
        ...key,
        effects,
        request: await this.options.payload(request),
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      };
      // Durable before the side effect starts: after a crash we know it may have happened.
      if (effects === 'write') await sink.appendDurable(intent);
      else sink.append(intent);
      const record: RecordedCall = { key, effects, request, hasResult: false };
      if (idempotencyKey !== undefined) record.idempotencyKey = idempotencyKey;
      this.remember(id, record);
    }
    const cache = cacheOptions !== undefined && effects !== 'write' ? this.options.devCache : undefined;
    try {
      const cached = cache ? ((await cache.get(key.kind, cacheOptions!.key)) as T | undefined) : undefined;
      const result = cached !== undefined ? cached : await perform();
      // Keep only answers worth repeating, and never one holding a secret (the cache file is not
      // redacted the way the trace is).
      const worthKeeping = cacheOptions?.keep?.(result) ?? true;
      const holdsSecret = this.options.redactor !== undefined && this.options.redactor.stringify(result) !== JSON.stringify(result);
      if (cache && cached === undefined && worthKeeping && !holdsSecret) await cache.put(key.kind, cacheOptions!.key, result);
      const line = { type: 'external.result' as const, ...key, result: await this.options.payload(result), ...(cached !== undefined ? { cached: true } : {}) };
      if (effects === 'write') await sink.appendDurable(line);
      else sink.append(line);
      this.remember(id, { key, effects, request, hasResult: true, result, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
      return result;
    } catch (error) {
      const info = toErrorInfo(error);
      // A stop we caused is not the outside world's answer: leave the intent open.
      if (info.code !== 'CANCELLED') {
        const line = { type: 'external.result' as const, ...key, error: info };
        if (effects === 'write') await sink.appendDurable(line);
        else sink.append(line);
        this.remember(id, { key, effects, request, hasResult: true, error: info, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
      }
      throw error;
    }
  }

  /** A demo's answer, written as a live run writes its call: intent (not for pure calls), then the result, marked `cached`. */
  private async writeDemoAnswer(key: CallKey, effects: Effects, request: unknown, recorded: RecordedCall, idempotencyKey: string | undefined): Promise<void> {
    const { sink, payload } = this.options;
    if (effects !== 'pure') sink.append({ type: 'external.intent', ...key, effects, request: await payload(request), ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
    // `cached`: not from the outside world, so it costs nothing (engine/cost.ts) wherever AI spend is added up.
    sink.append({ type: 'external.result', ...key, ...(recorded.error ? { error: recorded.error } : { result: await payload(recorded.result), cached: true }) });
  }
}

const CALL_NAMES: Record<string, string> = { http: 'HTTP request', llm: 'AI call', smtp: 'e-mail', postgres: 'database query', file: 'file access' };

/** A call a demo cannot answer: what the recording asked for and what this run asks for, in words. */
function demoMissing(key: CallKey, node: string, referenceRunId: string, recorded: unknown, now: unknown): NodeError {
  const what = `the ${CALL_NAMES[key.kind] ?? `${key.kind} call`} of ${node} (item ${key.itemIndex + 1}${key.call > 0 ? `, call ${key.call + 1}` : ''})`;
  const difference = recorded === undefined ? undefined : firstDifference(recorded, now === undefined ? undefined : JSON.parse(JSON.stringify(now)));
  const told = difference ? describeDifference(difference) : undefined;
  const why = told ? `the recording asked for ${told.recorded}, this run for ${told.now}` : `the recording made no such call; this run asked for ${brief(now)}`;
  return new NodeError({
    message: `This demo has no recorded answer for ${what} (${why}). Nothing was sent.`,
    code: 'DEMO_NOT_RECORDED',
    retryable: false,
    details: { referenceRunId },
    hint: `Start the demo with the input of run ${referenceRunId}, or choose a recorded run made with this input.`,
  });
}

function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/**
 * Whether a request made now is the one recorded. Recorded strings that held a secret were
 * redacted, so they match whatever stands in that place now.
 */
export function matchesRecording(recorded: unknown, now: unknown): boolean {
  // Compare with what the trace would hold: plain JSON (undefined fields dropped).
  return matches(recorded, now === undefined ? undefined : JSON.parse(JSON.stringify(now)));
}

function matches(recorded: unknown, now: unknown): boolean {
  if (typeof recorded === 'string' && recorded.includes(REDACTED)) return typeof now === 'string';
  if (recorded === null || now === null || typeof recorded !== 'object' || typeof now !== 'object') return Object.is(recorded, now);
  if (Array.isArray(recorded) !== Array.isArray(now)) return false;
  const a = recorded as Record<string, unknown>;
  const b = now as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) if (!matches(a[key], b[key])) return false;
  return true;
}
