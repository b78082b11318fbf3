/**
 * The five success-metric forms over fixture traces (metric-fixtures.ts), each figure worked out
 * by hand, computed from the run index's entries (facts folded when a trace is read), and the
 * same through the API (`charter.metric`, `charter.status`).
 *
 * The counted runs (production = trigger-started, mode run, succeeded, finished in the window):
 * r1, r2, r3, r9. Left out: r5 (by hand) and r6 (fork) → notProduction 2; r4 failed → 1;
 * r8 running → unfinished 1; r7 finished before the window.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeMetric } from '../../../engine/charter/metrics.ts';
import type { SuccessMetric } from '../../../engine/model/charter.ts';
import { FileTraceStore, RunIndex } from '../../../engine/trace/index.ts';
import { createService, inProcessApi, type RunIndexEntry } from '../../../engine/index.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import { readyCharter } from '../../helpers/ready-charter.ts';
import { FLOW, NOW, writeFixtureTraces } from './metric-fixtures.ts';

let dir: string;
let cleanup: () => Promise<void>;
let entries: RunIndexEntry[];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await writeFixtureTraces(join(dir, 'runs'));
  const index = new RunIndex(new FileTraceStore(dir));
  entries = await index.list({ flowId: 'replies' });
  index.close();
});
afterEach(() => cleanup());

const metric = (m: Partial<SuccessMetric> & Pick<SuccessMetric, 'kind'>): SuccessMetric => ({ target: 1, windowDays: 7, ...m });
const at = { now: NOW, timeZone: 'UTC' };

describe('the run index folds the facts the metrics need', () => {
  it('items per step, review outcomes and whether a person decided', () => {
    const byId = new Map(entries.map((e) => [e.runId, e]));
    expect(byId.get('r1')?.facts).toEqual({ reached: { clock: 3, check: 3, send: 3 }, reviews: { decided: 3, approvedUnedited: 2, autoApproved: 0, timedOut: 0 }, person: true, durationMs: 120_000 });
    expect(byId.get('r2')?.facts).toEqual({ reached: { clock: 2, check: 2, send: 2 }, reviews: { decided: 0, approvedUnedited: 0, autoApproved: 2, timedOut: 0 }, person: false, durationMs: 30_000 });
    expect(byId.get('r3')?.facts).toEqual({ reached: { clock: 1, check: 1 }, reviews: { decided: 0, approvedUnedited: 0, autoApproved: 0, timedOut: 1 }, person: false, durationMs: 300_000 });
    expect(byId.get('r9')?.facts?.reviews).toEqual({ decided: 4, approvedUnedited: 2, autoApproved: 0, timedOut: 0 });
    expect(byId.get('r1')).toMatchObject({ startedAt: '2026-12-02T09:00:00.000Z', finishedAt: '2026-12-02T09:02:00.000Z', startedBy: 'trigger:clock' });
  });
});

describe('each metric form equals the figure worked out by hand', () => {
  it('items that reached a step: (3 + 2 + 0 + 3) items over 7 days', () => {
    const perDay = computeMetric(metric({ kind: 'items-reached-step', stepId: 'send', period: 'day', target: 1 }), entries, at, FLOW);
    expect(perDay).toMatchObject({ value: 8 / 7, runs: 4, met: true, unit: 'items', better: 'higher', excluded: { notProduction: 2, failed: 1, unfinished: 1 } });
    expect(perDay.label).toBe('at least 1 item reaches "Send reply" per day');
    expect(perDay.series.map((p) => [p.day, p.value, p.runs])).toEqual([
      ['2026-12-01', 0, 0],
      ['2026-12-02', 3, 1],
      ['2026-12-03', 2, 1],
      ['2026-12-04', 0, 0],
      ['2026-12-05', 0, 1],
      ['2026-12-06', 0, 0],
      ['2026-12-07', 3, 1],
      ['2026-12-08', 0, 0],
    ]);
    const perWeek = computeMetric(metric({ kind: 'items-reached-step', stepId: 'send', period: 'week', target: 10 }), entries, at, FLOW);
    expect(perWeek).toMatchObject({ value: 8, met: false });
  });

  it('share of reviews approved unedited: (2 + 2) of (3 + 4) decided by people', () => {
    const result = computeMetric(metric({ kind: 'reviews-approved-unedited', target: 0.5, baseline: 0.3 }), entries, at);
    expect(result).toMatchObject({ value: 4 / 7, met: true, baseline: 0.3, unit: 'share' });
    // Days without a decided review have no figure (not 0 %).
    expect(result.series.map((p) => p.value)).toEqual([null, 2 / 3, null, null, null, null, 2 / 4, null]);
  });

  it('median time from trigger to done: 30, 120, 300, 600 s → 210 s (lower is better)', () => {
    const result = computeMetric(metric({ kind: 'median-trigger-to-done', target: 200_000 }), entries, at);
    expect(result).toMatchObject({ value: 210_000, met: false, better: 'lower', unit: 'ms' });
    expect(computeMetric(metric({ kind: 'median-trigger-to-done', target: 210_000 }), entries, at).met).toBe(true);
    expect(result.series.find((p) => p.day === '2026-12-07')?.value).toBe(600_000);
  });

  it('share of runs that needed no person: r2 and r3 of four (the timer is no person)', () => {
    const result = computeMetric(metric({ kind: 'runs-without-person', target: 0.6 }), entries, at);
    expect(result).toMatchObject({ value: 0.5, met: false, runs: 4 });
    expect(result.series.map((p) => p.value)).toEqual([null, 0, 1, null, 1, null, 0, null]);
  });

  it('minutes saved: 12 minutes × 4 production runs, per day and per week', () => {
    expect(computeMetric(metric({ kind: 'minutes-saved', minutesPerRun: 12, period: 'day', target: 5 }), entries, at)).toMatchObject({ value: 48 / 7, met: true, unit: 'minutes' });
    expect(computeMetric(metric({ kind: 'minutes-saved', minutesPerRun: 12, period: 'week', target: 60 }), entries, at)).toMatchObject({ value: 48, met: false });
  });

  it('a shorter window counts only what finished in it; nothing to count is no figure, not a miss', () => {
    // The last 2 days: r9 alone (finished 2026-12-07T23:10Z).
    const two = computeMetric(metric({ kind: 'runs-without-person', target: 0.5 }), entries, { ...at, days: 2 });
    expect(two).toMatchObject({ value: 0, runs: 1, windowDays: 2, from: '2026-12-06T12:00:00.000Z', to: '2026-12-08T12:00:00.000Z' });
    const none = computeMetric(metric({ kind: 'runs-without-person', target: 0.5 }), entries, { now: Date.parse('2027-02-01T00:00:00Z'), timeZone: 'UTC' });
    expect(none).toMatchObject({ value: null, met: null, runs: 0 });
  });
});

describe('through the API', () => {
  it('charter.metric and charter.status answer from the index with the service clock', async () => {
    const clock = new FakeClock(NOW);
    const service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false, triggers: false, clock });
    try {
      const api = inProcessApi(service);
      await api.flows.save({ flow: FLOW });
      expect(await api.charter.metric({ flowId: 'replies' })).toBeNull();
      await api.flows.save({ flow: { ...FLOW, charter: { ...readyCharter(), metric: { kind: 'items-reached-step', stepId: 'send', period: 'day', target: 1, baseline: 0.5, windowDays: 7 } } } });
      const result = await api.charter.metric({ flowId: 'replies', timeZone: 'UTC' });
      expect(result).toMatchObject({ value: 8 / 7, target: 1, baseline: 0.5, met: true, runs: 4 });
      expect(result?.series).toHaveLength(8);
      const [headline] = await api.charter.status({ timeZone: 'UTC' });
      // Today (2026-12-08) only r8 started, and it is still running.
      expect(headline).toMatchObject({ flowId: 'replies', name: 'Replies', active: false, owner: 'Ana Owner', today: { runs: 1, succeeded: 0, failed: 0, running: 1 }, successRate: null, metric: { value: 8 / 7 } });
      // Schedule trigger, no step that writes, complete charter: nothing missing.
      expect(headline?.missing).toEqual([]);
      expect(headline?.ready).toBe(true);
    } finally {
      await service.close();
    }
  });
});

describe('calendar days in a time zone', () => {
  const run = (runId: string, finishedAt: string): RunIndexEntry => ({
    runId, flowId: 'f', flowName: 'F', flowVersion: 1, status: 'succeeded', mode: 'run', startedBy: 'trigger:clock',
    createdAt: finishedAt, updatedAt: finishedAt, startedAt: finishedAt, finishedAt,
    nodes: { total: 1, succeeded: 1, failed: 0, skipped: 0 }, items: { failed: 0 }, ai: {}, stamp: 'x',
    facts: { reached: {}, reviews: { decided: 0, approvedUnedited: 0, autoApproved: 0, timedOut: 0 }, person: false, durationMs: 0 },
  });
  const minutes = metric({ kind: 'minutes-saved', minutesPerRun: 1, period: 'day', target: 1, windowDays: 3 });

  it('puts a run on the day it finished where the owner lives, across a clock change', () => {
    // Berlin leaves summer time on 2026-10-25 at 03:00 (01:00Z): that day has 25 hours.
    const entries = [run('a', '2026-10-24T21:59:59.000Z'), run('b', '2026-10-24T22:00:00.000Z'), run('c', '2026-10-25T22:59:59.000Z'), run('d', '2026-10-25T23:00:00.000Z')];
    const result = computeMetric(minutes, entries, { now: Date.parse('2026-10-26T12:00:00Z'), timeZone: 'Europe/Berlin' });
    expect(result.series.map((p) => [p.day, p.runs])).toEqual([
      ['2026-10-23', 0],
      ['2026-10-24', 1],
      ['2026-10-25', 2],
      ['2026-10-26', 1],
    ]);
    expect(result.runs).toBe(4);
  });

  it('handles a zone 5 h 45 min ahead, and times written with an offset', () => {
    // Kathmandu's midnight is 18:15Z.
    const entries = [run('a', '2026-12-07T18:14:59.999Z'), run('b', '2026-12-07T18:15:00.000Z'), run('c', '2026-12-08T05:00:00+05:45')];
    const result = computeMetric(minutes, entries, { now: Date.parse('2026-12-08T12:00:00Z'), timeZone: 'Asia/Kathmandu' });
    expect(result.series.filter((p) => p.runs > 0).map((p) => [p.day, p.runs])).toEqual([
      ['2026-12-07', 1],
      ['2026-12-08', 2],
    ]);
  });
});

