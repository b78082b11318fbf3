/**
 * Human review, as data: what a review step asks a person (ReviewRequest, recorded in the trace
 * by `review.requested`), what a person answers (ReviewDecision, recorded by `review.decided`),
 * and the one check every door and the engine apply to an answer (`checkDecision`), so a
 * decision is refused with the same words whether it comes from the app, a browser or the CLI.
 *
 * Imports nothing of the repo outside engine/model.
 */

/** The built-in outcomes; a step adds named ones (each its own output port) and `timeout`. */
export const APPROVE = 'approve';
export const REJECT = 'reject';
/** Approved with corrected fields (edit-and-approve). */
export const EDIT = 'edit';
/** Nobody decided in time (recorded by the timer, never chosen by a person). */
export const TIMEOUT = 'timeout';
/** Who a timer's decision is recorded as. */
export const TIMER_REVIEWER = 'timer';

export type ReviewFieldType = 'text' | 'number' | 'boolean' | 'date' | 'choice';

/** One field the reviewer may correct. `name` is the item's field (a path like `invoice.amount`). */
export interface ReviewField {
  name: string;
  label: string;
  type: ReviewFieldType;
  required: boolean;
  /** The values a `choice` field may take. */
  options?: string[];
  /** Bounds of a `number` field. */
  min?: number;
  max?: number;
}

export interface ReviewOutcomeInfo {
  id: string;
  label: string;
}

/** What the reviewer sees and may do for one item. */
export interface ReviewRequest {
  title: string;
  body: string;
  /** Line items, shown as a table (rows of objects; columns are their keys). */
  table?: Array<Record<string, unknown>>;
  /** The AI step's answer and reason, when the step shows them. */
  ai?: { answer: unknown; reason?: unknown };
  fields: ReviewField[];
  /** The editable fields' values as they arrived. */
  values: Record<string, unknown>;
  outcomes: ReviewOutcomeInfo[];
  /** Outcomes that need a comment (default: reject). */
  commentRequiredFor: string[];
  /** A person or a named group (settings `reviewerGroups`); empty: anyone. */
  assignee?: string;
  /** ISO times: when the item is due, when to remind, when to escalate. */
  dueAt?: string;
  remindAt?: string;
  escalateAt?: string;
  escalateTo?: string;
  /** What happens when the due time passes: leave on `timeout`, or only show it as overdue. */
  onDue: 'timeout' | 'keep-waiting';
  /** Four-eyes: how many distinct people must approve. */
  approvals: number;
  /** The person who started the run may not approve it. */
  forbidStarter: boolean;
  /**
   * `each`: every item goes on in a run of its own as soon as it is decided (the steps after the
   * review run per item while others wait); absent: the items go on together when all are decided.
   */
  emit?: 'each';
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** A recorded decision (one `review.decided` event). */
export interface ReviewDecision {
  outcome: string;
  by: string;
  at: string;
  comment?: string;
  changes: FieldChange[];
  /** The editable fields after the decision (corrected where changed). */
  values: Record<string, unknown>;
  /** False for an approval that still waits for more approvers (four-eyes). */
  final: boolean;
}

/** One review as the run state folds it from the trace. */
export interface ReviewRecord {
  requestId: string;
  nodeId: string;
  itemIndex: number;
  request: ReviewRequest;
  requestedAt: string;
  /** The item as it arrived (possibly a reference to a side file). */
  item: unknown;
  decisions: ReviewDecision[];
  /** The final decision, once there is one. */
  decided?: ReviewDecision;
  remindedAt?: string;
  escalatedTo?: string;
  escalatedAt?: string;
  /** One-by-one review: the run the decided item went on in. */
  emittedTo?: string;
}

/** The inbox id of one review: run, step and item. */
export function reviewId(runId: string, nodeId: string, itemIndex: number): string {
  return `${runId}:${nodeId}:${itemIndex}`;
}

export function parseReviewId(id: string): { runId: string; nodeId: string; itemIndex: number } | undefined {
  const match = /^(.+):([^:]+):(\d+)$/.exec(id);
  if (!match) return undefined;
  return { runId: match[1]!, nodeId: match[2]!, itemIndex: Number(match[3]) };
}

/** Who is currently asked: the escalation target once escalated, else the assignee. */
export function currentAssignee(record: Pick<ReviewRecord, 'request' | 'escalatedTo'>): string | undefined {
  return record.escalatedTo ?? record.request.assignee;
}

/** A refused decision: a stable code and plain words (the API turns it into an ApiError). */
export class DecisionRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'DecisionRefused';
  }
}

