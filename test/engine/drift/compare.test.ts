/** The drift comparison's rules, one by one: each gives its sentence, values that always change give none. */
import { describe, expect, it } from 'vitest';
import { answerBody, compareStep, compareSteps, countChangedALot, labelShares, labelShifts, shapeFindings, shapeOf, type StepObservation } from '../../../engine/drift/compare.ts';

const http = (status: number, body: unknown) => ({ status, statusText: '', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), durationMs: 3 });

function fetchStep(result: unknown, extra: Partial<StepObservation> = {}): StepObservation {
  return { nodeId: 'fetch', name: 'Fetch customer', status: 'succeeded', outputs: { out: [{ status: 200, body: {} }] }, answers: [{ key: '0/http#0', kind: 'http', itemIndex: 0, result }], ...extra };
}

const sentences = (before: StepObservation, after: StepObservation) => compareStep(before, after).map((f) => f.sentence);

describe('drift rules', () => {
  it('the same shape with other values (ids, times, dates) is no drift', () => {
    const before = fetchStep(http(200, { customer: { id: 'c-1', email: 'a@example.com', since: '2025-01-01T00:00:00Z', orders: [{ id: 1 }] } }));
    const after = fetchStep(http(200, { customer: { id: 'c-99', email: 'z@example.org', since: '2026-07-01T10:00:00Z', orders: [{ id: 7 }, { id: 8 }] } }));
    expect(compareStep(before, after)).toEqual([]);
  });

  it('a field that disappeared', () => {
    const before = fetchStep(http(200, { customer: { id: 'c-1', email: 'a@example.com' } }));
    const after = fetchStep(http(200, { customer: { id: 'c-1' } }));
    expect(compareStep(before, after)).toEqual([{ nodeId: 'fetch', stepName: 'Fetch customer', rule: 'field-gone', path: 'customer.email', sentence: '`customer.email` is gone from Fetch customer\'s answer.' }]);
  });

  it('a field that appeared', () => {
    const before = fetchStep(http(200, { customer: { id: 'c-1' } }));
    const after = fetchStep(http(200, { customer: { id: 'c-1', mail: 'a@example.com' } }));
    expect(sentences(before, after)).toEqual(['`customer.mail` is new in Fetch customer\'s answer.']);
  });

  it('a type that changed: text → number, object → list (and nothing more said below it)', () => {
    const before = fetchStep(http(200, { total: '12.50', address: { street: 'Main', city: 'X' } }));
    const after = fetchStep(http(200, { total: 12.5, address: [{ street: 'Main' }] }));
    expect(sentences(before, after)).toEqual(['`address` in Fetch customer\'s answer changed from object to list.', '`total` in Fetch customer\'s answer changed from text to number.']);
  });

  it('a status code that changed, without shape noise from the error page', () => {
    const before = fetchStep(http(200, { customer: { id: 'c-1' } }));
    const after = fetchStep(http(404, { error: 'not found' }));
    expect(sentences(before, after)).toEqual(['Fetch customer\'s answer status changed from 200 to 404.']);
  });

  it('an error where there was none', () => {
    const before = fetchStep(http(200, { ok: true }));
    const after = fetchStep(http(500, { error: 'down' }), { status: 'failed', error: { message: 'GET /customer answered 500', code: 'HTTP_STATUS' }, outputs: {} });
    expect(sentences(before, after)).toEqual(['Fetch customer failed where it succeeded before: GET /customer answered 500', 'Fetch customer\'s answer status changed from 200 to 500.']);
    const noAnswer: StepObservation = { ...before, answers: [{ key: '0/llm#0', kind: 'llm', itemIndex: 0, result: { text: 'x' } }] };
    const failed: StepObservation = { ...before, answers: [{ key: '0/llm#0', kind: 'llm', itemIndex: 0, error: { message: 'The model was removed' } }] };
    expect(sentences(noAnswer, failed)).toEqual(['Fetch customer\'s answer is now an error where there was none: The model was removed']);
  });

  it('items sent to the error path where none went before', () => {
    const before: StepObservation = { nodeId: 'p', name: 'Post', status: 'succeeded', outputs: { out: [{}, {}] }, answers: [] };
    const after: StepObservation = { ...before, outputs: { out: [{}], error: [{ error: {} }] } };
    expect(sentences(before, after)).toEqual(['1 item of Post went to its error path; none did in the reference.']);
  });

  it('the number of items changed a lot (not a little)', () => {
    const step = (n: number): StepObservation => ({ nodeId: 's', name: 'Split orders', status: 'succeeded', outputs: { out: Array.from({ length: n }, (_, i) => ({ i })) }, answers: [] });
    expect(sentences(step(10), step(3))).toEqual(['Split orders put out 3 items where it put out 10 in the reference.']);
    expect(sentences(step(10), step(0))).toEqual(['Split orders put out 0 items where it put out 10 in the reference.']);
    expect(sentences(step(10), step(12))).toEqual([]);
    expect(countChangedALot(1, 2)).toBe(false);
    expect(countChangedALot(2, 5)).toBe(true);
  });

  it('a label distribution that moved past the threshold (AI labels)', () => {
    const items = (labels: string[]) => labels.map((label) => ({ body: 'x', answer: { label, confidence: 0.9 } }));
    const before: StepObservation = { nodeId: 'ai', name: 'Classify', status: 'succeeded', outputs: { out: items(['refund', 'question', 'question', 'question', 'question']) }, answers: [], labelFields: ['label'] };
    const after: StepObservation = { ...before, outputs: { out: items(['refund', 'refund', 'refund', 'question', 'question']) } };
    expect(sentences(before, after)).toEqual(['‘question’ went from 80 % to 40 % of Classify\'s items (label).', '‘refund’ went from 20 % to 60 % of Classify\'s items (label).']);
    const slightly: StepObservation = { ...before, outputs: { out: items(['refund', 'refund', 'question', 'question', 'question']) } };
    // 80 % → 60 % is a move of 20 points: the default threshold (20) counts it, a threshold of 25 does not.
    expect(compareStep(before, slightly).map((f) => f.rule)).toEqual(['labels-moved', 'labels-moved']);
    expect(compareStep(before, slightly, { labelShiftPoints: 25 })).toEqual([]);
  });

  it('the paths items take out of a branching step moved', () => {
    const before: StepObservation = { nodeId: 'sw', name: 'Route', status: 'succeeded', outputs: { urgent: [{}], normal: [{}, {}, {}] }, answers: [] };
    const after: StepObservation = { ...before, outputs: { urgent: [{}, {}, {}], normal: [{}] } };
    expect(sentences(before, after)).toEqual(['Items taking the path “normal” of Route went from 75 % to 25 %.', 'Items taking the path “urgent” of Route went from 25 % to 75 %.']);
  });

  it('masked values are not compared as values or types', () => {
    const before = fetchStep(http(200, { customer: { email: '«masked 1»', phone: '«masked 2»' } }));
    const after = fetchStep(http(200, { customer: { email: 'b@example.com', phone: 4915112345 } }));
    expect(compareStep(before, after)).toEqual([]);
    expect(labelShares([{ label: '«masked 3»' }, { label: 'refund' }], 'label')).toEqual(new Map([['refund', 1]]));
  });

  it('a step that ran before and did not now', () => {
    const before: StepObservation = { nodeId: 'w', name: 'Write CRM', status: 'succeeded', outputs: { out: [{}] }, answers: [] };
    expect(compareSteps([before], []).map((f) => f.sentence)).toEqual(['Write CRM did not run this time; it ran in the reference.']);
  });

  it('output shapes of steps without answers are compared; fields under a gone one are not listed', () => {
    const before: StepObservation = { nodeId: 'set', name: 'Prepare', status: 'succeeded', outputs: { out: [{ customer: { email: 'a', name: 'b' } }] }, answers: [] };
    const after: StepObservation = { ...before, outputs: { out: [{ other: 1 }] } };
    expect(sentences(before, after)).toEqual(['`customer` is gone from Prepare\'s output.', '`other` is new in Prepare\'s output.']);
  });

  it('a field change is said once, where it starts, not again at every step after it', () => {
    const fetch = fetchStep(http(200, { customer: { id: 'c-1', email: 'a' } }));
    const fetchNow = fetchStep(http(200, { customer: { id: 'c-1' } }));
    const prepare: StepObservation = { nodeId: 'set', name: 'Prepare', status: 'succeeded', outputs: { out: [{ customer: { id: 'c-1', email: 'a' }, extra: 1 }] }, answers: [] };
    const prepareNow: StepObservation = { ...prepare, outputs: { out: [{ customer: { id: 'c-1' }, extra: 'x' }] } };
    expect(compareSteps([fetch, prepare], [fetchNow, prepareNow]).map((f) => f.sentence)).toEqual(['`customer.email` is gone from Fetch customer\'s answer.', '`extra` in Prepare\'s output changed from number to text.']);
  });

  it('many changes are cut to a readable list', () => {
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${String(i).padStart(2, '0')}`, i]));
    const found = compareStep(fetchStep(http(200, many)), fetchStep(http(200, {})), { maxPerStep: 5 });
    expect(found).toHaveLength(5);
    expect(found.at(-1)!.sentence).toBe('…and 26 more changes at Fetch customer.');
  });

  it('shapes, label shares and bodies', () => {
    expect([...shapeOf([{ a: [{ b: 1 }, { b: 'x', c: null }] }])].map(([p, t]) => [p, [...t].sort()])).toEqual([
      ['a', ['list']],
      ['a[]', ['object']],
      ['a[].b', ['number', 'text']],
      ['a[].c', []],
    ]);
    expect(shapeFindings(shapeOf([{ a: null }]), shapeOf([{ a: 5 }]), 'X')).toEqual([]);
    expect(labelShifts(new Map([['a', 0.5]]), new Map([['a', 0.5]]))).toEqual([]);
    expect(answerBody(http(200, { a: 1 }))).toEqual({ a: 1 });
    expect(answerBody({ status: 200, headers: {}, body: 'plain text' })).toBe('plain text');
  });
});
