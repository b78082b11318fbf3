/**
 * The editable AI price table in Settings: rows as typed, checked into the `llmPrices` the API
 * stores (USD per million tokens, by model name, merged over the built-in prices). Pure: no DOM.
 */
import { DEFAULT_PRICE_TABLE, DEFAULT_PRICES_AS_OF } from '../../engine/model/prices.ts';

export type Prices = Readonly<Record<string, { input: number; output: number }>>;

/** One row as the person typed it (numbers stay text until they are checked). */
export interface PriceRow {
  /** Stable key for the list; not shown. */
  key: string;
  model: string;
  input: string;
  output: string;
}

export type PriceField = 'model' | 'input' | 'output';

export interface PriceProblem {
  /** Index of the row. */
  row: number;
  field: PriceField;
  message: string;
}

export type PriceCheck = { ok: true; prices: Record<string, { input: number; output: number }> } | { ok: false; problems: PriceProblem[] };

/** When the built-in prices were copied from the providers' price lists ("2025-06"). */
export const BUILT_IN_PRICES_AS_OF = DEFAULT_PRICES_AS_OF;

/** The built-in prices (engine/model/prices.ts) in the settings' shape. */
export const BUILT_IN_PRICES: Prices = Object.fromEntries(Object.entries(DEFAULT_PRICE_TABLE).map(([model, p]) => [model, { input: p.inputPerMillion, output: p.outputPerMillion }]));

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "2025-06" → "June 2025" (anything else as it is). */
export function monthName(yearMonth: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(yearMonth);
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  return match && month ? `${month} ${match[1]}` : yearMonth;
}

/** A price as it is typed back into a field: 0.15 → "0.15", 10 → "10". */
export function priceText(usdPerMillion: number): string {
  return String(usdPerMillion);
}

/** A price for reading: "$0.15", "$2.50", "$10.00", "$0.075". */
export function formatPrice(usdPerMillion: number): string {
  return `$${usdPerMillion.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`;
}

/** The saved prices as rows, sorted by model name. */
export function rowsFromPrices(prices: Prices): PriceRow[] {
  return Object.keys(prices)
    .sort((a, b) => a.localeCompare(b))
    .map((model) => ({ key: `saved:${model}`, model, input: priceText(prices[model]!.input), output: priceText(prices[model]!.output) }));
}

/** A number of dollars per million tokens, or a plain problem. Accepts "0.15", " 2 ", "$2.50". */
export function parsePrice(text: string): { ok: true; value: number } | { ok: false; message: string } {
  const trimmed = text.trim().replace(/^\$\s*/, '');
  if (trimmed === '') return { ok: false, message: 'Enter a price (0 or more), like 0.15.' };
  if (/^\d+,\d+$/.test(trimmed)) return { ok: false, message: 'Use a dot for the decimals, like 0.15.' };
  if (trimmed.startsWith('-')) return { ok: false, message: 'A price cannot be below 0.' };
  if (!/^(\d+\.?\d*|\.\d+)$/.test(trimmed)) return { ok: false, message: 'Enter a number of dollars, like 0.15.' };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { ok: false, message: 'Enter a number of dollars, like 0.15.' };
  return { ok: true, value };
}

/** Checks every row: a non-empty model name, listed once, and two prices of 0 or more. */
export function checkPriceRows(rows: readonly PriceRow[]): PriceCheck {
  const problems: PriceProblem[] = [];
  // Entries, not assignment: a model called "__proto__" must stay an ordinary name.
  const entries: Array<[string, { input: number; output: number }]> = [];
  const firstRow = new Map<string, number>();
  rows.forEach((row, index) => {
    const model = row.model.trim();
    if (model === '') problems.push({ row: index, field: 'model', message: 'Enter the model’s name, like gpt-4o-mini.' });
    else if (model.length > 200) problems.push({ row: index, field: 'model', message: 'Keep the name under 200 characters.' });
    else if (firstRow.has(model)) problems.push({ row: index, field: 'model', message: `“${model}” is already in row ${firstRow.get(model)! + 1}. List each model once.` });
    else firstRow.set(model, index);
    const input = parsePrice(row.input);
    if (!input.ok) problems.push({ row: index, field: 'input', message: input.message });
    const output = parsePrice(row.output);
    if (!output.ok) problems.push({ row: index, field: 'output', message: output.message });
    if (input.ok && output.ok) entries.push([model, { input: input.value, output: output.value }]);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, prices: Object.fromEntries(entries) };
}

/** Whether the rows say something other than the saved prices (order does not matter). */
export function rowsChanged(rows: readonly PriceRow[], saved: Prices): boolean {
  const check = checkPriceRows(rows);
  if (!check.ok) return true;
  return !samePrices(check.prices, saved);
}

export function samePrices(a: Prices, b: Prices): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && b[k]!.input === a[k]!.input && b[k]!.output === a[k]!.output);
}

/** The problem shown under one field, if any. */
export function problemAt(problems: readonly PriceProblem[], row: number, field: PriceField): string | undefined {
  return problems.find((p) => p.row === row && p.field === field)?.message;
}
