/**
 * On a schedule: fires at the times of a cron expression (croner), in a chosen time zone, while
 * the flow is switched on. Times are computed from the wall clock at every wake-up (at most a
 * minute apart), so a machine that slept, an app that was closed or a clock that was changed is
 * noticed: the fires missed meanwhile are caught up once (the latest of them) or skipped, as the
 * "missed" setting says, and never run twice — each fire is emitted with its scheduled time as the
 * dedupe key before the last fire is recorded, so a crash in between starts nothing twice.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { defineNode, field, type TriggerContext, type TriggerEmit } from '../../engine/model/index.ts';

/** Longest sleep between two looks at the wall clock (a machine may suspend during a long timer). */
const MAX_WAIT_MS = 60_000;
/** A fire noticed later than this after its time counts as missed (the machine slept, the app was closed). */
const LATE_AFTER_MS = 2 * 60_000;

function cronProblem(expression: string): string | undefined {
  try {
    new Cron(expression, { paused: true });
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
}

function zoneProblem(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return false;
  } catch {
    return true;
  }
}

const Config = z
  .object({
    cron: field(
      z
        .string()
        .min(1)
        .max(200)
        .default('0 9 * * 1-5')
        .superRefine((value, issue) => {
          const problem = cronProblem(value);
          if (problem) issue.addIssue({ code: 'custom', message: `"${value}" is not a schedule Flowkeeper can read (${problem}). Example: "0 9 * * 1-5" is 9:00 on weekdays.` });
        }),
      {
        title: 'Schedule (cron)',
        description: 'When to start, as minute hour day-of-month month day-of-week. "0 9 * * 1-5" is 9:00 on weekdays; "*/15 * * * *" is every 15 minutes.',
        placeholder: '0 9 * * 1-5',
        widget: 'plain',
      },
    ),
    timezone: field(
      z
        .string()
        .max(100)
        .optional()
        .refine((zone) => zone === undefined || !zoneProblem(zone), { message: 'Use a time zone name such as Europe/Berlin or America/New_York.' }),
      { title: 'Time zone', description: 'Whose clock the schedule follows, e.g. Europe/Berlin. Empty: this computer\'s time zone.', placeholder: 'Europe/Berlin', widget: 'plain' },
    ),
    missed: field(z.enum(['run-once', 'skip']).default('run-once'), {
      title: 'When a start was missed',
      description: 'If the computer slept or Flowkeeper was closed at a scheduled time: start once when it is back (for the latest missed time), or skip until the next time.',
      optionLabels: { 'run-once': 'Start once when back', skip: 'Skip it' },
    }),
  })
  .strict();
type ScheduleConfig = z.infer<typeof Config>;

/** The item a fire starts the flow with. */
function fireItem(at: Date, timezone: string, caughtUp: boolean, missed: number) {
  return { scheduledAt: at.toISOString(), timezone, ...(caughtUp ? { caughtUp: true, missedCount: missed } : {}) };
}

async function subscribe(ctx: TriggerContext<ScheduleConfig>, emit: TriggerEmit) {
  const timezone = ctx.config.timezone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
  const cron = new Cron(ctx.config.cron, { paused: true, timezone });
  let cancelTimer: (() => void) | undefined;
  let stopped = false;
  let busy = false;

  let inFlight: Promise<void> = Promise.resolve();
  // First activation: the schedule starts now, nothing before it counts as missed (on disk before
  // the activation is answered, so a restart right after it does not move the start).
  if (ctx.state.get<string>('lastFire') === undefined) await ctx.state.set('lastFire', new Date(ctx.clock.now()).toISOString());

  const tick = async () => {
    if (stopped || busy) return;
    busy = true;
    let done = () => {};
    inFlight = new Promise((resolve) => (done = resolve));
    try {
      ctx.heartbeat();
      const now = ctx.clock.now();
      const lastFire = new Date(ctx.state.get<string>('lastFire')!);
      const due: Date[] = [];
      // Fires in (lastFire, now]; a clock set back leaves lastFire in the future: nothing is due twice.
      for (let next = cron.nextRun(lastFire); next && next.getTime() <= now; next = cron.nextRun(next)) {
        due.push(next);
        if (due.length > 10_000) break;
      }
      const latest = due.at(-1);
      if (latest) {
        const late = due.length > 1 || now - latest.getTime() > LATE_AFTER_MS;
        if (late && ctx.config.missed === 'skip') {
          ctx.log.info(`Skipped ${due.length} missed start(s), the latest due at ${latest.toISOString()}.`);
        } else {
          const result = await emit([fireItem(latest, timezone, late, due.length)], { dedupeKey: `at:${latest.toISOString()}` });
          if (late) ctx.log.info(`Caught up once for ${due.length} missed start(s) (run ${result.runId}).`);
        }
        // Recorded after the run's start is durable; a crash before this re-emits the same key.
        await ctx.state.set('lastFire', latest.toISOString());
      }
    } catch (error) {
      if (!stopped) ctx.reportError(`The scheduled start could not be made: ${(error as Error).message}. It is tried again in a minute.`);
    } finally {
      busy = false;
      done();
      if (!stopped) arm();
    }
  };

  const arm = () => {
    const now = ctx.clock.now();
    const from = new Date(Math.max(now, new Date(ctx.state.get<string>('lastFire') ?? now).getTime()));
    const next = cron.nextRun(from);
    const wait = next ? Math.min(Math.max(0, next.getTime() - now), MAX_WAIT_MS) : MAX_WAIT_MS;
    cancelTimer?.();
    cancelTimer = ctx.clock.setTimer(wait, () => void tick());
  };

  void tick();
  // Stopping waits for a fire in progress, so its last fire is recorded before the app closes.
  return () => {
    stopped = true;
    cancelTimer?.();
    cron.stop();
    return inFlight;
  };
}

export default defineNode({
  type: 'trigger.schedule',
  version: 1,
  title: 'On a schedule',
  category: 'trigger',
  icon: 'clock',
  description: 'Starts the flow at set times (every weekday at 9:00, every 15 minutes…) while the flow is switched on.',
  config: Config,
  inputs: [],
  outputs: ['out'],
  effects: 'pure',
  trigger: true,
  subscribe,
  // A fire's item ({ scheduledAt, timezone }) is the run input; started by hand, the input passes through.
  async run({ items }) {
    return { out: items };
  },
});
