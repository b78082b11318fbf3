/** Formatting of figures: aligned tables, headings, numbers and ratios. */

export function fmt(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toFixed(digits);
}

export function ratio(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `${value.toFixed(digits)}×`;
}

/** Prints rows as aligned columns; the first row is the heading. Numeric-looking cells align right. */
export function printTable(rows: string[][], indent = '  '): void {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const numeric = /^[-+]?[\d.,]+(\s?(µs|ms|s|×|%|\/s))?$|^\[.*\]$|^n\/a$/;
  rows.forEach((row, r) => {
    const line = row.map((cell, i) => (r > 0 && numeric.test(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
    console.log(indent + line.trimEnd());
    if (r === 0) console.log(indent + widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

export function heading(title: string): void {
  console.log(`\n${title}\n${'='.repeat(title.length)}`);
}
