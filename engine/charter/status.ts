/**
 * Each flow's headline: on or off, ready or what is missing, owner, today's runs and success
 * rate, and the success metric against its target — what `flowkeeper status` prints and the
 * dashboard will open with. From the flow files and the run index only (no trace is read).
 *
 * May import: `engine/model`, `engine/charter`, the flow store and the run index.
 */
import type { FlowHeadline } from '../model/charter.ts';
import { FlowSchema } from '../model/flow.ts';
import type { FlowStore } from '../flow-store.ts';
import type { RunIndex } from '../trace/index.ts';
import { charterOf, readiness, type ReadinessCatalog } from './readiness.ts';
import { computeMetric, dayKeyer } from './metrics.ts';

export interface HeadlineSources {
  flows: Pick<FlowStore, 'list' | 'get'>;
  runIndex: Pick<RunIndex, 'list'>;
  catalog: ReadinessCatalog;
  active: ReadonlySet<string>;
  now: number;
  timeZone?: string;
}

export async function flowHeadlines(sources: HeadlineSources, flowId?: string): Promise<FlowHeadline[]> {
  const summaries = (await sources.flows.list()).filter((f) => flowId === undefined || f.id === flowId);
  const today = dayKeyer(sources.timeZone);
  const todayKey = today(sources.now);
  const out: FlowHeadline[] = [];
  for (const summary of summaries) {
    const entries = await sources.runIndex.list({ flowId: summary.id });
    const counts = { runs: 0, succeeded: 0, failed: 0, running: 0 };
    for (const entry of entries) {
      if (entry.mode !== 'run') continue;
      // Newest first: once a run started before yesterday, no later one is from today.
      if (sources.now - Date.parse(entry.createdAt) > 2 * 86_400_000) break;
      if (today(Date.parse(entry.createdAt)) !== todayKey) continue;
      counts.runs++;
      if (entry.status === 'succeeded') counts.succeeded++;
      else if (entry.status === 'failed' || entry.status === 'cancelled') counts.failed++;
      else counts.running++;
    }
    const finished = counts.succeeded + counts.failed;
    const base = { flowId: summary.id, name: summary.name, active: sources.active.has(summary.id), owner: summary.owner, today: counts, successRate: finished === 0 ? null : counts.succeeded / finished };
    const parsed = FlowSchema.safeParse((await sources.flows.get(summary.id)).flow);
    if (!parsed.success) {
      out.push({ ...base, ready: false, missing: [], metric: null, problem: 'The flow file has problems, so its checklist and metric cannot be read: open it in the editor.' });
      continue;
    }
    const flow = parsed.data;
    const check = readiness(flow, sources.catalog);
    const metric = charterOf(flow).metric;
    out.push({
      ...base,
      ready: check.ready,
      missing: check.missing,
      metric: metric ? computeMetric(metric, entries, { now: sources.now, ...(sources.timeZone ? { timeZone: sources.timeZone } : {}) }, flow) : null,
    });
  }
  return out;
}
