/**
 * The alerts' view of a flow's success metric: the charter's figure over its window, from the run
 * index (computeMetric), in the shape alerts compare with the target. Nothing to judge yet (no
 * production run in the window) reads as undefined, so a new flow raises no "below target".
 */
import type { RunIndexEntry } from '../trace/index.ts';
import type { Flow } from '../model/flow.ts';
import type { MetricReading, MetricSource } from '../alerts/alerts.ts';
import { computeMetric } from './metrics.ts';

export interface MetricSourceDeps {
  entries(flowId: string): Promise<readonly RunIndexEntry[]>;
  flow(flowId: string): Promise<Pick<Flow, 'nodes'> | undefined>;
}

export function runIndexMetricSource(deps: MetricSourceDeps): MetricSource {
  return {
    async read(flowId, metric, now): Promise<MetricReading | undefined> {
      const flow = await deps.flow(flowId);
      const result = computeMetric(metric, await deps.entries(flowId), { now }, flow);
      if (result.value === null || result.met === null) return undefined;
      return { value: result.value, target: result.target, met: result.met, windowDays: result.windowDays, summary: result.label };
    },
  };
}
