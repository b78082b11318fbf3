/**
 * Review: a person signs off on each item before the flow goes on. The reviewer sees a title and
 * a text built from the item (a table of line items, the AI step's answer and reason), may correct
 * the editable fields, and picks an outcome; each outcome is an output of the step. Items that do
 * not need a person ("review only if") leave on approve at once and are counted as auto-approved.
 *
 * The run pauses durably while items wait (ctx.review records each request in the trace, synced);
 * the step runs again when its items are decided and finds the decisions there, so it finishes
 * when all are decided, with the corrected values. One by one (`emit: "each"`), the engine carries
 * each decided item on at once in a run of its own (the steps after the review run for it while
 * the others wait); here such items are answered `elsewhere` and give nothing out.
 */
import { z } from 'zod';
import {
  APPROVE,
  AwaitingReview,
  EDIT,
  NodeError,
  OUTCOME_LABELS,
  REJECT,
  TIMEOUT,
  defineNode,
  field,
  reviewId,
  type Item,
  type NodeContext,
  type ReviewAnswer,
  type ReviewRequest,
} from '../../engine/model/index.ts';
import { getPath, setPath, testCondition } from '../shared/fields.ts';

const Name = z.string().min(1).max(64).regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'use letters, digits, "_" or "-", starting with a letter');
const RESERVED = new Set([APPROVE, REJECT, EDIT, TIMEOUT, 'error']);
const HOUR_MS = 3_600_000;

const ReviewFieldConfig = z
  .object({
    name: field(z.string().min(1).max(200), { title: 'Field', description: 'The item field the reviewer may correct, e.g. amount or invoice.total.', placeholder: 'amount', widget: 'plain' }),
    label: field(z.string().max(200).default(''), { title: 'Label', description: 'What the reviewer sees next to the field (default: the field name).', placeholder: 'Amount' }),
    type: field(z.enum(['text', 'number', 'boolean', 'date', 'choice']).default('text'), {
      title: 'Type',
      description: 'What kind of value the field holds; a value of another kind is refused.',
      optionLabels: { text: 'Text', number: 'Number', boolean: 'Yes or no', date: 'Date', choice: 'One of a list' },
    }),
    required: field(z.boolean().default(false), { title: 'Required', description: 'On: the item cannot be approved while this field is empty.' }),
    options: field(z.array(z.string().min(1).max(200)).max(100).optional(), { title: 'Choices', description: 'The values a "one of a list" field may take.', widget: 'string-list', showWhen: { field: 'type', is: ['choice'] } }),
    min: field(z.number().optional(), { title: 'Smallest', description: 'The smallest number allowed (optional).', showWhen: { field: 'type', is: ['number'] } }),
    max: field(z.number().optional(), { title: 'Largest', description: 'The largest number allowed (optional).', showWhen: { field: 'type', is: ['number'] } }),
  })
  .strict()
  .refine((f) => f.type !== 'choice' || (f.options?.length ?? 0) > 0, { message: 'A "one of a list" field needs its choices.' });

