/**
 * Figure 5: command start-up. `flowkeeper --help` (the start-up bundle, cli/bundle.js) and the
 * same from the sources compiled by tsx (what every start cost before the bundle), against
 * `node -e 0` measured in the same run. Wall time per start, and the CPU time the child used
 * (from the kernel's count of waited-for children, so machine load does not inflate it).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundle, freshBundle } from '../../cli/bundle.js';
import { QUICK, type BenchContext, type Figure, type SummaryRow } from '../lib/figure.ts';
import { fmt, heading, printTable, ratio } from '../lib/print.ts';
import { interleaved, median, range } from '../lib/stats.ts';

const CFG = { warmup: 1, reps: QUICK ? 4 : 15 };
const GOAL_MS = 200;
const BIN = join(import.meta.dirname, '..', '..', 'cli', 'bin.js');

/** User + system CPU ms of this process's waited-for children (Linux /proc); NaN elsewhere. */
function childrenCpuMs(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // After "pid (comm) ": state is field 3, cutime 16 and cstime 17, in clock ticks (USER_HZ, 100 on Linux).
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

async function run({ dir }: BenchContext): Promise<SummaryRow[]> {
  const { warmup, reps } = CFG;
  heading('5. Command start-up: flowkeeper --help vs node -e 0');
  if (!freshBundle()) await buildBundle();
  const cpu: Record<string, number[]> = {};
  const start = (name: string, args: string[], env: NodeJS.ProcessEnv = {}) => (warm: boolean) => {
    const cpuBefore = childrenCpuMs();
    const t = performance.now();
    const child = spawnSync(process.execPath, args, { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
    const ms = performance.now() - t;
    if (child.status !== 0) throw new Error(`${args.join(' ')} exited ${child.status}: ${child.stderr}`);
    if (!warm) (cpu[name] ??= []).push(childrenCpuMs() - cpuBefore);
    return Promise.resolve(ms);
  };
  const samples = await interleaved(
    {
      node: start('node', ['-e', '0']),
      bundle: start('bundle', [BIN, '--help']),
      sources: start('sources', [BIN, '--help'], { FLOWKEEPER_CLI_FROM_SOURCE: '1' }),
    },
    reps,
    warmup,
  );
  const nodeMs = median(samples.node);
  const mk = (label: string, name: keyof typeof samples) => {
    const ms = median(samples[name]);
    const cpuMs = cpu[name]!.reduce((a, b) => a + b, 0) / cpu[name]!.length;
    return { label, ms, min: Math.min(...samples[name]), spread: range(samples[name], 0), cpuMs, vsNode: ms / nodeMs };
  };
  const rows = [mk('node -e 0 (baseline)', 'node'), mk('flowkeeper --help (start-up bundle)', 'bundle'), mk('flowkeeper --help from the sources (tsx)', 'sources')];
  const [base, bundle, sources] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
  printTable([
    ['case', 'ms/start', '[min–max]', 'CPU ms/start', 'vs node -e 0', `goal ≤ ${GOAL_MS} ms`],
    ...rows.map((r) => [r.label, fmt(r.ms, 0), r.spread, fmt(r.cpuMs, 0), ratio(r.vsNode, 1), r === base ? '(baseline)' : r.ms <= GOAL_MS ? 'PASS' : 'FAIL']),
  ]);
  console.log(`  => flowkeeper --help: ${fmt(bundle.ms, 0)} ms (${ratio(bundle.vsNode, 1)} node -e 0; fastest ${fmt(bundle.min, 0)} ms), from the sources ${fmt(sources.ms, 0)} ms — the bundle saves ${fmt(sources.ms - bundle.ms, 0)} ms per start.`);
  console.log(`  CPU ms/start: user + system time of the child (mean; 10 ms resolution), which machine load does not inflate; on a quiet machine wall ≈ CPU.`);
  return [
    ['5. CLI start-up (flowkeeper --help)', `${fmt(bundle.ms, 0)} ms`, ratio(bundle.vsNode, 1), `node -e 0 (${fmt(base.ms, 0)} ms)`],
    ['   CPU per start', `${fmt(bundle.cpuMs, 0)} ms`, ratio(bundle.cpuMs / base.cpuMs, 1), `node -e 0 (${fmt(base.cpuMs, 0)} ms CPU)`],
    [`   goal ≤ ${GOAL_MS} ms`, bundle.ms <= GOAL_MS ? 'PASS' : 'FAIL', ratio(bundle.ms / GOAL_MS, 2), `goal ${GOAL_MS} ms`],
    ['5. same from the sources (tsx)', `${fmt(sources.ms, 0)} ms`, ratio(sources.vsNode, 1), 'node -e 0'],
  ];
}

const figure: Figure = { id: 'cli-start-up', order: 5, run };
export default figure;
