/** Pure parts of the dashboard screen: words for figures, the drill-down's description and filter. */
import type { DashboardFlow, DashboardHealth } from '../../engine/model/dashboard.ts';
import type { MetricResult } from '../../engine/model/charter.ts';
import type { DashboardDrill } from '../logic/route.ts';
import { formatDuration, plural } from '../logic/format.ts';

export function percent(share: number | null): string {
  if (share === null) return '—';
  return `${Math.round(share * 1000) / 10} %`;
}

export function duration(ms: number | null): string {
  return ms === null ? '—' : formatDuration(ms);
}

export const HEALTH_LABEL: Record<DashboardHealth['state'], string> = { failing: 'Failing', 'below-target': 'Below target', ok: 'Working', idle: 'No runs' };
export const HEALTH_TONE: Record<DashboardHealth['state'], 'danger' | 'warning' | 'success' | 'neutral'> = { failing: 'danger', 'below-target': 'warning', ok: 'success', idle: 'neutral' };

/** A metric's figure in its unit ("80 %", "1 min 30 s", "12.5 items per day"). */
export function metricFigure(metric: Pick<MetricResult, 'unit' | 'period'>, value: number | null): string {
  if (value === null) return '—';
  if (metric.unit === 'share') return percent(value);
  if (metric.unit === 'ms') return formatDuration(value);
  const per = metric.period === 'week' ? ' per week' : ' per day';
  return `${Math.round(value * 10) / 10} ${metric.unit === 'minutes' ? 'min' : 'items'}${per}`;
}

/** "12.5 items per day (target 10)" or "No production runs yet (target 80 %)". */
export function metricLine(metric: MetricResult): string {
  const target = `target ${metricFigure(metric, metric.target)}`;
  if (metric.value === null) return `Nothing to measure yet (${target})`;
  return `${metricFigure(metric, metric.value)} (${target})`;
}

/** The filter `dashboard.runs` takes for a drill-down. */
export function drillFilter(drill: DashboardDrill, flowId: string | undefined) {
  return {
    ...(flowId ? { flowId } : {}),
    ...(drill.status ? { status: drill.status } : {}),
    ...(drill.day ? { day: drill.day } : {}),
    ...(drill.step !== undefined ? { failedStep: drill.step } : {}),
    ...(drill.ai ? { usedAi: true } : {}),
    ...(drill.reviewed ? { reviewed: true } : {}),
    ...(drill.production ? { production: true } : {}),
  };
}

const STATUS_WORDS = { succeeded: 'that succeeded', failed: 'that failed or were stopped', unfinished: 'still going or waiting' } as const;

/** "Runs that failed on 3 Dec", in words, for the drill-down's heading. */
export function describeDrill(drill: DashboardDrill, stepName: string | undefined, flowName: string | undefined, days: number, shortDay: (day: string) => string): string {
  const parts = ['Runs'];
  if (flowName) parts.push(`of ${flowName}`);
  if (drill.status) parts.push(STATUS_WORDS[drill.status]);
  if (drill.step !== undefined) parts.push(`that failed at “${stepName ?? drill.step}”`);
  if (drill.ai) parts.push('that used AI');
  if (drill.reviewed) parts.push('with decisions by people');
  if (drill.production) parts.push('the success metric counts');
  parts.push(drill.day ? `on ${shortDay(drill.day)}` : `in the last ${plural(days, 'day')}`);
  return parts.join(' ');
}

/** Red rows first (as the API sorts them); a flow's row says why it is red. */
export function rowTone(flow: Pick<DashboardFlow, 'health'>): string {
  return flow.health.state === 'failing' ? 'row-danger' : flow.health.state === 'below-target' ? 'row-warning' : '';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-12-03" → "3 Dec". */
export function shortDay(day: string): string {
  const [, m, d] = day.split('-');
  return `${Number(d)} ${MONTHS[Number(m) - 1] ?? ''}`.trim();
}

/** The dashboard's line about alert messages that could not be sent (undefined when none). */
export function failedDeliveryLine(failed: ReadonlyArray<{ to: string }>): string | undefined {
  if (failed.length === 0) return undefined;
  const where = [...new Set(failed.map((d) => d.to))];
  const places = where.length <= 2 ? where.join(' and ') : `${where.slice(0, 2).join(', ')} and ${where.length - 2} more`;
  return failed.length === 1 ? `1 alert message could not be sent (to ${places}), so someone may not know about a problem.` : `${failed.length} alert messages could not be sent (to ${places}), so someone may not know about a problem.`;
}
