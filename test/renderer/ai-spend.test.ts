import { describe, expect, it } from 'vitest';
import { describeFlowSpend, describeRunSpend, describeStepSpend, formatTokens, formatUsd, spendMoney, spendNotes, type SpendSummary } from '../../renderer/logic/ai-spend.ts';

const summary = (extra: Partial<SpendSummary> = {}): SpendSummary => ({ calls: 2, promptTokens: 2400, completionTokens: 600, costUsd: 0.004, unpricedModels: [], cachedCalls: 0, ...extra });

describe('money and tokens', () => {
  it('shows dollars so a cheap call does not read as free', () => {
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.004)).toBe('$0.004');
    expect(formatUsd(0.00036)).toBe('$0.00036');
    expect(formatUsd(0.000_027_4)).toBe('$0.000027');
    expect(formatUsd(0.0123)).toBe('$0.012');
    expect(formatUsd(0.0999)).toBe('$0.10');
    expect(formatUsd(0.125)).toBe('$0.13');
    expect(formatUsd(0.999)).toBe('$1.00');
    expect(formatUsd(1.5)).toBe('$1.50');
    expect(formatUsd(1204.5)).toBe('$1,204.50');
    expect(formatUsd(0.000_000_3)).toBe('under $0.000001');
    expect(formatUsd(Number.NaN)).toBe('$0');
    expect(formatUsd(-1)).toBe('$0');
  });

  it('counts tokens with separators', () => {
    expect(formatTokens(3000)).toBe('3,000 tokens');
    expect(formatTokens(1)).toBe('1 token');
  });

  it('says "cost unknown" rather than $0 when nothing could be priced', () => {
    expect(spendMoney(summary({ costUsd: 0, unpricedModels: ['llama3.1:8b'] }))).toBe('cost unknown');
    expect(spendMoney(summary({ costUsd: 0 }))).toBe('$0');
    expect(spendMoney(summary({ unpricedModels: ['llama3.1:8b'] }))).toBe('$0.004');
  });

  it('notes unknown prices and cached answers', () => {
    expect(spendNotes(summary())).toEqual([]);
    expect(spendNotes(summary({ unpricedModels: ['a', 'b'], cachedCalls: 1 }))).toEqual(['price unknown for a, b', '1 answered from the development cache']);
  });
});

describe('run, step and flow spend', () => {
  it('sums a run up in one line, with a tooltip for the details', () => {
    expect(describeRunSpend(summary())).toEqual({ headline: 'AI: 2 calls · 3,000 tokens · $0.004', notes: [], unpriced: false, title: '2 AI calls: 2,400 tokens sent, 600 received' });
    expect(describeRunSpend(summary({ calls: 1, cachedCalls: 1, costUsd: 0 }))).toEqual({
      headline: 'AI: 1 call · 3,000 tokens · $0',
      notes: ['1 answered from the development cache'],
      unpriced: false,
      title: '1 AI call: 2,400 tokens sent, 600 received; 1 answered from the development cache',
    });
    expect(describeRunSpend(summary({ unpricedModels: ['llama3.1:8b'] }))).toMatchObject({ notes: ['price unknown for llama3.1:8b'], unpriced: true });
    expect(describeRunSpend(summary({ calls: 0 }))).toBeUndefined();
    expect(describeRunSpend(undefined)).toBeUndefined();
  });

  it('gives a step its tokens and money, nothing without AI calls', () => {
    expect(describeStepSpend(summary({ calls: 1, promptTokens: 1200, completionTokens: 300, costUsd: 0.00036 }))).toEqual({ text: '1,500 tokens · $0.00036', parts: ['1,500 tokens', '$0.00036'], title: '1 AI call: 1,200 tokens sent, 300 received' });
    expect(describeStepSpend(summary({ calls: 1, costUsd: 0, unpricedModels: ['llama3.1:8b'] }))?.text).toBe('3,000 tokens · no price');
    expect(describeStepSpend(undefined)).toBeUndefined();
    expect(describeStepSpend(summary({ calls: 0 }))).toBeUndefined();
  });

  it('says over which runs a flow spent it', () => {
    expect(describeFlowSpend({ ...summary(), runs: [{}, {}] }, 100)).toEqual({ money: '$0.004', runs: 'in 2 runs', title: 'Over 2 runs: 2 AI calls: 2,400 tokens sent, 600 received' });
    expect(describeFlowSpend({ ...summary(), runs: Array.from({ length: 100 }, () => ({})) }, 100)?.runs).toBe('last 100 runs');
    expect(describeFlowSpend({ ...summary({ calls: 0 }), runs: [{}] }, 100)).toBeUndefined();
    // Some calls unpriced: the sum is only a floor.
    expect(describeFlowSpend({ ...summary({ unpricedModels: ['llama3.1:8b'] }), runs: [{}] }, 100)?.money).toBe('at least $0.004');
    expect(describeFlowSpend({ ...summary({ costUsd: 0, unpricedModels: ['llama3.1:8b'] }), runs: [{}] }, 100)?.money).toBe('cost unknown');
  });
});
