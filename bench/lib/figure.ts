/**
 * What a figure is. `bench/run.ts` imports every file in `bench/figures/`, each default-exporting a
 * `Figure`, and runs them in `order` (then by id); adding a figure is adding a file.
 */

/** `BENCH_QUICK=1`: fewer repetitions and smaller sizes for a smoke run (rougher figures). */
export const QUICK = process.env.BENCH_QUICK === '1';

/** Baselines one figure measures and a later one compares against (each optional: a figure run alone measures its own). */
export interface Baselines {
  /** Figure 3's raw `appendFile + fdatasync` loop, µs per line. */
  rawFsyncUs?: number;
}

export interface BenchContext {
  /** A temp folder for this figure's files, removed at the end of the bench. */
  dir: string;
  baselines: Baselines;
}

/** One row of the summary table: figure, value, ratio, against. */
export type SummaryRow = [string, string, string, string];

export interface Figure {
  /** Kebab-case name, also the file name; `npm run bench -- <id> …` runs only the named figures. */
  id: string;
  /** Position in the printed output; the figure's number in headings and in bench/README.md. */
  order: number;
  /** Prints its own section (heading, table, "=>" lines) and returns its summary rows. */
  run(ctx: BenchContext): Promise<SummaryRow[]>;
}
