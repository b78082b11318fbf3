/**
 * Figure 4: runs per second of a 10-node no-op flow (full `Engine.startRun`, a trace file and run
 * lock per run), sequential and 4 in parallel, with the fsync calls one run issues; a run's wall
 * time is also given in units of figure 3's raw append+fdatasync.
 */
import { join } from 'node:path';
import type { Engine } from '../../engine/index.ts';
import { chainFlow, fileEngine, runOnce } from '../lib/engines.ts';
import { QUICK, type BenchContext, type Figure, type SummaryRow } from '../lib/figure.ts';
import { fmt, heading, printTable, ratio } from '../lib/print.ts';
import { measureRawFsyncUs } from '../lib/raw-fsync.ts';
import { interleaved, median, range, timed } from '../lib/stats.ts';
import { syncCalls, syncCount } from '../lib/sync-counter.ts';

const CFG = { nodes: 10, warmupRuns: QUICK ? 5 : 20, runsPerRep: QUICK ? 20 : 80, reps: QUICK ? 2 : 9, parallel: 4 };

interface Fig4Row {
  label: string;
  runsPerSec: number;
  spread: string;
  msPerRun: number;
  syncsPerRun: number;
}

async function run({ dir: root, baselines }: BenchContext): Promise<SummaryRow[]> {
  const { nodes, warmupRuns, runsPerRep, reps, parallel } = CFG;
  heading(`4. Runs per second: full Engine.startRun of a ${nodes}-node no-op chain, trace file per run`);
  const rawSource = baselines.rawFsyncUs === undefined ? 'measured here, figure 3 not run' : 'figure 3 baseline';
  const rawFsyncUs = baselines.rawFsyncUs ?? (await measureRawFsyncUs(root));
  const flow = chainFlow('throughput', nodes, 'bench.noop');
  const buffered = await fileEngine(join(root, 'buffered'), 'buffered');
  const durable = await fileEngine(join(root, 'durable'), 'durable');
  const parallelEngine = await fileEngine(join(root, 'parallel'), 'buffered');
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
  console.log(`  => ${fmt(rows[0]!.runsPerSec, 0)} runs/s sequential; ${parallel} in parallel gives ${ratio(speedup, 2)} that. One run costs as much wall time as ${fmt((rows[0]!.msPerRun * 1000) / rawFsyncUs, 1)} raw append+fdatasync calls (${rawSource}, ${fmt(rawFsyncUs, 0)} µs).`);
  // As of this writing: fsync of the run lock file and of the runs folder; fdatasync of the header,
  // of run.finished, and once more in close() although nothing was written after run.finished.
  const known = perRun.datasync === 3 && perRun.fsync === 2 ? ' (fsync: run lock file, runs folder; fdatasync: header, run.finished, and again in close() with nothing new to sync)' : '';
  console.log(`  fsyncs/run counts FileHandle calls during the timed runs; one buffered run issues ${perRun.datasync} fdatasync + ${perRun.fsync} fsync${known}.`);
  const [seqBuffered, seqDurable] = rows;
  return [
    [`4. runs/s, ${nodes}-node flow, sequential`, `${fmt(seqBuffered!.runsPerSec, 0)} /s`, ratio((seqBuffered!.msPerRun * 1000) / rawFsyncUs, 1), 'raw fsync (run time in fsync units)'],
    [`4. runs/s, ${parallel} in parallel`, `${fmt(rows[2]!.runsPerSec, 0)} /s`, ratio(speedup, 2), 'sequential'],
    ['4. syncs issued per run', `${perRun.datasync} + ${perRun.fsync}`, '', 'fdatasync + fsync calls'],
    [`4. runs/s, sequential, durable`, `${fmt(seqDurable!.runsPerSec, 0)} /s`, ratio(seqDurable!.runsPerSec / seqBuffered!.runsPerSec, 2), 'sequential buffered'],
  ];
}

const figure: Figure = { id: 'runs-per-second', order: 4, run };
export default figure;
