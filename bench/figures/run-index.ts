/**
 * Figure: lists and trace pages with 100 and with 100,000 runs in the data folder, and the run
 * index's rebuild time for 100,000 runs. Goal (issue 8): the larger within 2× of the smaller and
 * under 100 ms.
 *
 * The traces are written directly in the real format (a header line and five events per run,
 * as the engine writes them for a two-step flow), many files at a time, so 100,000 runs take
 * seconds to make instead of minutes of engine runs. Then, per folder size:
 *   - rebuild: a run index opened with no journal (every trace read once, journal written);
 *   - open: a service started on the folder (journal read, reconciled with one stat per trace);
 *   - `runs.list` (100 newest, and filtered by status) and `traces.events` (one page of a run)
 *     through the service's handlers, medians over repetitions.
 *
 * Runs standalone (`tsx bench/figures/run-index.ts`, `BENCH_QUICK=1` for 10,000 runs) or from
 * bench/run.ts.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeRegistry, TRACE_FORMAT, TRACE_FORMAT_VERSION, type RunEvent, type TraceHeader } from '../../engine/index.ts';
import { createService } from '../../engine/service/create-service.ts';
import { FileTraceStore, RunIndex } from '../../engine/trace/index.ts';
import { dataDirLayout } from '../../engine/storage/layout.ts';
import type { KeychainBackend } from '../../engine/vault.ts';
import { builtinNodes } from '../../nodes/index.ts';
import type { BenchContext, Figure, SummaryRow } from '../lib/figure.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = [100, QUICK ? 10_000 : 100_000];
const REPS = QUICK ? 7 : 21;
/** Files written at once while generating traces. */
const WRITE_BATCH = 256;

export interface RunIndexRow {
  runs: number;
  generateS: number;
  rebuildMs: number;
  openMs: number;
  listMs: number;
  listFilteredMs: number;
  pageMs: number;
}

/** A keychain that holds nothing: the figure touches no credentials. */
const noKeychain: KeychainBackend = { getPassword: async () => null, setPassword: async () => undefined, deletePassword: async () => false };

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function traceText(i: number, base: number): { runId: string; text: string } {
  const runId = `run-bench-${String(i).padStart(7, '0')}`;
  const at = (ms: number) => new Date(base + i * 1000 + ms).toISOString();
  const header: TraceHeader = {
    kind: 'header',
    format: TRACE_FORMAT,
    formatVersion: TRACE_FORMAT_VERSION,
    runId,
    flowId: `bench-flow-${i % 10}`,
    flowName: `Bench flow ${i % 10}`,
    flowVersion: 1,
    flowHash: '0'.repeat(64),
    flow: { $blob: '0'.repeat(64), bytes: 0 },
    input: { i },
    createdAt: at(0),
    mode: 'run',
  };
  const failed = i % 50 === 0;
  const events: RunEvent[] = [
    { seq: 1, ts: at(1), type: 'run.started', input: { i } },
    { seq: 2, ts: at(2), type: 'node.started', nodeId: 'start', attempt: 1, inputCounts: { in: 1 } },
    { seq: 3, ts: at(3), type: 'node.succeeded', nodeId: 'start', attempt: 1, outputs: { out: [{ i }] }, durationMs: 1 },
    { seq: 4, ts: at(4), type: 'node.started', nodeId: 'set', attempt: 1, inputCounts: { in: 1 } },
    failed
      ? { seq: 5, ts: at(5), type: 'run.finished', status: 'failed', outputs: {}, error: { message: 'failed on purpose', code: 'BENCH', retryable: false } }
      : { seq: 5, ts: at(5), type: 'run.finished', status: 'succeeded', outputs: { set: { out: [{ i, done: true }] } } },
  ];
  return { runId, text: [header, ...events].map((line) => JSON.stringify(line)).join('\n') + '\n' };
}

async function generate(dataDir: string, count: number): Promise<string> {
  const { runs } = dataDirLayout(dataDir);
  await mkdir(runs, { recursive: true });
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  let last = '';
  for (let i = 0; i < count; i += WRITE_BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + WRITE_BATCH); j++) {
      const { runId, text } = traceText(j, base);
      last = runId;
      batch.push(writeFile(join(runs, `${runId}.jsonl`), text));
    }
    await Promise.all(batch);
  }
  return last;
}

