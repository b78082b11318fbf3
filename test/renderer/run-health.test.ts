import { describe, expect, it } from 'vitest';
import { runItemFailures, stepItemFailures } from '../../engine/model/item-failures.ts';
import { describeRun, describeStep, detailFailedSteps, failedItemsNote } from '../../renderer/logic/run-health.ts';

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 9, 0, 0, ms)).toISOString();
const errorItem = (i: number) => ({ error: { message: 'no', code: 'NETWORK', retryable: true }, itemIndex: i });

describe('item failures', () => {
  it('counts the error port against everything the step handled', () => {
    expect(stepItemFailures('sort', { out: [], error: [errorItem(0), errorItem(1), errorItem(2), errorItem(3)] })).toEqual({ nodeId: 'sort', failed: 4, total: 4 });
    expect(stepItemFailures('sort', { out: [{}, {}], error: [errorItem(2)] })).toEqual({ nodeId: 'sort', failed: 1, total: 3 });
    expect(stepItemFailures('sort', { out: [{}], error: [] })).toBeUndefined();
    // Stored aside: unknown is not zero, so nothing is claimed.
    expect(stepItemFailures('sort', { out: [], error: { $blob: 'ab', bytes: 10 } })).toBeUndefined();
    expect(stepItemFailures('sort', undefined)).toBeUndefined();
  });

  it('lists failing steps in flow order and sums them', () => {
    const nodes = { b: { outputs: { error: [errorItem(0)] } }, a: { outputs: { out: [{}], error: [errorItem(1)] } }, c: { outputs: { out: [{}] } } };
    expect(runItemFailures(nodes, ['a', 'b', 'c'])).toEqual({ failed: 2, steps: [{ nodeId: 'a', failed: 1, total: 2 }, { nodeId: 'b', failed: 1, total: 1 }] });
    expect(runItemFailures({ c: nodes.c })).toBeUndefined();
  });
});

describe('a step at a glance', () => {
  it('shows a step whose items all failed as done with failures, in the warning colour', () => {
    const look = describeStep('sort', { status: 'succeeded', attempt: 1, outputs: { out: [], error: [errorItem(0), errorItem(1), errorItem(2), errorItem(3)] }, startedAt: at(0), finishedAt: at(20) }, 'succeeded');
    expect(look).toMatchObject({ label: 'Done · 4 of 4 items failed', tone: 'warning', state: 'done-with-failures' });
    expect(look.facts).toEqual(['error: 4 items', '20 ms']);
  });

  it('shows a whole-step failure sent along the error path as done with failures', () => {
    const look = describeStep('sort', { status: 'failed', attempt: 1, routedToErrorPort: true, error: { code: 'NETWORK', message: 'down' }, outputs: { error: [errorItem(0)] } }, 'succeeded');
    expect(look).toMatchObject({ label: 'Done · 1 of 1 item failed', tone: 'warning' });
  });

  it('keeps a plain done and a real failure as they are', () => {
    expect(describeStep('a', { status: 'succeeded', attempt: 1, outputs: { out: [{}] } }, 'succeeded')).toMatchObject({ label: 'Done', tone: 'success', facts: ['1 item'] });
    expect(describeStep('a', { status: 'failed', attempt: 2, error: { code: 'HTTP_STATUS', message: '503' }, startedAt: at(0), finishedAt: at(4600) }, 'failed')).toMatchObject({ label: 'Failed', tone: 'danger', facts: ['4.6 s', 'attempt 2'] });
  });

  it('never says Running while the run waits for a decision, is paused or has ended', () => {
    const running = { status: 'running', attempt: 1, startedAt: at(0) };
    expect(describeStep('a', running, 'running')).toMatchObject({ label: 'Running', state: 'running' });
    expect(describeStep('a', running, 'needs-attention')).toMatchObject({ label: 'Waiting for your decision', tone: 'warning', state: 'waiting' });
    expect(describeStep('a', running, 'paused')).toMatchObject({ label: 'Paused' });
    expect(describeStep('a', running, 'cancelled')).toMatchObject({ label: 'Stopped', tone: 'neutral', state: 'stopped' });
    expect(describeStep('a', { ...running, status: 'retrying' }, 'failed')).toMatchObject({ label: 'Stopped' });
  });

  it('shows a cancelled step as stopped, not failed, without a dangling duration', () => {
    const look = describeStep('a', { status: 'failed', attempt: 1, error: { code: 'CANCELLED', message: 'The run was cancelled.' }, startedAt: at(0), finishedAt: at(4600) }, 'cancelled');
    expect(look).toMatchObject({ label: 'Stopped', tone: 'neutral', state: 'stopped', facts: ['stopped after 4.6 s'] });
    for (const fact of look.facts) expect(fact).not.toMatch(/^\s*·|·\s*$/);
  });

  it('says why a step did not run', () => {
    expect(describeStep('a', undefined, 'succeeded')).toMatchObject({ label: 'Not run', facts: ['did not run'] });
    expect(describeStep('a', undefined, 'running')).toMatchObject({ label: 'Waiting' });
    expect(describeStep('a', undefined, 'needs-attention')).toMatchObject({ label: 'Not run yet', facts: ['runs after the decision'] });
    expect(describeStep('a', { status: 'skipped', attempt: 0 }, 'succeeded')).toMatchObject({ label: 'Skipped', facts: ['nothing reached it'] });
  });
});

describe('a run at a glance', () => {
  it('is not a plain success when items failed', () => {
    const look = describeRun('succeeded', [{ nodeId: 'sort', name: 'Classify email', failed: 4, total: 4 }]);
    expect(look).toEqual({ label: 'Succeeded with failed items', tone: 'warning', note: '4 of 4 items failed at “Classify email”.' });
    expect(describeRun('succeeded', [])).toEqual({ label: 'Succeeded', tone: 'success' });
    expect(describeRun('succeeded', undefined)).toEqual({ label: 'Succeeded', tone: 'success' });
    expect(describeRun('needs-attention', undefined)).toEqual({ label: 'Needs your decision', tone: 'warning' });
  });

  it('names at most two steps', () => {
    const steps = [1, 2, 3, 4].map((n) => ({ nodeId: `s${n}`, name: `Step ${n}`, failed: n, total: 10 }));
    expect(failedItemsNote(steps)).toBe('1 of 10 items failed at “Step 1”; 2 of 10 items failed at “Step 2” and at 2 more steps.');
  });

  it('names the failed steps of a run detail in flow order', () => {
    const names = new Map([['a', 'Fetch'], ['b', 'Classify']]);
    expect(detailFailedSteps({ b: { outputs: { error: [errorItem(0)] } }, a: { outputs: { out: [{}] } } }, names)).toEqual([{ nodeId: 'b', name: 'Classify', failed: 1, total: 1 }]);
  });
});
