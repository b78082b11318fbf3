import { describe, expect, it } from 'vitest';
import { BUILT_IN_PRICES, BUILT_IN_PRICES_AS_OF, checkPriceRows, formatPrice, monthName, parsePrice, problemAt, rowsChanged, rowsFromPrices, type PriceRow } from '../../renderer/logic/price-table.ts';

const row = (model: string, input: string, output: string, key = model): PriceRow => ({ key, model, input, output });

describe('the built-in prices the settings show', () => {
  it('are the engine’s defaults in the settings’ shape, with their date', () => {
    expect(BUILT_IN_PRICES_AS_OF).toBe('2025-06');
    expect(BUILT_IN_PRICES['gpt-4o-mini']).toEqual({ input: 0.15, output: 0.6 });
    expect(monthName('2025-06')).toBe('June 2025');
    expect(monthName('soon')).toBe('soon');
    expect(formatPrice(0.15)).toBe('$0.15');
    expect(formatPrice(10)).toBe('$10.00');
    expect(formatPrice(0.075)).toBe('$0.075');
  });
});

describe('price rows', () => {
  it('turns saved prices into rows, sorted by model', () => {
    expect(rowsFromPrices({ 'gpt-4o': { input: 2.5, output: 10 }, 'llama3.1:8b': { input: 0, output: 0 } })).toEqual([
      { key: 'saved:gpt-4o', model: 'gpt-4o', input: '2.5', output: '10' },
      { key: 'saved:llama3.1:8b', model: 'llama3.1:8b', input: '0', output: '0' },
    ]);
  });

  it('reads prices as people type them, and says plainly what is wrong', () => {
    expect(parsePrice('0.15')).toEqual({ ok: true, value: 0.15 });
    expect(parsePrice(' $2.50 ')).toEqual({ ok: true, value: 2.5 });
    expect(parsePrice('0')).toEqual({ ok: true, value: 0 });
    expect(parsePrice('.5')).toEqual({ ok: true, value: 0.5 });
    expect(parsePrice('3.')).toEqual({ ok: true, value: 3 });
    expect(parsePrice('')).toEqual({ ok: false, message: 'Enter a price (0 or more), like 0.15.' });
    expect(parsePrice('-1')).toEqual({ ok: false, message: 'A price cannot be below 0.' });
    expect(parsePrice('0,15')).toEqual({ ok: false, message: 'Use a dot for the decimals, like 0.15.' });
    expect(parsePrice('cheap')).toEqual({ ok: false, message: 'Enter a number of dollars, like 0.15.' });
    expect(parsePrice('1e3')).toEqual({ ok: false, message: 'Enter a number of dollars, like 0.15.' });
    expect(parsePrice('Infinity')).toMatchObject({ ok: false });
  });

  it('checks names (present, listed once) and prices, row by row', () => {
    expect(checkPriceRows([row(' llama3.1:8b ', '0', '0'), row('gpt-4o-mini', '0.2', '0.8')])).toEqual({
      ok: true,
      prices: { 'llama3.1:8b': { input: 0, output: 0 }, 'gpt-4o-mini': { input: 0.2, output: 0.8 } },
    });
    expect(checkPriceRows([])).toEqual({ ok: true, prices: {} });
    const check = checkPriceRows([row('gpt-4o', '1', '2', 'a'), row('', '-1', '', 'b'), row('gpt-4o', '1', 'x', 'c')]);
    expect(check.ok).toBe(false);
    const problems = check.ok ? [] : check.problems;
    expect(problems).toEqual([
      { row: 1, field: 'model', message: 'Enter the model’s name, like gpt-4o-mini.' },
      { row: 1, field: 'input', message: 'A price cannot be below 0.' },
      { row: 1, field: 'output', message: 'Enter a price (0 or more), like 0.15.' },
      { row: 2, field: 'model', message: '“gpt-4o” is already in row 1. List each model once.' },
      { row: 2, field: 'output', message: 'Enter a number of dollars, like 0.15.' },
    ]);
    expect(problemAt(problems, 2, 'model')).toMatch(/already in row 1/);
    expect(problemAt(problems, 0, 'model')).toBeUndefined();
  });

  it('keeps a model called "__proto__" an ordinary name', () => {
    const check = checkPriceRows([row('__proto__', '1', '2')]);
    expect(check.ok && Object.keys(check.prices)).toEqual(['__proto__']);
  });

  it('knows whether anything changed, whatever the order', () => {
    const saved = { a: { input: 1, output: 2 }, b: { input: 0, output: 0 } };
    expect(rowsChanged([row('b', '0', '0.0'), row('a', '1', '2')], saved)).toBe(false);
    expect(rowsChanged([row('a', '1', '2')], saved)).toBe(true);
    expect(rowsChanged([row('a', '1', '3'), row('b', '0', '0')], saved)).toBe(true);
    expect(rowsChanged([row('a', '1', '2'), row('b', '0', '0'), row('', '', '')], saved)).toBe(true);
    expect(rowsChanged([], {})).toBe(false);
  });
});