const Config = z
  .object({
    title: field(z.string().min(1).max(2000).default('Please review this item'), {
      title: 'Title',
      description: 'One line the reviewer sees in the inbox, e.g. Invoice {{ number }} from {{ supplier }}.',
      placeholder: 'Invoice {{ number }} from {{ supplier }}',
    }),
    body: field(z.string().max(50_000).default(''), {
      title: 'Details',
      description: 'What the reviewer reads before deciding, e.g. the customer\'s message: {{ message }}.',
      widget: 'multiline',
    }),
    table: field(z.string().max(10_000).optional(), {
      title: 'Line items',
      description: 'An expression giving a list of rows shown as a table, e.g. lines (each row an object; columns are its fields).',
      placeholder: 'lines',
      widget: 'expression',
      advanced: true,
    }),
    aiAnswer: field(z.string().max(10_000).optional(), {
      title: 'AI answer',
      description: 'An expression giving the AI step\'s answer to show, e.g. $nodes.classify[0].category.',
      placeholder: 'category',
      widget: 'expression',
    }),
    aiReason: field(z.string().max(10_000).optional(), {
      title: 'AI reason',
      description: 'An expression giving the AI step\'s reason or confidence to show, e.g. reason.',
      placeholder: 'reason',
      widget: 'expression',
    }),
    fields: field(z.array(ReviewFieldConfig).max(50).default([]), {
      title: 'Fields the reviewer may correct',
      itemTitle: 'Field',
      description: 'Each field can be changed before approving; the corrected value goes on with the item.',
    }),
    outcomes: field(
      z
        .array(
          z
            .object({
              id: field(Name, { title: 'Output name', description: 'The name of the output items leave through, e.g. escalate.', placeholder: 'escalate', widget: 'plain' }),
              label: field(z.string().max(200).default(''), { title: 'Button', description: 'The words on the reviewer\'s button, e.g. Send to a manager.' }),
            })
            .strict(),
        )
        .max(20)
        .default([])
        .refine((list) => new Set(list.map((o) => o.id)).size === list.length, 'each outcome needs its own name')
        .refine((list) => list.every((o) => !RESERVED.has(o.id)), '"approve", "reject", "edit", "timeout" and "error" are built in'),
      { title: 'More outcomes', itemTitle: 'Outcome', description: 'Choices besides approve and reject; each one is an output of the step.', advanced: true },
    ),
    commentRequiredFor: field(z.array(z.string().min(1)).max(30).default([REJECT]), {
      title: 'Comment required for',
      description: 'Outcomes the reviewer must explain with a comment (reject by default).',
      widget: 'string-list',
      advanced: true,
    }),
    reviewIf: field(z.string().max(10_000).default(''), {
      title: 'Review only if',
      description: 'A condition saying which items need a person, e.g. amount > 1000 or confidence < 0.8. Empty: every item. The others leave on approve at once.',
      placeholder: 'amount > 1000 or confidence < 0.8',
      widget: 'expression',
    }),
    assignee: field(z.string().max(200).default(''), {
      title: 'Assigned to',
      description: 'The person or the named group of reviewers (from Settings) who decides. Empty: anyone.',
      placeholder: 'finance',
    }),
    dueAfterHours: field(z.number().positive().max(24 * 365).optional(), { title: 'Due after (hours)', description: 'How long the reviewer has to decide (optional).', placeholder: '24' }),
    onDue: field(z.enum(['timeout', 'keep-waiting']).default('timeout'), {
      title: 'When nobody decides in time',
      description: 'Leave through the "timeout" output, or keep waiting and show the item as overdue.',
      optionLabels: { timeout: 'Leave through "timeout"', 'keep-waiting': 'Keep waiting' },
      advanced: true,
    }),
    remindAfterHours: field(z.number().positive().max(24 * 365).optional(), { title: 'Remind after (hours)', description: 'When to remind the reviewer once (optional).', advanced: true }),
    escalateAfterHours: field(z.number().positive().max(24 * 365).optional(), { title: 'Escalate after (hours)', description: 'When to hand the item to someone else if still undecided (optional).', advanced: true }),
    escalateTo: field(z.string().max(200).optional(), { title: 'Escalate to', description: 'The person or group who gets the item at the escalation time.', placeholder: 'manager', advanced: true }),
    approvals: field(z.number().int().min(1).max(5).default(1), { title: 'Approvals needed', description: 'How many different people must approve (four-eyes: 2).', advanced: true }),
    forbidStarter: field(z.boolean().default(false), { title: 'Starter may not approve', description: 'On: the person who started the run cannot approve it.', advanced: true }),
    editedGoesTo: field(z.enum([EDIT, APPROVE]).default(EDIT), {
      title: 'Corrected items leave through',
      description: 'Items approved with changes leave through "edit", or through "approve" like the others.',
      optionLabels: { [EDIT]: 'Their own output ("edit")', [APPROVE]: 'The approve output' },
      advanced: true,
    }),
    emit: field(z.enum(['together', 'each']).default('together'), {
      title: 'Items go on',
      description: 'Together once every item is decided, or one by one: each item goes on as soon as it is decided (in a run of its own), while the others still wait.',
      optionLabels: { together: 'Together, when all are decided', each: 'One by one, as each is decided' },
      advanced: true,
    }),
    resultField: field(z.string().min(1).max(64).default('review'), { title: 'Decision field', description: 'The item field the decision is written to (who, when, outcome, comment, changes).', widget: 'plain', advanced: true }),
  })
  .strict()
  .refine((c) => c.escalateAfterHours === undefined || (c.escalateTo ?? '').trim() !== '', { message: 'Say who the item is escalated to ("Escalate to").' });

type ReviewConfig = z.infer<typeof Config>;

function outputsOf(config: ReviewConfig): string[] {
  return [APPROVE, ...(config.editedGoesTo === EDIT ? [EDIT] : []), REJECT, ...config.outcomes.map((o) => o.id), ...(config.dueAfterHours !== undefined && config.onDue === 'timeout' ? [TIMEOUT] : [])];
}

function bare(expression: string): string {
  const trimmed = expression.trim();
  return trimmed.startsWith('{{') && trimmed.endsWith('}}') ? trimmed.slice(2, -2) : trimmed;
}

