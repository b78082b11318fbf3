/**
 * Tokens and money spent on AI calls, computed from traces. Pure: no I/O, no clock.
 *
 * An AI step records each model call as an `external.result` of kind `llm` whose result holds
 * `model` and `usage: { promptTokens, completionTokens }`. A price table (USD per million input and
 * output tokens, by model name) turns those into money per call, per run and per flow.
 * The built-in table (engine/model/prices.ts) is a set of editable defaults; settings (and `--prices` style overrides) pass
 * their own table, which is merged over it.
 */
import type { RunEvent } from './model/events.ts';

import { DEFAULT_PRICE_TABLE, type ModelPrice, type PriceTable } from './model/prices.ts';

export { DEFAULT_PRICE_TABLE, DEFAULT_PRICES_AS_OF, type ModelPrice, type PriceTable } from './model/prices.ts';

/** The defaults with `overrides` on top (an override replaces a model's whole entry). */
export function priceTable(overrides: PriceTable = {}): PriceTable {
  return { ...DEFAULT_PRICE_TABLE, ...overrides };
}

/**
 * Suffixes that name the same model at the same price: a release date, "latest", a reasoning
 * effort, a tag. Anything else (`o3-pro` after `o3`) is a different model and is not guessed.
 */
const PRICE_KEEPING_SUFFIX = /^(?:-\d{4}-\d{2}-\d{2}|-\d{8}|-\d{4}|-latest|-(?:low|medium|high)|[:@].+)$/;

