/**
 * dashboard.*: the figures and the runs behind them, from the run index (every run's folded facts)
 * and the inbox index (open review items) — no trace is read (engine/dashboard/).
 */
import { FlowSchema } from '../../model/flow.ts';
import { charterOf } from '../../charter/readiness.ts';
import { dashboardOf, runsBehind, type DashboardFlowInfo, type OpenReview } from '../../dashboard/dashboard-figures.ts';
import { publicSummary } from '../../trace/index.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function dashboardHandlers({ data, inbox, clock, projections }: ServiceContext): GroupHandlers<'dashboard'> {
  /** Saved flows with their charter's metric; a damaged file keeps its row, without a metric. */
  const savedFlows = async (flowId: string | undefined): Promise<DashboardFlowInfo[]> => {
    const out: DashboardFlowInfo[] = [];
    for (const summary of await data.flows.list()) {
      if (flowId !== undefined && summary.id !== flowId) continue;
      const parsed = FlowSchema.safeParse((await data.flows.get(summary.id)).flow);
      const metric = parsed.success ? charterOf(parsed.data).metric : undefined;
      out.push({ id: summary.id, name: summary.name, ...(parsed.success ? { flow: parsed.data } : {}), ...(metric ? { metric } : {}) });
    }
    return out;
  };
  return {
    'dashboard.get': async ({ flowId, days, timeZone }) => {
      const [entries, flows, prices] = await Promise.all([data.runIndex.list(flowId === undefined ? {} : { flowId }), savedFlows(flowId), projections.prices()]);
      // A deleted flow's runs still have a dashboard; an id with neither a file nor runs is a mistake.
      if (flowId !== undefined && flows.length === 0 && entries.length === 0) await data.flows.get(flowId);
      await inbox.settled();
      const open: OpenReview[] = inbox.all().filter((item) => flowId === undefined || item.flowId === flowId);
      return dashboardOf(entries, open, flows, { now: clock.now(), days, prices, ...(timeZone === undefined ? {} : { timeZone }) });
    },
    'dashboard.runs': async ({ days, timeZone, limit, offset, ...filter }) => {
      const entries = await data.runIndex.list(filter.flowId === undefined ? {} : { flowId: filter.flowId });
      const runs = runsBehind(entries, filter, { now: clock.now(), days, ...(timeZone === undefined ? {} : { timeZone }) });
      return { runs: runs.slice(offset, offset + limit).map(publicSummary), total: runs.length };
    },
  };
}
