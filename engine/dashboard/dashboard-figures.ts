/**
 * The dashboard's figures, overall and per flow, from run-index entries and the open review
 * items of the inbox index — pure (no I/O, no clock): the handler hands in what the indexes hold,
 * so 100,000 runs cost one pass over memory and no trace is read.
 *
 * What counts: runs of mode `run` (forks and replays re-execute a past run and would count it
 * twice) created in the window — the last `days` × 24 h up to `now`. A run counts on the day it
 * started (in `timeZone`). Stopped (cancelled) runs count as failed in the success rate, as in
 * `charter.status`. Durations are trigger to end of the runs that ended; percentiles are nearest
 * rank (p95 of 20 runs is the 19th fastest). AI money is priced with the table given (today's
 * settings), as `flows.cost` does.
 *
 * May import: `engine/model`, `engine/cost.ts`, `engine/charter/metrics.ts`, the run index's types.
 */
import type { Dashboard, DashboardDay, DashboardFigures, DashboardFlow, DashboardHealth, DashboardRunFilter } from '../model/dashboard.ts';
import type { SuccessMetric } from '../model/charter.ts';
import type { Flow } from '../model/flow.ts';
import { usageCost, type LlmUsage, type PriceTable } from '../cost.ts';
import { computeMetric, dayKeyer, isProductionRun } from '../charter/metrics.ts';
import type { RunIndexEntry } from '../trace/index.ts';

const DAY_MS = 86_400_000;
const QUARTER_HOUR_MS = 900_000;
/** Name of the bucket for failed runs whose entry does not say at which step (older entries). */
export const UNKNOWN_STEP = '(unrecorded)';

export interface DashboardOptions {
  /** The end of the window (ms since epoch): the service's clock. */
  now: number;
  days: number;
  /** IANA zone for calendar days; default the machine's. */
  timeZone?: string;
  prices: PriceTable;
}

/** An item waiting for a person, as the inbox index holds it. */
export interface OpenReview {
  id: string;
  runId: string;
  flowId: string;
  stepName: string;
  createdAt: string;
  dueAt?: string;
}

/** A saved flow: its name, and its charter's metric when the file could be read. */
export interface DashboardFlowInfo {
  id: string;
  name: string;
  flow?: Pick<Flow, 'nodes'>;
  metric?: SuccessMetric;
}

/** The window as ISO text (the index's times sort as text) and its calendar days. */
interface Window {
  fromIso: string;
  toIso: string;
  dayOf: (ms: number) => string;
  days: string[];
  /** The ISO time each day starts at (the first: the window's start), for a binary search on text. */
  starts: string[];
}

function windowOf(options: Pick<DashboardOptions, 'now' | 'days' | 'timeZone'>): Window {
  const from = options.now - options.days * DAY_MS;
  const dayOf = dayKeyer(options.timeZone);
  const days: string[] = [];
  const starts: string[] = [];
  // Days change on a quarter hour in every zone: one look per quarter hour finds them all.
  for (let t = from + 1; t <= options.now; t = (Math.floor(t / QUARTER_HOUR_MS) + 1) * QUARTER_HOUR_MS) {
    const day = dayOf(t);
    if (days.at(-1) !== day) {
      days.push(day);
      starts.push(new Date(t).toISOString());
    }
  }
  return { fromIso: new Date(from).toISOString(), toIso: new Date(options.now).toISOString(), dayOf, days, starts };
}

/** ISO text as toISOString() writes it; other forms are normalised first. */
function canonical(time: string): string {
  return time.length === 24 && time.charCodeAt(23) === 90 /* Z */ && time.charCodeAt(10) === 84 /* T */ ? time : new Date(Date.parse(time)).toISOString();
}

