/**
 * AI spend in plain words: money, tokens, and the one-line summaries the run detail and the flow
 * list show. Pure: no DOM, no React. The numbers come from the API (`runs.get` → `cost`,
 * `flows.cost`), which prices calls with the settings' table over the built-in defaults.
 */
import { plural } from './format.ts';

/** The cost summary the API returns for a run, a step or a flow. */
export interface SpendSummary {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  unpricedModels: readonly string[];
  cachedCalls: number;
}

/**
 * Dollars for people: "$0", "$1.25", "$1,204.50", "$0.12", and two significant digits below ten
 * cents ("$0.004", "$0.00036") so a single cheap call does not read as free.
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd) || usd <= 0) return '$0';
  if (usd >= 1) return `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const rounded = Number(usd.toPrecision(2));
  if (rounded >= 1) return '$1.00';
  if (rounded >= 0.1) return `$${rounded.toFixed(2)}`;
  if (rounded < 0.000_001) return 'under $0.000001';
  // At or above 0.000001 JavaScript writes no exponent, and no trailing zeros: 0.004, 0.00036.
  return `$${String(rounded)}`;
}

/** "3,000 tokens", "1 token". */
export function formatTokens(n: number): string {
  return plural(n, 'token');
}

/** "1,200 tokens sent, 300 received": the two halves, for a tooltip. */
export function tokenBreakdown(summary: Pick<SpendSummary, 'promptTokens' | 'completionTokens'>): string {
  return `${formatTokens(summary.promptTokens)} sent, ${summary.completionTokens.toLocaleString('en-US')} received`;
}

/**
 * The money part: the priced total, or "cost unknown" when nothing was priced because the
 * models have no price (a "$0" there would claim it was free).
 */
export function spendMoney(summary: SpendSummary): string {
  if (summary.costUsd === 0 && summary.unpricedModels.length > 0) return 'cost unknown';
  return formatUsd(summary.costUsd);
}

/** "price unknown for llama3.1:8b", "1 answered from the development cache" (always in this order). */
export function spendNotes(summary: SpendSummary): string[] {
  const notes: string[] = [];
  if (summary.unpricedModels.length > 0) notes.push(`price unknown for ${summary.unpricedModels.join(', ')}`);
  if (summary.cachedCalls > 0) notes.push(`${summary.cachedCalls.toLocaleString('en-US')} answered from the development cache`);
  return notes;
}

export interface RunSpendView {
  /** "AI: 2 calls · 3,000 tokens · $0.004" */
  headline: string;
  notes: string[];
  /** Some models have no price: the view offers the way to add one. */
  unpriced: boolean;
  /** Longer words for a tooltip. */
  title: string;
}

/** What the run header says about AI spend, or undefined when the run made no AI calls. */
export function describeRunSpend(summary: SpendSummary | undefined): RunSpendView | undefined {
  if (!summary || summary.calls <= 0) return undefined;
  const tokens = summary.promptTokens + summary.completionTokens;
  return {
    headline: `AI: ${plural(summary.calls, 'call')} · ${formatTokens(tokens)} · ${spendMoney(summary)}`,
    notes: spendNotes(summary),
    unpriced: summary.unpricedModels.length > 0,
    title: spendTitle(summary),
  };
}

/**
 * What a step shows under its item count: "1,500 tokens · $0.00036", or "1,500 tokens · no price"
 * (`parts` joined, so a view can keep each part unbroken); undefined without AI calls.
 */
export function describeStepSpend(summary: SpendSummary | undefined): { text: string; parts: [string, string]; title: string } | undefined {
  if (!summary || summary.calls <= 0) return undefined;
  // "no price" rather than "cost unknown": the step's line is narrow, and the run's line names the model.
  const money = summary.costUsd === 0 && summary.unpricedModels.length > 0 ? 'no price' : formatUsd(summary.costUsd);
  const parts: [string, string] = [formatTokens(summary.promptTokens + summary.completionTokens), money];
  return { text: parts.join(' · '), parts, title: spendTitle(summary) };
}

function spendTitle(summary: SpendSummary): string {
  const notes = spendNotes(summary);
  return `${plural(summary.calls, 'AI call')}: ${tokenBreakdown(summary)}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
}

/** The flow list's "AI spend" cell: money and over which runs; undefined when no run used AI. */
export function describeFlowSpend(summary: (SpendSummary & { runs: readonly unknown[] }) | undefined, limit: number): { money: string; runs: string; title: string } | undefined {
  if (!summary || summary.calls <= 0) return undefined;
  const over = summary.runs.length >= limit ? `its last ${limit.toLocaleString('en-US')} runs` : plural(summary.runs.length, 'run');
  // Some calls had no price: the sum is a floor, and the cell must not claim it is the total.
  const partial = summary.costUsd > 0 && summary.unpricedModels.length > 0;
  return {
    money: partial ? `at least ${spendMoney(summary)}` : spendMoney(summary),
    runs: summary.runs.length >= limit ? `last ${limit.toLocaleString('en-US')} runs` : `in ${plural(summary.runs.length, 'run')}`,
    title: `Over ${over}: ${spendTitle(summary)}`,
  };
}
