/** The alerts screen's words: headlines with counts and times, deliveries, what a link opens. */
import { describe, expect, it } from 'vitest';
import { alertHeadline, alertPlace, clockTime, deliveryLine, openLabel } from '../../renderer/alerts/alert-words.ts';

const local = (h: number, m: number, day = 5) => new Date(2026, 0, day, h, m).toISOString();
const now = new Date(2026, 0, 5, 11, 0);

describe('alert words', () => {
  it('says how often and since when, in local time', () => {
    expect(alertHeadline({ kind: 'run-failed', flowName: 'Invoice sync', count: 50, firstSeen: local(9, 12), lastSeen: local(10, 40) }, now)).toBe('Invoice sync failed 50 times since 09:12 · last 10:40');
    expect(alertHeadline({ kind: 'run-failed', flowName: 'Invoice sync', count: 1, firstSeen: local(9, 12), lastSeen: local(9, 12) }, now)).toBe('Invoice sync failed once since 09:12');
    expect(alertHeadline({ kind: 'review-overdue', flowName: 'Refunds', count: 3, firstSeen: local(9, 0, 4), lastSeen: local(10, 0) }, now)).toBe('Refunds: 3 reviews went past their due time since 4 Jan 09:00 · last 10:00');
    expect(alertHeadline({ kind: 'trigger-silent', flowName: 'Orders', count: 1, firstSeen: local(9, 0), lastSeen: local(9, 0) }, now)).toBe('Orders: its trigger stopped firing since 09:00');
    expect(alertHeadline({ kind: 'metric-below-target', flowName: 'Orders', count: 2, firstSeen: local(9, 0), lastSeen: local(10, 0) }, now)).toBe('Orders is below its success target since 09:00 · last 10:00');
  });

  it('names the step or trigger and what the link opens', () => {
    expect(alertPlace({ kind: 'run-failed', stepName: 'Post invoice' })).toBe('Step: Post invoice');
    expect(alertPlace({ kind: 'trigger-failed', stepName: 'Every 5 minutes' })).toBe('Trigger: Every 5 minutes');
    expect(alertPlace({ kind: 'metric-below-target' })).toBeUndefined();
    expect(openLabel({ link: '#/runs/run-1' })).toBe('Open the run');
    expect(openLabel({ link: '#/inbox' })).toBe('Open the inbox');
    expect(openLabel({ link: '#/inbox/run-1%3Acheck%3A0' })).toBe('Open the review');
    expect(openLabel({ link: '#/flows/orders' })).toBe('Open the flow');
    expect(clockTime('not a time')).toBe('');
  });

  it('says what happened to each message', () => {
    const base = { id: 'm', purpose: 'opened' as const, subject: 's', createdAt: local(9, 12) };
    expect(deliveryLine({ ...base, channel: 'email', to: 'ana@example.com', status: 'sent', attempts: 1, sentAt: local(9, 12) }, now)).toBe('E-mail to ana@example.com: sent 09:12');
    expect(deliveryLine({ ...base, channel: 'webhook', to: 'webhook at hooks.slack.com', status: 'pending', attempts: 2, nextAttemptAt: local(9, 15) }, now)).toBe('Webhook at hooks.slack.com: not sent yet, trying again at 09:15');
    expect(deliveryLine({ ...base, channel: 'email', to: 'ana@example.com', status: 'failed', attempts: 7 }, now)).toBe('E-mail to ana@example.com: could not be sent (7 tries)');
    expect(deliveryLine({ ...base, channel: 'desktop', to: 'the desktop app', status: 'sent', attempts: 1, sentAt: local(9, 12) }, now)).toBe('Desktop notice: sent 09:12');
  });
});