/** The day (index into window.days) a run started on, or -1 when it does not count (see the top). */
function dayIndex(entry: RunIndexEntry, window: Window): number {
  if (entry.mode !== 'run') return -1;
  const at = canonical(entry.createdAt);
  if (!(at > window.fromIso && at <= window.toIso)) return -1;
  const { starts } = window;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function ended(status: RunIndexEntry['status']): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

function durationOf(entry: RunIndexEntry): number | undefined {
  if (entry.finishedAt === undefined) return undefined;
  return entry.facts?.durationMs ?? Date.parse(entry.finishedAt) - Date.parse(entry.startedAt);
}

/** Nearest-rank percentile (0 < p ≤ 1) of ascending values; null when there are none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

function addUsage(into: LlmUsage, usage: LlmUsage): void {
  for (const model in usage) {
    if (!Object.hasOwn(usage, model)) continue;
    const u = usage[model]!;
    const t = (into[model] ??= { calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0 });
    t.calls += u.calls;
    t.cachedCalls += u.cachedCalls;
    t.promptTokens += u.promptTokens;
    t.completionTokens += u.completionTokens;
  }
}

interface DayTally {
  succeeded: number;
  failed: number;
  unfinished: number;
  durations: number[];
  usage: LlmUsage;
}

/**
 * A scope's running totals while entries go past: each run is added to its flow's tally only,
 * and the overall tally is the flows' merged (one pass, one addition per run). Totals of runs and
 * AI use are kept per day and summed at the end.
 */
class Tally {
  readonly runs = { total: 0, succeeded: 0, failed: 0, cancelled: 0, unfinished: 0 };
  readonly steps = new Map<string, { name: string; runs: number; items: number }>();
  readonly reviews = { decided: 0, approvedUnedited: 0, autoApproved: 0, timedOut: 0 };
  readonly byDay: DayTally[];
  /** The run that ended last (health: is the flow failing now). */
  lastEnded: RunIndexEntry | undefined;

  constructor(private readonly days: readonly string[]) {
    this.byDay = days.map(() => ({ succeeded: 0, failed: 0, unfinished: 0, durations: [], usage: {} }));
  }

  add(entry: RunIndexEntry, day: number): void {
    const bucket = this.byDay[day]!;
    const status = entry.status;
    this.runs.total++;
    if (status === 'succeeded') {
      this.runs.succeeded++;
      bucket.succeeded++;
    } else if (status === 'failed' || status === 'cancelled') {
      if (status === 'failed') this.runs.failed++;
      else this.runs.cancelled++;
      bucket.failed++;
    } else {
      this.runs.unfinished++;
      bucket.unfinished++;
    }
    if (ended(status)) {
      const duration = durationOf(entry);
      if (duration !== undefined) bucket.durations.push(duration);
      if (entry.finishedAt !== undefined && (this.lastEnded?.finishedAt === undefined || entry.finishedAt > this.lastEnded.finishedAt)) this.lastEnded = entry;
    }
    if (status === 'failed') {
      const step = entry.facts?.failedStep;
      this.step(step?.nodeId ?? UNKNOWN_STEP, step?.name ?? 'A step not recorded').runs++;
    }
    if (entry.failedItems) for (const failure of entry.failedItems) this.step(failure.nodeId, failure.name).items += failure.failed;
    addUsage(bucket.usage, entry.ai);
    const reviews = entry.facts?.reviews;
    if (reviews) {
      this.reviews.decided += reviews.decided;
      this.reviews.approvedUnedited += reviews.approvedUnedited;
      this.reviews.autoApproved += reviews.autoApproved;
      this.reviews.timedOut += reviews.timedOut;
    }
  }

  /** Adds another scope's totals (the overall tally is the flows' merged). */
  merge(other: Tally): void {
    for (const key of Object.keys(this.runs) as Array<keyof Tally['runs']>) this.runs[key] += other.runs[key];
    for (const key of Object.keys(this.reviews) as Array<keyof Tally['reviews']>) this.reviews[key] += other.reviews[key];
    for (const [nodeId, s] of other.steps) {
      const mine = this.step(nodeId, s.name);
      mine.runs += s.runs;
      mine.items += s.items;
    }
    other.byDay.forEach((b, i) => {
      const mine = this.byDay[i]!;
      mine.succeeded += b.succeeded;
      mine.failed += b.failed;
      mine.unfinished += b.unfinished;
      for (const d of b.durations) mine.durations.push(d);
      addUsage(mine.usage, b.usage);
    });
  }

  private step(nodeId: string, name: string) {
    let step = this.steps.get(nodeId);
    if (!step) this.steps.set(nodeId, (step = { name, runs: 0, items: 0 }));
    return step;
  }

  figures(open: readonly OpenReview[], now: number, prices: PriceTable): DashboardFigures {
    const endedRuns = this.runs.succeeded + this.runs.failed + this.runs.cancelled;
    const usage: LlmUsage = {};
    const all: number[] = [];
    const days: DashboardDay[] = this.byDay.map((b, i) => {
      addUsage(usage, b.usage);
      for (const d of b.durations) all.push(d);
      const sorted = b.durations.sort((x, y) => x - y);
      return { day: this.days[i]!, succeeded: b.succeeded, failed: b.failed, unfinished: b.unfinished, p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95), costUsd: usageCost(b.usage, prices).costUsd };
    });
    const sorted = all.sort((a, b) => a - b);
    const { calls, cachedCalls, promptTokens, completionTokens, costUsd, unpricedModels } = usageCost(usage, prices);
    let oldest: OpenReview | undefined;
    let overdue = 0;
    for (const item of open) {
      if (oldest === undefined || item.createdAt < oldest.createdAt) oldest = item;
      if (item.dueAt !== undefined && Date.parse(item.dueAt) <= now) overdue++;
    }
    return {
      runs: { ...this.runs },
      successRate: endedRuns === 0 ? null : this.runs.succeeded / endedRuns,
      duration: { p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95), runs: sorted.length },
      failuresByStep: [...this.steps]
        .map(([nodeId, s]) => ({ nodeId, name: s.name, runs: s.runs, items: s.items }))
        .sort((a, b) => b.runs - a.runs || b.items - a.items || a.name.localeCompare(b.name)),
      ai: { calls, cachedCalls, promptTokens, completionTokens, costUsd, unpricedModels },
      reviews: {
        open: open.length,
        overdue,
        oldest: oldest ? { id: oldest.id, runId: oldest.runId, flowId: oldest.flowId, stepName: oldest.stepName, createdAt: oldest.createdAt } : null,
        ...this.reviews,
        agreement: this.reviews.decided === 0 ? null : this.reviews.approvedUnedited / this.reviews.decided,
      },
      days,
    };
  }
}

