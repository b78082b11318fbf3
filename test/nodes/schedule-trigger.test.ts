/**
 * "On a schedule" through the real service on a FakeClock: on-time fires, a sleep of several
 * hours (the wall clock jumps, the timers do not), the app closed over several fires, a crash
 * between a fire and recording it, the clock set back, and a change of time zone. Caught up once
 * or skipped by the "missed" setting; never run twice.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../engine/index.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { withReadyCharter } from '../helpers/ready-charter.ts';

const HOUR = 3_600_000;
const MONDAY = Date.UTC(2026, 0, 5);

let dir: string;
let cleanup: () => Promise<void>;
let clock: FakeClock;
let service: FlowkeeperService;
let api: FlowkeeperApi;

function scheduled(config: Record<string, unknown>) {
  return withReadyCharter({
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: 'scheduled',
    name: 'Scheduled',
    nodes: [
      { id: 'clock', type: 'trigger.schedule', config },
      { id: 'mark', type: 'transform.set', config: { fields: [{ name: 'ran', value: 'yes' }] } },
    ],
    edges: [{ source: 'clock', target: 'mark' }],
  });
}

async function open() {
  service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false, clock });
  api = inProcessApi(service);
  await service.idle();
}

/** Lets `ms` pass on the fake clock, waking the trigger at every timer it set on the way. */
async function passTime(ms: number) {
  let left = ms;
  while (left > 0) {
    await clock.waitForTimers(1);
    const step = Math.min(clock.pendingDelays()[0]!, left);
    await clock.advance(step);
    left -= step;
  }
  await clock.waitForTimers(1);
  await service.idle();
}

/** The scheduled time each run was started for, oldest first, with the catch-up marks. */
async function fires() {
  const runs = await api.runs.list({ flowId: 'scheduled' });
  const inputs = await Promise.all(runs.map(async (r) => ((await api.runs.get({ runId: r.runId })).input as Array<Record<string, unknown>>)[0]!));
  return inputs.map(({ timezone: _tz, ...rest }) => rest).sort((a, b) => String(a.scheduledAt).localeCompare(String(b.scheduledAt)));
}

const at = (hours: number) => new Date(MONDAY + hours * HOUR).toISOString();

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  clock = new FakeClock(MONDAY);
  await open();
});
afterEach(async () => {
  await service.close();
  await cleanup();
});

describe('On a schedule', () => {
  it('fires on time, and once for several hours of sleep when told to catch up', async () => {
    await api.flows.save({ flow: scheduled({ cron: '0 * * * *', timezone: 'UTC' }) });
    await api.flows.activate({ id: 'scheduled' });
    await passTime(HOUR / 2);
    expect(await fires()).toEqual([]);
    await passTime(HOUR / 2);
    expect(await fires()).toEqual([{ scheduledAt: at(1) }]);

    // The machine sleeps five hours: the wall clock jumps, no timer fired meanwhile.
    clock.setWallClock(clock.now() + 5 * HOUR + 30_000);
    await passTime(60_000);
    expect(await fires()).toEqual([{ scheduledAt: at(1) }, { scheduledAt: at(6), caughtUp: true, missedCount: 5 }]);
    await passTime(HOUR);
    expect((await fires()).map((f) => f.scheduledAt)).toEqual([at(1), at(6), at(7)]);
    const [status] = await api.triggers.status();
    expect(status!.triggers[0]).toMatchObject({ state: 'listening', fired: 3, lastMessage: expect.stringContaining('Caught up once for 5 missed start(s)') });
  });

  it('skips what was missed while asleep when told to, and goes on on time', async () => {
    await api.flows.save({ flow: scheduled({ cron: '0 * * * *', timezone: 'UTC', missed: 'skip' }) });
    await api.flows.activate({ id: 'scheduled' });
    clock.setWallClock(clock.now() + 3 * HOUR + 600_000);
    await passTime(60_000);
    expect(await fires()).toEqual([]);
    expect((await api.triggers.status())[0]!.triggers[0]!.lastMessage).toContain('Skipped 3 missed start(s)');
    await passTime(HOUR);
    expect(await fires()).toEqual([{ scheduledAt: at(4) }]);
  });

  it('catches up once after the app was closed, and not again after a crash before the fire was recorded', async () => {
    await api.flows.save({ flow: scheduled({ cron: '0 * * * *', timezone: 'UTC' }) });
    await api.flows.activate({ id: 'scheduled' });
    await service.close();
    clock.setWallClock(clock.now() + 3.5 * HOUR);
    await open();
    await clock.waitForTimers(1);
    await service.idle();
    expect(await fires()).toEqual([{ scheduledAt: at(3), caughtUp: true, missedCount: 3 }]);

    // A crash between the run's durable start and recording the last fire: the state says 00:00.
    await service.close();
    await writeFile(join(dir, 'triggers', 'state', 'scheduled', 'clock.json'), JSON.stringify({ lastFire: at(0) }));
    await open();
    await clock.waitForTimers(1);
    await service.idle();
    expect(await fires()).toEqual([{ scheduledAt: at(3), caughtUp: true, missedCount: 3 }]);
  });

  it('never fires a time twice when the clock is set back', async () => {
    await api.flows.save({ flow: scheduled({ cron: '0 * * * *', timezone: 'UTC' }) });
    await api.flows.activate({ id: 'scheduled' });
    await passTime(HOUR);
    clock.setWallClock(clock.now() - 2 * HOUR);
    await passTime(2 * HOUR);
    expect(await fires()).toEqual([{ scheduledAt: at(1) }]);
    await passTime(HOUR);
    expect(await fires()).toEqual([{ scheduledAt: at(1) }, { scheduledAt: at(2) }]);
  });

  it('follows its time zone, and a change of zone neither repeats nor loses the day', async () => {
    await api.flows.save({ flow: scheduled({ cron: '0 9 * * *', timezone: 'Europe/Berlin' }) });
    await api.flows.activate({ id: 'scheduled' });
    await passTime(8 * HOUR);
    // 9:00 in Berlin in January is 08:00 UTC.
    expect(await fires()).toEqual([{ scheduledAt: at(8) }]);
    await api.flows.save({ flow: scheduled({ cron: '0 9 * * *', timezone: 'America/New_York' }) });
    await passTime(6 * HOUR);
    // 9:00 in New York is 14:00 UTC: the same day fires again, in the new zone, once.
    expect(await fires()).toEqual([{ scheduledAt: at(8) }, { scheduledAt: at(14) }]);
    await passTime(12 * HOUR);
    expect(await fires()).toHaveLength(2);
  });

  it('refuses a schedule it cannot read and an unknown time zone, saying what to write', async () => {
    const bad = await api.flows.validate({ flow: scheduled({ cron: 'every morning', timezone: 'Mars/Olympus' }) });
    expect(bad.ok).toBe(false);
    expect(bad.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'nodes[0].config.cron', message: expect.stringContaining('Example: "0 9 * * 1-5"') }),
        expect.objectContaining({ path: 'nodes[0].config.timezone', message: expect.stringContaining('Europe/Berlin') }),
      ]),
    );
  });
});
