/**
 * Builds the `ctx` a node runs with for one attempt. Everything that can differ between two runs
 * (clock, randomness, network) goes through the call recorder.
 */
import type { FlowNode, Item, RetryPolicy } from '../model/flow.ts';
import { itemRetryKey } from '../model/run-state.ts';
import type { CallKey } from '../model/events.ts';
import {
  AwaitingReview,
  NodeError,
  errorItem,
  toErrorInfo,
  type Effects,
  type ExternalCallOptions,
  type HttpRequest,
  type HttpResponse,
  type NodeContext,
  type NodeErrorInfo,
  type NodeLogger,
  type PortItems,
  type PortRouting,
  type SecretOptions,
  isPortRouting,
} from '../model/node-kit.ts';
import { evaluateDeep, evaluateExpression, type ExpressionScope } from '../expressions.ts';
import type { SecretResolver } from '../secrets.ts';
import { sleep, type Clock } from '../clock.ts';
import { REDACTED, type Redactor } from '../trace/index.ts';
import type { EventSink } from '../trace/trace-store.ts';
import { AttentionNeeded, ItemConfirmedSent, RecordedCallError, type CallRecorder } from './call-recorder.ts';
import type { ReviewDesk } from './review-desk.ts';
import type { HttpTransport } from './http-transport.ts';
import { retryDelayMs, shouldRetry } from './retry-policy.ts';

export interface NodeContextDeps {
  runId: string;
  flowId: string;
  node: FlowNode;
  attempt: number;
  effects: Effects;
  items: readonly Item[];
  input: unknown;
  upstream: () => Record<string, Item[]>;
  /** The attempt's signal (made on first use) and whether the attempt was stopped. */
  limits: { readonly signal: AbortSignal; readonly aborted: boolean };
  replay: boolean;
  recorder: CallRecorder;
  sink: EventSink;
  redactor: Redactor;
  secrets: SecretResolver;
  http: HttpTransport;
  policy: RetryPolicy;
  /** Per-item retry waits already recorded in this run (resume), by itemRetryKey. */
  itemRetries: ReadonlyMap<string, { at: number; delayMs: number }>;
  /** Randomness for retry jitter only (the delay itself is recorded). */
  jitter: () => number;
  /** Time for `ctx.now()` (recorded) and every wait. */
  clock: Clock;
  /** Review requests and decisions of this run (ctx.review). */
  desk?: ReviewDesk;
}

export function isStopError(error: unknown): boolean {
  return error instanceof AttentionNeeded || error instanceof AwaitingReview || (error instanceof NodeError && error.code === 'CANCELLED');
}

export function createNodeContext(deps: NodeContextDeps): NodeContext {
  return new AttemptContext(deps);
}

/**
 * The ctx of one attempt. A class with its methods on the prototype, not an object of closures:
 * one node attempt then allocates one object instead of some twenty functions (issue 8 item 7).
 */
class AttemptContext implements NodeContext {
  readonly runId: string;
  readonly flowId: string;
  readonly nodeId: string;
  readonly nodeName: string;
  readonly attempt: number;
  readonly replaying: boolean;
  private counters: Map<string, number> | undefined;
  private logger: NodeLogger | undefined;

  constructor(private readonly deps: NodeContextDeps) {
    this.runId = deps.runId;
    this.flowId = deps.flowId;
    this.nodeId = deps.node.id;
    this.nodeName = deps.node.name ?? deps.node.id;
    this.attempt = deps.attempt;
    this.replaying = deps.replay;
  }

  get signal(): AbortSignal {
    return this.deps.limits.signal;
  }

  get log(): NodeLogger {
    return (this.logger ??= {
      info: (message, data) => this.append('info', message, data),
      warn: (message, data) => this.append('warn', message, data),
    });
  }

  private append(level: 'info' | 'warn', message: string, data: Record<string, unknown> | undefined): void {
    this.deps.sink.append({ type: 'node.log', nodeId: this.nodeId, level, message, ...(data ? { data } : {}) });
  }

  private nextKey(itemIndex: number, kind: string): CallKey {
    const counters = (this.counters ??= new Map<string, number>());
    const counterKey = `${itemIndex}/${kind}`;
    const call = counters.get(counterKey) ?? 0;
    counters.set(counterKey, call + 1);
    return { nodeId: this.nodeId, attempt: this.attempt, itemIndex, kind, call };
  }

