/**
 * Records every call a node makes to the outside world, and answers from the recording when one
 * exists (crash-resume and replay). Calls are matched by (node, attempt, item, kind, n-th call),
 * never by line order, so concurrent branches may interleave freely.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callKeyString, type CallKey } from '../model/events.ts';
import { NodeError, toErrorInfo, type Effects, type NodeErrorInfo } from '../model/node-kit.ts';
import type { RecordedCall } from '../model/run-state.ts';
import type { EventSink } from '../trace/trace-store.ts';
import { REDACTED } from '../trace/redactor.ts';

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

export const ATTENTION_CHOICES = ['send-again', 'skip-item', 'cancel'] as const;
export type AttentionChoice = (typeof ATTENTION_CHOICES)[number];

export interface RecorderOptions {
  sink: EventSink;
  /** Calls recorded earlier in this run (resume) or in the run being replayed. */
  recorded: ReadonlyMap<string, RecordedCall>;
  /** Choices a person made for interrupted calls, by call key string. */
  resolutions: ReadonlyMap<string, string>;
  replay: boolean;
  /** Stores large requests/results in side files. */
  payload: (value: unknown) => Promise<unknown>;
  describeNode: (nodeId: string) => string;
  /**
   * Development cache folder (opt-in, `flowkeeper run --dev-cache`): a live call that carries a
   * `cacheKey` re-uses the answer stored under `<dir>/<kind>/<sha256(cacheKey)>.json` and stores
   * new successful answers there. Never used for `write` calls or in replay.
   */
  devCacheDir?: string;
}

export class CallRecorder {
  constructor(private readonly options: RecorderOptions) {}

  /** What the recording holds for this call, if anything. */
  recordedCall(key: CallKey): RecordedCall | undefined {
    return this.options.recorded.get(callKeyString(key));
  }

  /** Writes the outcome of a lookup that must always run live (e.g. a secret), once per key. */
  note(key: CallKey, outcome: { result: unknown } | { error: NodeErrorInfo }): void {
    if (this.options.replay || this.options.recorded.get(callKeyString(key))?.hasResult) return;
    this.options.sink.append({ type: 'external.result', ...key, ...outcome });
  }

  async call<T>(key: CallKey, effects: Effects, request: unknown, idempotencyKey: string | undefined, perform: () => Promise<T>, cacheKey?: string): Promise<T> {
    const id = callKeyString(key);
    const previous = this.options.recorded.get(id);
    const sameRequest = !this.options.replay || previous?.request === undefined || matchesRecording(previous.request, request);
    if (previous?.hasResult && sameRequest) {
      if (previous.error) throw new NodeError(previous.error);
      return previous.result as T;
    }
    const choice = this.options.resolutions.get(id);
    const interruptedWrite = previous !== undefined && effects === 'write' && previous.idempotencyKey === undefined;
    if (interruptedWrite && choice === 'skip-item') {
      throw new NodeError({
        message: `Skipped by a person after an interruption: it is unknown whether this ${key.kind} call went out.`,
        code: 'SKIPPED_UNKNOWN_OUTCOME',
        retryable: false,
      });
    }
    if (this.options.replay) {
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
    if (interruptedWrite && choice !== 'send-again') {
      throw new AttentionNeeded(
        key.nodeId,
        key,
        `Flowkeeper stopped while ${this.options.describeNode(key.nodeId)} was sending item ${key.itemIndex + 1} (${key.kind}), and it cannot tell whether it went out. ` +
          'Check the receiving system. Then choose "send-again" if it did not arrive, "skip-item" if it did, or "cancel" to stop the run. ' +
          'To make this automatic next time, give the node an idempotency key.',
      );
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
    }
    try {
      // A cached write would silently not happen: only reads and pure calls use the cache.
      const cacheFile = cacheKey !== undefined && this.options.devCacheDir !== undefined && effects !== 'write' ? devCacheFile(this.options.devCacheDir, key.kind, cacheKey) : undefined;
      const cached = cacheFile === undefined ? undefined : await readDevCache(cacheFile);
      const result = cached !== undefined ? (markCached(cached) as T) : await perform();
      if (cacheFile !== undefined && cached === undefined) await writeDevCache(cacheFile, result);
      const line = { type: 'external.result' as const, ...key, result: await this.options.payload(result) };
      if (effects === 'write') await sink.appendDurable(line);
      else sink.append(line);
      return result;
    } catch (error) {
      const info = toErrorInfo(error);
      // A stop we caused is not the outside world's answer: leave the intent open.
      if (info.code !== 'CANCELLED') {
        const line = { type: 'external.result' as const, ...key, error: info };
        if (effects === 'write') await sink.appendDurable(line);
        else sink.append(line);
      }
      throw error;
    }
  }
}

function devCacheFile(dir: string, kind: string, cacheKey: string): string {
  const hash = createHash('sha256').update(cacheKey).digest('hex');
  return join(dir, kind.replace(/[^a-zA-Z0-9._-]/g, '_'), `${hash}.json`);
}

/** The stored answer, or undefined on a miss (an unreadable entry counts as a miss). */
async function readDevCache(file: string): Promise<unknown> {
  try {
    const entry = JSON.parse(await readFile(file, 'utf8')) as { result?: unknown };
    return entry.result;
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written only costs a second paid call later. */
async function writeDevCache(file: string, result: unknown): Promise<void> {
  if (result === undefined) return;
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(temp, JSON.stringify({ result }));
    await rename(temp, file);
  } catch {
    // Ignored on purpose; see above.
  }
}

/** A cache hit is marked in the result itself, so the trace (and a replay of it) shows it. */
function markCached(result: unknown): unknown {
  return result !== null && typeof result === 'object' && !Array.isArray(result) ? { ...result, cached: true } : result;
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
