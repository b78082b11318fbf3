/**
 * The success metric of a flow's charter, computed from the run index (never by re-reading
 * traces): each entry carries the facts the forms need (engine/trace/run-index.ts `RunFacts`),
 * folded once when the run's trace closed.
 *
 * What counts: **production runs** — started by a trigger (`startedBy: trigger:<node>`, which only
 * fires while the flow is switched on), mode `run` (not a fork or replay) — that **succeeded**.
 * Runs started by hand (app, CLI, editor test runs), forks, replays, and failed or cancelled runs
 * are left out and counted in `excluded`. A run counts at the time it finished.
 *
 * The window is the last `windowDays` × 24 h up to `now`; the series has one point per calendar
 * day (in `timeZone`, default the machine's) holding that day's figure alone. Per-period forms
 * (items reaching a step, minutes saved) average over the window: total ÷ days (or ÷ weeks).
 *
 * May import: `engine/model`, the run index's entry type.
 */
import type { MetricPoint, MetricResult, SuccessMetric } from '../model/charter.ts';
import type { Flow } from '../model/flow.ts';
import type { RunFacts, RunIndexEntry } from '../trace/index.ts';
import { describeMetric } from './readiness.ts';

const DAY_MS = 86_400_000;

export interface MetricOptions {
  /** The end of the window (ms since epoch): the service's clock. */
  now: number;
  /** Days of the window; default the metric's `windowDays`. */
  days?: number;
  /** IANA zone for the series' calendar days; default the machine's. */
  timeZone?: string;
}

/** A run a trigger started on the flow while it was on: what production means for a metric. */
export function isProductionRun(entry: Pick<RunIndexEntry, 'mode' | 'startedBy'>): boolean {
  return entry.mode === 'run' && typeof entry.startedBy === 'string' && entry.startedBy.startsWith('trigger:');
}

const NO_FACTS: RunFacts = { reached: {}, reviews: { decided: 0, approvedUnedited: 0, autoApproved: 0, timedOut: 0 }, person: false };

/** The metric over `entries` (the flow's runs from the index, any order). */
export function computeMetric(metric: SuccessMetric, entries: readonly RunIndexEntry[], options: MetricOptions, flow?: Pick<Flow, 'nodes'>): MetricResult {
  const days = options.days ?? metric.windowDays;
  const to = options.now;
  const from = to - days * DAY_MS;
  const dayOf = dayKeyer(options.timeZone);
  // Times are compared as ISO text (the index holds toISOString() times, which sort as text), so
  // 100,000 entries cost no date parsing; anything else is normalised first.
  const fromIso = new Date(from).toISOString();
  const toIso = new Date(to).toISOString();
  const inWindow = (time: string | undefined) => {
    if (time === undefined) return false;
    const iso = canonical(time);
    return iso > fromIso && iso <= toIso;
  };
  const counted: RunIndexEntry[] = [];
  const excluded = { notProduction: 0, failed: 0, unfinished: 0 };
  for (const entry of entries) {
    if (!isProductionRun(entry)) {
      if (inWindow(entry.finishedAt ?? entry.createdAt)) excluded.notProduction++;
      continue;
    }
    if (entry.finishedAt === undefined) {
      if (inWindow(entry.createdAt)) excluded.unfinished++;
      continue;
    }
    if (!inWindow(entry.finishedAt)) continue;
    if (entry.status !== 'succeeded') excluded.failed++;
    else counted.push(entry);
  }
  const calendar = dayStarts(from, to, dayOf);
  const byDay = new Map<string, RunIndexEntry[]>(calendar.map((d) => [d.day, []]));
  for (const entry of counted) byDay.get(dayAt(calendar, canonical(entry.finishedAt!)))?.push(entry);

  const figure = formOf(metric);
  const periods = metric.period === 'week' ? days / 7 : days;
  const total = figure.of(counted);
  const value = total === null ? null : figure.perPeriod ? total / periods : total;
  const series: MetricPoint[] = [...byDay].map(([day, runs]) => ({ day, value: figure.of(runs), runs: runs.length }));
  const better = metric.kind === 'median-trigger-to-done' ? 'lower' : 'higher';
  const met = value === null ? null : better === 'lower' ? value <= metric.target : value >= metric.target;
  return {
    kind: metric.kind,
    label: describeMetric(metric, flow),
    unit: figure.unit,
    ...(figure.perPeriod ? { period: metric.period ?? 'day' } : {}),
    better,
    value,
    target: metric.target,
    ...(metric.baseline === undefined ? {} : { baseline: metric.baseline }),
    met,
    windowDays: days,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    runs: counted.length,
    excluded,
    series,
  };
}

