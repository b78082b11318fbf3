/**
 * Flowkeeper benchmark: `npm run bench` (tsx bench/run.ts). `BENCH_QUICK=1 npm run bench` for a
 * fast smoke run with fewer repetitions (figures are then rougher).
 *
 * Prints four figures, each as a ratio against a baseline measured in the same run, because the
 * absolute numbers of a small noisy machine say little on their own (see bench/README.md):
 *   1. per-node runner overhead vs a plain awaited async call
 *   2. 40 sequential 10 ms tasks vs the ideal 0.40 s and published Temporal / Hatchet figures
 *   3. trace append cost (buffered, durable, durable with concurrent callers) vs a raw
 *      appendFile + fdatasync loop
 *   4. runs per second of a 10-node no-op flow (sequential and 4 in parallel)
 *   run index: runs list and a trace page with 100 vs 100,000 runs, index rebuild (figures/run-index.ts)
 *
 * Method: warm-up iterations first; the cases of one figure are interleaved repetition by
 * repetition (rotating their order) so that machine noise hits them alike; medians are reported
 * with [min–max]. Everything is written under one temp folder in os.tmpdir(), removed at the end.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, statfs, type FileHandle } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, platform, release, arch, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  Engine,
  FileTraceStore,
  NodeRegistry,
  Redactor,
  TRACE_FORMAT,
  TRACE_FORMAT_VERSION,
  defineNode,
  validateFlow,
  type BlobRef,
  type EngineOptions,
  type EventSink,
  type Flow,
  type RunEventBody,
  type TraceHeader,
  type TraceStore,
} from '../engine/index.ts';
import { MemorySink } from '../engine/trace/memory-sink.ts';
import { builtinNodes } from '../nodes/index.ts';
import { runIndexFigure } from './figures/run-index.ts';

type Durability = NonNullable<EngineOptions['durability']>;

const QUICK = process.env.BENCH_QUICK === '1';

/** Sizes and repetition counts; QUICK shrinks them for a smoke run. */
const CFG = {
  overhead: { nodes: QUICK ? 50 : 200, bigNodes: QUICK ? 300 : 1000, warmup: QUICK ? 2 : 5, reps: QUICK ? 5 : 21, bigReps: QUICK ? 2 : 5, callsPerNode: 500 },
  sequential: { tasks: 40, taskMs: 10, warmup: 1, reps: QUICK ? 2 : 7 },
  trace: { events: QUICK ? 300 : 2000, warmupEvents: QUICK ? 100 : 300, reps: QUICK ? 2 : 5, batch: 50 },
  throughput: { nodes: 10, warmupRuns: QUICK ? 5 : 20, runsPerRep: QUICK ? 20 : 80, reps: QUICK ? 2 : 9, parallel: 4 },
};

/** Published figures for "40 sequential 10 ms tasks" and our goal, in seconds. */
const PUBLISHED = { temporal: 2.97, hatchet: 1.22, goal: 0.5 };

// ---------------------------------------------------------------------------------------------
// Small helpers: statistics, formatting, interleaved repetitions

function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function range(values: readonly number[], digits: number, scale = 1): string {
  if (values.length === 0) return '';
  return `[${(Math.min(...values) * scale).toFixed(digits)}–${(Math.max(...values) * scale).toFixed(digits)}]`;
}

function fmt(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toFixed(digits);
}

function ratio(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `${value.toFixed(digits)}×`;
}

