/**
 * Agreement stats of a flow's review steps over its last runs: how often people approve what
 * the machine proposed unchanged, correct it, reject it, or are not asked at all — the figure
 * that tells an owner when a step could move to sampling. Read from the traces (the truth).
 *
 * May import: `engine/model`, the trace store.
 */
import type { ReviewStats } from '../model/contract.ts';
import type { Flow } from '../model/flow.ts';
import { APPROVE, EDIT, REJECT, TIMEOUT } from '../model/review.ts';
import { reduceRun } from '../model/run-state.ts';
import { newestFirst, type TraceStore } from '../trace/trace-store.ts';

interface Tally {
  stepName: string;
  runs: Set<string>;
  items: number;
  approvedUnedited: number;
  edited: number;
  rejected: number;
  other: Record<string, number>;
  timedOut: number;
  autoApproved: number;
  open: number;
  durations: number[];
}

export async function reviewStats(traces: TraceStore, flowId: string, options: { nodeId?: string; runs: number }): Promise<ReviewStats[]> {
  const { runs } = await traces.list();
  const recent = runs.filter((r) => r.flowId === flowId).sort(newestFirst).slice(0, options.runs);
  const tallies = new Map<string, Tally>();
  const tally = (nodeId: string, stepName: string): Tally => {
    let t = tallies.get(nodeId);
    if (!t) tallies.set(nodeId, (t = { stepName, runs: new Set(), items: 0, approvedUnedited: 0, edited: 0, rejected: 0, other: {}, timedOut: 0, autoApproved: 0, open: 0, durations: [] }));
    return t;
  };
  for (const run of recent) {
    let trace;
    try {
      trace = await traces.load(run.runId);
    } catch {
      continue;
    }
    const state = reduceRun(trace.header, trace.events);
    if (state.reviews.size === 0 && state.autoApproved.size === 0) continue;
    const flow = (await traces.getPayload(trace.header.flow)) as Flow;
    const reviewSteps = new Map(flow.nodes.filter((n) => n.type === 'human.review').map((n) => [n.id, n.name ?? n.id]));
    for (const key of state.autoApproved) {
      const nodeId = key.slice(0, key.lastIndexOf('/'));
      const t = tally(nodeId, reviewSteps.get(nodeId) ?? nodeId);
      t.runs.add(run.runId);
      t.items++;
      t.autoApproved++;
    }
    for (const record of state.reviews.values()) {
      const t = tally(record.nodeId, reviewSteps.get(record.nodeId) ?? record.nodeId);
      t.runs.add(run.runId);
      t.items++;
      const decided = record.decided;
      if (!decided) {
        t.open++;
        continue;
      }
      if (decided.outcome === APPROVE) t.approvedUnedited++;
      else if (decided.outcome === EDIT) t.edited++;
      else if (decided.outcome === REJECT) t.rejected++;
      else if (decided.outcome === TIMEOUT) t.timedOut++;
      else t.other[decided.outcome] = (t.other[decided.outcome] ?? 0) + 1;
      if (decided.outcome !== TIMEOUT) t.durations.push(Date.parse(decided.at) - Date.parse(record.requestedAt));
    }
  }
  const out: ReviewStats[] = [];
  for (const [nodeId, t] of tallies) {
    if (options.nodeId !== undefined && nodeId !== options.nodeId) continue;
    const base = t.items - t.open - t.timedOut;
    const share = (n: number) => (base > 0 ? n / base : 0);
    const stats: ReviewStats = {
      nodeId,
      stepName: t.stepName,
      runs: t.runs.size,
      items: t.items,
      approvedUnedited: t.approvedUnedited,
      edited: t.edited,
      rejected: t.rejected,
      other: t.other,
      timedOut: t.timedOut,
      autoApproved: t.autoApproved,
      open: t.open,
      shares: { approvedUnedited: share(t.approvedUnedited), edited: share(t.edited), rejected: share(t.rejected), autoApproved: share(t.autoApproved) },
    };
    const median = medianOf(t.durations);
    if (median !== undefined) stats.medianDecisionMs = median;
    out.push(stats);
  }
  return out.sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
}

function medianOf(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
