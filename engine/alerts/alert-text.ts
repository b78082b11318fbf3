/**
 * The words of alert messages: one sentence a person understands without opening the app, the
 * counts and times, and where to click. Times are written in UTC with the date, so an e-mail read
 * in another time zone or a day later is still unambiguous.
 */
import type { AlertKind, MessagePurpose } from '../model/alerts.ts';
import type { OutboxContent } from './outbox.ts';

export interface AlertFacts {
  key: string;
  kind: AlertKind;
  flowId: string;
  flowName: string;
  stepName?: string;
  title: string;
  detail?: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  resolvedBy?: string;
  runId?: string;
  link: string;
  url?: string;
}

export function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The problem in a few words, e.g. "Invoice sync failed". */
export function alertTitle(kind: AlertKind, flowName: string, stepName?: string): string {
  const at = stepName ? ` at "${stepName}"` : '';
  switch (kind) {
    case 'run-failed':
      return `${flowName} failed${at}`;
    case 'needs-attention':
      return `${flowName} needs a person${at}`;
    case 'review-overdue':
      return `${flowName}: a review is past its due time${at}`;
    case 'trigger-failed':
      return `${flowName}: its trigger${stepName ? ` "${stepName}"` : ''} is failing`;
    case 'trigger-silent':
      return `${flowName}: its trigger${stepName ? ` "${stepName}"` : ''} stopped firing`;
    case 'metric-below-target':
      return `${flowName} is below its success target`;
    case 'drift':
      return `${flowName}: its answers no longer look like the reference`;
    case 'drift-check-failed':
      return `${flowName}: the drift check could not run`;
  }
}

function times(facts: AlertFacts): string {
  const what = facts.kind === 'review-overdue' ? 'item' : facts.kind === 'needs-attention' ? 'run' : facts.kind === 'drift' || facts.kind === 'drift-check-failed' ? 'check' : 'time';
  if (facts.count <= 1) return `Since ${when(facts.firstSeen)}.`;
  return `${facts.count} ${what}s since ${when(facts.firstSeen)} · last ${when(facts.lastSeen)}.`;
}

export function alertMessage(facts: AlertFacts, purpose: Extract<MessagePurpose, 'opened' | 'recovered'>): OutboxContent {
  const open = facts.url ?? `Open Flowkeeper (${facts.link})`;
  const data = { alert: { key: facts.key, kind: facts.kind, flowId: facts.flowId, flowName: facts.flowName, count: facts.count, firstSeen: facts.firstSeen, lastSeen: facts.lastSeen, ...(facts.runId ? { runId: facts.runId } : {}) }, state: purpose === 'opened' ? 'open' : 'resolved' };
  if (purpose === 'opened') {
    return {
      subject: facts.title,
      text: [`${facts.title}.`, facts.detail ?? '', times(facts), `See it: ${open}`, 'Further repeats of this problem are counted in the app, not sent again; you hear once more when it clears.'].filter((l) => l !== '').join('\n'),
      link: facts.link,
      ...(facts.url ? { url: facts.url } : {}),
      data,
    };
  }
  return {
    subject: `Recovered: ${facts.title}`,
    text: [`Recovered: ${facts.title}${facts.resolvedBy ? ` — ${facts.resolvedBy}` : ''}.`, `It happened ${facts.count === 1 ? 'once' : `${facts.count} times`} between ${when(facts.firstSeen)} and ${when(facts.lastSeen)}.`, `See it: ${open}`].join('\n'),
    link: facts.link,
    ...(facts.url ? { url: facts.url } : {}),
    data,
  };
}
