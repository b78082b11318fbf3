/**
 * The alert rules that look rather than listen — trigger health, overdue reviews, the success
 * metric — and needs-attention, on a fake clock with fake sources and the real outbox (desktop
 * channel, so every message is seen). One problem opens one alert and one message; it clears
 * with one recovery message.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Alerts, type AlertFlow, type AlertReviewItem, type MetricReading } from '../../../engine/alerts/alerts.ts';
import { Outbox } from '../../../engine/alerts/outbox.ts';
import { channelSender, type DesktopNotice } from '../../../engine/alerts/channels.ts';
import type { FlowTriggerStatus, RunEvent, TriggerHealth } from '../../../engine/index.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const MINUTE = 60_000;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fk-alert-rules-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const flow: AlertFlow = { id: 'orders', name: 'Order import', nodes: [{ id: 'every', name: 'Every 5 minutes' }, { id: 'check', name: 'Check order' }], charter: { owner: { name: 'Ana', email: 'ana@example.com' }, backupOwner: { name: '', email: '' }, mustNever: '', reviewers: '', waivers: [], metric: { kind: 'minutes-saved', period: 'week', minutesPerRun: 5, target: 600, windowDays: 7 } } };

function setup(clock: FakeClock) {
  const shown: DesktopNotice[] = [];
  const world = {
    triggers: [] as FlowTriggerStatus[],
    reviews: [] as AlertReviewItem[],
    reading: undefined as MetricReading | undefined,
  };
  const outbox = new Outbox({ dir, clock, deliver: channelSender({ secrets: { get: async () => ({}) }, desktop: (n) => shown.push(n) }) });
  const alerts = new Alerts({
    dir,
    clock,
    outbox,
    flow: async (id) => (id === flow.id ? flow : undefined),
    run: async () => ({ flowId: 'orders', flowName: 'Order import', mode: 'run' }),
    triggerStatus: async () => world.triggers,
    openReviews: () => world.reviews,
    metrics: { read: async () => world.reading },
    reviewLink: (id) => `#/inbox?item=${id}`,
    publicAddress: () => 'http://127.0.0.1:4900',
  });
  const check = async () => {
    await alerts.check();
    await alerts.settled();
    await outbox.settled();
  };
  return { shown, world, alerts, outbox, check };
}

function trigger(clock: FakeClock, change: Partial<TriggerHealth> = {}): FlowTriggerStatus {
  const at = new Date(clock.now()).toISOString();
  return { flowId: 'orders', active: true, runsHere: true, triggers: [{ nodeId: 'every', type: 'trigger.schedule', title: 'Every 5 minutes', state: 'listening', since: at, fired: 0, heartbeatAt: at, ...change }] };
}

const iso = (clock: FakeClock, deltaMs = 0) => new Date(clock.now() + deltaMs).toISOString();

describe('alert rules', () => {
  it('a trigger that fails to start is one alert until it listens again', async () => {
    const clock = new FakeClock();
    const { shown, world, alerts, check } = setup(clock);
    world.triggers = [trigger(clock, { state: 'failed', lastError: { message: 'Port 8080 is taken.', at: iso(clock) } })];
    await check();
    await clock.advance(MINUTE);
    await check();
    expect(alerts.list().open).toMatchObject([{ key: 'orders/trigger-failed/every', kind: 'trigger-failed', title: 'Order import: its trigger "Every 5 minutes" is failing', detail: 'Port 8080 is taken.', count: 1, link: '#/flows/orders', url: 'http://127.0.0.1:4900/#/flows/orders' }]);
    expect(shown).toHaveLength(1);
    world.triggers = [trigger(clock)];
    await check();
    expect(alerts.list().open).toEqual([]);
    expect(shown.map((s) => s.title)).toEqual(['Order import: its trigger "Every 5 minutes" is failing', 'Recovered: Order import: its trigger "Every 5 minutes" is failing']);
  });

  it('a trigger that reports errors counts each new error; a run started since clears it', async () => {
    const clock = new FakeClock();
    const { shown, world, alerts, check } = setup(clock);
    for (let i = 0; i < 3; i++) {
      world.triggers = [trigger(clock, { lastError: { message: 'The shop answered 503.', at: iso(clock, 1) } })];
      await check();
      await check(); // the same error seen twice is one occurrence
      await clock.advance(5 * MINUTE);
    }
    expect(alerts.list().open).toMatchObject([{ kind: 'trigger-failed', count: 3 }]);
    world.triggers = [trigger(clock, { lastError: { message: 'The shop answered 503.', at: iso(clock, -MINUTE) }, lastFiredAt: iso(clock), fired: 1 })];
    await check();
    expect(alerts.list().open).toEqual([]);
    expect(shown).toHaveLength(2);
  });

  it('a beating trigger that stops beating is "stopped firing"; it clears when it beats again', async () => {
    const clock = new FakeClock();
    const { shown, world, alerts, check } = setup(clock);
    const beatAt = iso(clock);
    world.triggers = [trigger(clock)];
    await check();
    await clock.advance(MINUTE);
    world.triggers = [trigger(clock)];
    await check();
    // A trigger that never beats on its own (a webhook: one heartbeat at start) is never "silent".
    const webhookOnly = { ...trigger(clock), flowId: 'hooks' };
    webhookOnly.triggers[0] = { ...webhookOnly.triggers[0]!, heartbeatAt: beatAt, nodeId: 'hook' };
    const lastBeat = world.triggers[0]!.triggers[0]!.heartbeatAt!;
    world.triggers = [{ ...trigger(clock, { heartbeatAt: lastBeat }) }, webhookOnly];
    await clock.advance(9 * MINUTE);
    await check();
    expect(alerts.list().open).toEqual([]);
    await clock.advance(2 * MINUTE);
    await check();
    await clock.advance(MINUTE);
    await check();
    expect(alerts.list().open).toMatchObject([{ key: 'orders/trigger-silent/every', title: 'Order import: its trigger "Every 5 minutes" stopped firing', count: 1 }]);
    expect(alerts.list().open[0]!.detail).toContain('Scheduled starts may have been missed');
    world.triggers = [trigger(clock)];
    await check();
    expect(alerts.list().open).toEqual([]);
    expect(shown).toHaveLength(2);
  });

  it('switching the flow off clears its trigger alerts', async () => {
    const clock = new FakeClock();
    const { world, alerts, check } = setup(clock);
    world.triggers = [trigger(clock, { state: 'failed', lastError: { message: 'x', at: iso(clock) } })];
    await check();
    world.triggers = [];
    await check();
    expect(alerts.list().recent).toMatchObject([{ kind: 'trigger-failed', resolvedBy: 'the flow was switched off' }]);
  });

  it('overdue reviews of a step are one alert counting the items; it clears when they are decided', async () => {
    const clock = new FakeClock();
    const { shown, world, alerts, check } = setup(clock);
    const item = (n: number, dueAt: string): AlertReviewItem => ({ id: `run-${n}:check:0`, runId: `run-${n}`, flowId: 'orders', flowName: 'Order import', nodeId: 'check', stepName: 'Check order', dueAt });
    world.reviews = [item(1, iso(clock, MINUTE)), item(2, iso(clock, 3 * MINUTE)), { ...item(3, ''), dueAt: undefined } as unknown as AlertReviewItem];
    await check();
    expect(alerts.list().open).toEqual([]);
    await clock.advance(2 * MINUTE);
    await check();
    expect(alerts.list().open).toMatchObject([{ key: 'orders/review-overdue/check', count: 1, link: '#/inbox?item=run-1:check:0' }]);
    await clock.advance(2 * MINUTE);
    await check();
    await check();
    expect(alerts.list().open).toMatchObject([{ count: 2 }]);
    world.reviews = [item(2, iso(clock, -MINUTE))];
    await check();
    expect(alerts.list().open).toHaveLength(1);
    world.reviews = [];
    await check();
    expect(alerts.list().open).toEqual([]);
    expect(alerts.list().recent).toMatchObject([{ resolvedBy: 'the overdue reviews were decided', count: 2 }]);
    expect(shown).toHaveLength(2);
  });

  it('a success metric below target over its window is an alert until it meets the target', async () => {
    const clock = new FakeClock();
    const { shown, world, alerts, check } = setup(clock);
    world.triggers = [trigger(clock)];
    world.reading = { value: 240, target: 600, met: false, windowDays: 7 };
    await check();
    await check();
    expect(alerts.list().open).toMatchObject([{ key: 'orders/metric-below-target', title: 'Order import is below its success target', detail: 'Over the last 7 days: 240 against a target of 600.', count: 1 }]);
    world.reading = { value: 300, target: 600, met: false, windowDays: 7 };
    await check();
    expect(alerts.list().open).toMatchObject([{ count: 2 }]);
    world.reading = { value: 640, target: 600, met: true, windowDays: 7 };
    await check();
    expect(alerts.list().open).toEqual([]);
    expect(shown.map((s) => s.title)).toEqual(['Order import is below its success target', 'Recovered: Order import is below its success target']);
  });

  it('runs parked as needs-attention are one alert per step; it clears when every one is answered', async () => {
    const clock = new FakeClock();
    const { shown, alerts, outbox } = setup(clock);
    const ev = (body: Record<string, unknown>) => ({ seq: 1, ts: iso(clock), ...body }) as RunEvent;
    alerts.runEvent('run-1', ev({ type: 'run.needs-attention', nodeId: 'check', reason: 'Did the e-mail go out?', choices: ['mark-done', 'send-again'] }));
    alerts.runEvent('run-2', ev({ type: 'run.needs-attention', nodeId: 'check', reason: 'Did the e-mail go out?', choices: ['mark-done', 'send-again'] }));
    await alerts.settled();
    expect(alerts.list().open).toMatchObject([{ kind: 'needs-attention', count: 2, runId: 'run-2', link: '#/runs/run-2' }]);
    alerts.runEvent('run-1', ev({ type: 'run.attention-resolved', nodeId: 'check', choice: 'mark-done', by: 'Ana' }));
    await alerts.settled();
    expect(alerts.list().open).toHaveLength(1);
    alerts.runEvent('run-2', ev({ type: 'run.finished', status: 'cancelled', outputs: {} }));
    await alerts.settled();
    await outbox.settled();
    expect(alerts.list().open).toEqual([]);
    expect(shown).toHaveLength(2);
  });

  it('a deleted flow\'s open alerts clear with it', async () => {
    const clock = new FakeClock();
    const { alerts, check } = setup(clock);
    alerts.runEvent('run-1', { seq: 1, ts: '', type: 'run.finished', status: 'failed', outputs: {}, error: { message: 'x', code: 'X', retryable: false } } as RunEvent);
    await alerts.settled();
    expect(alerts.list().open).toHaveLength(1);
    flow.id = 'renamed-away';
    try {
      await check();
    } finally {
      flow.id = 'orders';
    }
    expect(alerts.list().recent).toMatchObject([{ kind: 'run-failed', resolvedBy: 'the flow was deleted' }]);
  });
});
