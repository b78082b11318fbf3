/** Tokens and money from traces (engine/cost.ts): price lookup, per call, per run, per flow. */
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../engine/index.ts';
import { DEFAULT_PRICE_TABLE, callCostUsd, flowCost, formatUsd, priceFor, priceTable, runCost } from '../../engine/cost.ts';

let seq = 0;
function llmResult(nodeId: string, itemIndex: number, result: Record<string, unknown>, extra: Partial<{ call: number; cached: boolean }> = {}): RunEvent {
  return { seq: ++seq, ts: '2026-01-01T00:00:00.000Z', type: 'external.result', nodeId, attempt: 1, itemIndex, kind: 'llm', call: extra.call ?? 0, result, ...(extra.cached ? { cached: true } : {}) } as RunEvent;
}
const usage = (promptTokens: number, completionTokens: number) => ({ promptTokens, completionTokens });

describe('prices', () => {
  it('finds a model exactly, by the longest prefix at a boundary, and behind an OpenRouter vendor prefix', () => {
    expect(priceFor('gpt-4o')).toEqual(DEFAULT_PRICE_TABLE['gpt-4o']);
    expect(priceFor('gpt-4o-mini-2024-07-18')).toEqual(DEFAULT_PRICE_TABLE['gpt-4o-mini']);
    expect(priceFor('gpt-4o-2024-08-06')).toEqual(DEFAULT_PRICE_TABLE['gpt-4o']);
    expect(priceFor('openai/gpt-4.1-mini')).toEqual(DEFAULT_PRICE_TABLE['gpt-4.1-mini']);
    expect(priceFor('o3-mini-high')).toEqual(DEFAULT_PRICE_TABLE['o3-mini']);
    // Not a boundary: "gpt-4omega" is not gpt-4o; unknown and local models have no price.
    expect(priceFor('gpt-4omega')).toBeUndefined();
    // A different model that merely starts with a known name is not priced by guess.
    expect(priceFor('o3-pro')).toBeUndefined();
    expect(priceFor('o3-deep-research')).toBeUndefined();
    expect(priceFor('llama3.1:8b')).toBeUndefined();
  });

  it('an override table replaces entries and adds local models', () => {
    const table = priceTable({ 'gpt-4o-mini': { inputPerMillion: 1, outputPerMillion: 1 }, 'llama3.1': { inputPerMillion: 0, outputPerMillion: 0 } });
    expect(priceFor('gpt-4o-mini', table)).toEqual({ inputPerMillion: 1, outputPerMillion: 1 });
    expect(priceFor('llama3.1:8b', table)).toEqual({ inputPerMillion: 0, outputPerMillion: 0 });
    expect(priceFor('gpt-4o', table)).toEqual(DEFAULT_PRICE_TABLE['gpt-4o']);
  });

  it('computes USD per call from tokens', () => {
    expect(callCostUsd('gpt-4o', usage(1_000_000, 1_000_000))).toBeCloseTo(12.5, 10);
    expect(callCostUsd('gpt-4o-mini', usage(2000, 500))).toBeCloseTo((2000 * 0.15 + 500 * 0.6) / 1e6, 15);
    expect(callCostUsd('unknown-model', usage(10, 10))).toBeUndefined();
  });

  it('formats small and large amounts readably', () => {
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.000255)).toBe('$0.000255');
    expect(formatUsd(0.0123456)).toBe('$0.0123');
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(formatUsd(1e-9)).toBe('<$0.000001');
  });
});

describe('run and flow cost', () => {
  const events: RunEvent[] = [
    { seq: ++seq, ts: '2026-01-01T00:00:00.000Z', type: 'run.started', input: {} },
    llmResult('classify', 0, { model: 'gpt-4o-mini', usage: usage(1000, 100), requestId: 'req_1' }),
    llmResult('classify', 0, { model: 'gpt-4o-mini', usage: usage(1200, 80) }, { call: 1 }),
    llmResult('classify', 1, { model: 'gpt-4o-mini', usage: usage(900, 90) }, { cached: true }),
    llmResult('draft', 0, { model: 'llama3.1:8b', usage: usage(500, 300) }),
    llmResult('draft', 1, { model: 'gpt-4o', usage: null }),
    // Not AI calls, or failed ones: not counted.
    { seq: ++seq, ts: '2026-01-01T00:00:00.000Z', type: 'external.result', nodeId: 'http', attempt: 1, itemIndex: 0, kind: 'http', call: 0, result: { status: 200 } } as RunEvent,
    { seq: ++seq, ts: '2026-01-01T00:00:00.000Z', type: 'external.result', nodeId: 'draft', attempt: 1, itemIndex: 2, kind: 'llm', call: 0, error: { message: '429', code: 'LLM_RATE_LIMITED', retryable: false } } as RunEvent,
  ];

  it('sums tokens and money per run and per node; cached calls spend no tokens and cost nothing; unpriced models are named', () => {
    const cost = runCost(events);
    expect(cost.calls).toBe(5);
    // The cached call (900 + 90 tokens) was answered from disk: no tokens spent.
    expect(cost.promptTokens).toBe(1000 + 1200 + 500);
    expect(cost.completionTokens).toBe(100 + 80 + 300);
    expect(cost.costUsd).toBeCloseTo(((1000 + 1200) * 0.15 + (100 + 80) * 0.6) / 1e6, 15);
    expect(cost.cachedCalls).toBe(1);
    expect(cost.unpricedModels).toEqual(['llama3.1:8b']);
    expect(cost.perCall.map((c) => [c.nodeId, c.itemIndex, c.call, c.costUsd === undefined ? 'unknown' : c.costUsd > 0 ? 'paid' : 'free'])).toEqual([
      ['classify', 0, 0, 'paid'],
      ['classify', 0, 1, 'paid'],
      ['classify', 1, 0, 'free'],
      ['draft', 0, 0, 'unknown'],
      ['draft', 1, 0, 'unknown'],
    ]);
    expect(cost.perCall[0]!.requestId).toBe('req_1');
    expect(Object.keys(cost.perNode)).toEqual(['classify', 'draft']);
    expect(cost.perNode.draft).toMatchObject({ calls: 2, promptTokens: 500, costUsd: 0, unpricedModels: ['llama3.1:8b'] });
  });

  it('sums a flow over its runs', () => {
    const second: RunEvent[] = [llmResult('classify', 0, { model: 'gpt-4o', usage: usage(100, 10) })];
    const cost = flowCost([
      { runId: 'run-a', events },
      { runId: 'run-b', events: second },
    ]);
    expect(cost.runs.map((r) => [r.runId, r.calls])).toEqual([
      ['run-a', 5],
      ['run-b', 1],
    ]);
    expect(cost.calls).toBe(6);
    expect(cost.costUsd).toBeCloseTo(runCost(events).costUsd + (100 * 2.5 + 10 * 10) / 1e6, 15);
    expect(cost.unpricedModels).toEqual(['llama3.1:8b']);
  });

  it('a run without AI calls costs nothing', () => {
    expect(runCost([])).toMatchObject({ calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, unpricedModels: [] });
  });
});