  external<T>(kind: string, request: unknown, options: ExternalCallOptions, perform: () => Promise<T>): Promise<T> {
    if (this.deps.limits.aborted) return Promise.reject(cancelled());
    const cache = options.cacheKey === undefined ? undefined : { key: options.cacheKey, ...(options.cacheIf ? { keep: options.cacheIf } : {}) };
    return this.deps.recorder.call(this.nextKey(options.itemIndex, kind), options.effects ?? this.deps.effects, request, options.idempotencyKey, perform, cache);
  }

  now(itemIndex = -1): Promise<number> {
    const { clock } = this.deps;
    return this.external('clock', null, { itemIndex, effects: 'pure' }, () => Promise.resolve(clock.now()));
  }

  random(itemIndex = -1): Promise<number> {
    return this.external('random', null, { itemIndex, effects: 'pure' }, () => Promise.resolve(Math.random()));
  }

  async sleepUntil(epochMs: number): Promise<void> {
    if (this.deps.replay) return;
    const ms = epochMs - this.deps.clock.now();
    if (ms > 0) await abortableSleep(this.deps.clock, ms, this.signal);
  }

  async review(itemIndex: number, ask: Parameters<NodeContext['review']>[1]): ReturnType<NodeContext['review']> {
    if (!this.deps.desk) throw new NodeError({ message: `Node "${this.nodeName}" asks for a review, which this kind of run cannot do.`, code: 'REVIEW_UNAVAILABLE', retryable: false });
    return this.deps.desk.ask(this.nodeId, itemIndex, ask, () => this.now(itemIndex));
  }

  http(request: HttpRequest, options: ExternalCallOptions): Promise<HttpResponse> {
    return this.external('http', request, options, () => this.deps.http(request, this.signal));
  }

  evaluate<T>(value: unknown, itemIndex: number): Promise<T> {
    return evaluateDeep(value, this.scope(itemIndex), `node "${this.nodeName}"`) as Promise<T>;
  }

  evaluateExpression(expression: string, itemIndex: number, options?: { input?: unknown; bindings?: Record<string, unknown>; field?: string }): Promise<unknown> {
    return evaluateExpression(
      expression,
      this.scope(itemIndex, options?.bindings, options && 'input' in options ? { value: options.input } : undefined),
      options?.field ? `the "${options.field}" field of node "${this.nodeName}"` : `node "${this.nodeName}"`,
    );
  }

  private scope(itemIndex: number, extra?: Record<string, unknown>, input?: { value: unknown }): ExpressionScope {
    const { deps } = this;
    return {
      item: input ? input.value : (deps.items[itemIndex] ?? {}),
      bindings: {
        input: deps.input,
        nodes: deps.upstream(),
        itemIndex,
        runId: deps.runId,
        flowId: deps.flowId,
        ...extra,
      },
      clock: { now: () => this.now(itemIndex), random: () => this.random(itemIndex) },
      signal: this.signal,
    };
  }

  async secret(credentialId: string, options?: SecretOptions): Promise<Record<string, string>> {
    const { deps } = this;
    // Whether the lookup worked (and which fields it had) is recorded, never the values:
    // replay then fails or succeeds exactly as the run did, without seeing a secret.
    const key = this.nextKey(-1, `secret:${credentialId}`);
    const rejected = options?.rejectedToken;
    if (deps.replay) {
      const recorded = deps.recorder.recordedCall(key);
      if (recorded?.error) throw new NodeError(recorded.error);
      // A token renewed after a 401 differs from the refused one in replay too, so the node
      // takes the same path (its second call is then read from the trace).
      const renewed = (recorded?.result as { renewed?: boolean } | undefined)?.renewed === true;
      return new Proxy({}, { get: () => (renewed ? `${REDACTED} (renewed)` : REDACTED) }) as Record<string, string>;
    }
    let values: Record<string, string>;
    try {
      values = await deps.secrets.get(credentialId, rejected === undefined ? undefined : { rejected });
    } catch (error) {
      deps.recorder.note(key, { error: toErrorInfo(error) });
      throw error;
    }
    deps.recorder.note(key, { result: { fields: Object.keys(values).sort(), ...(rejected !== undefined && values.token !== undefined && values.token !== rejected ? { renewed: true } : {}) } });
    for (const [field, value] of Object.entries(values)) if (!NOT_SECRET_FIELDS.has(field.toLowerCase())) deps.redactor.add(value);
    if (values.username !== undefined && values.password !== undefined) {
      deps.redactor.add(Buffer.from(`${values.username}:${values.password}`).toString('base64'));
    }
    return values;
  }

