/**
 * The review step on the engine: the run pauses at review (durably), a decision resumes it on the
 * matching port with corrected values, "review only if" lets items through as auto-approved, and
 * refused decisions (second, foreign, missing comment, bad value) leave the trace as it was.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DecisionRefused, Redactor, reduceRun, type RunEvent } from '../../../engine/index.ts';
import { makeFlow, testEngine } from '../../helpers/engine.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(reviewConfig: Record<string, unknown> = {}, engineOptions: Parameters<typeof testEngine>[0] = {}) {
  const t = await testEngine(engineOptions);
  cleanups.push(t.cleanup);
  const flow = makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'check', type: 'human.review', config: { title: 'Invoice {{ number }}', body: 'From {{ supplier }}', fields: [{ name: 'amount', type: 'number', label: 'Amount', min: 0 }], aiAnswer: 'category', ...reviewConfig } },
      { id: 'paid', type: 'transform.set', config: { fields: [{ name: 'paid', value: true }] } },
      { id: 'fixed', type: 'transform.set', config: { fields: [{ name: 'fixed', value: true }] } },
      { id: 'refused', type: 'transform.set', config: { fields: [{ name: 'refused', value: true }] } },
    ],
    ['start -> check', 'check.approve -> paid', 'check.edit -> fixed', 'check.reject -> refused'],
  );
  return { ...t, flow };
}

const events = async (store: { load(id: string): Promise<{ events: RunEvent[] }> }, runId: string) => (await store.load(runId)).events;

describe('human.review', () => {
  it('pauses durably, and an edit-and-approve resumes on "edit" with the corrected value', async () => {
    const { engine, store, flow } = await setup();
    const paused = await engine.startRun(flow, { input: { number: 'A-1', supplier: 'ACME', amount: 120, category: 'office' }, startedBy: 'alice' });
    expect(paused.status).toBe('paused');
    expect(paused.pause?.kind).toBe('review');
    const trace = await store.load(paused.runId);
    const state = reduceRun(trace.header, trace.events);
    expect(state.status).toBe('paused');
    const [review] = [...state.reviews.values()];
    expect(review!.request).toMatchObject({ title: 'Invoice A-1', body: 'From ACME', values: { amount: 120 }, ai: { answer: 'office' } });
    expect(review!.request.outcomes.map((o) => o.id)).toEqual(['approve', 'edit', 'reject']);

    const done = await engine.answerReview(paused.runId, { kind: 'decision', requestId: review!.requestId, outcome: 'approve', by: 'bob', edits: { amount: '99.5' } });
    expect(done.status).toBe('succeeded');
    expect(done.decision).toMatchObject({ outcome: 'edit', by: 'bob', changes: [{ field: 'amount', from: 120, to: 99.5 }] });
    expect(done.outputs.fixed?.out?.[0]).toMatchObject({ amount: 99.5, fixed: true, review: { outcome: 'edit', by: 'bob' } });
    const all = await events(store, paused.runId);
    // The trigger ran once: before the pause only.
    expect(all.filter((e) => e.type === 'node.succeeded' && e.nodeId === 'start')).toHaveLength(1);
    expect(all.filter((e) => e.type === 'review.decided')).toHaveLength(1);
  });

  it('refuses a reject without comment, a bad value, a foreign reviewer and a second decision', async () => {
    const { engine, store, flow } = await setup({ assignee: 'carol' });
    const paused = await engine.startRun(flow, { input: { number: 'A-2', supplier: 'ACME', amount: 5 } });
    const requestId = paused.pause!.requests![0]!;
    const refuse = (input: { outcome: string; by: string; comment?: string; edits?: Record<string, unknown> }) =>
      engine.answerReview(paused.runId, { kind: 'decision', requestId, ...input }).then(
        () => 'accepted',
        (e: unknown) => (e instanceof DecisionRefused ? e.code : String(e)),
      );
    expect(await refuse({ outcome: 'reject', by: 'carol' })).toBe('COMMENT_REQUIRED');
    expect(await refuse({ outcome: 'approve', by: 'carol', edits: { amount: 'lots' } })).toBe('FIELD_INVALID');
    expect(await refuse({ outcome: 'approve', by: 'carol', edits: { amount: -1 } })).toBe('FIELD_INVALID');
    expect(await refuse({ outcome: 'approve', by: 'dave' })).toBe('NOT_YOUR_ITEM');
    expect(await refuse({ outcome: 'timeout', by: 'carol' })).toBe('OUTCOME_UNKNOWN');
    expect(await refuse({ outcome: 'maybe', by: 'carol' })).toBe('OUTCOME_UNKNOWN');
    expect((await events(store, paused.runId)).filter((e) => e.type === 'review.decided')).toHaveLength(0);
    const rejected = await engine.answerReview(paused.runId, { kind: 'decision', requestId, outcome: 'reject', by: 'Carol', comment: 'not ours' });
    expect(rejected.status).toBe('succeeded');
    expect(rejected.outputs.refused?.out?.[0]).toMatchObject({ refused: true, review: { outcome: 'reject', comment: 'not ours' } });
    expect(await refuse({ outcome: 'approve', by: 'carol' })).toBe('RUN_FINISHED');
  });

  it('"review only if" sends the others straight to approve, counted as auto-approved; a batch finishes when all are decided', async () => {
    const { engine, store, flow } = await setup({ reviewIf: 'amount > 100' });
    const paused = await engine.startRun(flow, { input: [{ number: 'S', amount: 10 }, { number: 'B1', amount: 500 }, { number: 'B2', amount: 900 }] });
    expect(paused.status).toBe('paused');
    expect(paused.pause!.requests).toEqual([`${paused.runId}:check:1`, `${paused.runId}:check:2`]);
    const first = await engine.answerReview(paused.runId, { kind: 'decision', requestId: `${paused.runId}:check:2`, outcome: 'reject', by: 'bob', comment: 'too much' });
    expect(first.status).toBe('paused');
    expect(first.pause?.requests).toEqual([`${paused.runId}:check:1`]);
    const second = await engine.answerReview(paused.runId, { kind: 'decision', requestId: `${paused.runId}:check:1`, outcome: 'approve', by: 'bob' });
    expect(second.status).toBe('succeeded');
    expect(second.outputs.paid?.out?.map((i) => i.number)).toEqual(['S', 'B1']);
    expect(second.outputs.paid?.out?.[0]).toMatchObject({ review: { outcome: 'approve', by: 'auto', auto: true } });
    expect(second.outputs.refused?.out?.map((i) => i.number)).toEqual(['B2']);
    const all = await events(store, paused.runId);
    expect(all.filter((e) => e.type === 'review.auto-approved')).toHaveLength(1);
    expect(all.filter((e) => e.type === 'review.requested')).toHaveLength(2);
  });

  it('a decision recorded just before a crash is carried out by the next start (resumeAll)', async () => {
    const { engine, store, flow } = await setup();
    const paused = await engine.startRun(flow, { input: { number: 'K', amount: 7 } });
    const requestId = paused.pause!.requests![0]!;
    // The process wrote the decision, then died before continuing the run.
    const { sink } = await store.reopen(paused.runId, { durability: 'durable', redactor: new Redactor() });
    await sink.appendDurable({ type: 'review.decided', requestId, nodeId: 'check', itemIndex: 0, outcome: 'approve', by: 'bob', changes: [], values: { amount: 7 }, final: true });
    await sink.close();
    const trace = await store.load(paused.runId);
    expect(reduceRun(trace.header, trace.events).status).toBe('running');
    const { resumed } = await engine.resumeAll();
    expect(resumed.map((o) => [o.runId, o.status])).toEqual([[paused.runId, 'succeeded']]);
    expect(resumed[0]!.outputs.paid?.out?.[0]).toMatchObject({ paid: true, review: { outcome: 'approve', by: 'bob' } });
  });

  it('four-eyes: two different people must approve, and the starter may not', async () => {
    const { engine, flow } = await setup({ approvals: 2, forbidStarter: true });
    const paused = await engine.startRun(flow, { input: { number: 'F', amount: 1 }, startedBy: 'alice' });
    const requestId = paused.pause!.requests![0]!;
    await expect(engine.answerReview(paused.runId, { kind: 'decision', requestId, outcome: 'approve', by: 'alice' })).rejects.toMatchObject({ code: 'STARTER_MAY_NOT_APPROVE' });
    const one = await engine.answerReview(paused.runId, { kind: 'decision', requestId, outcome: 'approve', by: 'bob' });
    expect(one.status).toBe('paused');
    await expect(engine.answerReview(paused.runId, { kind: 'decision', requestId, outcome: 'approve', by: 'BOB' })).rejects.toMatchObject({ code: 'ALREADY_APPROVED_BY_YOU' });
    const two = await engine.answerReview(paused.runId, { kind: 'decision', requestId, outcome: 'approve', by: 'carol' });
    expect(two.status).toBe('succeeded');
    expect(two.outputs.paid?.out?.[0]).toMatchObject({ review: { by: 'carol' } });
  });
});
