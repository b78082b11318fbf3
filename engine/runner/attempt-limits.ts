/**
 * What may end one node attempt early: the run being stopped, or the node's time limit
 * (`timeoutMs`, on the run's clock; not in replay, which spends no time). Either aborts the
 * attempt's signal (what the node type sees as `ctx.signal`) and ends `race` (the runner's wait
 * for the node) with that reason, so a node that ignores its signal is not waited for.
 *
 * Cheap per attempt (issue 8 item 7): the AbortController is made only when the node asks for
 * `ctx.signal` (most nodes never do), and the run's signal has one listener for all its attempts.
 */
import type { FlowNode } from '../model/flow.ts';
import { NodeError } from '../model/node-kit.ts';
import type { Clock } from '../clock.ts';
import { cancelled } from './node-context.ts';

export interface AttemptLimits {
  /** The attempt's signal, made on first use; aborted with the reason the attempt was stopped. */
  readonly signal: AbortSignal;
  /** Whether the attempt was stopped (without making the signal). */
  readonly aborted: boolean;
  /** `work`'s result, or a rejection with the reason the attempt was stopped, whichever comes first. */
  race<T>(work: T | Promise<T>): Promise<T>;
  /** Cancels the time limit and stops listening to the run (call when the attempt ends). */
  dispose(): void;
}

/** The attempts running under each run signal, told when it aborts (one listener per run). */
const attemptsOf = new WeakMap<AbortSignal, Set<Attempt>>();

function watch(runSignal: AbortSignal, attempt: Attempt): void {
  let attempts = attemptsOf.get(runSignal);
  if (!attempts) {
    const set = new Set<Attempt>();
    attempts = set;
    attemptsOf.set(runSignal, set);
    runSignal.addEventListener('abort', () => {
      for (const a of [...set]) a.stop(cancelled());
    }, { once: true });
  }
  attempts.add(attempt);
}

class Attempt implements AttemptLimits {
  private reject: ((reason: unknown) => void) | undefined;
  private controller: AbortController | undefined;
  private reason: unknown;
  private isStopped = false;
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly runSignal: AbortSignal) {}

  race<T>(work: T | Promise<T>): Promise<T> {
    // One promise per attempt instead of Promise.race over a second, never-resolving one.
    return new Promise<T>((resolve, reject) => {
      if (this.isStopped) reject(this.reason);
      else this.reject = reject;
      Promise.resolve(work).then(resolve, reject);
    });
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.isStopped) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.isStopped;
  }

  stop(reason: unknown): void {
    if (this.isStopped) return;
    this.isStopped = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.reject?.(reason);
  }

  startTimer(cancel: () => void): void {
    this.cancelTimer = cancel;
  }

  dispose(): void {
    this.cancelTimer?.();
    attemptsOf.get(this.runSignal)?.delete(this);
  }
}

export function attemptLimits(node: FlowNode, nodeId: string, runSignal: AbortSignal, clock: Clock, replay: boolean): AttemptLimits {
  const attempt = new Attempt(runSignal);
  // A stop that came while this attempt was being set up (e.g. from a listener of node.started).
  if (runSignal.aborted) {
    attempt.stop(cancelled());
    return attempt;
  }
  watch(runSignal, attempt);
  if (node.timeoutMs !== undefined && !replay) {
    const limit = node.timeoutMs;
    attempt.startTimer(
      clock.setTimer(limit, () => {
        attempt.stop(
          new NodeError({
            message: `Node "${node.name ?? nodeId}" took longer than its time limit of ${limit / 1000} s.`,
            code: 'TIMEOUT',
            retryable: true,
            hint: 'Raise the node\'s time limit, or find out why the service is slow.',
            details: { limit: 'node', timeoutMs: limit },
          }),
        );
      }),
    );
  }
  return attempt;
}
