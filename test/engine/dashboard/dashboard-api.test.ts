/**
 * dashboard.get and dashboard.runs through the service, over fixture traces written to disk
 * (the metric fixtures plus a run that failed at "Send reply" after an AI call, and a run
 * waiting for a review): the run index folds what the figures need, the inbox index gives the
 * queue, and every figure below is worked out by hand (window: 7 days up to 2026-12-08T12:00Z).
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperService } from '../../../engine/index.ts';
import { callCostUsd } from '../../../engine/cost.ts';
import { UNKNOWN_STEP } from '../../../engine/dashboard/dashboard-figures.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import { readyCharter } from '../../helpers/ready-charter.ts';
import { FLOW, NOW, RUNS, writeFixtureTraces } from '../charter/metric-fixtures.ts';

const EXTRA = [
  // f1: one item; the AI step answers (1000 tokens in, 500 out), then "Send reply" fails; 60 s.
  {
    runId: 'f1',
    createdAt: '2026-12-04T10:00:00.000Z',
    startedBy: 'trigger:clock',
    events: [
      { type: 'node.started', nodeId: 'clock', attempt: 1, inputCounts: {} },
      { type: 'node.succeeded', nodeId: 'clock', attempt: 1, outputs: { out: [{ n: 0 }] }, durationMs: 1 },
      { type: 'node.started', nodeId: 'send', attempt: 1, inputCounts: { in: 1 } },
      { type: 'external.result', nodeId: 'send', attempt: 1, itemIndex: 0, kind: 'llm', call: 0, result: { model: 'gpt-4o-mini', usage: { promptTokens: 1000, completionTokens: 500 } } },
      { type: 'node.failed', nodeId: 'send', attempt: 1, error: { message: 'The mail server refused', code: 'SMTP', retryable: false }, willRetry: false, routedToErrorPort: false, durationMs: 5 },
      { type: 'run.finished', status: 'failed', outputs: {}, error: { message: 'The mail server refused', code: 'SMTP', retryable: false, nodeId: 'send' }, at: '2026-12-04T10:01:00.000Z' },
    ],
  },
  // p1: waiting for a person at "check" since 10:00 today.
  {
    runId: 'p1',
    createdAt: '2026-12-08T10:00:00.000Z',
    startedBy: 'trigger:clock',
    events: [
      { type: 'node.started', nodeId: 'clock', attempt: 1, inputCounts: {} },
      { type: 'node.succeeded', nodeId: 'clock', attempt: 1, outputs: { out: [{ n: 0 }] }, durationMs: 1 },
      { type: 'node.started', nodeId: 'check', attempt: 1, inputCounts: { in: 1 } },
      { type: 'review.requested', requestId: 'p1:check:0', nodeId: 'check', itemIndex: 0, request: { title: 'Reply', outcomes: ['approve', 'reject'] }, item: { n: 0 } },
      { type: 'run.paused', nodeId: 'check', reason: 'review', requests: ['p1:check:0'] },
    ],
  },
];

let dir: string;
let cleanup: () => Promise<void>;
let service: FlowkeeperService;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await writeFixtureTraces(join(dir, 'runs'), 0, [...RUNS, ...EXTRA]);
  service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false, triggers: false, clock: new FakeClock(NOW) });
});
afterEach(async () => {
  await service.close();
  await cleanup();
});

describe('dashboard.get', () => {
  it('answers with the figures worked out by hand', async () => {
    const api = inProcessApi(service);
    await api.flows.save({ flow: { ...FLOW, charter: { ...readyCharter(), metric: { kind: 'items-reached-step', stepId: 'send', period: 'day', target: 1, windowDays: 7 } } } });
    const dashboard = await api.dashboard.get({ days: 7, timeZone: 'UTC' });
    const { overall } = dashboard;
    // Counted: r1 r2 r3 r4 r5 r8 r9 f1 p1 (r6 is a fork, r7 started before the window).
    expect(overall.runs).toEqual({ total: 9, succeeded: 5, failed: 2, cancelled: 0, unfinished: 2 });
    expect(overall.successRate).toBe(5 / 7);
    // Ended: 10 s (r5), 30 s, 60 s (r4), 60 s (f1), 120 s, 300 s, 600 s → the 4th and the 7th.
    expect(overall.duration).toEqual({ p50Ms: 60_000, p95Ms: 600_000, runs: 7 });
    // f1 names its step; r4's trace says nothing about where it failed.
    expect(overall.failuresByStep).toEqual([
      { nodeId: UNKNOWN_STEP, name: 'A step not recorded', runs: 1, items: 0 },
      { nodeId: 'send', name: 'Send reply', runs: 1, items: 0 },
    ]);
    expect(overall.ai).toMatchObject({ calls: 1, promptTokens: 1000, completionTokens: 500, unpricedModels: [] });
    expect(overall.ai.costUsd).toBeCloseTo(callCostUsd('gpt-4o-mini', { promptTokens: 1000, completionTokens: 500 })!, 12);
    // People decided 3 (r1) + 4 (r9) items, 2 + 2 approved unchanged; r2's 2 went through unasked; r3 timed out.
    expect(overall.reviews).toEqual({
      open: 1,
      overdue: 0,
      oldest: { id: 'p1:check:0', runId: 'p1', flowId: 'replies', stepName: 'check', createdAt: '2026-12-08T10:00:00.000Z' },
      decided: 7,
      approvedUnedited: 4,
      autoApproved: 2,
      timedOut: 1,
      agreement: 4 / 7,
    });
    expect(dashboard.flows).toHaveLength(1);
    const [replies] = dashboard.flows;
    expect(replies).toMatchObject({ flowId: 'replies', name: 'Replies', deleted: false, health: { state: 'ok', reasons: [] }, metric: { value: 8 / 7, met: true } });
    expect(replies!.metric?.series).toHaveLength(8);
    expect(overall.health.state).toBe('ok');
    // One flow only: the same figures.
    expect((await api.dashboard.get({ flowId: 'replies', days: 7, timeZone: 'UTC' })).overall.runs.total).toBe(9);
  });

  it('the index folds the step a run failed at', async () => {
    const entry = await service.data.runIndex.get('f1');
    expect(entry?.facts?.failedStep).toEqual({ nodeId: 'send', name: 'Send reply' });
    expect((await service.data.runIndex.get('r4'))?.facts?.failedStep).toBeUndefined();
  });
});

describe('a flow that does not exist', () => {
  it('is FLOW_NOT_FOUND, not an empty dashboard; a deleted flow with runs keeps its figures', async () => {
    const api = inProcessApi(service);
    await expect(api.dashboard.get({ flowId: 'no-such-flow' })).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND' });
    // "replies" was never saved here, but its runs are in the folder.
    const deleted = await api.dashboard.get({ flowId: 'replies', days: 7, timeZone: 'UTC' });
    expect(deleted.flows).toMatchObject([{ flowId: 'replies', deleted: true, metric: null }]);
  });
});

describe('dashboard.runs', () => {
  it('lists the runs behind a figure, a page at a time, with their total', async () => {
    const api = inProcessApi(service);
    const failed = await api.dashboard.runs({ status: 'failed', days: 7, timeZone: 'UTC' });
    expect(failed.total).toBe(2);
    expect(failed.runs.map((r) => r.runId)).toEqual(['r4', 'f1']);
    expect(failed.runs[0]).not.toHaveProperty('facts');
    expect((await api.dashboard.runs({ failedStep: 'send', days: 7 })).runs.map((r) => r.runId)).toEqual(['f1']);
    const day = await api.dashboard.runs({ day: '2026-12-06', days: 7, timeZone: 'UTC', limit: 1 });
    expect(day).toMatchObject({ total: 2, runs: [{ runId: 'r5' }] });
    expect((await api.dashboard.runs({ day: '2026-12-06', days: 7, timeZone: 'UTC', limit: 1, offset: 1 })).runs.map((r) => r.runId)).toEqual(['r4']);
  });

  it('refuses a day that is not a date, naming the field', async () => {
    const api = inProcessApi(service);
    const error = await api.dashboard.runs({ day: 'yesterday' }).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENTS' });
    expect(JSON.stringify(error)).toContain('YYYY-MM-DD');
  });
});
