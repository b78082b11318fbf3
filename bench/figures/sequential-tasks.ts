/**
 * Figure 2: 40 sequential 10 ms tasks, against the ideal 0.40 s, plain JS timers measured in the
 * same run, and the published Temporal / Hatchet figures for the same test.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chainFlow, fileEngine, runOnce } from '../lib/engines.ts';
import { QUICK, type BenchContext, type Figure, type SummaryRow } from '../lib/figure.ts';
import { fmt, heading, printTable, ratio } from '../lib/print.ts';
import { interleaved, median, range, timed } from '../lib/stats.ts';

const CFG = { tasks: 40, taskMs: 10, warmup: 1, reps: QUICK ? 2 : 7 };

/** Published figures for "40 sequential 10 ms tasks" and our goal, in seconds. */
const PUBLISHED = { temporal: 2.97, hatchet: 1.22, goal: 0.5 };

interface Fig2Row {
  label: string;
  seconds: number;
  spread: string;
  pass: boolean;
}

async function run({ dir: root }: BenchContext): Promise<SummaryRow[]> {
  const { tasks, taskMs, warmup, reps } = CFG;
  const ideal = (tasks * taskMs) / 1000;
  heading(`2. ${tasks} sequential ${taskMs} ms tasks (ideal ${fmt(ideal)} s; Temporal ${PUBLISHED.temporal} s, Hatchet ${PUBLISHED.hatchet} s; goal ≤ ${PUBLISHED.goal} s)`);
  const buffered = await fileEngine(join(root, 'buffered'), 'buffered');
  const durable = await fileEngine(join(root, 'durable'), 'durable');
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
  const delay = rows[1]!;
  return [
    [`2. ${tasks} × ${taskMs} ms sequential (bench.sleep)`, `${fmt(primary.seconds, 3)} s`, ratio(primary.seconds / ideal, 3), `ideal ${fmt(ideal)} s`],
    ['   …', '', ratio(primary.seconds / rawSeconds, 3), `plain JS timers (${fmt(rawSeconds, 3)} s)`],
    ['   …', '', ratio(primary.seconds / PUBLISHED.temporal, 3), `Temporal ${PUBLISHED.temporal} s`],
    ['   …', '', ratio(primary.seconds / PUBLISHED.hatchet, 3), `Hatchet ${PUBLISHED.hatchet} s`],
    [`   goal ≤ ${PUBLISHED.goal} s`, primary.pass ? 'PASS' : 'FAIL', ratio(primary.seconds / PUBLISHED.goal, 2), `goal ${PUBLISHED.goal} s`],
    [`2. same with flow.delay`, `${fmt(delay.seconds, 3)} s`, ratio(delay.seconds / ideal, 3), `ideal ${fmt(ideal)} s — ${delay.pass ? 'PASS' : 'FAIL'}`],
  ];
}

const figure: Figure = { id: 'sequential-tasks', order: 2, run };
export default figure;
