/**
 * The dashboard's figures over fixture run-index entries, every figure worked out by hand.
 *
 * Window: 7 days up to 2026-12-08T12:00Z (UTC days 12-01 … 12-08). Counted (mode run, started
 * in the window): a1 a2 a3 a4 b1 b2. Left out: a5 (a fork), a6 (started before the window).
 * Prices: model "m" costs $2 per million tokens in, $10 per million out; "unknown-model" has none.
 */
import { describe, expect, it } from 'vitest';
import { dashboardOf, percentile, runsBehind, UNKNOWN_STEP, type DashboardFlowInfo, type OpenReview } from '../../../engine/dashboard/dashboard-figures.ts';
import type { RunIndexEntry, RunFacts } from '../../../engine/trace/index.ts';
import type { SuccessMetric } from '../../../engine/model/charter.ts';

const NOW = Date.parse('2026-12-08T12:00:00Z');
const options = { now: NOW, days: 7, timeZone: 'UTC', prices: { m: { inputPerMillion: 2, outputPerMillion: 10 } } };
const noReviews: RunFacts['reviews'] = { decided: 0, approvedUnedited: 0, autoApproved: 0, timedOut: 0 };

function run(runId: string, flowId: string, createdAt: string, status: RunIndexEntry['status'], extra: Omit<Partial<RunIndexEntry>, 'facts'> & { durationMs?: number; facts?: Partial<RunFacts> } = {}): RunIndexEntry {
  const { durationMs, facts, ...rest } = extra;
  const finishedAt = durationMs === undefined ? undefined : new Date(Date.parse(createdAt) + durationMs).toISOString();
  return {
    runId,
    flowId,
    flowName: flowId === 'orders' ? 'Orders' : 'Invoices',
    flowVersion: 1,
    status,
    mode: 'run',
    startedBy: 'trigger:clock',
    createdAt,
    updatedAt: finishedAt ?? createdAt,
    startedAt: createdAt,
    ...(finishedAt === undefined ? {} : { finishedAt }),
    nodes: { total: 3, succeeded: 3, failed: 0, skipped: 0 },
    items: { failed: 0 },
    ai: {},
    stamp: 's',
    facts: { reached: {}, reviews: noReviews, person: false, ...(durationMs === undefined ? {} : { durationMs }), ...facts },
    ...rest,
  };
}

const ENTRIES: RunIndexEntry[] = [
  run('a1', 'orders', '2026-12-02T09:00:00.000Z', 'succeeded', { durationMs: 60_000, ai: { m: { calls: 2, cachedCalls: 0, promptTokens: 1_000_000, completionTokens: 500_000 } } }),
  run('a2', 'orders', '2026-12-02T10:00:00.000Z', 'failed', { durationMs: 120_000, startedBy: 'app', facts: { failedStep: { nodeId: 'send', name: 'Send reply' } } }),
  run('a3', 'orders', '2026-12-03T10:00:00.000Z', 'succeeded', {
    durationMs: 30_000,
    failedItems: [{ nodeId: 'send', name: 'Send reply', failed: 2, total: 5 }],
    facts: { reviews: { decided: 4, approvedUnedited: 3, autoApproved: 1, timedOut: 0 }, person: true },
  }),
  run('a4', 'orders', '2026-12-08T11:00:00.000Z', 'paused'),
  run('a5', 'orders', '2026-12-04T10:00:00.000Z', 'failed', { durationMs: 1000, mode: 'fork' }),
  run('a6', 'orders', '2026-11-30T10:00:00.000Z', 'failed', { durationMs: 1000 }),
  run('b1', 'invoices', '2026-12-05T08:00:00.000Z', 'succeeded', { durationMs: 600_000, ai: { 'unknown-model': { calls: 1, cachedCalls: 0, promptTokens: 100, completionTokens: 100 } } }),
  run('b2', 'invoices', '2026-12-07T23:00:00.000Z', 'failed', { durationMs: 10_000, facts: {} }),
];

const OPEN: OpenReview[] = [
  { id: 'a4:check:0', runId: 'a4', flowId: 'orders', stepName: 'Check reply', createdAt: '2026-12-08T11:00:05.000Z', dueAt: '2026-12-08T11:30:00.000Z' },
  { id: 'b9:check:0', runId: 'b9', flowId: 'invoices', stepName: 'Check invoice', createdAt: '2026-12-06T08:00:00.000Z' },
];

