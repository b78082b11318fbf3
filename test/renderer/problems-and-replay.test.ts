import { describe, expect, it } from 'vitest';
import { choiceExplanation, choiceLabel, isRiskyChoice, orderChoices } from '../../renderer/logic/attention.ts';
import { collectValues, credentialIdProblem, credentialTypeTitle } from '../../engine/model/credential-types.ts';
import { toErrorView } from '../../renderer/logic/errors.ts';
import { describeProblemPath, describeProblems, flowForNames, problemCount } from '../../renderer/logic/problems.ts';
import { describeReplay } from '../../renderer/logic/replay.ts';
import { ApiError } from '../../engine/model/contract.ts';

const flowText = JSON.stringify({ nodes: [{ id: 'a', name: 'Fetch invoices' }, { id: 'b' }], edges: [{ source: 'a', target: 'b' }] });

describe('problems', () => {
  it('names where a problem is: the node by name, then the setting', () => {
    const flow = flowForNames(flowText);
    expect(describeProblemPath('nodes[0].config.url', flow)).toBe('Node “Fetch invoices”, config.url');
    expect(describeProblemPath('nodes[1]', flow)).toBe('Node “b”');
    expect(describeProblemPath('nodes[7].type', flow)).toBe('Node 8, type');
    expect(describeProblemPath('edges[0].target', flow)).toBe('Connection a → b, target');
    expect(describeProblemPath('edges[3]', flow)).toBe('Connection 4');
    expect(describeProblemPath('$', flow)).toBe('The whole file');
    expect(describeProblemPath('settings.concurrency')).toBe('Setting settings.concurrency');
    expect(flowForNames('{ broken')).toBeUndefined();
  });

  it('lists errors before warnings and counts them', () => {
    const problems = [
      { path: 'nodes', message: 'No trigger.', severity: 'warning' as const },
      { path: 'nodes[0].type', message: 'Unknown type.', severity: 'error' as const },
    ];
    expect(describeProblems(problems).map((p) => p.message)).toEqual(['Unknown type.', 'No trigger.']);
    expect(problemCount(problems)).toBe('1 problem, 1 warning');
    expect(problemCount([{ path: '$', message: 'x' }, { path: '$', message: 'y' }])).toBe('2 problems');
  });
});

describe('errors', () => {
  it('keeps message, hint and problems of an ApiError, and never a stack', () => {
    const error = new ApiError({ code: 'FLOW_INVALID', message: 'The flow has problems.', hint: 'Fix them.', problems: [{ path: 'nodes[0]', message: 'x', severity: 'error' }] });
    expect(toErrorView(error)).toEqual({ code: 'FLOW_INVALID', message: 'The flow has problems.', hint: 'Fix them.', problems: [{ path: 'nodes[0]', message: 'x', severity: 'error' }] });
    expect(toErrorView(new Error('Boom\n    at x (y.js:1:1)'))).toEqual({ code: 'INTERNAL', message: 'Boom' });
    expect(toErrorView(undefined)).toEqual({ code: 'INTERNAL', message: 'Something went wrong.' });
  });
});

describe('the "did it go out?" choices', () => {
  it('has plain labels, explanations, and the safest first', () => {
    expect(choiceLabel('send-again')).toBe('Send it again');
    expect(choiceLabel('skip-item')).toBe('Skip this item');
    expect(choiceLabel('cancel')).toBe('Cancel the run');
    expect(choiceLabel('ask-later')).toBe('ask later');
    expect(choiceExplanation('send-again')).toMatch(/twice/);
    expect(isRiskyChoice('send-again')).toBe(true);
    expect(isRiskyChoice('skip-item')).toBe(false);
    expect(orderChoices(['send-again', 'skip-item', 'cancel'])).toEqual(['skip-item', 'send-again', 'cancel']);
  });
});

describe('replay report', () => {
  it('says identical, or which steps differ and how', () => {
    expect(describeReplay({ runId: 'r', flowId: 'f', identical: true, nodes: [{ nodeId: 'a', name: 'A', recordedStatus: 'succeeded', replayedStatus: 'succeeded', identical: true, changes: [] }] })).toEqual({
      identical: true,
      headline: 'Identical: replaying this run offline reproduced every step’s output exactly (1 step).',
      nodes: [],
    });
    const view = describeReplay({
      runId: 'r',
      flowId: 'f',
      identical: false,
      note: 'Replayed with a changed flow.',
      nodes: [
        { nodeId: 'a', name: 'A', recordedStatus: 'succeeded', replayedStatus: 'succeeded', identical: true, changes: [] },
        { nodeId: 'b', name: 'Approve', recordedStatus: 'succeeded', replayedStatus: 'failed', identical: false, changes: [{ path: 'out[0].amount', recorded: 10, replayed: 12 }], replayError: 'No recording.' },
      ],
    });
    expect(view.headline).toBe('Different: 1 of 2 steps came out differently when replayed offline.');
    expect(view.note).toBe('Replayed with a changed flow.');
    expect(view.nodes).toEqual([{ nodeId: 'b', name: 'Approve', statusChange: 'Done → Failed', changes: [{ path: 'out[0].amount', recorded: '10', replayed: '12' }], problem: 'No recording.' }]);
  });
});

describe('credential form', () => {
  it('checks names like the API does', () => {
    expect(credentialIdProblem('shop-api')).toBeUndefined();
    expect(credentialIdProblem('')).toMatch(/Give the credential a name/);
    expect(credentialIdProblem('shop api')).toMatch(/no spaces/);
    expect(credentialIdProblem('-x')).toMatch(/starting with a letter/);
    expect(credentialTypeTitle('http.basic')).toBe('Web API user name and password');
    expect(credentialTypeTitle('custom.kind')).toBe('custom.kind');
  });

  it('collects values, skipping blank optional fields and refusing blank required ones', () => {
    const fields = [
      { name: 'apiKey', label: 'API key' },
      { name: 'baseUrl', label: 'Address', optional: true },
    ];
    expect(collectValues(fields, { apiKey: 'k', baseUrl: '' })).toEqual({ ok: true, values: { apiKey: 'k' } });
    expect(collectValues(fields, { baseUrl: 'x' })).toEqual({ ok: false, message: 'Fill in “API key”.' });
    expect(collectValues([{ name: ' ', label: '' }], {})).toEqual({ ok: false, message: 'A credential needs at least one value.' });
  });
});
