/**
 * alerts.*: the grouped problems of flows (engine/alerts/alerts.ts) and the messages sent about
 * them (engine/alerts/outbox.ts). Muting and snoozing stop messages, never the recording.
 */
import { ApiError } from '../../model/contract.ts';
import { AlertNotFound, AlertsElsewhere } from '../../alerts/alerts.ts';
import { readAlerts } from '../../alerts/read-alerts.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function alertHandlers(context: ServiceContext): GroupHandlers<'alerts'> {
  const { alerts, clock, data } = context;
  const elsewhere = (error: unknown): never => {
    if (error instanceof AlertsElsewhere) throw new ApiError({ code: 'ALERTS_ELSEWHERE', message: error.message, hint: 'Mute or snooze in the Flowkeeper that keeps the alerts (the one started first on this data folder).' });
    throw error;
  };
  return {
    'alerts.list': async ({ recent }) => {
      // Another process keeps them: its files are the truth, read fresh.
      if (alerts.elsewhere) return { ...(await readAlerts(data.layout, recent)), elsewhere: alerts.elsewhere };
      await alerts.settled();
      return alerts.list(recent);
    },
    'alerts.mute': async ({ flowId }) => {
      await alerts.mute(flowId).catch(elsewhere);
      return { ok: true as const };
    },
    'alerts.unmute': async ({ flowId }) => {
      await alerts.unmute(flowId).catch(elsewhere);
      return { ok: true as const };
    },
    'alerts.snooze': async ({ key, minutes }) => {
      const until = minutes === 0 ? undefined : new Date(clock.now() + minutes * 60_000).toISOString();
      try {
        await alerts.snooze(key, until);
      } catch (error) {
        if (error instanceof AlertsElsewhere) elsewhere(error);
        if (error instanceof AlertNotFound) {
          throw new ApiError({ code: 'ALERT_NOT_FOUND', message: `There is no open alert "${key}" to snooze.`, hint: 'It may have cleared already: list the alerts again (flowkeeper alerts).' });
        }
        throw error;
      }
      return { ok: true as const, ...(until ? { snoozedUntil: until } : {}) };
    },
  };
}