  async forEachItem(items: readonly Item[], fn: (item: Item, itemIndex: number) => Promise<Item | Item[] | PortRouting>, options?: { concurrency?: number; port?: string }): Promise<PortItems> {
    const { deps } = this;
    const { node, clock } = deps;
    const concurrency = Math.max(1, Math.min(64, options?.concurrency ?? 1));
    const port = options?.port ?? 'out';
    const results: PortItems[] = new Array<PortItems>(items.length);
    let next = 0;
    let stopError: unknown;
    const worker = async () => {
      // After a stop (a decision needed, a cancel) no new item starts; items already in
      // flight finish, so what they got is recorded before the run pauses.
      while (next < items.length && stopError === undefined) {
        const index = next++;
        try {
          results[index] = await processItem(index);
        } catch (error) {
          stopError ??= error;
        }
      }
    };
    const processItem = async (index: number): Promise<PortItems> => {
      const item = items[index]!;
      for (let itemAttempt = 1; ; itemAttempt++) {
        try {
          return asPorts(await fn(item, index), port);
        } catch (error) {
          if (error instanceof ItemConfirmedSent) {
            this.log.warn(`Item ${index + 1} was confirmed as already sent by a person; nothing more is done with it.`);
            return {};
          }
          if (isStopError(error) || deps.limits.aborted) throw error;
          const info = toErrorInfo(error);
          const retry = await shouldRetry(deps.policy, itemAttempt, info, (expr, e) => evaluateRetryIf(expr, e));
          if (!retry) return { error: [errorItem(info, item, index)] };
          const retryKey = itemRetryKey(node.id, deps.attempt, index, itemAttempt);
          const earlier = deps.itemRetries.get(retryKey);
          if (earlier) {
            // Resuming: this wait already started before the interruption; only finish it.
            const left = deps.replay ? 0 : earlier.at + earlier.delayMs - clock.now();
            if (left > 0) await abortableSleep(clock, left, this.signal);
            continue;
          }
          const delayMs = deps.replay || error instanceof RecordedCallError ? 0 : retryDelayMs(deps.policy, itemAttempt, deps.jitter(), info.retryAfterMs);
          deps.sink.append({ type: 'item.retrying', nodeId: node.id, attempt: deps.attempt, itemIndex: index, itemAttempt, delayMs, error: info });
          if (delayMs > 0) await abortableSleep(clock, delayMs, this.signal);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    if (stopError !== undefined) throw stopError;
    return mergePorts(results.filter(Boolean));
  }
}

/** Credential fields that identify rather than authenticate; redacting them would only mangle traces. */
const NOT_SECRET_FIELDS = new Set(['username', 'user', 'login', 'email', 'url', 'baseurl', 'host', 'port', 'region', 'header', 'headername', 'organization', 'account', 'database', 'sslmode', 'security', 'from']);

export function evaluateRetryIf(expression: string, error: NodeErrorInfo): Promise<unknown> {
  return evaluateExpression(expression, { item: error, bindings: { error } }, 'the retry condition');
}

export function cancelled(): NodeError {
  return new NodeError({ message: 'The run was stopped.', code: 'CANCELLED', retryable: false });
}

/** Waits `ms` on the run's clock; a stopped run rejects with the CANCELLED error. */
export function abortableSleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return sleep(clock, ms, signal, cancelled);
}

function asPorts(value: Item | Item[] | PortRouting, port: string): PortItems {
  if (isPortRouting(value)) return value.ports;
  return { [port]: Array.isArray(value) ? value : [value] };
}

export function mergePorts(parts: readonly PortItems[]): PortItems {
  const out: PortItems = {};
  for (const part of parts) {
    for (const [port, items] of Object.entries(part)) (out[port] ??= []).push(...items);
  }
  return out;
}
