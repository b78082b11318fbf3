/**
 * Flowkeeper benchmark runner: `npm run bench` (tsx bench/run.ts). `BENCH_QUICK=1 npm run bench`
 * for a fast smoke run with fewer repetitions (figures are then rougher);
 * `npm run bench -- <figure id> …` runs only the named figures (ids are the file names in
 * bench/figures/, e.g. `runner-overhead`).
 *
 * Every file in bench/figures/ default-exports one figure (bench/lib/figure.ts); they run in
 * their `order`, each in its own folder under one temp folder in os.tmpdir() removed at the end,
 * and each prints its section and returns its rows of the summary table. Every figure is a ratio
 * against a baseline measured in the same run, because the absolute numbers of a small noisy
 * machine say little on their own (see bench/README.md for the method and each figure).
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, statfs } from 'node:fs/promises';
import { arch, availableParallelism, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { QUICK, type Baselines, type Figure, type SummaryRow } from './lib/figure.ts';
import { fmt, heading, printTable } from './lib/print.ts';
import { installSyncCounter } from './lib/sync-counter.ts';

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

async function loadFigures(): Promise<Figure[]> {
  const folder = join(import.meta.dirname, 'figures');
  const files = (await readdir(folder)).filter((f) => f.endsWith('.ts')).sort();
  const figures: Figure[] = [];
  for (const file of files) {
    // A template with a fixed folder, so a bundler (bench/bin.js) includes every figure.
    const mod = (await import(`./figures/${basename(file, '.ts')}.ts`)) as { default?: Figure };
    const figure = mod.default;
    if (!figure || typeof figure.run !== 'function') throw new Error(`bench/figures/${file} must default-export a Figure (bench/lib/figure.ts).`);
    if (figure.id !== basename(file, '.ts')) throw new Error(`bench/figures/${file} exports the figure id "${figure.id}"; name the file after its id.`);
    figures.push(figure);
  }
  return figures.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
}

function pickFigures(all: Figure[], wanted: string[]): Figure[] {
  if (wanted.length === 0) return all;
  const unknown = wanted.filter((id) => !all.some((f) => f.id === id));
  if (unknown.length > 0) {
    console.error(`Unknown figure ${unknown.map((u) => `"${u}"`).join(', ')}. The figures are: ${all.map((f) => f.id).join(', ')}.`);
    process.exit(2);
  }
  return all.filter((f) => wanted.includes(f.id));
}

async function main(): Promise<void> {
  const started = performance.now();
  const figures = pickFigures(await loadFigures(), process.argv.slice(2));
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
    console.log(`  figures: ${figures.map((f) => f.id).join(', ')}`);
    console.log(`  figures are medians [min–max] over interleaved repetitions, after warm-up; ratios compare cases measured in this same run.`);
    await installSyncCounter(root);

    const baselines: Baselines = {};
    const summary: SummaryRow[] = [];
    for (const figure of figures) {
      const dir = join(root, figure.id);
      await mkdir(dir, { recursive: true });
      summary.push(...(await figure.run({ dir, baselines })));
    }

    heading('Summary');
    printTable([['figure', 'value', 'ratio', 'against'], ...summary]);
    console.log(`\n  bench time ${fmt((performance.now() - started) / 1000, 1)} s; temp files removed.`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rm(root, { recursive: true, force: true });
  }
}

await main();
