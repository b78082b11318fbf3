/** How a node's run state reads on a card: five states a person knows, in plain words. */
import type { RunStatus } from '../../engine/model/events.ts';
import type { NodeRunState } from '../../engine/model/run-state.ts';

export type NodeVisualStatus = 'waiting' | 'running' | 'done' | 'failed' | 'skipped';

export function nodeVisualStatus(node: NodeRunState | undefined, run: RunStatus): NodeVisualStatus {
  if (!node || node.status === 'pending') return run === 'running' || run === 'paused' || run === 'needs-attention' ? 'waiting' : 'skipped';
  if (node.status === 'running' || node.status === 'retrying') return 'running';
  if (node.status === 'succeeded') return 'done';
  if (node.status === 'failed') return node.routedToErrorPort ? 'done' : 'failed';
  return 'skipped';
}

const LABELS: Record<NodeVisualStatus, string> = { waiting: 'Waiting', running: 'Running', done: 'Done', failed: 'Failed', skipped: 'Skipped' };

export function nodeStatusLabel(status: NodeVisualStatus): string {
  return LABELS[status];
}
