/**
 * A replay report (`runs.replay`) in plain words: identical, or which steps came out different
 * and how.
 */
import type { z } from 'zod';
import type { ReplayReportSchema } from '../../engine/model/contract.ts';
import { nodeStatusLabel, shortJson } from './format.ts';

export type ReplayReport = z.output<typeof ReplayReportSchema>;

export interface ReplayNodeView {
  nodeId: string;
  name: string;
  /** "Done → Failed", or "" when the status is the same. */
  statusChange: string;
  changes: Array<{ path: string; recorded: string; replayed: string }>;
  problem?: string;
}

export interface ReplayView {
  identical: boolean;
  headline: string;
  nodes: ReplayNodeView[];
  note?: string;
}

export function describeReplay(report: ReplayReport): ReplayView {
  const differing = report.nodes.filter((n) => !n.identical);
  const view: ReplayView = {
    identical: report.identical,
    headline: report.identical
      ? `Identical: replaying this run offline reproduced every step’s output exactly (${report.nodes.length} step${report.nodes.length === 1 ? '' : 's'}).`
      : `Different: ${differing.length} of ${report.nodes.length} step${report.nodes.length === 1 ? '' : 's'} came out differently when replayed offline.`,
    nodes: differing.map((n) => {
      const node: ReplayNodeView = {
        nodeId: n.nodeId,
        name: n.name || n.nodeId,
        statusChange: n.recordedStatus === n.replayedStatus ? '' : `${nodeStatusLabel(n.recordedStatus)} → ${nodeStatusLabel(n.replayedStatus)}`,
        changes: n.changes.map((c) => ({ path: c.path || '(whole output)', recorded: shortJson(c.recorded), replayed: shortJson(c.replayed) })),
      };
      if (n.replayError) node.problem = n.replayError;
      return node;
    }),
  };
  if (report.note) view.note = report.note;
  return view;
}
