/**
 * `flowkeeper alerts [--json]`: the alerts of the data folder, read from disk (engine/alerts/):
 * open ones with their count and times, messages that could not be sent and what to do, recent
 * clears. Read-only, so it is safe while the desktop app or `serve` runs on the folder.
 */
import { dataDirLayout, readAlerts, resolveDataDir, type Alert, type AlertDelivery } from '../engine/index.ts';
import { UsageError, type CommandContext } from './context.ts';

const OK = 0;

function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function alertLine(alert: Alert): string {
  const times = alert.count === 1 ? `since ${when(alert.firstSeen)}` : `${alert.count} times since ${when(alert.firstSeen)} · last ${when(alert.lastSeen)}`;
  const flags = [alert.muted ? 'muted' : '', alert.snoozedUntil ? `snoozed until ${when(alert.snoozedUntil)}` : ''].filter((f) => f !== '');
  return `● ${alert.title} — ${times}${flags.length ? ` (${flags.join(', ')})` : ''}`;
}

function deliveryLine(d: AlertDelivery): string {
  return `✖ "${d.subject}" to ${d.to} could not be sent: ${d.error?.message ?? 'no reason recorded'}${d.error?.hint ? `\n    What to do: ${d.error.hint}` : ''}`;
}

export async function alertsCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length > 0) throw new UsageError(`Unexpected argument "${ctx.positionals[0]}". Use: flowkeeper alerts [--json]`);
  const layout = dataDirLayout(resolveDataDir(ctx.values['data-dir'] as string | undefined));
  const list = await readAlerts(layout);
  if (ctx.json) {
    ctx.io.out(JSON.stringify(list, null, 2));
    return OK;
  }
  if (list.open.length === 0) ctx.io.out('No open alerts: every watched flow is fine.');
  for (const alert of list.open) {
    ctx.io.out(alertLine(alert));
    if (alert.detail) ctx.io.out(`    ${alert.detail}`);
    ctx.io.out(`    key ${alert.key} · open in the app: ${alert.link}`);
  }
  if (list.failedDeliveries.length > 0) {
    ctx.io.out(`\n${list.failedDeliveries.length} message${list.failedDeliveries.length === 1 ? '' : 's'} could not be sent:`);
    for (const d of list.failedDeliveries.slice(0, 10)) ctx.io.out(deliveryLine(d));
  }
  if (list.muted.length > 0) ctx.io.out(`\nMuted (recorded, not sent): ${list.muted.map((m) => m.flowName).join(', ')}`);
  if (list.recent.length > 0) {
    ctx.io.out('\nRecently cleared:');
    for (const alert of list.recent.slice(0, 5)) ctx.io.out(`✓ ${alert.title} — ${alert.count === 1 ? 'once' : `${alert.count} times`}, cleared ${when(alert.resolvedAt ?? alert.lastSeen)}${alert.resolvedBy ? ` (${alert.resolvedBy})` : ''}`);
  }
  return OK;
}
