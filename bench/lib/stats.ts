/** Statistics and the interleaved-repetition loop every figure uses (see bench/README.md, Method). */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `[min–max]` of the samples, scaled and rounded, for a table cell. */
export function range(values: readonly number[], digits: number, scale = 1): string {
  if (values.length === 0) return '';
  return `[${(Math.min(...values) * scale).toFixed(digits)}–${(Math.max(...values) * scale).toFixed(digits)}]`;
}

/**
 * Runs every case once per repetition, rotating their order, and keeps the samples after the
 * warm-up repetitions, so slow periods of the machine hit every case alike. A case returns its
 * own sample (usually milliseconds).
 */
export async function interleaved<K extends string>(
  cases: Record<K, (warm: boolean) => Promise<number>>,
  reps: number,
  warmup: number,
): Promise<Record<K, number[]>> {
  const names = Object.keys(cases) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let rep = 0; rep < warmup + reps; rep++) {
    const warm = rep < warmup;
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + rep) % names.length]!;
      const value = await cases[name](warm);
      if (!warm) samples[name].push(value);
    }
  }
  return samples;
}

/** Milliseconds `fn` takes. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
