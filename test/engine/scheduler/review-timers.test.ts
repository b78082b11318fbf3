/**
 * Review timers on a fake clock: a reminder, an escalation and a time-out each fire once — across
 * restarts of the service and after the machine "slept" past the due time (a wall-clock jump) —
 * and a decision racing a time-out yields exactly one recorded outcome.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService, type RunEvent } from '../../../engine/index.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';

const HOUR = 3_600_000;
const STEP = 60_000;

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const flow = {
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'approve-refund',
  name: 'Approve refund',
  settings: { concurrency: 4 },
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {} },
    { id: 'check', name: 'Check refund', type: 'human.review', config: { title: 'Refund {{ order }}', assignee: 'ana', remindAfterHours: 1, escalateAfterHours: 2, escalateTo: 'boss', dueAfterHours: 3 } },
    { id: 'ok', type: 'transform.set', config: { fields: [{ name: 'done', value: 'approved' }] } },
    { id: 'late', type: 'transform.set', config: { fields: [{ name: 'done', value: 'timed out' }] } },
  ],
  edges: [
    { source: 'start', target: 'check' },
    { source: 'check', sourcePort: 'approve', target: 'ok' },
    { source: 'check', sourcePort: 'timeout', target: 'late' },
  ],
};

async function open(dir: string, clock: FakeClock): Promise<{ service: FlowkeeperService; api: FlowkeeperApi }> {
  const service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false, clock });
  let closed = false;
  const close = service.close.bind(service);
  service.close = async (o) => {
    if (closed) return;
    closed = true;
    await close(o);
  };
  cleanups.push(() => service.close());
  return { service, api: inProcessApi(service) };
}

async function reviewEvents(service: FlowkeeperService, runId: string): Promise<RunEvent[]> {
  return (await service.data.traces.load(runId)).events.filter((e) => e.type.startsWith('review.'));
}

/** Lets queued jobs and index refreshes finish. */
async function settle(service: FlowkeeperService): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await service.idle();
    await new Promise((r) => setImmediate(r));
  }
}

async function pausedRun(dir: string, clock: FakeClock) {
  const first = await open(dir, clock);
  await first.api.flows.save({ flow });
  const { runId } = await first.api.runs.start({ flowId: flow.id, input: { order: 'R-1' } });
  await settle(first.service);
  expect((await first.api.runs.get({ runId })).status).toBe('paused');
  return { ...first, runId };
}

describe('review timers', () => {
  it('remind, escalate and time out once each, across restarts and a sleep past the due time', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const clock = new FakeClock();
    const { service, api, runId } = await pausedRun(dir, clock);
    const [item] = await api.inbox.list();
    expect(item).toMatchObject({ assignee: 'ana', dueAt: new Date(clock.now() + 3 * HOUR).toISOString() });

    await clock.advance(HOUR + STEP);
    await settle(service);
    expect((await reviewEvents(service, runId)).map((e) => e.type)).toEqual(['review.requested', 'review.reminded']);
    expect((await api.inbox.list())[0]!.remindedAt).toBeDefined();
    await clock.advance(10 * STEP);
    await settle(service);
    await service.close();

    // Restart: timers are re-armed from the index; the reminder does not go out again.
    const second = await open(dir, clock);
    await clock.advance(HOUR);
    await settle(second.service);
    expect((await reviewEvents(second.service, runId)).map((e) => e.type)).toEqual(['review.requested', 'review.reminded', 'review.escalated']);
    expect((await second.api.inbox.list())[0]).toMatchObject({ assignee: 'boss', escalatedFrom: 'ana' });
    await second.service.close();

    // The machine sleeps through the due time: the wall clock jumps, no timer ran meanwhile.
    clock.setWallClock(clock.now() + 2 * 24 * HOUR);
    const third = await open(dir, clock);
    expect((await third.api.inbox.list())[0]!.overdue).toBe(true);
    await clock.advance(STEP);
    await settle(third.service);
    const events = await reviewEvents(third.service, runId);
    expect(events.map((e) => e.type)).toEqual(['review.requested', 'review.reminded', 'review.escalated', 'review.decided']);
    expect(events[3]).toMatchObject({ outcome: 'timeout', by: 'timer', final: true });
    const run = await third.api.runs.get({ runId });
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toMatchObject({ late: { out: [{ order: 'R-1', done: 'timed out', review: { outcome: 'timeout' } }] } });
    expect(await third.api.inbox.list()).toEqual([]);

    // Nothing fires again later, in this process or the next.
    await clock.advance(10 * HOUR);
    await third.service.close();
    const fourth = await open(dir, clock);
    await clock.advance(HOUR);
    await settle(fourth.service);
    expect(await reviewEvents(fourth.service, runId)).toHaveLength(4);
  });

  it.each(['timer first', 'decision first'] as const)('a decision and a time-out arriving together resolve to exactly one outcome (%s)', async (order) => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const clock = new FakeClock();
    const { service, api, runId } = await pausedRun(dir, clock);
    const [item] = await api.inbox.list();
    // The machine wakes after the due time; the reviewer decides in the same moment.
    clock.setWallClock(clock.now() + 3 * HOUR + 1);
    const decide = () =>
      api.inbox.decide({ id: item!.id, outcome: 'approve', by: 'ana' }).then(
        (r) => ({ ok: true as const, outcome: r.decision.outcome }),
        (e: { code: string }) => ({ ok: false as const, code: e.code }),
      );
    let answer;
    if (order === 'timer first') {
      const timerFires = clock.advance(STEP);
      const decision = decide();
      await timerFires;
      answer = await decision;
    } else {
      const decision = decide();
      await clock.advance(STEP);
      answer = await decision;
    }
    await settle(service);
    const decided = (await reviewEvents(service, runId)).filter((e) => e.type === 'review.decided');
    expect(decided).toHaveLength(1);
    const run = await api.runs.get({ runId });
    expect(run.status).toBe('succeeded');
    if (answer.ok) {
      expect(decided[0]).toMatchObject({ outcome: 'approve', by: 'ana' });
      expect(Object.keys(run.outputs as object)).toEqual(['ok']);
    } else {
      expect(['ALREADY_DECIDED', 'RUN_FINISHED']).toContain(answer.code);
      expect(decided[0]).toMatchObject({ outcome: 'timeout', by: 'timer' });
      expect(Object.keys(run.outputs as object)).toEqual(['late']);
    }
  });
});
