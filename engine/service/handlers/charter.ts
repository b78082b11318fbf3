/** charter.*: a flow's production checklist (readiness) and its success metric. */
import { ApiError } from '../../model/contract.ts';
import { FlowSchema, type Flow } from '../../model/flow.ts';
import { zodProblems } from '../../model/validate.ts';
import { charterOf, readiness } from '../../charter/readiness.ts';
import { computeMetric } from '../../charter/metrics.ts';
import { flowHeadlines } from '../../charter/status.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function charterHandlers({ data, registry, triggers, clock }: ServiceContext): GroupHandlers<'charter'> {
  return {
    'charter.readiness': async ({ flowId, flow: draft }) => {
      const flow = readableFlow(draft ?? (await data.flows.get(flowId)).flow);
      const active = (await triggers.activeFlowIds()).has(flowId);
      return { ...readiness(flow, registry), active };
    },
    'charter.metric': async ({ flowId, days, timeZone }) => {
      const flow = readableFlow((await data.flows.get(flowId)).flow);
      const metric = charterOf(flow).metric;
      if (!metric) return null;
      const entries = await data.runIndex.list({ flowId });
      return computeMetric(metric, entries, { now: clock.now(), ...(days === undefined ? {} : { days }), ...(timeZone === undefined ? {} : { timeZone }) }, flow);
    },
    'charter.status': async ({ flowId, timeZone }) => {
      if (flowId !== undefined) await data.flows.get(flowId); // an unknown id is FLOW_NOT_FOUND, not an empty list
      return flowHeadlines({ flows: data.flows, runIndex: data.runIndex, catalog: registry, active: await triggers.activeFlowIds(), now: clock.now(), ...(timeZone === undefined ? {} : { timeZone }) }, flowId);
    },
  };
}

/**
 * The checklist reads a flow that has the format's shape; a flow whose steps still have problems
 * (a missing setting) gets its checklist all the same, since the page helps finish it.
 */
export function readableFlow(value: unknown): Flow {
  const parsed = FlowSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ApiError({ code: 'FLOW_INVALID', message: 'This flow file is damaged, so its checklist cannot be read.', hint: 'Fix the problems listed (or open the flow in the editor), save, and look again.', problems: zodProblems(parsed.error, []) });
}
