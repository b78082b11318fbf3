/** The inbox screen's pure parts: filters, order by due, the next item after a decision, typed field edits and the keys. */
import { describe, expect, it } from 'vitest';
import type { InboxItem } from '../../engine/model/contract.ts';
import type { ReviewField } from '../../engine/model/review.ts';
import { checkEdits, draftOf } from '../../renderer/inbox/field-values.ts';
import { NO_FILTERS, assigneesOf, describeDue, filterInbox, nextAfter, sortByDue } from '../../renderer/inbox/inbox-filters.ts';
import { inboxKeyAction, type KeyPress } from '../../renderer/inbox/inbox-keys.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 60 * 60_000;

function item(id: string, extra: Partial<InboxItem> = {}): InboxItem {
  return {
    id,
    runId: `run-${id}`,
    flowId: 'invoices',
    flowName: 'Invoices',
    nodeId: 'check',
    stepName: 'Check',
    itemIndex: 0,
    title: id,
    createdAt: new Date(NOW - HOUR).toISOString(),
    outcomes: ['approve', 'reject'],
    overdue: false,
    approvals: { needed: 1, given: [] },
    ...extra,
  };
}

const items = [
  item('late', { dueAt: new Date(NOW - HOUR).toISOString(), overdue: true, assignee: 'Dana' }),
  item('soon', { dueAt: new Date(NOW + 2 * HOUR).toISOString(), assignee: 'finance', flowId: 'refunds', flowName: 'Refunds' }),
  item('later', { dueAt: new Date(NOW + 3 * 24 * HOUR).toISOString(), assignee: 'Ben' }),
  item('open', { createdAt: new Date(NOW - 8 * 24 * HOUR).toISOString() }),
];
const ctx = { now: NOW, me: 'Dana', groups: { finance: ['Dana', 'Eve'] } };
const ids = (list: InboxItem[]) => list.map((i) => i.id);

describe('inbox filters and order', () => {
  it('filters by flow, by who it is for, by due time and by age', () => {
    expect(ids(filterInbox(items, { ...NO_FILTERS, flowId: 'refunds' }, ctx))).toEqual(['soon']);
    expect(ids(filterInbox(items, { ...NO_FILTERS, assignee: 'mine' }, ctx))).toEqual(['late', 'soon', 'open']);
    expect(ids(filterInbox(items, { ...NO_FILTERS, assignee: 'anyone' }, ctx))).toEqual(['open']);
    expect(ids(filterInbox(items, { ...NO_FILTERS, assignee: { name: 'ben' } }, ctx))).toEqual(['later']);
    expect(ids(filterInbox(items, { ...NO_FILTERS, due: 'overdue' }, ctx))).toEqual(['late']);
    expect(ids(filterInbox(items, { ...NO_FILTERS, due: 'week' }, ctx))).toEqual(['late', 'soon', 'later']);
    expect(ids(filterInbox(items, { ...NO_FILTERS, due: 'none' }, ctx))).toEqual(['open']);
    expect(ids(filterInbox(items, { ...NO_FILTERS, age: 'week' }, ctx))).toEqual(['open']);
    expect(ids(filterInbox(items, { ...NO_FILTERS, assignee: 'mine' }, { now: NOW, me: 'Zoe', myGroup: 'finance' }))).toEqual(['soon', 'open']);
  });

  it('sorts soonest due first, undated last and oldest first among them; picks the next item after a decision', () => {
    expect(ids(sortByDue([...items].reverse()))).toEqual(['late', 'soon', 'later', 'open']);
    expect(nextAfter(items, 'soon')).toBe('later');
    expect(nextAfter(items, 'open')).toBe('later');
    expect(nextAfter([items[0]!], 'late')).toBeUndefined();
    expect(assigneesOf(items)).toEqual(['Ben', 'Dana', 'finance']);
  });

  it('says how pressing an item is', () => {
    expect(describeDue(new Date(NOW - 2 * HOUR).toISOString(), NOW)).toEqual({ text: '2 h overdue', overdue: true });
    expect(describeDue(new Date(NOW + 30 * 60_000).toISOString(), NOW)).toEqual({ text: 'due in 30 min', overdue: false });
    expect(describeDue(undefined, NOW)).toBeUndefined();
  });
});

describe('field edits', () => {
  const fields: ReviewField[] = [
    { name: 'amount', label: 'Amount', type: 'number', required: true, min: 0 },
    { name: 'paid', label: 'Paid', type: 'boolean', required: false },
    { name: 'kind', label: 'Kind', type: 'choice', required: false, options: ['office', 'travel'] },
  ];
  const values = { amount: 120, paid: false, kind: 'office' };
  const drafts = Object.fromEntries(fields.map((f) => [f.name, draftOf(f, values[f.name as keyof typeof values])]));

  it('sends only real changes, typed', () => {
    expect(checkEdits(fields, values, drafts)).toEqual({ edits: {}, errors: {} });
    expect(checkEdits(fields, values, { ...drafts, amount: '99.5', paid: true })).toEqual({ edits: { amount: 99.5, paid: true }, errors: {} });
    expect(checkEdits(fields, values, { ...drafts, amount: '120.0' })).toEqual({ edits: {}, errors: {} });
  });

  it('explains a value that does not fit, beside its field', () => {
    expect(checkEdits(fields, values, { ...drafts, amount: 'abc' }).errors).toEqual({ amount: '"Amount" must be a number.' });
    expect(checkEdits(fields, values, { ...drafts, amount: '-1' }).errors).toEqual({ amount: '"Amount" must be at least 0.' });
    expect(checkEdits(fields, values, { ...drafts, amount: '' }).errors).toEqual({ amount: '"Amount" is required.' });
    expect(checkEdits(fields, values, { ...drafts, kind: 'food' }).errors.kind).toMatch(/must be one of office, travel/);
  });
});

describe('inbox keys', () => {
  const key = (k: string, target: unknown = null, mods: Partial<KeyPress> = {}) => inboxKeyAction({ key: k, ctrlKey: false, metaKey: false, altKey: false, target, ...mods });
  const element = (matches: boolean) => ({ isContentEditable: false, closest: () => (matches ? {} : null) });

  it('maps A, R, J and K, but never while typing or with a modifier', () => {
    expect(key('a')).toBe('approve');
    expect(key('R')).toBe('reject');
    expect(key('j')).toBe('next');
    expect(key('k')).toBe('previous');
    expect(key('x')).toBeUndefined();
    expect(key('a', element(true))).toBeUndefined();
    expect(key('a', element(false))).toBe('approve');
    expect(key('a', null, { ctrlKey: true })).toBeUndefined();
  });
});