async function buildRequest(ctx: NodeContext, config: ReviewConfig, item: Item, index: number): Promise<ReviewRequest> {
  const text = async (template: string) => {
    const value = await ctx.evaluate(template, index);
    return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  };
  const request: ReviewRequest = {
    title: (await text(config.title)).slice(0, 500),
    body: await text(config.body),
    fields: config.fields.map((f) => ({ name: f.name, label: f.label || f.name, type: f.type, required: f.required, ...(f.options ? { options: f.options } : {}), ...(f.min === undefined ? {} : { min: f.min }), ...(f.max === undefined ? {} : { max: f.max }) })),
    values: Object.fromEntries(config.fields.map((f) => [f.name, getPath(item, f.name) ?? null])),
    outcomes: [APPROVE, REJECT].map((id) => ({ id, label: OUTCOME_LABELS[id]! })).concat(config.outcomes.map((o) => ({ id: o.id, label: o.label || o.id }))),
    commentRequiredFor: config.commentRequiredFor,
    onDue: config.onDue,
    approvals: config.approvals,
    forbidStarter: config.forbidStarter,
    ...(config.emit === 'each' ? { emit: 'each' as const } : {}),
  };
  if (config.fields.length > 0) request.outcomes.splice(1, 0, { id: EDIT, label: OUTCOME_LABELS[EDIT]! });
  if (config.table?.trim()) {
    const rows = await ctx.evaluateExpression(bare(config.table), index);
    const list = rows === undefined ? [] : Array.isArray(rows) ? rows : [rows];
    request.table = list.map((row) => (row !== null && typeof row === 'object' && !Array.isArray(row) ? (row as Record<string, unknown>) : { value: row }));
  }
  if (config.aiAnswer?.trim()) {
    request.ai = { answer: (await ctx.evaluateExpression(bare(config.aiAnswer), index)) ?? null };
    if (config.aiReason?.trim()) request.ai.reason = (await ctx.evaluateExpression(bare(config.aiReason), index)) ?? null;
  }
  const assignee = config.assignee.trim() === '' ? '' : (await text(config.assignee)).trim();
  if (assignee !== '') request.assignee = assignee;
  const deadlines = config.dueAfterHours ?? config.remindAfterHours ?? config.escalateAfterHours;
  if (deadlines !== undefined) {
    // The request time is recorded, so the deadlines are the same after a restart.
    const now = await ctx.now(index);
    const at = (hours: number) => new Date(now + hours * HOUR_MS).toISOString();
    if (config.dueAfterHours !== undefined) request.dueAt = at(config.dueAfterHours);
    if (config.remindAfterHours !== undefined) request.remindAt = at(config.remindAfterHours);
    if (config.escalateAfterHours !== undefined && config.escalateTo) {
      request.escalateAt = at(config.escalateAfterHours);
      request.escalateTo = config.escalateTo.trim();
    }
  }
  return request;
}

/** The item as it leaves: corrected fields written back, the decision beside it. */
function decidedItem(item: Item, answer: ReviewAnswer, config: ReviewConfig): Item {
  const out: Item = { ...item };
  for (const change of answer.changes) setPath(out, change.field, change.to);
  setPath(out, config.resultField, {
    outcome: answer.outcome,
    by: answer.by,
    at: answer.at,
    ...(answer.comment === undefined ? {} : { comment: answer.comment }),
    changes: answer.changes,
    ...(answer.auto ? { auto: true } : {}),
  });
  return out;
}

export default defineNode({
  type: 'human.review',
  version: 1,
  title: 'Review',
  category: 'review',
  icon: 'user-check',
  description: 'A person checks each item, may correct fields, and approves or rejects it before the flow goes on. The run waits, even across restarts.',
  config: Config,
  inputs: ['in'],
  outputs: outputsOf,
  effects: 'pure',
  /** What the reviewer would see for one item (the inspector's live preview); no review is asked. */
  async preview({ config, evaluate }) {
    return { title: await evaluate(config.title), body: await evaluate(config.body) };
  },
  async run({ items, config, ctx }) {
    const out: Record<string, Item[]> = Object.fromEntries(outputsOf(config).map((p) => [p, [] as Item[]]));
    const waiting: number[] = [];
    let firstTitle = '';
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const needsPerson = config.reviewIf.trim() === '' || (await testCondition(ctx, config.reviewIf, i));
      let answer: ReviewAnswer | undefined;
      if (needsPerson) {
        const request = await buildRequest(ctx, config, item, i);
        firstTitle ||= request.title;
        answer = await ctx.review(i, { request, item });
      } else {
        answer = await ctx.review(i, { auto: true, ...(config.emit === 'each' ? { emit: 'each' as const } : {}) });
      }
      if (!answer) {
        waiting.push(i);
        continue;
      }
      if (answer.elsewhere) continue; // one by one: it went on in a run of its own
      const port = answer.outcome === EDIT && config.editedGoesTo === APPROVE ? APPROVE : answer.outcome;
      const target = out[port];
      if (!target) {
        throw new NodeError({ message: `A decision for item ${i + 1} chose "${answer.outcome}", which is no longer an output of this step.`, code: 'REVIEW_OUTCOME_GONE', retryable: false, hint: 'Add the outcome back to the step, or re-run from this step.' });
      }
      target.push(decidedItem(item, answer, config));
    }
    if (waiting.length > 0) throw new AwaitingReview(ctx.nodeId, waiting.map((i) => reviewId(ctx.runId, ctx.nodeId, i)), firstTitle);
    return out;
  },
});
