import { z } from 'zod';
import { NodeError, defineNode, field } from '../../engine/model/index.ts';

const Config = z
  .object({
    /** `for`: wait a number of seconds. `until`: wait until a date and time. */
    mode: field(z.enum(['for', 'until']).default('for'), {
      title: 'Wait',
      description: 'Wait a number of seconds, or until a date and time. The wait survives a restart of the app.',
      optionLabels: { for: 'For a while', until: 'Until a date and time' },
    }),
    /** Seconds to wait; a number or an expression. */
    seconds: field(z.union([z.number().min(0).max(30 * 24 * 3600), z.string().min(1)]).optional(), {
      title: 'Seconds',
      description: 'How many seconds to wait (at most 30 days), or an expression giving them.',
      placeholder: '60',
      showWhen: { field: 'mode', is: ['for'] },
    }),
    /** An ISO date-time or an expression giving one. */
    until: field(z.string().min(1).optional(), {
      title: 'Until',
      description: 'A date and time like 2026-03-31T09:00:00Z, or an expression giving one, e.g. {{ dueDate }}.',
      placeholder: '2026-03-31T09:00:00Z',
      showWhen: { field: 'mode', is: ['until'] },
    }),
  })
  .strict()
  .refine((c) => (c.mode === 'for' ? c.seconds !== undefined : c.until !== undefined), { message: 'Say how long to wait ("seconds") or until when ("until").' });

export default defineNode({
  type: 'flow.delay',
  version: 1,
  title: 'Wait',
  category: 'flow',
  icon: 'clock',
  description: 'Pauses the flow for a while or until a moment, then passes the items on. Survives restarts.',
  config: Config,
  inputs: ['in'],
  outputs: ['out'],
  effects: 'pure',
  async run({ items, config, ctx }) {
    // The start time is recorded, so after a restart the wait ends when it would have.
    const started = await ctx.now();
    let wakeAt: number;
    if (config.mode === 'for') {
      const given = await ctx.evaluate(config.seconds, 0);
      const seconds = typeof given === 'number' ? given : typeof given === 'string' && given.trim() !== '' ? Number(given) : NaN;
      if (!Number.isFinite(seconds) || seconds < 0) {
        throw new NodeError({ message: `"Seconds" must be a positive number, not ${JSON.stringify(given) ?? 'nothing'}.`, code: 'CONFIG', retryable: false, field: 'seconds' });
      }
      wakeAt = started + seconds * 1000;
    } else {
      const until = String(await ctx.evaluate(config.until, 0));
      wakeAt = Date.parse(until);
      if (Number.isNaN(wakeAt)) {
        throw new NodeError({ message: `"Until" must be a date and time like 2026-12-01T09:00:00Z, not "${until}".`, code: 'CONFIG', retryable: false, field: 'until' });
      }
    }
    await ctx.sleepUntil(wakeAt);
    return { out: items };
  },
});