/** Prints rows as aligned columns; the first row is the heading. Numeric-looking cells align right. */
function printTable(rows: string[][], indent = '  '): void {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const numeric = /^[-+]?[\d.,]+(\s?(µs|ms|s|×|%|\/s))?$|^\[.*\]$|^n\/a$/;
  rows.forEach((row, r) => {
    const line = row.map((cell, i) => (r > 0 && numeric.test(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
    console.log(indent + line.trimEnd());
    if (r === 0) console.log(indent + widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

function heading(title: string): void {
  console.log(`\n${title}\n${'='.repeat(title.length)}`);
}

/**
 * Runs every case once per repetition, rotating their order, and keeps the samples after the
 * warm-up repetitions. A case returns its own sample (usually milliseconds).
 */
async function interleaved<K extends string>(
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

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

// ---------------------------------------------------------------------------------------------
// fsync counting: a diagnostic wrapper around FileHandle.prototype.{datasync,sync}

const syncCalls = { datasync: 0, fsync: 0 };

function syncCount(): number {
  return syncCalls.datasync + syncCalls.fsync;
}

async function installSyncCounter(dir: string): Promise<void> {
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as Pick<FileHandle, 'datasync' | 'sync'>;
  await probe.close();
  const { datasync, sync } = proto;
  proto.datasync = function (this: FileHandle) {
    syncCalls.datasync++;
    return datasync.call(this);
  };
  proto.sync = function (this: FileHandle) {
    syncCalls.fsync++;
    return sync.call(this);
  };
}

// ---------------------------------------------------------------------------------------------
// Bench node types, flows and stores

const noopNode = defineNode({
  type: 'bench.noop',
  version: 1,
  title: 'No-op',
  category: 'transform',
  icon: 'dot',
  description: 'Passes its items on unchanged (benchmark).',
  config: z.object({}).strict(),
  inputs: ['in'],
  outputs: ['out'],
  effects: 'pure',
  run: ({ items }) => Promise.resolve({ out: items }),
});

const sleepNode = defineNode({
  type: 'bench.sleep',
  version: 1,
  title: 'Sleep',
  category: 'flow',
  icon: 'clock',
  description: 'Waits a fixed number of milliseconds on a plain timer, then passes its items on (benchmark).',
  config: z.object({ ms: z.number().int().min(0) }).strict(),
  inputs: ['in'],
  outputs: ['out'],
  effects: 'pure',
  async run({ items, config, ctx }) {
    await sleep(config.ms, undefined, { signal: ctx.signal });
    return { out: items };
  },
});

const registry = new NodeRegistry([...builtinNodes, noopNode, sleepNode]);

/** A chain n0 -> n1 -> … of `count` nodes of one type. */
function chainFlow(id: string, count: number, type: string, config: Record<string, unknown> = {}): Flow {
  const nodes = Array.from({ length: count }, (_, i) => ({ id: `n${i}`, type, config }));
  const edges = nodes.slice(1).map((node, i) => ({ source: `n${i}`, target: node.id }));
  const result = validateFlow({ format: 'flowkeeper/flow', formatVersion: 1, id, name: id, nodes, edges }, registry);
  if (!result.ok) throw new Error(`bench flow ${id} is invalid: ${result.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return result.flow;
}

/** A TraceStore that keeps nothing on disk: isolates the runner's own cost from trace I/O. */
class MemoryStore implements TraceStore {
  create(): Promise<EventSink> {
    return Promise.resolve(new MemorySink());
  }
  reopen(): Promise<never> {
    return Promise.reject(new Error('MemoryStore cannot reopen runs'));
  }
  load(): Promise<never> {
    return Promise.reject(new Error('MemoryStore cannot load runs'));
  }
  list(): ReturnType<TraceStore['list']> {
    return Promise.resolve({ runs: [], quarantined: [] });
  }
  readEvents(): Promise<never> {
    return Promise.reject(new Error('MemoryStore cannot read runs'));
  }
  readonly leases = { claim: () => Promise.resolve({ release: () => Promise.resolve() }) };
  putPayload<T>(value: T): Promise<T | BlobRef> {
    return Promise.resolve(value);
  }
  getPayload<T>(value: T | BlobRef): Promise<T> {
    return Promise.resolve(value as T);
  }
}

async function fileEngine(dir: string, durability: Durability): Promise<Engine> {
  await mkdir(dir, { recursive: true });
  return new Engine({ store: new FileTraceStore(dir), registry, durability });
}

async function runOnce(engine: Engine, flow: Flow): Promise<void> {
  const outcome = await engine.startRun(flow, { input: { i: 1 }, startedBy: 'bench' });
  if (outcome.status !== 'succeeded') throw new Error(`bench run of ${flow.id} ended ${outcome.status}: ${outcome.error?.message ?? ''}`);
}

// ---------------------------------------------------------------------------------------------
// Figure 1: per-node runner overhead

interface Fig1 {
  nodes: number;
  callUs: number;
  turnUs: number;
  rows: Array<{ label: string; perNodeUs: number; spread: string; allInUs: number; fixedMs: number }>;
  primaryUs: number;
  primaryRatio: number;
  bigNodes: number;
  bigUs: number;
  scaling: number;
}

async function trivial(x: number): Promise<number> {
  return x + 1;
}

/**
 * An engine whose onEvent listener notes when the first node started and the last node
 * succeeded. That span holds the per-node work only: the fixed cost of a run (run lock, trace file
 * creation, fsyncs of header and run.finished) lies outside it, and so does its disk noise.
 */
function spanEngine(options: Omit<EngineOptions, 'onEvent'>): { engine: Engine; run: (flow: Flow) => Promise<{ spanMs: number; totalMs: number }> } {
  let first = NaN;
  let last = NaN;
  const engine = new Engine({
    ...options,
    onEvent: (_runId, event) => {
      if (event.type === 'node.started' && Number.isNaN(first)) first = performance.now();
      else if (event.type === 'node.succeeded') last = performance.now();
    },
  });
  return {
    engine,
    run: async (flow) => {
      first = NaN;
      last = NaN;
      const totalMs = await timed(() => runOnce(engine, flow));
      return { spanMs: last - first, totalMs };
    },
  };
}

async function figure1(root: string): Promise<Fig1> {
  const { nodes: N, bigNodes, warmup, reps, bigReps, callsPerNode } = CFG.overhead;
  heading(`1. Per-node runner overhead (chain of ${N} no-op nodes) vs a plain awaited async call`);
  await mkdir(join(root, 'fig1-buffered'), { recursive: true });
  await mkdir(join(root, 'fig1-durable'), { recursive: true });
  const buffered = spanEngine({ store: new FileTraceStore(join(root, 'fig1-buffered')), registry, durability: 'buffered' });
  const durable = spanEngine({ store: new FileTraceStore(join(root, 'fig1-durable')), registry, durability: 'durable' });
  const memory = spanEngine({ store: new MemoryStore(), registry });
  const noopN = chainFlow('noop-chain', N, 'bench.noop');
  const setN = chainFlow('set-chain', N, 'transform.set', { fields: [] });

  const calls = N * callsPerNode;
  const turns = N * 10;
  const totals: Record<string, number[]> = {};
  /** A case that runs a flow, keeps its total time aside and returns its per-node span. */
  const flowCase = (name: string, target: ReturnType<typeof spanEngine>, flow: Flow) => async (warm: boolean) => {
    const { spanMs, totalMs } = await target.run(flow);
    if (!warm) (totals[name] ??= []).push(totalMs);
    return spanMs;
  };
  const samples = await interleaved(
    {
      call: () =>
        timed(async () => {
          let acc = 0;
          for (let i = 0; i < calls; i++) acc = await trivial(acc);
          if (acc !== calls) throw new Error('unreachable');
        }),
      turn: () =>
        timed(async () => {
          for (let i = 0; i < turns; i++) await nextTurn();
        }),
      buffered: flowCase('buffered', buffered, noopN),
      set: flowCase('set', buffered, setN),
      durable: flowCase('durable', durable, noopN),
      memory: flowCase('memory', memory, noopN),
    },
    reps,
    warmup,
  );
  const callUs = (median(samples.call) * 1000) / calls;
  const turnUs = (median(samples.turn) * 1000) / turns;
  const row = (label: string, name: 'buffered' | 'set' | 'durable' | 'memory') => {
    const total = totals[name] ?? [];
    return {
      label,
      perNodeUs: (median(samples[name]) * 1000) / N,
      spread: range(samples[name], 1, 1000 / N),
      allInUs: (median(total) * 1000) / N,
      fixedMs: median(total.map((t, i) => t - samples[name][i]!)),
    };
  };
  const rows = [
    row('bench.noop, trace buffered (default)', 'buffered'),
    row('transform.set {fields: []}, buffered', 'set'),
    row('bench.noop, trace durable', 'durable'),
    row('bench.noop, in-memory store (no I/O)', 'memory'),
  ];

  // Scaling: the same chain, 5× longer. Per-node cost should stay flat if scheduling is O(1) per node.
  const noopBig = chainFlow('noop-big', bigNodes, 'bench.noop');
  const big = await interleaved({ big: async () => (await buffered.run(noopBig)).spanMs, small: async () => (await buffered.run(noopN)).spanMs }, bigReps, 1);
  const bigUs = (median(big.big) * 1000) / bigNodes;
  const smallUs = (median(big.small) * 1000) / N;

  const primary = rows[0]!;
  printTable([
    ['case', 'µs/node', '[min–max]', 'vs async call', 'vs loop turn', 'µs/node all-in', 'fixed ms/run'],
    ...rows.map((r) => [r.label, fmt(r.perNodeUs, 1), r.spread, ratio(r.perNodeUs / callUs, 0), ratio(r.perNodeUs / turnUs, 1), fmt(r.allInUs, 1), fmt(r.fixedMs, 2)]),
  ]);
  console.log(`  µs/node: first node.started to last node.succeeded, / ${N}. all-in: whole startRun / ${N}. fixed: startRun minus that span (lock, trace file, fsyncs).`);
  console.log(`  plain async call (await trivial(x)):      ${fmt(callUs, 4)} µs/call (median of ${reps}, ${calls.toLocaleString('en')} calls each)`);
  console.log(`  one event-loop turn (await setImmediate): ${fmt(turnUs, 2)} µs/turn (reference)`);
  console.log(`  => runner overhead: ${fmt(primary.perNodeUs, 1)} µs per node = ${ratio(primary.perNodeUs / callUs, 0)} a plain async call (trace mode: buffered)`);
  console.log(`  scaling: chain of ${bigNodes}: ${fmt(bigUs, 1)} µs/node vs ${fmt(smallUs, 1)} µs/node for ${N} = ${ratio(bigUs / smallUs, 2)} (1.00× = linear in flow size)`);
  return {
    nodes: N,
    callUs,
    turnUs,
    rows,
    primaryUs: primary.perNodeUs,
    primaryRatio: primary.perNodeUs / callUs,
    bigNodes,
    bigUs,
    scaling: bigUs / smallUs,
  };
}

// ---------------------------------------------------------------------------------------------
// Figure 2: 40 sequential 10 ms tasks

interface Fig2Row {
  label: string;
  seconds: number;
  spread: string;
  pass: boolean;
}

async function figure2(root: string): Promise<{ rows: Fig2Row[]; rawSeconds: number; primary: Fig2Row }> {
  const { tasks, taskMs, warmup, reps } = CFG.sequential;
  const ideal = (tasks * taskMs) / 1000;
  heading(`2. ${tasks} sequential ${taskMs} ms tasks (ideal ${fmt(ideal)} s; Temporal ${PUBLISHED.temporal} s, Hatchet ${PUBLISHED.hatchet} s; goal ≤ ${PUBLISHED.goal} s)`);
  const buffered = await fileEngine(join(root, 'fig2-buffered'), 'buffered');
  const durable = await fileEngine(join(root, 'fig2-durable'), 'durable');
  const sleepChain = chainFlow('sleep-chain', tasks, 'bench.sleep', { ms: taskMs });
  const delayChain = chainFlow('delay-chain', tasks, 'flow.delay', { seconds: taskMs / 1000 });
  const samples = await interleaved(
    {
      raw: () =>
        timed(async () => {
          for (let i = 0; i < tasks; i++) await sleep(taskMs);
        }),
      sleepBuf: () => timed(() => runOnce(buffered, sleepChain)),
      delayBuf: () => timed(() => runOnce(buffered, delayChain)),
      sleepDur: () => timed(() => runOnce(durable, sleepChain)),
    },
    reps,
    warmup,
  );
  const rawSeconds = median(samples.raw) / 1000;
  const mk = (label: string, ms: number[]): Fig2Row => {
    const seconds = median(ms) / 1000;
    return { label, seconds, spread: range(ms, 3, 1 / 1000), pass: seconds <= PUBLISHED.goal };
  };
  const rows = [
    mk('bench.sleep (setTimeout 10 ms), buffered', samples.sleepBuf),
    mk('flow.delay {seconds: 0.01}, buffered', samples.delayBuf),
    mk('bench.sleep, trace durable', samples.sleepDur),
  ];
  printTable([
    ['case', 'total s', '[min–max]', 'over ideal', 'ms/task over raw', 'vs Temporal', 'vs Hatchet', `goal ≤ ${PUBLISHED.goal} s`],
    [`plain JS: ${tasks} × await setTimeout(${taskMs})`, fmt(rawSeconds, 3), range(samples.raw, 3, 1 / 1000), `${fmt(((rawSeconds - ideal) / ideal) * 100, 1)}%`, '0.00', ratio(rawSeconds / PUBLISHED.temporal, 3), ratio(rawSeconds / PUBLISHED.hatchet, 3), '(baseline)'],
    ...rows.map((r) => [
      r.label,
      fmt(r.seconds, 3),
      r.spread,
      `${fmt(((r.seconds - ideal) / ideal) * 100, 1)}%`,
      fmt(((r.seconds - rawSeconds) * 1000) / tasks, 2),
      ratio(r.seconds / PUBLISHED.temporal, 3),
      ratio(r.seconds / PUBLISHED.hatchet, 3),
      r.pass ? 'PASS' : 'FAIL',
    ]),
  ]);
  const primary = rows[0]!;
  console.log(
    `  => ${fmt(primary.seconds, 3)} s: ${fmt(primary.seconds - ideal, 3)} s over the ideal ${fmt(ideal)} s, ` +
      `${fmt(PUBLISHED.temporal / primary.seconds, 1)}× faster than Temporal, ${fmt(PUBLISHED.hatchet / primary.seconds, 1)}× faster than Hatchet — ${primary.pass ? 'PASS' : 'FAIL'} (goal ≤ ${PUBLISHED.goal} s)`,
  );
  console.log(`  ("vs" columns are our time / theirs: lower is better. "ms/task over raw" is what the engine adds per task beyond the timer itself.)`);
  return { rows, rawSeconds, primary };
}

// ---------------------------------------------------------------------------------------------
// Figure 3: trace append cost

interface Fig3Row {
  label: string;
  us: number;
  spread: string;
  syncsPerEvent: number;
  vsRaw: number;
}

function logEvent(i: number, total: number): RunEventBody {
  return { type: 'node.log', nodeId: `n${i % 40}`, level: 'info', message: `processed item ${i} of ${total}`, data: { itemIndex: i, status: 'ok', ms: i % 17 } };
}

function benchHeader(runId: string): TraceHeader {
  return {
    kind: 'header',
    format: TRACE_FORMAT,
    formatVersion: TRACE_FORMAT_VERSION,
    runId,
    flowId: 'bench-trace',
    flowName: 'bench trace',
    flowVersion: 1,
    flowHash: '0'.repeat(64),
    flow: { $blob: '0'.repeat(64), bytes: 0 },
    input: {},
    createdAt: new Date().toISOString(),
    mode: 'run',
  };
}

async function figure3(root: string): Promise<{ rows: Fig3Row[]; rawUs: number }> {
  const { events: M, warmupEvents, reps, batch } = CFG.trace;
  heading(`3. Trace append cost: ${M} node.log events per case vs a raw appendFile + fdatasync loop`);
  const dir = join(root, 'fig3');
  await mkdir(dir, { recursive: true });
  const store = new FileTraceStore(dir);
  let fileNo = 0;
  const syncs: Record<string, number[]> = {};

  /** Times `body` over `count` events; setup and close are outside the timing. */
  const viaWriter = (name: string, durability: Durability, body: (sink: EventSink, count: number) => Promise<void>) => async (warm: boolean) => {
    const count = warm ? warmupEvents : M;
    const sink = await store.create(benchHeader(`bench-${name}-${fileNo++}`), { durability, redactor: new Redactor() });
    const before = syncCount();
    const ms = await timed(() => body(sink, count));
    if (!warm) (syncs[name] ??= []).push((syncCount() - before) / count);
    await sink.close();
    return (ms * 1000) / count;
  };
  const raw = (name: string, body: (fh: FileHandle, count: number) => Promise<void>) => async (warm: boolean) => {
    const count = warm ? warmupEvents : M;
    const fh = await open(join(dir, `raw-${name}-${fileNo++}.jsonl`), 'a');
    const before = syncCount();
    const ms = await timed(() => body(fh, count));
    if (!warm) (syncs[name] ??= []).push((syncCount() - before) / count);
    await fh.close();
    return (ms * 1000) / count;
  };
  const line = (i: number, total: number) => JSON.stringify({ seq: i + 1, ts: new Date().toISOString(), ...logEvent(i, total) }) + '\n';

  const samples = await interleaved(
    {
      rawLoop: raw('rawLoop', async (fh, n) => {
        for (let i = 0; i < n; i++) {
          await fh.appendFile(line(i, n));
          await fh.datasync();
        }
      }),
      rawOnce: raw('rawOnce', async (fh, n) => {
        const lines: string[] = [];
        for (let i = 0; i < n; i++) lines.push(line(i, n));
        await fh.appendFile(lines.join(''));
        await fh.datasync();
      }),
      buffered: viaWriter('buffered', 'buffered', async (sink, n) => {
        for (let i = 0; i < n; i++) sink.append(logEvent(i, n));
        await sink.sync();
      }),
      durableSeq: viaWriter('durableSeq', 'durable', async (sink, n) => {
        for (let i = 0; i < n; i++) await sink.appendDurable(logEvent(i, n));
      }),
      durableConc: viaWriter('durableConc', 'durable', async (sink, n) => {
        for (let i = 0; i < n; i += batch) {
          await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => sink.appendDurable(logEvent(i + j, n))));
        }
      }),
    },
    reps,
    1,
  );
  const rawUs = median(samples.rawLoop);
  const mk = (label: string, name: keyof typeof samples): Fig3Row => ({
    label,
    us: median(samples[name]),
    spread: range(samples[name], 1),
    syncsPerEvent: median(syncs[name] ?? []),
    vsRaw: median(samples[name]) / rawUs,
  });
  const rows = [
    mk('raw loop: appendFile + datasync per line (baseline)', 'rawLoop'),
    mk('raw: one appendFile of all lines + one datasync', 'rawOnce'),
    mk('TraceWriter buffered: append × M, then sync()', 'buffered'),
    mk('TraceWriter durable: await appendDurable, one at a time', 'durableSeq'),
    mk(`TraceWriter durable: ${batch} concurrent appendDurable per batch`, 'durableConc'),
  ];
  printTable([
    ['case', 'µs/event', '[min–max]', 'fsyncs/event', 'vs raw loop'],
    ...rows.map((r) => [r.label, fmt(r.us, 2), r.spread, fmt(r.syncsPerEvent, 3), ratio(r.vsRaw, 3)]),
  ]);
  console.log(`  => durable (sequential) costs ${ratio(rows[3]!.vsRaw, 2)} the raw loop; group commit with ${batch} concurrent callers: ${ratio(rows[4]!.vsRaw, 3)}; buffered: ${ratio(rows[2]!.vsRaw, 4)}`);
  return { rows, rawUs };
}

// ---------------------------------------------------------------------------------------------
// Figure 4: runs per second of a 10-node no-op flow

interface Fig4Row {
  label: string;
  runsPerSec: number;
  spread: string;
  msPerRun: number;
  syncsPerRun: number;
}

async function figure4(root: string, rawFsyncUs: number): Promise<{ rows: Fig4Row[]; speedup: number; perRun: { datasync: number; fsync: number } }> {
  const { nodes, warmupRuns, runsPerRep, reps, parallel } = CFG.throughput;
  heading(`4. Runs per second: full Engine.startRun of a ${nodes}-node no-op chain, trace file per run`);
  const flow = chainFlow('throughput', nodes, 'bench.noop');
  const buffered = await fileEngine(join(root, 'fig4-buffered'), 'buffered');
  const durable = await fileEngine(join(root, 'fig4-durable'), 'durable');
  const parallelEngine = await fileEngine(join(root, 'fig4-parallel'), 'buffered');
  const syncs: Record<string, number[]> = {};

  const sequential = (name: string, engine: Engine) => async (warm: boolean) => {
    const count = warm ? warmupRuns : runsPerRep;
    const before = syncCount();
    const ms = await timed(async () => {
      for (let i = 0; i < count; i++) await runOnce(engine, flow);
    });
    if (!warm) (syncs[name] ??= []).push((syncCount() - before) / count);
    return (count * 1000) / ms;
  };
  // Which kind of sync a run issues: one untimed run, counted by kind.
  const data0 = syncCalls.datasync;
  const full0 = syncCalls.fsync;
  await runOnce(buffered, flow);
  const perRun = { datasync: syncCalls.datasync - data0, fsync: syncCalls.fsync - full0 };
  const concurrent = (name: string, engine: Engine) => async (warm: boolean) => {
    const perWorker = Math.ceil((warm ? warmupRuns : runsPerRep) / parallel);
    const before = syncCount();
    const ms = await timed(() =>
      Promise.all(
        Array.from({ length: parallel }, async () => {
          for (let i = 0; i < perWorker; i++) await runOnce(engine, flow);
        }),
      ),
    );
    if (!warm) (syncs[name] ??= []).push((syncCount() - before) / (perWorker * parallel));
    return (perWorker * parallel * 1000) / ms;
  };
  const samples = await interleaved(
    { seqBuffered: sequential('seqBuffered', buffered), seqDurable: sequential('seqDurable', durable), parBuffered: concurrent('parBuffered', parallelEngine) },
    reps,
    1,
  );
  const mk = (label: string, name: keyof typeof samples): Fig4Row => {
    const runsPerSec = median(samples[name]);
    return { label, runsPerSec, spread: range(samples[name], 0), msPerRun: 1000 / runsPerSec, syncsPerRun: median(syncs[name] ?? []) };
  };
  const rows = [
    mk('sequential, trace buffered (default)', 'seqBuffered'),
    mk('sequential, trace durable', 'seqDurable'),
    mk(`${parallel} in parallel, trace buffered`, 'parBuffered'),
  ];
  const speedup = rows[2]!.runsPerSec / rows[0]!.runsPerSec;
  printTable([
    ['case', 'runs/s', '[min–max]', 'ms/run', 'fsyncs/run', 'run time / raw fsync'],
    ...rows.map((r) => [r.label, fmt(r.runsPerSec, 0), r.spread, fmt(r.msPerRun, 2), fmt(r.syncsPerRun, 1), ratio((r.msPerRun * 1000) / rawFsyncUs, 1)]),
  ]);
  console.log(`  => ${fmt(rows[0]!.runsPerSec, 0)} runs/s sequential; ${parallel} in parallel gives ${ratio(speedup, 2)} that. One run costs as much wall time as ${fmt((rows[0]!.msPerRun * 1000) / rawFsyncUs, 1)} raw append+fdatasync calls (figure 3 baseline, ${fmt(rawFsyncUs, 0)} µs).`);
  // As of this writing: fsync of the run lock file and of the runs folder; fdatasync of the header,
  // of run.finished, and once more in close() although nothing was written after run.finished.
  const known = perRun.datasync === 3 && perRun.fsync === 2 ? ' (fsync: run lock file, runs folder; fdatasync: header, run.finished, and again in close() with nothing new to sync)' : '';
  console.log(`  fsyncs/run counts FileHandle calls during the timed runs; one buffered run issues ${perRun.datasync} fdatasync + ${perRun.fsync} fsync${known}.`);
  return { rows, speedup, perRun };
}

// ---------------------------------------------------------------------------------------------
// Main

const FS_TYPES: Record<number, string> = {
  0xef53: 'ext2/3/4',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x9123683e: 'btrfs',
  0x58465342: 'xfs',
  0x6969: 'nfs',
  0x65735546: 'fuse',
  0x2fc12fc1: 'zfs',
};

async function main(): Promise<void> {
  const started = performance.now();
  const root = await mkdtemp(join(tmpdir(), 'flowkeeper-bench-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const fs = await statfs(root);
    const cpuList = cpus();
    console.log(`Flowkeeper bench${QUICK ? ' (BENCH_QUICK=1: fewer repetitions, rough figures)' : ''}`);
    console.log(`  node ${process.version} (v8 ${process.versions.v8}) on ${platform()} ${release()} ${arch()}`);
    console.log(`  cpus: ${cpuList.length} (available parallelism ${availableParallelism()}), ${cpuList[0]?.model.trim() ?? 'unknown model'}; memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB; load avg ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`  temp dir: ${root} (filesystem: ${FS_TYPES[fs.type] ?? `type 0x${fs.type.toString(16)}`})`);
    console.log(`  figures are medians [min–max] over interleaved repetitions, after warm-up; ratios compare cases measured in this same run.`);
    await installSyncCounter(root);

    const f1 = await figure1(root);
    const f2 = await figure2(root);
    const f3 = await figure3(root);
    const f4 = await figure4(root, f3.rawUs);
    await runIndexFigure(root); // prints its own lines (bench/figures/run-index.ts)

    heading('Summary');
    const ideal = (CFG.sequential.tasks * CFG.sequential.taskMs) / 1000;
    const durableSeq = f3.rows[3]!;
    const durableConc = f3.rows[4]!;
    const buffered3 = f3.rows[2]!;
    printTable([
      ['figure', 'value', 'ratio', 'against'],
      ['1. runner overhead per node (buffered)', `${fmt(f1.primaryUs, 1)} µs`, ratio(f1.primaryRatio, 0), `plain async call (${fmt(f1.callUs, 4)} µs)`],
      ['1. same, chain of ' + f1.bigNodes, `${fmt(f1.bigUs, 1)} µs`, ratio(f1.scaling, 2), `chain of ${f1.nodes} (1.00× = linear)`],
      [`2. ${CFG.sequential.tasks} × ${CFG.sequential.taskMs} ms sequential (bench.sleep)`, `${fmt(f2.primary.seconds, 3)} s`, ratio(f2.primary.seconds / ideal, 3), `ideal ${fmt(ideal)} s`],
      ['   …', '', ratio(f2.primary.seconds / f2.rawSeconds, 3), `plain JS timers (${fmt(f2.rawSeconds, 3)} s)`],
      ['   …', '', ratio(f2.primary.seconds / PUBLISHED.temporal, 3), `Temporal ${PUBLISHED.temporal} s`],
      ['   …', '', ratio(f2.primary.seconds / PUBLISHED.hatchet, 3), `Hatchet ${PUBLISHED.hatchet} s`],
      ['   goal ≤ 0.5 s', f2.primary.pass ? 'PASS' : 'FAIL', ratio(f2.primary.seconds / PUBLISHED.goal, 2), `goal ${PUBLISHED.goal} s`],
      [`2. same with flow.delay`, `${fmt(f2.rows[1]!.seconds, 3)} s`, ratio(f2.rows[1]!.seconds / ideal, 3), `ideal ${fmt(ideal)} s — ${f2.rows[1]!.pass ? 'PASS' : 'FAIL'}`],
      ['3. trace append, buffered', `${fmt(buffered3.us, 2)} µs/ev`, ratio(buffered3.vsRaw, 4), `raw append+fdatasync loop (${fmt(f3.rawUs, 0)} µs)`],
      ['3. trace append, durable sequential', `${fmt(durableSeq.us, 0)} µs/ev`, ratio(durableSeq.vsRaw, 2), 'raw loop'],
      [`3. trace append, durable ×${CFG.trace.batch} concurrent`, `${fmt(durableConc.us, 1)} µs/ev`, ratio(durableConc.vsRaw, 3), 'raw loop'],
      [`4. runs/s, ${CFG.throughput.nodes}-node flow, sequential`, `${fmt(f4.rows[0]!.runsPerSec, 0)} /s`, ratio((f4.rows[0]!.msPerRun * 1000) / f3.rawUs, 1), 'raw fsync (run time in fsync units)'],
      [`4. runs/s, ${CFG.throughput.parallel} in parallel`, `${fmt(f4.rows[2]!.runsPerSec, 0)} /s`, ratio(f4.speedup, 2), 'sequential'],
      ['4. syncs issued per run', `${f4.perRun.datasync} + ${f4.perRun.fsync}`, '', 'fdatasync + fsync calls'],
      [`4. runs/s, sequential, durable`, `${fmt(f4.rows[1]!.runsPerSec, 0)} /s`, ratio(f4.rows[1]!.runsPerSec / f4.rows[0]!.runsPerSec, 2), 'sequential buffered'],
    ]);
    console.log(`\n  bench time ${fmt((performance.now() - started) / 1000, 1)} s; temp files removed.`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rm(root, { recursive: true, force: true });
  }
}

await main();
