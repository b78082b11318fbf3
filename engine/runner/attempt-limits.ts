/**
 * What may end one node attempt early: the run being stopped, or the node's time limit
 * (`timeoutMs`, on the run's clock; not in replay, which spends no time). Either aborts the
 * attempt's signal (what the node type sees as `ctx.signal`) and rejects `stopped`, which the
 * runner races against the node, so a node that ignores its signal is not waited for.
 */
import type { FlowNode } from '../model/flow.ts';
import { NodeError } from '../model/node-kit.ts';
import type { Clock } from '../clock.ts';
import { cancelled } from './node-context.ts';

export interface AttemptLimits {
  controller: AbortController;
  /** Never resolves; rejects with the reason the attempt was stopped. */
  stopped: Promise<never>;
  /** Cancels the time limit and stops listening to the run (call when the attempt ends). */
  dispose(): void;
}

export function attemptLimits(node: FlowNode, nodeId: string, runSignal: AbortSignal, clock: Clock, replay: boolean): AttemptLimits {
  const controller = new AbortController();
  const onRunAbort = () => controller.abort(cancelled());
  runSignal.addEventListener('abort', onRunAbort, { once: true });
  let cancelTimer: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    if (node.timeoutMs !== undefined && !replay) {
      const limit = node.timeoutMs;
      cancelTimer = clock.setTimer(limit, () => {
        const error = new NodeError({
          message: `Node "${node.name ?? nodeId}" took longer than its time limit of ${limit / 1000} s.`,
          code: 'TIMEOUT',
          retryable: true,
          hint: 'Raise the node\'s time limit, or find out why the service is slow.',
          details: { limit: 'node', timeoutMs: limit },
        });
        controller.abort(error);
        reject(error);
      });
    }
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  stopped.catch(() => undefined);
  // A stop that came while this attempt was being set up (e.g. from a listener of node.started).
  if (runSignal.aborted) onRunAbort();
  return {
    controller,
    stopped,
    dispose() {
      cancelTimer?.();
      runSignal.removeEventListener('abort', onRunAbort);
    },
  };
}
