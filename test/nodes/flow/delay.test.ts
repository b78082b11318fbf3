import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayRun, type Engine, type FileTraceStore } from '../../../engine/index.ts';
import { makeFlow, registry, testEngine } from '../../helpers/engine.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { eventsOf, itemsOf, traceEvents } from '../support.ts';

let engine: Engine;
let store: FileTraceStore;
let cleanup: () => Promise<void>;
// Waits run on a fake clock: a test starts a run, waits until it is waiting, then moves time on.
const clock = new FakeClock();

beforeAll(async () => {
  ({ engine, store, cleanup } = await testEngine({ clock }));
});
afterAll(() => cleanup());

function delayFlow(config: Record<string, unknown>) {
  return makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 'wait', type: 'flow.delay', config }], ['start -> wait']);
}

describe('flow.delay', () => {
  it("'for' waits the given seconds, then passes every item on unchanged", async () => {
    const started = clock.monotonic();
    const running = engine.startRun(delayFlow({ mode: 'for', seconds: 0.05 }), { input: [{ id: 1 }, { id: 2 }] });
    await clock.waitForTimers();
    expect(clock.pendingDelays()).toEqual([50]);
    await clock.advance(50);
    const outcome = await running;
    const elapsed = clock.monotonic() - started;
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'wait')).toEqual([{ id: 1 }, { id: 2 }]);
    expect(elapsed).toBeGreaterThanOrEqual(45);

    // The start of the wait is a recorded clock reading, so a restart or replay knows when it ends.
    const events = await traceEvents(store, outcome.runId);
    const readings = eventsOf(events, 'external.result', 'wait').filter((e) => e.kind === 'clock');
    expect(readings).toHaveLength(1);
    expect(readings[0]!.result).toBe(started + Date.UTC(2026, 0, 1));
    const succeeded = eventsOf(events, 'node.succeeded', 'wait')[0]!;
    expect(succeeded.durationMs).toBeGreaterThanOrEqual(45);
  });

  it('takes the seconds from an expression on the first item', async () => {
    const started = clock.monotonic();
    const running = engine.startRun(delayFlow({ seconds: '{{ waitMs / 1000 }}' }), { input: [{ waitMs: 60 }, { waitMs: 5000 }] });
    await clock.waitForTimers();
    expect(clock.pendingDelays()).toEqual([60]);
    await clock.advance(60);
    const outcome = await running;
    const elapsed = clock.monotonic() - started;
    expect(outcome.status).toBe('succeeded');
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(elapsed).toBeLessThan(3000);
  });

  it('replay reports identical and does not wait again', async () => {
    const recordStart = clock.monotonic();
    const running = engine.startRun(delayFlow({ seconds: 0.6 }), { input: { id: 7 } });
    await clock.waitForTimers();
    await clock.advance(600);
    const outcome = await running;
    expect(outcome.status).toBe('succeeded');
    expect(clock.monotonic() - recordStart).toBeGreaterThanOrEqual(590);

    const replayStart = performance.now();
    const report = await replayRun(store, registry, outcome.runId);
    const replayMs = performance.now() - replayStart;
    expect(report.identical).toBe(true);
    expect(report.nodes.map((n) => [n.nodeId, n.recordedStatus, n.replayedStatus])).toEqual([
      ['start', 'succeeded', 'succeeded'],
      ['wait', 'succeeded', 'succeeded'],
    ]);
    expect(replayMs).toBeLessThan(400);
  });

  it("'until' a moment in the past passes the items on at once", async () => {
    const started = clock.monotonic();
    const outcome = await engine.startRun(delayFlow({ mode: 'until', until: '{{ due }}' }), { input: { due: '2020-01-01T00:00:00Z' } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'wait')).toEqual([{ due: '2020-01-01T00:00:00Z' }]);
    // Finished without the clock moving: no wait was set.
    expect(clock.monotonic() - started).toBeLessThan(1000);
    expect(clock.pending).toBe(0);
  });

  it("'until' a moment shortly ahead waits for it", async () => {
    const started = clock.monotonic();
    const at = new Date(clock.now() + 80).toISOString();
    const running = engine.startRun(delayFlow({ mode: 'until', until: at }), { input: {} });
    await clock.waitForTimers();
    expect(clock.pendingDelays()).toEqual([80]);
    await clock.advance(80);
    const outcome = await running;
    expect(outcome.status).toBe('succeeded');
    expect(clock.monotonic() - started).toBeGreaterThanOrEqual(70);
    expect(clock.monotonic() - started).toBeLessThan(2000);
  });

  it("'until' with a bad date fails with CONFIG quoting the value", async () => {
    const outcome = await engine.startRun(delayFlow({ mode: 'until', until: '{{ due }}' }), { input: { due: 'next tuesday-ish' } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('CONFIG');
    expect(outcome.error?.nodeId).toBe('wait');
    expect(outcome.error?.message).toContain('"next tuesday-ish"');
    expect(outcome.error?.message).toContain('"Until" must be a date and time');
  });

  it("'for' with a negative or non-numeric computed value fails with CONFIG", async () => {
    const negative = await engine.startRun(delayFlow({ seconds: '{{ s }}' }), { input: { s: -5 } });
    expect(negative.status).toBe('failed');
    expect(negative.error?.code).toBe('CONFIG');
    expect(negative.error?.message).toContain('-5');

    const text = await engine.startRun(delayFlow({ seconds: '{{ s }}' }), { input: { s: 'soon' } });
    expect(text.status).toBe('failed');
    expect(text.error?.code).toBe('CONFIG');
  });

  it('quotes the value it could not use as seconds', async () => {
    const outcome = await engine.startRun(delayFlow({ seconds: '{{ s }}' }), { input: { s: 'soon' } });
    expect(outcome.error?.code).toBe('CONFIG');
    expect(outcome.error?.message).toContain('soon');
  });

  it("a node time limit (timeoutMs) cuts a long wait short with TIMEOUT", async () => {
    const flow = makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 'wait', type: 'flow.delay', config: { seconds: 30 }, timeoutMs: 100 }], ['start -> wait']);
    const started = clock.monotonic();
    const running = engine.startRun(flow, { input: {} });
    // The node's time limit and its 30 s wait.
    await clock.waitForTimers(2);
    expect(clock.pendingDelays()).toEqual([100, 30_000]);
    await clock.advance(100);
    const outcome = await running;
    expect(clock.monotonic() - started).toBeLessThan(3000);
    expect(clock.pending).toBe(0);
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('TIMEOUT');
    expect(outcome.error?.nodeId).toBe('wait');
    expect(outcome.error?.message).toContain('time limit of 0.1 s');
  });

  it('is cancelled promptly when the run is stopped', async () => {
    const controller = new AbortController();
    const started = clock.monotonic();
    const running = engine.startRun(delayFlow({ seconds: 30 }), { input: {}, signal: controller.signal });
    await clock.waitForTimers();
    controller.abort();
    const outcome = await running;
    // Stopped while waiting, without the clock moving; the wait's timer is gone.
    expect(clock.monotonic() - started).toBeLessThan(3000);
    expect(clock.pending).toBe(0);
    expect(outcome.status).toBe('cancelled');
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'run.finished')[0]!.status).toBe('cancelled');
  });

  it('a bad seconds expression fails with EXPRESSION quoting it', async () => {
    const outcome = await engine.startRun(delayFlow({ seconds: '{{ s * }}' }), { input: { s: 1 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('EXPRESSION');
    expect(outcome.error?.message).toContain('"s *"');
  });

  it('validation requires seconds for "for", until for "until", and no negative seconds', () => {
    expect(() => delayFlow({ mode: 'for' })).toThrow(/how long to wait/);
    expect(() => delayFlow({ mode: 'until' })).toThrow(/until when/);
    expect(() => delayFlow({ seconds: -1 })).toThrow(/seconds/);
  });
});