export interface DecisionInput {
  outcome: string;
  by: string;
  comment?: string;
  /** New values for editable fields, by field name. */
  edits?: Record<string, unknown>;
}

export interface DecisionContext {
  /** Members of named groups (settings `reviewerGroups`). */
  groups: Record<string, string[]>;
  /** Who started the run (the trace header's `startedBy`). */
  startedBy?: string;
  /** The decision's time (ISO). */
  at: string;
}

/** Whether `person` may answer a review assigned to `assignee` (a person or a group). */
export function mayDecide(person: string, assignee: string | undefined, groups: Record<string, string[]>): boolean {
  if (assignee === undefined || assignee === '') return true;
  const wanted = person.trim().toLowerCase();
  if (assignee.trim().toLowerCase() === wanted) return true;
  const members = groups[assignee] ?? [];
  return members.some((m) => m.trim().toLowerCase() === wanted);
}

/**
 * Checks an answer against the review it answers and turns it into the decision to record:
 * values coerced to the field types, the diff of changed fields, and whether it is final
 * (four-eyes approvals count distinct people). Throws DecisionRefused with plain words.
 */
export function checkDecision(record: ReviewRecord, input: DecisionInput, context: DecisionContext): ReviewDecision {
  const { request } = record;
  const where = `"${request.title || record.nodeId}"`;
  if (record.decided) {
    const d = record.decided;
    throw new DecisionRefused('ALREADY_DECIDED', `${where} was already decided: ${d.outcome} by ${d.by} at ${d.at}.`, 'A decision is final; start a new run if it has to be made again.');
  }
  const by = input.by.trim();
  if (by === '') throw new DecisionRefused('REVIEWER_UNKNOWN', 'A decision needs the name of the person making it.', 'Set your name in Settings, or pass --by <name>.');
  const outcomeIds = request.outcomes.map((o) => o.id);
  const isTimer = by === TIMER_REVIEWER;
  if (input.outcome === TIMEOUT && !isTimer) {
    throw new DecisionRefused('OUTCOME_UNKNOWN', `"${TIMEOUT}" is recorded by the timer when nobody decides in time; a person cannot choose it.`, `Choose one of: ${outcomeIds.join(', ')}.`);
  }
  if (input.outcome !== TIMEOUT && !outcomeIds.includes(input.outcome)) {
    throw new DecisionRefused('OUTCOME_UNKNOWN', `"${input.outcome}" is not an outcome of ${where}.`, `Choose one of: ${outcomeIds.join(', ')}.`);
  }
  if (!isTimer) {
    const assignee = currentAssignee(record);
    if (!mayDecide(by, assignee, context.groups)) {
      throw new DecisionRefused('NOT_YOUR_ITEM', `${where} is assigned to ${assignee}, not to ${by}.`, `Ask ${assignee} to decide it, or change who it is assigned to in the flow.`);
    }
  }
  const comment = input.comment?.trim() ?? '';
  if (request.commentRequiredFor.includes(input.outcome) && comment === '') {
    throw new DecisionRefused('COMMENT_REQUIRED', `"${labelOf(request, input.outcome)}" needs a comment saying why.`, 'Add a comment (--comment "…") and decide again.');
  }
  const approving = input.outcome === APPROVE || input.outcome === EDIT;
  if (approving && request.forbidStarter && context.startedBy !== undefined && sameName(context.startedBy, by)) {
    throw new DecisionRefused('STARTER_MAY_NOT_APPROVE', `${by} started this run, so ${by} may not approve it.`, 'Someone else has to approve it.');
  }
  if (approving && record.decisions.some((d) => sameName(d.by, by))) {
    throw new DecisionRefused('ALREADY_APPROVED_BY_YOU', `${by} already approved ${where}; it needs ${request.approvals} different people.`, 'Ask another person to approve it too.');
  }
  // Edits build on the latest values (a second approver sees the first one's corrections).
  const base = record.decisions.at(-1)?.values ?? request.values;
  const values = { ...base };
  const changes: FieldChange[] = [];
  for (const [name, raw] of Object.entries(input.edits ?? {})) {
    const spec = request.fields.find((f) => f.name === name);
    if (!spec) {
      const names = request.fields.map((f) => f.name);
      throw new DecisionRefused('FIELD_NOT_EDITABLE', `"${name}" is not a field the reviewer may change in ${where}.`, names.length ? `Editable fields: ${names.join(', ')}.` : 'This step has no editable fields.');
    }
    const value = coerceField(spec, raw);
    if (JSON.stringify(value) !== JSON.stringify(base[name])) changes.push({ field: name, from: base[name], to: value });
    values[name] = value;
  }
  if (approving || request.fields.length > 0) {
    for (const spec of request.fields) {
      const v = values[spec.name];
      if (approving && spec.required && (v === undefined || v === null || v === '')) {
        throw new DecisionRefused('FIELD_INVALID', `"${spec.label}" is required before approving.`, `Set it with --set ${spec.name}=<value>.`);
      }
    }
  }
  let outcome = input.outcome;
  if (outcome === APPROVE && changes.length > 0) outcome = EDIT;
  const approvers = new Set(record.decisions.map((d) => d.by.toLowerCase()));
  const final = !approving || approvers.size + 1 >= request.approvals;
  return { outcome, by, at: context.at, ...(comment === '' ? {} : { comment }), changes, values, final };
}

