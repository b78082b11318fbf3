/**
 * Figure 1: per-node runner overhead. A chain of no-op nodes through `Engine.startRun`, timed from
 * the first `node.started` to the last `node.succeeded`, against a plain awaited async call
 * measured in the same run; the fixed cost of a run (lock, trace file, syncs) printed beside it.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Engine, FileTraceStore, type EngineOptions, type Flow } from '../../engine/index.ts';
import { MemoryStore, chainFlow, registry, runOnce } from '../lib/engines.ts';
import { QUICK, type BenchContext, type Figure, type SummaryRow } from '../lib/figure.ts';
import { fmt, heading, printTable, ratio } from '../lib/print.ts';
import { interleaved, median, range, timed } from '../lib/stats.ts';

const CFG = { nodes: QUICK ? 50 : 200, bigNodes: QUICK ? 300 : 1000, warmup: QUICK ? 2 : 5, reps: QUICK ? 5 : 21, bigReps: QUICK ? 2 : 5, callsPerNode: 500 };

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

async function run({ dir: root }: BenchContext): Promise<SummaryRow[]> {
  const { nodes: N, bigNodes, warmup, reps, bigReps, callsPerNode } = CFG;
  heading(`1. Per-node runner overhead (chain of ${N} no-op nodes) vs a plain awaited async call`);
  await mkdir(join(root, 'buffered'), { recursive: true });
  await mkdir(join(root, 'durable'), { recursive: true });
  const buffered = spanEngine({ store: new FileTraceStore(join(root, 'buffered')), registry, durability: 'buffered' });
  const durable = spanEngine({ store: new FileTraceStore(join(root, 'durable')), registry, durability: 'durable' });
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
  return [
    ['1. runner overhead per node (buffered)', `${fmt(primary.perNodeUs, 1)} µs`, ratio(primary.perNodeUs / callUs, 0), `plain async call (${fmt(callUs, 4)} µs)`],
    [`1. same, chain of ${bigNodes}`, `${fmt(bigUs, 1)} µs`, ratio(bigUs / smallUs, 2), `chain of ${N} (1.00× = linear)`],
    ['1. fixed cost of a run (lock, trace file, syncs)', `${fmt(primary.fixedMs, 2)} ms`, ratio((primary.fixedMs * 1000) / primary.perNodeUs, 0), 'one no-op node (a run costs that many nodes)'],
  ];
}

const figure: Figure = { id: 'runner-overhead', order: 1, run };
export default figure;
