/**
 * alerts.*: the grouped problems of flows (engine/alerts/alerts.ts) and the messages sent about
 * them (engine/alerts/outbox.ts). Muting and snoozing stop messages, never the recording.
 */
import { ApiError } from '../../model/contract.ts';
import { AlertNotFound } from '../../alerts/alerts.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function alertHandlers(context: ServiceContext): GroupHandlers<'alerts'> {
  const { alerts, clock } = context;
  return {
    'alerts.list': async ({ recent }) => {
      await alerts.settled();
      return alerts.list(recent);
    },
    'alerts.mute': async ({ flowId }) => {
      await alerts.mute(flowId);
      return { ok: true as const };
    },
    'alerts.unmute': async ({ flowId }) => {
      await alerts.unmute(flowId);
      return { ok: true as const };
    },
    'alerts.snooze': async ({ key, minutes }) => {
      const until = minutes === 0 ? undefined : new Date(clock.now() + minutes * 60_000).toISOString();
      try {
        await alerts.snooze(key, until);
      } catch (error) {
        if (error instanceof AlertNotFound) {
          throw new ApiError({ code: 'ALERT_NOT_FOUND', message: `There is no open alert "${key}" to snooze.`, hint: 'It may have cleared already: list the alerts again (flowkeeper alerts).' });
        }
        throw error;
      }
      return { ok: true as const, ...(until ? { snoozedUntil: until } : {}) };
    },
  };
}