/** The price of a model, or undefined when the table does not know it. */
export function priceFor(model: string, table: PriceTable = DEFAULT_PRICE_TABLE): ModelPrice | undefined {
  const candidates = [model, model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : undefined].filter((m): m is string => m !== undefined);
  for (const name of candidates) {
    if (Object.hasOwn(table, name)) return table[name];
  }
  for (const name of candidates) {
    let best: string | undefined;
    for (const known of Object.keys(table)) {
      if (name.length > known.length && name.startsWith(known) && PRICE_KEEPING_SUFFIX.test(name.slice(known.length)) && (best === undefined || known.length > best.length)) best = known;
    }
    if (best !== undefined) return table[best];
  }
  return undefined;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** USD for one call, or undefined when the model has no price. */
export function callCostUsd(model: string, usage: TokenUsage, table: PriceTable = DEFAULT_PRICE_TABLE): number | undefined {
  const price = priceFor(model, table);
  if (!price) return undefined;
  return (usage.promptTokens * price.inputPerMillion + usage.completionTokens * price.outputPerMillion) / 1_000_000;
}

export interface LlmCallCost {
  nodeId: string;
  itemIndex: number;
  /** 0 for the first call for an item, 1 for a repair attempt, ... */
  call: number;
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** Undefined when the model has no price or the provider reported no usage. */
  costUsd: number | undefined;
  /** Whether the price table knows the model. */
  priced: boolean;
  /** Answered from the development cache: nothing was paid. */
  cached: boolean;
  requestId: string | undefined;
}

export interface CostSummary {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** Sum over priced calls. */
  costUsd: number;
  /** Models seen without a price: their calls count tokens but no money. */
  unpricedModels: string[];
  /** Calls answered from the development cache (not paid, not counted in `costUsd`). */
  cachedCalls: number;
}

export interface RunCost extends CostSummary {
  perCall: LlmCallCost[];
  perNode: Record<string, CostSummary>;
}

interface LlmResultShape {
  model?: unknown;
  usage?: { promptTokens?: unknown; completionTokens?: unknown } | null;
  cached?: unknown;
  requestId?: unknown;
}

/** The cost of one recorded `llm` call (an `external.result` event), or undefined for other events. */
export function llmCallCost(event: RunEvent, table: PriceTable = DEFAULT_PRICE_TABLE): LlmCallCost | undefined {
  if (event.type !== 'external.result' || event.kind !== 'llm' || event.result === undefined) return undefined;
  const result = event.result as LlmResultShape | null;
  if (result === null || typeof result !== 'object' || typeof result.model !== 'string') return undefined;
  const promptTokens = numberOr0(result.usage?.promptTokens);
  const completionTokens = numberOr0(result.usage?.completionTokens);
  const cached = event.cached === true || result.cached === true;
  const hasUsage = result.usage !== null && result.usage !== undefined;
  const price = hasUsage ? callCostUsd(result.model, { promptTokens, completionTokens }, table) : undefined;
  return {
    nodeId: event.nodeId,
    itemIndex: event.itemIndex,
    call: event.call,
    model: result.model,
    promptTokens,
    completionTokens,
    costUsd: cached && price !== undefined ? 0 : price,
    priced: priceFor(result.model, table) !== undefined,
    cached,
    requestId: typeof result.requestId === 'string' ? result.requestId : undefined,
  };
}

/** Tokens and money of one run, from its events (results must be loaded, not blob references). */
export function runCost(events: readonly RunEvent[], table: PriceTable = DEFAULT_PRICE_TABLE): RunCost {
  const perCall: LlmCallCost[] = [];
  for (const event of events) {
    const cost = llmCallCost(event, table);
    if (cost) perCall.push(cost);
  }
  const perNode: Record<string, CostSummary> = {};
  for (const nodeId of new Set(perCall.map((c) => c.nodeId))) perNode[nodeId] = summarizeCalls(perCall.filter((c) => c.nodeId === nodeId));
  return { ...summarizeCalls(perCall), perCall, perNode };
}

export interface FlowCost extends CostSummary {
  runs: Array<{ runId: string } & CostSummary>;
}

/** Tokens and money of a flow over several runs. */
export function flowCost(runs: ReadonlyArray<{ runId: string; events: readonly RunEvent[] }>, table: PriceTable = DEFAULT_PRICE_TABLE): FlowCost {
  const perRun = runs.map(({ runId, events }) => {
    const { perCall: _calls, perNode: _nodes, ...summary } = runCost(events, table);
    return { runId, ...summary };
  });
  return {
    calls: sum(perRun.map((r) => r.calls)),
    promptTokens: sum(perRun.map((r) => r.promptTokens)),
    completionTokens: sum(perRun.map((r) => r.completionTokens)),
    costUsd: sum(perRun.map((r) => r.costUsd)),
    unpricedModels: [...new Set(perRun.flatMap((r) => r.unpricedModels))].sort(),
    cachedCalls: sum(perRun.map((r) => r.cachedCalls)),
    runs: perRun,
  };
}

/**
 * AI use of a run per model, without prices: what a run index keeps, so spend can be priced later
 * with whatever table the settings hold then. Tokens are those actually spent (not cached).
 */
export type LlmUsage = Record<string, { calls: number; cachedCalls: number; promptTokens: number; completionTokens: number }>;

/** Per-model usage from a run's events (results loaded, not blob references). */
export function llmUsage(events: readonly RunEvent[]): LlmUsage {
  const usage = new Map<string, LlmUsage[string]>();
  for (const event of events) {
    const call = llmCallCost(event, {});
    if (!call) continue;
    let entry = usage.get(call.model);
    if (!entry) usage.set(call.model, (entry = { calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0 }));
    entry.calls++;
    if (call.cached) entry.cachedCalls++;
    else {
      entry.promptTokens += call.promptTokens;
      entry.completionTokens += call.completionTokens;
    }
  }
  return Object.fromEntries(usage);
}

/**
 * The same summary `runCost` gives, from per-model usage: prices are linear in tokens, cached
 * calls cost nothing, a call without reported usage counts no tokens and so no money.
 */
export function usageCost(usage: LlmUsage, table: PriceTable = DEFAULT_PRICE_TABLE): CostSummary {
  const models = Object.keys(usage).filter((m) => Object.hasOwn(usage, m)).sort();
  let costUsd = 0;
  for (const model of models) {
    const u = usage[model]!;
    const price = priceFor(model, table);
    if (price) costUsd += (u.promptTokens * price.inputPerMillion + u.completionTokens * price.outputPerMillion) / 1_000_000;
  }
  return {
    calls: sum(models.map((m) => usage[m]!.calls)),
    promptTokens: sum(models.map((m) => usage[m]!.promptTokens)),
    completionTokens: sum(models.map((m) => usage[m]!.completionTokens)),
    costUsd,
    unpricedModels: models.filter((m) => priceFor(m, table) === undefined),
    cachedCalls: sum(models.map((m) => usage[m]!.cachedCalls)),
  };
}

/** A flow's spend over runs given as per-model usage (the run index's view of `flowCost`). */
export function flowCostFromUsage(runs: ReadonlyArray<{ runId: string; usage: LlmUsage }>, table: PriceTable = DEFAULT_PRICE_TABLE): FlowCost {
  const perRun = runs.map(({ runId, usage }) => ({ runId, ...usageCost(usage, table) }));
  return {
    calls: sum(perRun.map((r) => r.calls)),
    promptTokens: sum(perRun.map((r) => r.promptTokens)),
    completionTokens: sum(perRun.map((r) => r.completionTokens)),
    costUsd: sum(perRun.map((r) => r.costUsd)),
    unpricedModels: [...new Set(perRun.flatMap((r) => r.unpricedModels))].sort(),
    cachedCalls: sum(perRun.map((r) => r.cachedCalls)),
    runs: perRun,
  };
}

/** `$0.0123`: enough digits for a single cheap call to show as more than zero. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd >= 0.01) return `$${usd.toFixed(4)}`;
  return usd < 0.000_000_5 ? '<$0.000001' : `$${usd.toFixed(6)}`;
}

function summarizeCalls(calls: readonly LlmCallCost[]): CostSummary {
  return {
    calls: calls.length,
    // Tokens spent: answers from the development cache cost no tokens (they are counted in cachedCalls).
    promptTokens: sum(calls.filter((c) => !c.cached).map((c) => c.promptTokens)),
    completionTokens: sum(calls.filter((c) => !c.cached).map((c) => c.completionTokens)),
    costUsd: sum(calls.map((c) => c.costUsd ?? 0)),
    unpricedModels: [...new Set(calls.filter((c) => !c.priced).map((c) => c.model))].sort(),
    cachedCalls: calls.filter((c) => c.cached).length,
  };
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
