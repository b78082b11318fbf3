/**
 * The alerts of a data folder as they are on disk, for a process that does not run the service
 * (the CLI's `flowkeeper alerts`): nothing is sent, checked or rewritten.
 */
import type { AlertList } from '../model/alerts.ts';
import type { DataDirLayout } from '../storage/layout.ts';
import { Alerts } from './alerts.ts';
import { Outbox } from './outbox.ts';
import { systemClock } from '../clock.ts';

export async function readAlerts(layout: Pick<DataDirLayout, 'alerts'>, recent = 50): Promise<AlertList> {
  const outbox = new Outbox({ dir: layout.alerts, clock: systemClock, deliver: async () => undefined, readOnly: true });
  await outbox.load();
  const alerts = new Alerts({ dir: layout.alerts, clock: systemClock, outbox, flow: async () => undefined, run: async () => undefined, triggerStatus: async () => [], openReviews: () => [] });
  await alerts.load();
  return alerts.list(recent);
}