// Orders' metric: share of production runs (trigger-started, succeeded) without a person: a1 yes, a3 no → 0.5 < 0.9.
const withoutPerson: SuccessMetric = { kind: 'runs-without-person', target: 0.9, windowDays: 7 };
const FLOWS: DashboardFlowInfo[] = [
  { id: 'orders', name: 'Orders', metric: withoutPerson },
  { id: 'invoices', name: 'Invoices' },
  { id: 'quiet', name: 'Quiet flow' },
];

describe('percentile (nearest rank)', () => {
  it('p50 and p95 of five and of twenty values', () => {
    expect(percentile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5], 0.95)).toBe(5);
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(twenty, 0.95)).toBe(19);
    expect(percentile(twenty, 0.5)).toBe(10);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('the dashboard over fixture entries equals the figures worked out by hand', () => {
  const dashboard = dashboardOf(ENTRIES, OPEN, FLOWS, options);

  it('overall: runs, success rate, durations, failures by step, AI, reviews', () => {
    const { overall } = dashboard;
    expect(dashboard).toMatchObject({ from: '2026-12-01T12:00:00.000Z', to: '2026-12-08T12:00:00.000Z', windowDays: 7 });
    expect(overall.runs).toEqual({ total: 6, succeeded: 3, failed: 2, cancelled: 0, unfinished: 1 });
    expect(overall.successRate).toBe(3 / 5);
    // Ended: 10 s, 30 s, 60 s, 120 s, 600 s → p50 the 3rd, p95 the 5th.
    expect(overall.duration).toEqual({ p50Ms: 60_000, p95Ms: 600_000, runs: 5 });
    expect(overall.failuresByStep).toEqual([
      { nodeId: 'send', name: 'Send reply', runs: 1, items: 2 },
      { nodeId: UNKNOWN_STEP, name: 'A step not recorded', runs: 1, items: 0 },
    ]);
    // $2 × 1 M tokens in + $10 × 0.5 M out = $7; the unknown model counts tokens, no money.
    expect(overall.ai).toEqual({ calls: 3, cachedCalls: 0, promptTokens: 1_000_100, completionTokens: 500_100, costUsd: 7, unpricedModels: ['unknown-model'] });
    expect(overall.reviews).toEqual({
      open: 2,
      overdue: 1,
      oldest: { id: 'b9:check:0', runId: 'b9', flowId: 'invoices', stepName: 'Check invoice', createdAt: '2026-12-06T08:00:00.000Z' },
      decided: 4,
      approvedUnedited: 3,
      autoApproved: 1,
      timedOut: 0,
      agreement: 0.75,
    });
  });

  it('day by day: one point per calendar day of the window', () => {
    const days = dashboard.overall.days;
    expect(days.map((d) => d.day)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07', '2026-12-08']);
    const byDay = Object.fromEntries(days.map((d) => [d.day, d]));
    expect(byDay['2026-12-02']).toEqual({ day: '2026-12-02', succeeded: 1, failed: 1, unfinished: 0, p50Ms: 60_000, p95Ms: 120_000, costUsd: 7 });
    expect(byDay['2026-12-03']).toMatchObject({ succeeded: 1, failed: 0, p50Ms: 30_000 });
    expect(byDay['2026-12-04']).toEqual({ day: '2026-12-04', succeeded: 0, failed: 0, unfinished: 0, p50Ms: null, p95Ms: null, costUsd: 0 });
    expect(byDay['2026-12-07']).toMatchObject({ succeeded: 0, failed: 1, p95Ms: 10_000 });
    expect(byDay['2026-12-08']).toMatchObject({ succeeded: 0, failed: 0, unfinished: 1, p50Ms: null });
    // The days add up to the totals.
    expect(days.reduce((s, d) => s + d.succeeded + d.failed + d.unfinished, 0)).toBe(dashboard.overall.runs.total);
  });

  it('per flow: failing first, then below target, then idle; each with its reasons', () => {
    expect(dashboard.flows.map((f) => [f.flowId, f.health.state])).toEqual([
      ['invoices', 'failing'],
      ['orders', 'below-target'],
      ['quiet', 'idle'],
    ]);
    const [invoices, orders, quiet] = dashboard.flows;
    expect(invoices!.health.reasons).toEqual(['Its last run failed.']);
    expect(orders!.health.reasons).toEqual(['Below its target: at least 90 % of runs need no person.']);
    expect(quiet!.health.reasons).toEqual(['No runs in the last 7 days.']);
    expect(orders).toMatchObject({ name: 'Orders', deleted: false, runs: { total: 4, succeeded: 2, failed: 1, unfinished: 1 }, successRate: 2 / 3, duration: { p50Ms: 60_000, p95Ms: 120_000, runs: 3 } });
    expect(orders!.reviews).toMatchObject({ open: 1, overdue: 1, oldest: { id: 'a4:check:0' }, agreement: 0.75 });
    expect(orders!.metric).toMatchObject({ value: 0.5, target: 0.9, met: false, runs: 2, windowDays: 7 });
    expect(orders!.metric?.series.map((p) => [p.day, p.value])).toContainEqual(['2026-12-02', 1]);
    expect(invoices).toMatchObject({ runs: { total: 2, succeeded: 1, failed: 1 }, successRate: 0.5, metric: null, ai: { costUsd: 0, unpricedModels: ['unknown-model'] } });
    expect(quiet).toMatchObject({ runs: { total: 0 }, successRate: null, duration: { p50Ms: null, p95Ms: null, runs: 0 }, failuresByStep: [], reviews: { open: 0, oldest: null, agreement: null } });
    expect(dashboard.overall.health).toEqual({ state: 'failing', reasons: ['1 flow failing: Invoices.', '1 flow below target: Orders.'] });
  });

  it('a flow whose file is gone keeps its row (its runs stay), marked deleted', () => {
    const rows = dashboardOf(ENTRIES, [], [], options).flows;
    expect(rows.map((r) => [r.flowId, r.name, r.deleted])).toEqual([
      ['invoices', 'Invoices', true],
      ['orders', 'Orders', true],
    ]);
  });

  it('a fresh data folder: zeros and nulls, idle, nothing invented', () => {
    const empty = dashboardOf([], [], [], options);
    expect(empty.flows).toEqual([]);
    expect(empty.overall).toMatchObject({ runs: { total: 0 }, successRate: null, health: { state: 'idle', reasons: ['No runs in the last 7 days.'] }, reviews: { open: 0, oldest: null } });
    expect(empty.overall.days).toHaveLength(8);
  });

  it('the last run succeeding clears "failing"', () => {
    const later = run('b3', 'invoices', '2026-12-08T09:00:00.000Z', 'succeeded', { durationMs: 1000 });
    const invoices = dashboardOf([...ENTRIES, later], [], FLOWS, options).flows.find((f) => f.flowId === 'invoices');
    expect(invoices?.health).toEqual({ state: 'ok', reasons: [] });
  });
});

describe('the runs behind each figure (their count equals the figure)', () => {
  const ids = (filter: Parameters<typeof runsBehind>[1]) => runsBehind(ENTRIES, filter, options).map((e) => e.runId);
  const { overall } = dashboardOf(ENTRIES, OPEN, FLOWS, options);

  it('by status, by day, by failed step, AI, reviewed, production', () => {
    expect(ids({})).toEqual(['a4', 'b2', 'b1', 'a3', 'a2', 'a1']);
    expect(ids({ status: 'failed' })).toEqual(['b2', 'a2']);
    expect(ids({ status: 'failed' })).toHaveLength(overall.runs.failed + overall.runs.cancelled);
    expect(ids({ status: 'succeeded' })).toHaveLength(overall.runs.succeeded);
    expect(ids({ status: 'unfinished' })).toEqual(['a4']);
    expect(ids({ day: '2026-12-02' })).toEqual(['a2', 'a1']);
    expect(ids({ day: '2026-12-02', status: 'failed' })).toEqual(['a2']);
    expect(ids({ failedStep: 'send' })).toEqual(['a3', 'a2']);
    expect(ids({ failedStep: UNKNOWN_STEP })).toEqual(['b2']);
    expect(ids({ usedAi: true })).toEqual(['b1', 'a1']);
    expect(ids({ reviewed: true })).toEqual(['a3']);
    expect(ids({ flowId: 'orders', production: true })).toEqual(['a3', 'a1']);
  });
});