function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function labelOf(request: ReviewRequest, outcome: string): string {
  return request.outcomes.find((o) => o.id === outcome)?.label ?? outcome;
}

/** A value typed in (CLI text, a form) as the field's type; refuses what does not fit. */
export function coerceField(spec: ReviewField, raw: unknown): unknown {
  const bad = (why: string) => new DecisionRefused('FIELD_INVALID', `"${spec.label}" ${why}, not ${JSON.stringify(raw)}.`, 'Correct the value and decide again.');
  if (raw === null || raw === '') {
    if (spec.required) throw bad('is required');
    return null;
  }
  switch (spec.type) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) throw bad('must be a number');
      if (spec.min !== undefined && n < spec.min) throw bad(`must be at least ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) throw bad(`must be at most ${spec.max}`);
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'yes') return true;
      if (raw === 'false' || raw === 'no') return false;
      throw bad('must be true or false');
    }
    case 'date': {
      if (typeof raw !== 'string' || Number.isNaN(Date.parse(raw))) throw bad('must be a date like 2026-03-31');
      return raw;
    }
    case 'choice': {
      const text = String(raw);
      if (!(spec.options ?? []).includes(text)) throw bad(`must be one of ${(spec.options ?? []).join(', ')}`);
      return text;
    }
    case 'text':
      if (typeof raw === 'object') throw bad('must be text');
      return String(raw);
  }
}

/** Plain labels for the built-in outcomes. */
export const OUTCOME_LABELS: Record<string, string> = {
  [APPROVE]: 'Approve',
  [REJECT]: 'Reject',
  [EDIT]: 'Approve with changes',
  [TIMEOUT]: 'Nobody decided in time',
};
