/**
 * Alerts in plain words for the alerts screen: "Invoice sync failed 50 times since 09:12 · last
 * 10:40", what a delivery did, and what to do about a failed one. Pure, so it is tested without
 * a browser.
 */
import type { Alert, AlertDelivery, AlertKind } from '../../engine/model/alerts.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** 09:12 today; "3 Jan 09:12" on another day (local time). */
export function clockTime(iso: string, now: Date = new Date()): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  const sameDay = at.getFullYear() === now.getFullYear() && at.getMonth() === now.getMonth() && at.getDate() === now.getDate();
  return sameDay ? time : `${at.getDate()} ${at.toLocaleString('en-GB', { month: 'short' })} ${time}`;
}

const VERB: Record<AlertKind, (count: number) => string> = {
  'run-failed': (n) => (n === 1 ? 'failed once' : `failed ${n.toLocaleString('en-US')} times`),
  'needs-attention': (n) => (n === 1 ? '1 run waits for a decision' : `${n.toLocaleString('en-US')} runs waited for a decision`),
  'review-overdue': (n) => (n === 1 ? '1 review is past its due time' : `${n.toLocaleString('en-US')} reviews went past their due time`),
  'trigger-failed': (n) => (n === 1 ? 'its trigger is failing' : `its trigger failed ${n.toLocaleString('en-US')} times`),
  'trigger-silent': () => 'its trigger stopped firing',
  'metric-below-target': () => 'is below its success target',
  drift: (n) => (n === 1 ? 'its answers no longer look like the reference' : `its answers no longer look like the reference (${n.toLocaleString('en-US')} checks)`),
  'drift-check-failed': (n) => (n === 1 ? 'the drift check could not run' : `the drift check could not run ${n.toLocaleString('en-US')} times`),
};

/** The headline of an alert: "Invoice sync failed 50 times since 09:12 · last 10:40". */
export function alertHeadline(alert: Pick<Alert, 'kind' | 'flowName' | 'count' | 'firstSeen' | 'lastSeen'>, now: Date = new Date()): string {
  const verb = VERB[alert.kind](alert.count);
  const joiner = alert.kind === 'run-failed' || alert.kind === 'metric-below-target' ? ' ' : ': ';
  const since = alert.count > 1 && alert.firstSeen !== alert.lastSeen ? ` since ${clockTime(alert.firstSeen, now)} · last ${clockTime(alert.lastSeen, now)}` : ` since ${clockTime(alert.firstSeen, now)}`;
  return `${alert.flowName}${joiner}${verb}${since}`;
}

/** Where the step is, when the alert is about one. */
export function alertPlace(alert: Pick<Alert, 'kind' | 'stepName'>): string | undefined {
  if (!alert.stepName) return undefined;
  if (alert.kind === 'trigger-failed' || alert.kind === 'trigger-silent') return `Trigger: ${alert.stepName}`;
  return `Step: ${alert.stepName}`;
}

/** What the link opens, as a button label. */
export function openLabel(alert: Pick<Alert, 'link'>): string {
  if (alert.link.startsWith('#/runs/')) return 'Open the run';
  if (alert.link.startsWith('#/inbox/')) return 'Open the review';
  if (alert.link.startsWith('#/inbox')) return 'Open the inbox';
  return 'Open the flow';
}

const CHANNEL: Record<AlertDelivery['channel'], string> = { email: 'E-mail', webhook: 'Webhook', desktop: 'Desktop notice' };

/** One line per delivery: "E-mail to ana@example.com: sent 09:12" / "… not sent: <why>". */
export function deliveryLine(d: AlertDelivery, now: Date = new Date()): string {
  // A webhook's `to` already says "webhook at <host>".
  const who = d.channel === 'desktop' ? CHANNEL.desktop : d.channel === 'webhook' ? capital(d.to) : `${CHANNEL[d.channel]} to ${d.to}`;
  if (d.status === 'sent') return `${who}: sent ${clockTime(d.sentAt ?? d.createdAt, now)}`;
  if (d.status === 'failed') return `${who}: could not be sent${d.attempts > 1 ? ` (${d.attempts} tries)` : ''}`;
  return d.attempts === 0 ? `${who}: sending…` : `${who}: not sent yet, trying again${d.nextAttemptAt ? ` at ${clockTime(d.nextAttemptAt, now)}` : ''}`;
}

function capital(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** What a delivery was about, for the failed-deliveries list. */
export function purposeLabel(purpose: AlertDelivery['purpose']): string {
  return { opened: 'Alert', recovered: 'Recovery', reminder: 'Review reminder', escalation: 'Review escalation' }[purpose];
}