interface Form {
  unit: MetricResult['unit'];
  /** Totals of per-period forms are divided by the periods of the window. */
  perPeriod: boolean;
  /** The form's figure over some counted runs; null when there is nothing to compute it from. */
  of(runs: readonly RunIndexEntry[]): number | null;
}

function formOf(metric: SuccessMetric): Form {
  const facts = (e: RunIndexEntry) => e.facts ?? NO_FACTS;
  switch (metric.kind) {
    case 'items-reached-step':
      return { unit: 'items', perPeriod: true, of: (runs) => runs.reduce((sum, e) => sum + (facts(e).reached[metric.stepId ?? ''] ?? 0), 0) };
    case 'reviews-approved-unedited':
      return {
        unit: 'share',
        perPeriod: false,
        of: (runs) => {
          const decided = runs.reduce((sum, e) => sum + facts(e).reviews.decided, 0);
          return decided === 0 ? null : runs.reduce((sum, e) => sum + facts(e).reviews.approvedUnedited, 0) / decided;
        },
      };
    case 'median-trigger-to-done':
      return { unit: 'ms', perPeriod: false, of: (runs) => median(runs.map((e) => e.facts?.durationMs ?? Date.parse(e.finishedAt!) - Date.parse(e.startedAt))) };
    case 'runs-without-person':
      return { unit: 'share', perPeriod: false, of: (runs) => (runs.length === 0 ? null : runs.filter((e) => !facts(e).person).length / runs.length) };
    case 'minutes-saved':
      return { unit: 'minutes', perPeriod: true, of: (runs) => runs.length * (metric.minutesPerRun ?? 0) };
  }
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * `YYYY-MM-DD` of an instant in a time zone. Formatting is the costly part (microseconds each, so
 * 100,000 runs took a quarter of a second), and every zone's offset is a multiple of 15 minutes:
 * one answer per quarter hour is cached, so a window of any size costs at most 96 formats a day.
 */
export function dayKeyer(timeZone?: string): (ms: number) => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const cache = new Map<number, string>();
  return (ms) => {
    const quarter = Math.floor(ms / 900_000);
    let day = cache.get(quarter);
    if (day === undefined) cache.set(quarter, (day = format.format(new Date(quarter * 900_000))));
    return day;
  };
}

/** ISO text as toISOString() writes it (sorts as text); other forms are normalised. */
function canonical(time: string): string {
  return time.length === 24 && time.charCodeAt(23) === 90 /* Z */ && time.charCodeAt(10) === 84 /* T */ ? time : new Date(Date.parse(time)).toISOString();
}

/**
 * The calendar days an interval touches, oldest first, each with the ISO time it starts at (the
 * first that falls in the interval for the first day). Days change on a quarter hour in every zone.
 */
function dayStarts(from: number, to: number, dayOf: (ms: number) => string): Array<{ day: string; start: string }> {
  const out: Array<{ day: string; start: string }> = [];
  const first = from + 1;
  out.push({ day: dayOf(first), start: new Date(first).toISOString() });
  for (let t = Math.ceil(first / 900_000) * 900_000; t <= to; t += 900_000) {
    const day = dayOf(t);
    if (out.at(-1)!.day !== day) out.push({ day, start: new Date(t).toISOString() });
  }
  return out;
}

/** The day an ISO time falls in (binary search over the days' starts). */
function dayAt(days: ReadonlyArray<{ day: string; start: string }>, iso: string): string {
  let lo = 0;
  let hi = days.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (days[mid]!.start <= iso) lo = mid;
    else hi = mid - 1;
  }
  return days[lo]!.day;
}