async function measure(root: string, count: number): Promise<RunIndexRow> {
  const dataDir = join(root, `runs-${count}`);
  let t = performance.now();
  const newest = await generate(dataDir, count);
  const generateS = (performance.now() - t) / 1000;

  // Rebuild: no journal yet, every trace is read once.
  const index = new RunIndex(new FileTraceStore(dataDir), { journal: dataDirLayout(dataDir).runIndex });
  t = performance.now();
  await index.ready();
  const rebuildMs = performance.now() - t;
  if (index.lastOpen?.entries !== count) throw new Error(`the rebuilt index holds ${index.lastOpen?.entries} runs, expected ${count}`);
  index.close();

  // A service opening the folder: journal read and reconciled by stamps.
  const registry = new NodeRegistry(builtinNodes);
  const service = await createService({ dataDir, registry, keychain: noKeychain, resumeOnStart: false });
  try {
    const { handlers } = service;
    t = performance.now();
    await handlers['runs.list']({ limit: 100, offset: 0 });
    const openMs = performance.now() - t;
    const list: number[] = [];
    const filtered: number[] = [];
    const page: number[] = [];
    for (let r = 0; r < REPS; r++) {
      t = performance.now();
      const runs = await handlers['runs.list']({ limit: 100, offset: 0 });
      list.push(performance.now() - t);
      if (runs.length !== 100 || runs[0]!.runId !== newest) throw new Error('runs.list did not return the 100 newest runs');
      t = performance.now();
      await handlers['runs.list']({ status: 'failed', flowId: 'bench-flow-0', limit: 100, offset: 0 });
      filtered.push(performance.now() - t);
      t = performance.now();
      const events = await handlers['traces.events']({ runId: newest, afterSeq: 2, limit: 500 });
      page.push(performance.now() - t);
      if (events.events.length !== 3) throw new Error('traces.events did not return the page');
    }
    return { runs: count, generateS, rebuildMs, openMs, listMs: median(list), listFilteredMs: median(filtered), pageMs: median(page) };
  } finally {
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Measures and prints the figure; `root` is a temp folder the caller removes. */
export async function runIndexFigure(root: string): Promise<RunIndexRow[]> {
  console.log(`\nRun index: runs list and one trace page with ${SIZES.map((n) => n.toLocaleString('en-US')).join(' and ')} runs in the data folder; index rebuild`);
  const rows: RunIndexRow[] = [];
  for (const size of SIZES) rows.push(await measure(root, size));
  const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;
  const table = [
    ['runs', 'generate', 'rebuild', 'open', 'runs.list 100', 'runs.list filtered', 'traces.events page'],
    ...rows.map((r) => [r.runs.toLocaleString('en-US'), `${r.generateS.toFixed(1)} s`, ms(r.rebuildMs), ms(r.openMs), ms(r.listMs), ms(r.listFilteredMs), ms(r.pageMs)]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const row of table) console.log(`  ${row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}`);
  const [small, large] = [rows[0]!, rows[rows.length - 1]!];
  for (const [name, a, b] of [
    ['runs.list', small.listMs, large.listMs],
    ['traces.events', small.pageMs, large.pageMs],
  ] as const) {
    const within = b <= Math.max(2 * a, 1) && b < 100; // sub-millisecond figures count as equal
    console.log(`  => ${name}: ${ms(b)} with ${large.runs.toLocaleString('en-US')} runs vs ${ms(a)} with ${small.runs} (${(b / a).toFixed(2)}×) — goal within 2× and under 100 ms: ${within ? 'PASS' : 'FAIL'}`);
  }
  console.log(`  => rebuilding the index of ${large.runs.toLocaleString('en-US')} runs: ${(large.rebuildMs / 1000).toFixed(1)} s; opening it (journal + one stat per trace): ${(large.openMs / 1000).toFixed(2)} s`);
  return rows;
}

async function run({ dir }: BenchContext): Promise<SummaryRow[]> {
  const rows = await runIndexFigure(dir);
  const [small, large] = [rows[0]!, rows[rows.length - 1]!];
  const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;
  return [
    [`6. runs.list, ${large.runs.toLocaleString('en-US')} runs`, ms(large.listMs), `${(large.listMs / small.listMs).toFixed(2)}×`, `${small.runs} runs (${ms(small.listMs)}); goal ≤ 2× and < 100 ms`],
    [`   trace page, ${large.runs.toLocaleString('en-US')} runs`, ms(large.pageMs), `${(large.pageMs / small.pageMs).toFixed(2)}×`, `${small.runs} runs (${ms(small.pageMs)})`],
    [`   index rebuild, ${large.runs.toLocaleString('en-US')} runs`, `${(large.rebuildMs / 1000).toFixed(1)} s`, '', ''],
  ];
}

const figure: Figure = { id: 'run-index', order: 6, run };
export default figure;
