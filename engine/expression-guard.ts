/**
 * Keeps a long jsonata evaluation from holding the event loop.
 *
 * jsonata evaluates with `async` functions that only ever await each other, so a long evaluation
 * (a loop over a huge list) runs as one unbroken chain of microtasks: timers, I/O, other runs and
 * Ctrl-C all wait until it ends. jsonata calls an optional hook before every evaluation step; ours
 * gives the event loop a turn every few milliseconds of evaluation and stops at once when the
 * node's signal is aborted (its time limit, or the run being cancelled). jsonata's own `timeout`
 * still ends any single expression after its limit. Regexes are the one synchronous step that a
 * hook cannot interrupt; those run on a linear-time engine (`linear-regex.ts`).
 */
import type jsonata from 'jsonata';
import { NodeError } from './model/node-kit.ts';

/** A binding name no expression can spell (it has a space), carrying the per-evaluation state. */
export const GUARD_BINDING = 'flowkeeper guard';
const ENTRY_HOOK = Symbol.for('jsonata.__evaluate_entry');
/** How long an evaluation may hold the event loop before it lets others run. */
const SLICE_MS = 10;
/** Steps between two clock reads (a clock read per step would cost more than the steps). */
const STEPS_PER_CHECK = 64;

interface GuardState {
  steps: number;
  sliceStart: number;
  signal: AbortSignal | undefined;
  where: string;
}

export function evaluationGuard(signal: AbortSignal | undefined, where: string): GuardState {
  return { steps: 0, sliceStart: performance.now(), signal, where };
}

interface Frame {
  lookup(name: string): unknown;
}

function onStep(_expr: unknown, _input: unknown, environment: Frame): Promise<void> | undefined {
  const guard = environment.lookup(GUARD_BINDING) as GuardState | undefined;
  if (!guard || ++guard.steps % STEPS_PER_CHECK !== 0) return undefined;
  if (guard.signal?.aborted) throw abortError(guard);
  if (performance.now() - guard.sliceStart < SLICE_MS) return undefined;
  return new Promise<void>((resolve, reject) =>
    setImmediate(() => {
      guard.sliceStart = performance.now();
      if (guard.signal?.aborted) reject(abortError(guard));
      else resolve();
    }),
  );
}

function abortError(guard: GuardState): NodeError {
  const reason: unknown = guard.signal?.reason;
  if (reason instanceof NodeError) return reason;
  return new NodeError({
    message: `The expression in ${guard.where} was stopped because the step was stopped.`,
    code: 'CANCELLED',
    retryable: false,
  });
}

/** Installs the step hook on a compiled expression (once; the state travels in the bindings). */
export function installGuard(expr: jsonata.Expression): void {
  (expr.assign as (name: string | symbol, value: unknown) => void)(ENTRY_HOOK, onStep);
}