/** The whole dashboard: overall, then one row per flow (saved flows and flows with runs). */
export function dashboardOf(entries: readonly RunIndexEntry[], open: readonly OpenReview[], flows: readonly DashboardFlowInfo[], options: DashboardOptions): Dashboard {
  const window = windowOf(options);
  const saved = new Map(flows.map((f) => [f.id, f]));
  const perFlow = new Map<string, { tally: Tally; name: string; info: DashboardFlowInfo | undefined; metricFromIso: string | undefined; recent: RunIndexEntry[] }>();
  const flowOf = (flowId: string, name: string) => {
    let f = perFlow.get(flowId);
    if (!f) {
      const info = saved.get(flowId);
      const metricFromIso = info?.metric ? new Date(options.now - info.metric.windowDays * DAY_MS).toISOString() : undefined;
      perFlow.set(flowId, (f = { tally: new Tally(window.days), name, info, metricFromIso, recent: [] }));
    }
    return f;
  };
  for (const info of flows) flowOf(info.id, info.name);
  for (const entry of entries) {
    const f = flowOf(entry.flowId, entry.flowName);
    // A metric looks at runs that ended (or, unfinished, started) within its window: older ones
    // count in none of its figures, so they are not handed to it.
    if (f.metricFromIso !== undefined && canonical(entry.finishedAt ?? entry.createdAt) > f.metricFromIso) f.recent.push(entry);
    const day = dayIndex(entry, window);
    if (day >= 0) f.tally.add(entry, day);
  }
  const overall = new Tally(window.days);
  const rows: DashboardFlow[] = [];
  const at = { now: options.now, ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }) };
  for (const [flowId, f] of perFlow) {
    overall.merge(f.tally);
    const { info } = f;
    const mine = open.filter((item) => item.flowId === flowId);
    const figures = f.tally.figures(mine, options.now, options.prices);
    // Over its own window, day by day (the chart): the period its target is judged over.
    const metric = info?.metric ? computeMetric(info.metric, f.recent, at, info.flow) : null;
    rows.push({ flowId, name: info?.name ?? f.name, deleted: info === undefined, ...figures, health: flowHealth(f.tally, figures, metric, options.days), metric });
  }
  const rank: Record<DashboardHealth['state'], number> = { failing: 0, 'below-target': 1, ok: 2, idle: 3 };
  rows.sort((a, b) => rank[a.health.state] - rank[b.health.state] || a.name.localeCompare(b.name));
  const overallFigures = overall.figures(open, options.now, options.prices);
  return { from: window.fromIso, to: window.toIso, windowDays: options.days, overall: { ...overallFigures, health: overallHealth(rows, overallFigures, options.days) }, flows: rows };
}

