/**
 * The injected clock (engine/clock.ts): `sleep` on any clock, the fake clock tests use, and the
 * engine taking all its time from `EngineOptions.clock` — run ids, the header's creation time,
 * the recorded `ctx.now()` behind jsonata's `$now()`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, systemClock } from '../../engine/index.ts';
import { makeFlow, testEngine } from '../helpers/engine.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { eventsOf, itemsOf, traceEvents } from '../nodes/support.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
});

describe('sleep', () => {
  it('resolves when the clock reaches the time, not before', async () => {
    const clock = new FakeClock();
    let done = false;
    const waiting = sleep(clock, 1000).then(() => (done = true));
    await clock.advance(999);
    expect(done).toBe(false);
    await clock.advance(1);
    await waiting;
    expect(done).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('rejects with the abort reason (or the given error) and cancels its timer', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const waiting = sleep(clock, 1000, controller.signal);
    expect(clock.pending).toBe(1);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
    await expect(sleep(clock, 5, controller.signal, () => new Error('already stopped'))).rejects.toThrow('already stopped');
    expect(clock.pending).toBe(0);
  });

  it('works on the system clock', async () => {
    await expect(sleep(systemClock, 1)).resolves.toBeUndefined();
  });
});

describe('FakeClock', () => {
  it('fires timers in due order, each at its own time, and moves the wall clock with them', async () => {
    const clock = new FakeClock(Date.UTC(2026, 5, 1));
    const fired: Array<[string, number, number]> = [];
    clock.setTimer(30, () => fired.push(['b', clock.monotonic(), clock.now()]));
    clock.setTimer(10, () => fired.push(['a', clock.monotonic(), clock.now()]));
    const cancel = clock.setTimer(20, () => fired.push(['cancelled', 0, 0]));
    cancel();
    await clock.advance(100);
    expect(fired).toEqual([
      ['a', 10, Date.UTC(2026, 5, 1) + 10],
      ['b', 30, Date.UTC(2026, 5, 1) + 30],
    ]);
    expect(clock.monotonic()).toBe(100);
  });

  it('waitForTimers resolves once something waits on the clock', async () => {
    const clock = new FakeClock();
    let resolved = false;
    const waiting = clock.waitForTimers(2).then(() => (resolved = true));
    clock.setTimer(5, () => undefined);
    await Promise.resolve();
    expect(resolved).toBe(false);
    clock.setTimer(5, () => undefined);
    await waiting;
    expect(resolved).toBe(true);
  });
});

describe('the engine on an injected clock', () => {
  it('takes run ids, the trace header time and the recorded $now() from it', async () => {
    const clock = new FakeClock(Date.UTC(2031, 2, 4, 5, 6, 7));
    const { engine, store, cleanup } = await testEngine({ clock });
    cleanups.push(cleanup);
    const flow = makeFlow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'stamp', type: 'transform.set', config: { fields: [{ name: 'at', value: '{{ $now() }}' }, { name: 'ms', value: '{{ $millis() }}' }] } },
      ],
      ['start -> stamp'],
    );
    const outcome = await engine.startRun(flow, { input: {} });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.runId).toMatch(/^run-20310304T050607Z-[0-9a-f]{8}$/);
    expect(itemsOf(outcome, 'stamp')).toEqual([{ at: '2031-03-04T05:06:07.000Z', ms: Date.UTC(2031, 2, 4, 5, 6, 7) }]);
    const loaded = await store.load(outcome.runId);
    expect(loaded.header.createdAt).toBe('2031-03-04T05:06:07.000Z');
    const readings = eventsOf(await traceEvents(store, outcome.runId), 'external.result', 'stamp').filter((e) => e.kind === 'clock');
    expect(readings.map((e) => e.result)).toEqual([Date.UTC(2031, 2, 4, 5, 6, 7), Date.UTC(2031, 2, 4, 5, 6, 7)]);
  });
});
