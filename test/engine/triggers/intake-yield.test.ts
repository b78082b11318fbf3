/**
 * The trigger run pool yields to the intake: while it is under pressure (INTAKE_PRESSURE_IN_FLIGHT
 * events waiting for the journal at once, less than INTAKE_BUSY_WINDOW_MS ago on the injected
 * clock) it starts one run at a time, and refills to TRIGGER_RUN_CONCURRENCY once the pressure
 * has been gone that long; events arriving one by one never hold it back. While it stays busy, the
 * runs it starts take at most RUN_SHARE_WHILE_BUSY of the time (a run of d ms holds the next back
 * d × (1 − share) / share ms). A run whose result someone waits for ("answer with the flow's
 * result": emitted with `awaitResult`) is started at once, ahead of the backlog.
 * Driven by a fake clock and a gate node the test opens; no sleeps, no timings.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { z } from 'zod';
import { createService, defineNode, inProcessApi, NodeRegistry, type FlowkeeperService, type TriggerEmit } from '../../../engine/index.ts';
import { FIRED_NOTICE_MS, INTAKE_BUSY_WINDOW_MS, INTAKE_PRESSURE_IN_FLIGHT, RUN_SHARE_WHILE_BUSY, TRIGGER_RUN_CONCURRENCY } from '../../../engine/triggers/trigger-host.ts';
import { builtinNodes } from '../../../nodes/index.ts';
import { tempDir } from '../../helpers/engine.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import { withReadyCharter } from '../../helpers/ready-charter.ts';

interface Pushed {
  emit: TriggerEmit;
  runResult: (runId: string) => Promise<{ status: string }>;
}
let pushed: Pushed | undefined;
const pushTrigger = defineNode({
  type: 'test.push',
  version: 1,
  title: 'Pushed by the test',
  category: 'trigger',
  icon: 'zap',
  description: 'Fires when the test says so.',
  config: z.object({}).strict(),
  inputs: [],
  outputs: ['out'],
  effects: 'pure',
  trigger: true,
  subscribe(ctx, emit) {
    pushed = { emit, runResult: (runId) => ctx.runResult(runId) };
    return () => undefined;
  },
  async run({ items }) {
    return { out: items };
  },
});

/** Runs inside the gate now (by the item's n), and what each waits for; `entered` tells the test. */
const inside = new Map<number, () => void>();
let onEnter: (() => void) | undefined;
const entered = () => new Promise<void>((resolve) => (onEnter = resolve));
const gate = defineNode({
  type: 'test.gate',
  version: 1,
  title: 'Gate',
  category: 'transform',
  icon: 'pause',
  description: 'Holds the run until the test opens it.',
  config: z.object({}).strict(),
  inputs: ['in'],
  outputs: ['out'],
  effects: 'pure',
  async run({ items }) {
    const n = (items[0] as { n: number }).n;
    await new Promise<void>((resolve) => {
      inside.set(n, resolve);
      onEnter?.();
    });
    inside.delete(n);
    return { out: items };
  },
});
const registry = new NodeRegistry([...builtinNodes, pushTrigger, gate]);

let dir: string;
let cleanup: () => Promise<void>;
let service: FlowkeeperService | undefined;
const clock = new FakeClock();

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  inside.clear();
  service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false, clock });
  const api = inProcessApi(service);
  await api.flows.save({
    flow: withReadyCharter({
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'gated',
      name: 'Gated',
      nodes: [
        { id: 'source', type: 'test.push', config: {} },
        { id: 'gate', type: 'test.gate', config: {} },
      ],
      edges: [{ source: 'source', target: 'gate' }],
    }),
  });
  await api.flows.activate({ id: 'gated' });
});
afterEach(async () => {
  for (const open of inside.values()) open();
  await service?.idle();
  await service?.close();
  await cleanup();
});