function flowHealth(tally: Tally, figures: DashboardFigures, metric: DashboardFlow['metric'], days: number): DashboardHealth {
  const reasons: string[] = [];
  let state: DashboardHealth['state'] = 'ok';
  const last = tally.lastEnded;
  if (last && last.status !== 'succeeded') {
    state = 'failing';
    const step = last.facts?.failedStep?.name;
    reasons.push(last.status === 'cancelled' ? 'Its last run was stopped before it finished.' : step ? `Its last run failed at "${step}".` : 'Its last run failed.');
  }
  if (metric?.met === false) {
    if (state === 'ok') state = 'below-target';
    reasons.push(`Below its target: ${metric.label}.`);
  }
  if (state === 'ok' && figures.runs.total === 0) return { state: 'idle', reasons: [`No runs in the last ${plural(days, 'day')}.`] };
  return { state, reasons };
}

function overallHealth(rows: readonly DashboardFlow[], figures: DashboardFigures, days: number): DashboardHealth {
  const failing = rows.filter((r) => r.health.state === 'failing');
  const below = rows.filter((r) => r.health.state === 'below-target' || (r.health.state === 'failing' && r.metric?.met === false));
  const reasons: string[] = [];
  if (failing.length > 0) reasons.push(`${plural(failing.length, 'flow')} failing: ${failing.map((r) => r.name).join(', ')}.`);
  if (below.length > 0) reasons.push(`${plural(below.length, 'flow')} below target: ${below.map((r) => r.name).join(', ')}.`);
  if (failing.length > 0) return { state: 'failing', reasons };
  if (below.length > 0) return { state: 'below-target', reasons };
  if (figures.runs.total === 0) return { state: 'idle', reasons: [`No runs in the last ${plural(days, 'day')}.`] };
  return { state: 'ok', reasons };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The runs behind a figure: the same window and counting as the figures, narrowed by the filter,
 * newest first. A figure's count equals the length of its runs (tested).
 */
export function runsBehind(entries: readonly RunIndexEntry[], filter: DashboardRunFilter, options: Pick<DashboardOptions, 'now' | 'days' | 'timeZone'>): RunIndexEntry[] {
  const window = windowOf(options);
  const out: RunIndexEntry[] = [];
  for (const entry of entries) {
    if (filter.flowId !== undefined && entry.flowId !== filter.flowId) continue;
    const day = dayIndex(entry, window);
    if (day < 0) continue;
    if (filter.status === 'succeeded' && entry.status !== 'succeeded') continue;
    if (filter.status === 'failed' && !(entry.status === 'failed' || entry.status === 'cancelled')) continue;
    if (filter.status === 'unfinished' && ended(entry.status)) continue;
    if (filter.day !== undefined && window.days[day] !== filter.day) continue;
    if (filter.failedStep !== undefined && !failedAt(entry, filter.failedStep)) continue;
    if (filter.usedAi !== undefined && filter.usedAi !== Object.values(entry.ai).some((u) => u.calls > 0)) continue;
    if (filter.reviewed !== undefined && filter.reviewed !== (entry.facts?.reviews.decided ?? 0) > 0) continue;
    if (filter.production !== undefined && filter.production !== (isProductionRun(entry) && entry.status === 'succeeded')) continue;
    out.push(entry);
  }
  return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.runId < b.runId ? -1 : 1));
}

function failedAt(entry: RunIndexEntry, nodeId: string): boolean {
  if (entry.status === 'failed' && (entry.facts?.failedStep?.nodeId ?? UNKNOWN_STEP) === nodeId) return true;
  return (entry.failedItems ?? []).some((f) => f.nodeId === nodeId && f.failed > 0);
}
