/**
 * What the inbox shows of one run: its open reviews as inbox items, its decided reviews as
 * history. Derived from the run state alone (the trace is the source of truth), so the index
 * can be rebuilt from traces at any time with the same function that keeps it current.
 *
 * May import: `engine/model`.
 */
import type { InboxDecision, InboxItem, InboxItemDetail } from '../model/contract.ts';
import type { TraceHeader } from '../model/events.ts';
import type { Flow } from '../model/flow.ts';
import { currentAssignee, type ReviewRecord } from '../model/review.ts';
import type { RunState } from '../model/run-state.ts';

/** An inbox item as the index keeps it (the lean list entry): `overdue` is worked out when listed. */
export type StoredInboxItem = Omit<InboxItem, 'overdue'>;

export interface RunEntries {
  open: StoredInboxItem[];
  decided: InboxDecision[];
}

export function runEntries(header: TraceHeader, state: RunState, flow: Flow | undefined): RunEntries {
  const names = new Map((flow?.nodes ?? []).map((n) => [n.id, n.name ?? n.id]));
  const finished = state.status === 'succeeded' || state.status === 'failed' || state.status === 'cancelled';
  const open: StoredInboxItem[] = [];
  const decided: InboxDecision[] = [];
  for (const record of state.reviews.values()) {
    const stepName = names.get(record.nodeId) ?? record.nodeId;
    if (record.decided) {
      decided.push({
        id: record.requestId,
        runId: header.runId,
        flowId: header.flowId,
        flowName: header.flowName,
        nodeId: record.nodeId,
        stepName,
        title: record.request.title,
        createdAt: record.requestedAt,
        decidedAt: record.decided.at,
        outcome: record.decided.outcome,
        by: record.decided.by,
        ...(record.decided.comment === undefined ? {} : { comment: record.decided.comment }),
        changes: record.decided.changes,
      });
    } else if (!finished) {
      open.push(openItem(header, record, stepName));
    }
  }
  return { open, decided };
}

function openItem(header: TraceHeader, record: ReviewRecord, stepName: string): StoredInboxItem {
  const { request } = record;
  const assignee = currentAssignee(record);
  return {
    id: record.requestId,
    runId: header.runId,
    flowId: header.flowId,
    flowName: header.flowName,
    nodeId: record.nodeId,
    stepName,
    itemIndex: record.itemIndex,
    title: request.title,
    createdAt: record.requestedAt,
    outcomes: request.outcomes.map((o) => o.id),
    ...(assignee ? { assignee } : {}),
    ...(record.escalatedTo !== undefined && request.assignee ? { escalatedFrom: request.assignee } : {}),
    ...(record.escalatedAt ? { escalatedAt: record.escalatedAt } : {}),
    ...(record.remindedAt ? { remindedAt: record.remindedAt } : {}),
    ...(request.dueAt ? { dueAt: request.dueAt } : {}),
    approvals: { needed: request.approvals, given: record.decisions.map((d) => ({ by: d.by, at: d.at })) },
    // Internal to the index (timers): what is still to fire.
    ...timerFields(record),
  };
}

/** The form an item is decided with (inbox.get): labelled outcomes, the fields and their latest values. */
export function reviewForm(record: ReviewRecord): Pick<InboxItemDetail, 'choices' | 'fields' | 'values' | 'commentRequiredFor' | 'forbidStarter'> {
  const { request } = record;
  return {
    choices: request.outcomes.map((o) => ({ id: o.id, label: o.label })),
    fields: request.fields,
    values: record.decisions.at(-1)?.values ?? request.values,
    commentRequiredFor: request.commentRequiredFor,
    forbidStarter: request.forbidStarter,
  };
}

/** The timers an open review still has to fire, kept beside the item so start-up can re-arm them without the traces. */
export interface PendingTimers {
  remindAt?: string;
  escalateAt?: string;
  timeoutAt?: string;
}

function timerFields(record: ReviewRecord): { timers?: PendingTimers } {
  const { request } = record;
  const timers: PendingTimers = {};
  if (request.remindAt && !record.remindedAt) timers.remindAt = request.remindAt;
  if (request.escalateAt && request.escalateTo && !record.escalatedAt) timers.escalateAt = request.escalateAt;
  if (request.dueAt && request.onDue === 'timeout') timers.timeoutAt = request.dueAt;
  return Object.keys(timers).length === 0 ? {} : { timers };
}

/** The timers of a stored item (the index keeps them on the item; the API strips them). */
export function pendingTimers(item: StoredInboxItem): PendingTimers {
  return (item as StoredInboxItem & { timers?: PendingTimers }).timers ?? {};
}

/** An item as the API returns it: `overdue` worked out now, the index's own fields left out. */
export function publicItem(item: StoredInboxItem, now: number): InboxItem {
  const { timers: _timers, ...rest } = item as StoredInboxItem & { timers?: PendingTimers };
  return { ...rest, overdue: item.dueAt !== undefined && Date.parse(item.dueAt) <= now };
}
