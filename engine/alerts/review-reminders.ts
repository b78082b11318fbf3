/**
 * Review reminders and escalations delivered to people. The review timers
 * (engine/scheduler/review-timers.ts) record `review.reminded` and `review.escalated` in the
 * trace; this turns each into messages through the outbox: an e-mail to the assignee (a person,
 * or every member of a settings group) and a desktop notice.
 *
 * Addresses come from `settings.reviewerEmails` (by name, as assignees are written; an assignee
 * written as an address is used as it is). The mail login: the flow's alert route e-mail login
 * when it has one (the owner chose how that flow's mail goes out), else `settings.reminderCredential`.
 * Nothing set up for e-mail at all (no address, no login) means desktop only; half set up (an
 * address but no login, or a login but no address for that person) is a failed delivery that
 * says what to fill in — never a silent drop.
 *
 * Events arrive once per timer firing (the timer job records each once), so each sends once.
 *
 * May import: `engine/model`, the outbox.
 */
import type { Settings } from '../model/contract.ts';
import type { RunEvent } from '../model/events.ts';
import { when } from './alert-text.ts';
import type { AlertFlow } from './alerts.ts';
import type { Outbox, OutboxTarget } from './outbox.ts';

export interface ReminderItem {
  title: string;
  flowId: string;
  flowName: string;
  stepName: string;
  dueAt?: string;
}

export interface ReviewRemindersOptions {
  outbox: Outbox;
  settings(): Promise<Settings>;
  /** The open item from the inbox index (undefined when it is gone meanwhile). */
  item(requestId: string): ReminderItem | undefined;
  /** The run's flow, when the item is not in the index. */
  run(runId: string): Promise<{ flowId: string; flowName: string } | undefined>;
  flow(flowId: string): Promise<AlertFlow | undefined>;
  itemLink(requestId: string): string;
  publicAddress?: () => string | undefined;
}

export class ReviewReminders {
  private serial: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ReviewRemindersOptions) {}

  runEvent(runId: string, event: RunEvent): void {
    if (event.type !== 'review.reminded' && event.type !== 'review.escalated') return;
    this.serial = this.serial
      .then(() => this.deliver(runId, event))
      .catch((error: unknown) => process.emitWarning(`Flowkeeper: a review reminder could not be queued: ${(error as Error).message}`));
  }

  async settled(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.serial;
      await seen;
    } while (seen !== this.serial);
  }

  private async deliver(runId: string, event: Extract<RunEvent, { type: 'review.reminded' | 'review.escalated' }>): Promise<void> {
    const settings = await this.options.settings();
    const assignee = event.type === 'review.reminded' ? event.assignee : event.to;
    const known = this.options.item(event.requestId);
    const run = known ? undefined : await this.options.run(runId);
    const item: ReminderItem = known ?? { title: 'A review', flowId: run?.flowId ?? '', flowName: run?.flowName ?? 'a flow', stepName: event.nodeId };
    const flow = item.flowId ? await this.options.flow(item.flowId) : undefined;
    const link = this.options.itemLink(event.requestId);
    const address = this.options.publicAddress?.();
    const url = address ? `${address}/${link}` : undefined;
    const escalated = event.type === 'review.escalated';
    const subject = escalated ? `Now yours to review: ${item.title}` : `Reminder: ${item.title} waits for your review`;
    const text = [
      escalated ? `"${item.title}" in ${item.flowName} (step "${item.stepName}") was passed on to ${assignee}${event.from ? ` from ${event.from}` : ''}: nobody decided in time.` : `"${item.title}" in ${item.flowName} (step "${item.stepName}") still waits for a decision${assignee ? ` by ${assignee}` : ''}.`,
      item.dueAt ? `It is due ${when(item.dueAt)}.` : '',
      `Open it: ${url ?? `Flowkeeper, Inbox (${link})`}`,
    ]
      .filter((l) => l !== '')
      .join('\n');
    const content = { subject, text, link, ...(url ? { url } : {}), data: { review: { requestId: event.requestId, runId, flowId: item.flowId, title: item.title, assignee: assignee ?? '', ...(item.dueAt ? { dueAt: item.dueAt } : {}) } } };
    const purpose = escalated ? ('escalation' as const) : ('reminder' as const);
    const targets: OutboxTarget[] = [{ channel: 'desktop' }];
    targets.unshift(...this.emailTargets(assignee, settings, flow));
    for (const target of targets) await this.options.outbox.enqueue({ purpose, target, content, ...(item.flowId ? { flowId: item.flowId } : {}) });
  }

  /**
   * The e-mail part: one message to every known address, plus — when some people have none — a
   * message that fails at once naming them, so the gap shows on the Alerts screen.
   */
  private emailTargets(assignee: string | undefined, settings: Settings, flow: AlertFlow | undefined): OutboxTarget[] {
    const credential = flow?.charter?.alerts?.email?.credential ?? settings.reminderCredential;
    const people = assignee === undefined ? [] : (settings.reviewerGroups[assignee] ?? [assignee]);
    const isAddress = (p: string) => /^[^@\s<>]+@[^@\s<>]+$/.test(p);
    const addresses = [...new Set(people.map((p) => (isAddress(p) ? p : settings.reviewerEmails[p])).filter((a): a is string => a !== undefined && a !== ''))];
    const missing = people.filter((p) => !isAddress(p) && !settings.reviewerEmails[p]);
    if (!credential && addresses.length === 0) return [];
    if (!credential) return [{ channel: 'email', credential: '', to: [], hint: "Choose the mail server login for review reminders in Settings (or an e-mail login in the flow's alert settings)." }];
    if (assignee === undefined) return [{ channel: 'email', credential, to: [], why: 'The item is assigned to anyone, so there is nobody to e-mail.', hint: 'Assign the review step to a person or a group.' }];
    const targets: OutboxTarget[] = [];
    if (addresses.length > 0) targets.push({ channel: 'email', credential, to: addresses });
    if (missing.length > 0) {
      const names = missing.map((m) => `"${m}"`).join(', ');
      targets.push({ channel: 'email', credential, to: [], why: `No e-mail address is known for ${names}, so they were not told.`, hint: `Add the e-mail address of ${names} under Settings → Review reminders by e-mail.` });
    }
    return targets;
  }
}
