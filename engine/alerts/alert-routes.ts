/**
 * Where a flow's alerts go, from its charter (engine/model/charter.ts `alerts`): e-mail through
 * the route's SMTP login to its addresses (none given: the owner and the backup owner), a webhook,
 * and the desktop app (on unless the route says `desktop: false`). A flow without a route still
 * shows its alerts in the app (desktop only): nothing disappears without a word.
 */
import type { Charter } from '../model/charter.ts';
import type { OutboxTarget } from './outbox.ts';

export function alertTargets(flow: { charter?: Charter } | undefined): OutboxTarget[] {
  const charter = flow?.charter;
  const route = charter?.alerts;
  const targets: OutboxTarget[] = [];
  if (route?.email) {
    const owners = [charter?.owner.email, charter?.backupOwner.email].map((a) => (a ?? '').trim()).filter((a) => a !== '');
    const to = route.email.to.map((a) => a.trim()).filter((a) => a !== '');
    targets.push({ channel: 'email', credential: route.email.credential, to: [...new Set(to.length > 0 ? to : owners)] });
  }
  if (route?.webhook) targets.push({ channel: 'webhook', url: route.webhook.url, format: route.webhook.format, ...(route.webhook.credential ? { credential: route.webhook.credential } : {}) });
  if (route?.desktop !== false) targets.push({ channel: 'desktop' });
  return targets;
}