/** Waits until `count` runs are inside the gate. */
async function untilInside(count: number): Promise<void> {
  while (inside.size < count) await entered();
}
/** Waits until the runs of these events are inside the gate. */
async function untilHas(...ns: number[]): Promise<void> {
  while (!ns.every((n) => inside.has(n))) await entered();
}
/** The runs that were never started have no trace yet. */
async function notStarted(runIds: string[]): Promise<void> {
  const api = inProcessApi(service!);
  for (const runId of runIds) await expect(api.runs.get({ runId })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
}

/** Emits events n = from … to-1 all at once (a burst: all waiting for the journal together). */
async function burst(from: number, to: number): Promise<string[]> {
  const events = Array.from({ length: to - from }, (_, i) => pushed!.emit([{ n: from + i }]));
  return (await Promise.all(events)).map((r) => r.runId);
}

it('keeps every slot for events arriving one by one', { timeout: 30_000 }, async () => {
  for (let n = 0; n < TRIGGER_RUN_CONCURRENCY; n++) await pushed!.emit([{ n }]);
  await untilInside(TRIGGER_RUN_CONCURRENCY);
  expect(inside.size).toBe(TRIGGER_RUN_CONCURRENCY);
});

it('starts one run at a time while a burst arrives, and refills the pool once the intake is quiet', { timeout: 30_000 }, async () => {
  expect(INTAKE_PRESSURE_IN_FLIGHT).toBeLessThanOrEqual(6);
  const ids = await burst(0, 6);
  await untilHas(0);
  expect([...inside.keys()]).toEqual([0]);
  await notStarted(ids.slice(1));
  // Still busy (the clock has not moved): the run that finishes hands its slot to one other only.
  inside.get(0)!();
  await untilHas(1);
  expect([...inside.keys()]).toEqual([1]);
  await notStarted(ids.slice(2));

  // Quiet for the window: the pool fills up to its full concurrency.
  await clock.advance(INTAKE_BUSY_WINDOW_MS);
  await untilInside(TRIGGER_RUN_CONCURRENCY);
  expect([...inside.keys()].sort()).toEqual([1, 2, 3, 4]);
  for (const open of inside.values()) open();
  await untilHas(5);
  inside.get(5)!();
  await service!.idle();
  const runs = await inProcessApi(service!).runs.list({ flowId: 'gated' });
  expect(runs.map((r) => r.runId).sort()).toEqual([...ids].sort());
  expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
});

it('starts a run whose result is awaited at once, ahead of the waiting backlog, even during a burst', { timeout: 30_000 }, async () => {
  const { emit, runResult } = pushed!;
  const k = INTAKE_PRESSURE_IN_FLIGHT;
  const ids = await burst(0, k);
  await untilHas(0);
  // Event k's sender waits for its result: its run starts now, before 1 … k-1, although busy.
  const awaited = await emit([{ n: k }], { awaitResult: true });
  const result = runResult(awaited.runId);
  await untilHas(k);
  expect([...inside.keys()].sort()).toEqual([0, k]);
  await notStarted(ids.slice(1));
  inside.get(k)!();
  expect(await result).toMatchObject({ status: 'succeeded' });
  expect([...inside.keys()]).toEqual([0]);

  await clock.advance(INTAKE_BUSY_WINDOW_MS);
  // The pool refills: the held-back events 1 … k-1 start alongside 0.
  expect(k).toBeLessThanOrEqual(TRIGGER_RUN_CONCURRENCY);
  await untilHas(...Array.from({ length: k - 1 }, (_, i) => i + 1));
  for (const open of inside.values()) open();
  await service!.idle();
  const runs = await inProcessApi(service!).runs.list({ flowId: 'gated' });
  expect(runs.map((r) => r.runId).sort()).toEqual([...ids, awaited.runId].sort());
  expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
});

it('while a burst goes on, gives the runs it starts only their share of the time', { timeout: 30_000 }, async () => {
  const k = INTAKE_PRESSURE_IN_FLIGHT;
  const ids = await burst(0, k);
  await untilHas(0);
  // Run 0 takes 10 ms (on the clock) while the pressure goes on.
  await clock.advance(10);
  const more = await burst(k, 2 * k);
  inside.get(0)!();
  await pushed!.runResult(ids[0]!);
  // Its 10 ms hold the next start back 10 × (1 − share) / share ms.
  const holdMs = (10 * (1 - RUN_SHARE_WHILE_BUSY)) / RUN_SHARE_WHILE_BUSY;
  expect(holdMs).toBeGreaterThan(INTAKE_BUSY_WINDOW_MS);
  await notStarted([...ids.slice(1), ...more]);
  // Still busy (a burst every window), but before the hold is over nothing starts.
  let pressed = 0;
  while (pressed + INTAKE_BUSY_WINDOW_MS / 2 < holdMs) {
    await clock.advance(INTAKE_BUSY_WINDOW_MS / 2);
    pressed += INTAKE_BUSY_WINDOW_MS / 2;
    more.push(...(await burst(100 + pressed, 100 + pressed + k)));
    await notStarted([ids[1]!]);
  }
  // Once it is over, one more run starts, while the intake is still busy.
  await clock.advance(holdMs - pressed);
  await untilHas(1);
  expect([...inside.keys()]).toEqual([1]);
  // Quiet for the window: the rest start, every event exactly once.
  let finished = false;
  const done = Promise.all([...ids, ...more].map((runId) => pushed!.runResult(runId))).then(() => (finished = true));
  await clock.advance(INTAKE_BUSY_WINDOW_MS);
  while (!finished) {
    for (const open of inside.values()) open();
    await Promise.race([entered(), done]);
  }
  await service!.idle();
  const runs = await inProcessApi(service!).runs.list({ flowId: 'gated', limit: 1000 });
  expect(runs.map((r) => r.runId).sort()).toEqual([...ids, ...more].sort());
  expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
});

it('answers the result of a run emitted without awaitResult once it has had its turn', { timeout: 30_000 }, async () => {
  const { runResult } = pushed!;
  const ids = await burst(0, INTAKE_PRESSURE_IN_FLIGHT);
  await untilHas(0);
  // Not hurried (no lookup by id in the backlog): it waits its turn, then its result is answered.
  const last = ids[ids.length - 1]!;
  let answered = false;
  const result = runResult(last).then((r) => ((answered = true), r));
  await clock.advance(INTAKE_BUSY_WINDOW_MS);
  await untilHas(...ids.slice(1).map((_, i) => i + 1));
  expect(answered).toBe(false);
  for (const open of inside.values()) open();
  expect(await result).toMatchObject({ status: 'succeeded' });
  // A run that has finished already is answered at once.
  expect(await runResult(ids[0]!)).toMatchObject({ status: 'succeeded' });
});

it('tells the app a flow fired at most once a second: the first fire at once, the last of a burst when the second is up', { timeout: 30_000 }, async () => {
  const notices: number[] = [];
  const stop = service!.subscribe((event) => {
    if (event.type === 'flows.changed' && event.flowId === 'gated') notices.push(clock.monotonic());
  });
  const ids: string[] = [];
  try {
    const started = clock.monotonic();
    ids.push((await pushed!.emit([{ n: 0 }])).runId);
    expect(notices).toEqual([started]);
    // A burst within the second: no notice each.
    ids.push(...(await burst(1, 20)));
    expect(notices).toHaveLength(1);
    await clock.advance(FIRED_NOTICE_MS - 1);
    expect(notices).toHaveLength(1);
    // The second is up: one notice for the burst, and the health it reads has every fire.
    await clock.advance(1);
    expect(notices).toEqual([started, started + FIRED_NOTICE_MS]);
    const [status] = await inProcessApi(service!).triggers.status({ flowId: 'gated' });
    expect(status?.triggers[0]?.fired).toBe(20);
    // A fire long after is told at once again.
    await clock.advance(5 * FIRED_NOTICE_MS);
    ids.push((await pushed!.emit([{ n: 20 }])).runId);
    expect(notices).toHaveLength(3);
  } finally {
    stop();
    // Let every run through the gate.
    let finished = false;
    const done = Promise.all(ids.map((runId) => pushed!.runResult(runId))).then(() => (finished = true));
    await clock.advance(INTAKE_BUSY_WINDOW_MS);
    while (!finished) {
      for (const open of inside.values()) open();
      await Promise.race([entered(), done]);
    }
  }
});
