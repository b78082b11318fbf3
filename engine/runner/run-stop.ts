/**
 * Why a run stops: a node failed with nothing to catch it, or the run was cancelled. Thrown by a
 * node's attempt loop (run-node.ts) and caught by the scheduler (execute.ts), which ends the run.
 */
import type { NodeErrorInfo } from '../model/node-kit.ts';

export class RunStop extends Error {
  constructor(readonly kind: 'failed' | 'cancelled', readonly info: NodeErrorInfo & { nodeId?: string }) {
    super(info.message);
  }
}
