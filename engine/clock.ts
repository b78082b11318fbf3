/**
 * The engine's only source of time. Everything that reads the clock or waits — the runner's
 * durations, node time limits, retry waits, a Wait step's sleep, the recorded `ctx.now()` and
 * jsonata's `$now()` — asks an injected `Clock` (`EngineOptions.clock`), so tests drive time with
 * a fake clock (test/helpers/fake-clock.ts) instead of sleeping, and a scheduler can share it.
 */

export interface Clock {
  /** Wall-clock time in ms since the epoch: what the trace records and what `ctx.now()` answers. */
  now(): number;
  /** A monotonic ms counter for measuring durations (never jumps back when the wall clock does). */
  monotonic(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** The real clock: Date.now, performance.now and setTimeout. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

/**
 * Waits `ms` on `clock`. When `signal` aborts first, the timer is cancelled and the promise rejects
 * with `onAbort()` (default: the signal's reason).
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal, onAbort: () => unknown = () => signal?.reason): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(onAbort());
    const abort = () => {
      cancel();
      reject(onAbort());
    };
    const cancel = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', abort);
      resolve();
    });
    signal?.addEventListener('abort', abort, { once: true });
  });
}
