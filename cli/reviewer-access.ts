/**
 * What a reviewer's link may do on the web bridge — the one place that says so.
 *
 * A reviewer's key opens the inbox and nothing else: no flows, runs, traces, credentials,
 * catalog or settings. Within the inbox they see and decide only the items assigned to them by
 * name, to their group (given with `reviewers add --group`), or to a settings group that lists
 * them; their history is the decisions they made. Items assigned to nobody are for the owner (the desktop user) only: a link handed to a
 * person is for their work, not for whatever happens to be open. Their decisions are recorded
 * under the name that belongs to the key; a name in the request is ignored.
 *
 * Reading an item never decides it: only `inbox.decide`, sent as POST or over the WebSocket.
 */
import type { ApiErrorInfo } from '../engine/index.ts';
import type { ReviewerRecord } from './reviewer-keys.ts';

/** The API methods a reviewer's key may call (others answer 403). */
export const REVIEWER_METHODS: ReadonlySet<string> = new Set(['inbox.list', 'inbox.get', 'inbox.decide', 'inbox.history']);

/** The pushed events a reviewer's page receives (run events would show flows' data). */
export const REVIEWER_EVENTS: ReadonlySet<string> = new Set(['inbox.changed']);

export function reviewerMayCall(method: string): boolean {
  return REVIEWER_METHODS.has(method);
}

export const FORBIDDEN_FOR_REVIEWER: ApiErrorInfo = {
  code: 'FORBIDDEN',
  message: 'This link opens only the inbox. Flows, runs, credentials and settings are for the person who runs Flowkeeper.',
  hint: 'Ask them if you need more than the inbox.',
};

export function notYourItem(id: string): ApiErrorInfo {
  return {
    code: 'NOT_YOUR_ITEM',
    message: `The inbox item "${id}" is not assigned to you or your group, so this link cannot open or decide it.`,
    hint: 'Ask the person who runs Flowkeeper to assign it to you, or to decide it themselves.',
  };
}

function same(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Who an inbox item currently asks (the escalation target once escalated), however the item names it. */
export function assigneeOf(item: unknown): string | undefined {
  const value = item as { assignee?: unknown; escalatedTo?: unknown } | null;
  const assignee = typeof value?.escalatedTo === 'string' && value.escalatedTo !== '' ? value.escalatedTo : value?.assignee;
  return typeof assignee === 'string' && assignee.trim() !== '' ? assignee : undefined;
}

/** Whether an item is this reviewer's: assigned to their name, their group, or a settings group listing them. */
export function isReviewersItem(item: unknown, reviewer: Pick<ReviewerRecord, 'name' | 'group'>, settingsGroups: Record<string, string[]>): boolean {
  const assignee = assigneeOf(item);
  if (assignee === undefined) return false;
  if (same(assignee, reviewer.name)) return true;
  if (reviewer.group !== undefined && same(assignee, reviewer.group)) return true;
  const members = Object.entries(settingsGroups).find(([group]) => same(group, assignee))?.[1] ?? [];
  return members.some((member) => same(member, reviewer.name));
}

/** The history a reviewer's link shows: the decisions they made themselves. */
export function decidedBy(decision: unknown, name: string): boolean {
  const by = (decision as { by?: unknown } | null)?.by;
  return typeof by === 'string' && same(by, name);
}
