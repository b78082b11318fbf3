/**
 * Figure 8: a data folder holding many runs paused at a review step (10,000; BENCH_QUICK 1,000).
 * Service start-up with the inbox index as the last close left it, and when it must be rebuilt
 * from the traces (missing or left in use after a crash; the run index, kept by every process writing
 * runs, says which runs to read — and a case where it is missing too); `inbox.list` of every item; memory held
 * per paused run (heap after start-up minus an empty folder's); and the time from a decision to
 * the next step starting. Against the goals of issue 16 (≤ 2 s, ≤ 200 ms, ≤ 10 KB, ≤ 50 ms).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { createService, Engine, FileTraceStore, inProcessApi, validateFlow, type Flow, type FlowkeeperService } from '../../engine/index.ts';
import { RunIndex } from '../../engine/trace/index.ts';
import { dataDirLayout } from '../../engine/storage/layout.ts';
import { registry } from '../lib/engines.ts';
import { QUICK, type BenchContext, type Figure, type SummaryRow } from '../lib/figure.ts';
import { fmt, heading, printTable, ratio } from '../lib/print.ts';
import { median, range, timed } from '../lib/stats.ts';

const CFG = { runs: QUICK ? 1000 : 10_000, parallel: 32, listReps: QUICK ? 5 : 15, decisions: QUICK ? 10 : 30, startReps: QUICK ? 2 : 3 };
const GOALS = { startMs: 2000, listMs: 200, bytesPerRun: 10 * 1024, decideMs: 50 };

const keychain = { getPassword: async () => null, setPassword: async () => undefined, deletePassword: async () => false };

function reviewFlow(): Flow {
  const result = validateFlow(
    {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'approve-invoices',
      name: 'Approve invoices',
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'check', type: 'human.review', config: { title: 'Invoice {{ number }} from {{ supplier }}', body: 'Amount {{ amount }}', fields: [{ name: 'amount', type: 'number', label: 'Amount' }], assignee: 'finance', dueAfterHours: 48 } },
        { id: 'book', type: 'transform.set', config: { fields: [{ name: 'booked', value: true }] } },
      ],
      edges: [
        { source: 'start', target: 'check' },
        { source: 'check', sourcePort: 'approve', target: 'book' },
        { source: 'check', sourcePort: 'edit', target: 'book' },
      ],
    },
    registry,
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.flow;
}

function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function heapAfterGc(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

/**
 * Without the resume-at-start scan: it lists every trace in the background (the run index's
 * business, not the inbox's), which would be counted here otherwise.
 */
async function open(dir: string): Promise<FlowkeeperService> {
  return createService({ dataDir: dir, registry, keychain, resumeOnStart: false });
}

async function run({ dir }: BenchContext): Promise<SummaryRow[]> {
  const { runs, parallel } = CFG;
  heading(`8. Paused runs: ${runs.toLocaleString('en-US')} runs waiting at a review step in one data folder`);
  const gc = gcFunction();
  const data = join(dir, 'data');
  const empty = join(dir, 'empty');
  const flow = reviewFlow();

  // The folder: real runs, each paused at its review (trace + synced review.requested), with the
  // run index's journal that every process writing runs keeps (the service, a CLI run).
  const store = new FileTraceStore(data);
  const runIndex = new RunIndex(store, { journal: dataDirLayout(data).runIndex });
  const engine = new Engine({ store, registry });
  const fillMs = await timed(async () => {
    for (let next = 0; next < runs; next += parallel) {
      await Promise.all(
        Array.from({ length: Math.min(parallel, runs - next) }, (_, k) => engine.startRun(flow, { input: { number: `INV-${next + k}`, supplier: 'ACME', amount: 100 + ((next + k) % 900) } })),
      );
    }
  });
  await runIndex.writes();
  runIndex.close();
  console.log(`  set-up: ${runs} paused runs written in ${fmt(fillMs / 1000, 1)} s`);

  // Start-up: a rebuild from the traces (no inbox index yet; the run index says which runs are
  // unfinished), then with the index the close wrote; and a folder with neither index (copied
  // without them), where the inbox reads every trace itself rather than wait for the run index.
  const rebuildMs: number[] = [];
  const startMs: number[] = [];
  const bareMs: number[] = [];
  for (let rep = 0; rep < CFG.startReps; rep++) {
    await rm(join(data, 'inbox'), { recursive: true, force: true });
    let service!: FlowkeeperService;
    rebuildMs.push(await timed(async () => (service = await open(data))));
    await service.close();
    startMs.push(await timed(async () => (service = await open(data))));
    await service.close();
    await rm(join(data, 'inbox'), { recursive: true, force: true });
    await rm(dataDirLayout(data).runIndex, { force: true });
    bareMs.push(await timed(async () => (service = await open(data))));
    // The run index rebuilds when first asked (here, untimed), so the next repetition has it.
    await service.data.runIndex.list();
    await service.data.runIndex.writes();
    await service.close();
  }

  // Memory: heap with the folder open minus the heap with an empty folder open.
  const baseService = await open(empty);
  const baseHeap = await heapAfterGc(gc);
  await baseService.close();
  const service = await open(data);
  const heap = await heapAfterGc(gc);
  const bytesPerRun = Math.max(0, heap - baseHeap) / runs;

  const api = inProcessApi(service);
  await api.settings.update({ reviewerGroups: { finance: ['Ana'] } });
  const listMs: number[] = [];
  let listed = 0;
  for (let rep = 0; rep < CFG.listReps + 1; rep++) {
    const ms = await timed(async () => (listed = (await api.inbox.list({ limit: 10_000 })).length));
    if (rep > 0) listMs.push(ms);
  }
  if (listed !== Math.min(runs, 10_000)) throw new Error(`inbox.list returned ${listed} items, expected ${runs}.`);
  const listBytes = Buffer.byteLength(JSON.stringify(await api.inbox.list({ limit: 10_000 })));
  // What a screen asks for: the default page (the first 1,000 by due time, of all items sorted).
  const pageMs: number[] = [];
  for (let rep = 0; rep < CFG.listReps + 1; rep++) {
    const ms = await timed(() => api.inbox.list());
    if (rep > 0) pageMs.push(ms);
  }

  // Decision → the next step starting (its node.started event), through the API and the queue.
  const items = await api.inbox.list({ limit: CFG.decisions + 1 });
  const decideMs: number[] = [];
  for (const [i, item] of items.entries()) {
    const started = new Promise<number>((resolve) => {
      const off = service.subscribe((e) => {
        if (e.type === 'run.event' && e.runId === item.runId && e.event.type === 'node.started' && e.event.nodeId === 'book') {
          off();
          resolve(performance.now());
        }
      });
    });
    const t = performance.now();
    await api.inbox.decide({ id: item.id, outcome: 'approve', by: 'Ana', ...(i % 2 ? { edits: { amount: 1 } } : {}) });
    const ms = (await started) - t;
    if (i > 0) decideMs.push(ms);
  }
  await service.idle();
  await service.close();

  const row = (label: string, samples: number[], goal: number) => [label, fmt(median(samples), 0), range(samples, 0), `${goal} ms`, ratio(median(samples) / goal, 2), median(samples) <= goal ? 'PASS' : 'FAIL'];
  printTable([
    ['case', 'median ms', '[min–max]', 'goal', 'of goal', ''],
    row('service start-up, index as closed', startMs, GOALS.startMs),
    row('service start-up, index rebuilt from traces', rebuildMs, GOALS.startMs),
    row('  … and the run index rebuilt too', bareMs, GOALS.startMs),
    row(`inbox.list, all ${listed} items`, listMs, GOALS.listMs),
    row('inbox.list, default page (first 1,000 by due)', pageMs, GOALS.listMs),
    row('decision → next step started', decideMs, GOALS.decideMs),
  ]);
  console.log(`  inbox.list of all ${listed} items: ${fmt(listBytes / 2 ** 20, 1)} MiB of JSON, ${fmt(listBytes / listed, 0)} bytes per item (the form to decide with comes from inbox.get)`);
  const kb = bytesPerRun / 1024;
  console.log(`  memory held per paused run: ${fmt(kb, 2)} KB (heap ${fmt(heap / 2 ** 20, 1)} MiB vs ${fmt(baseHeap / 2 ** 20, 1)} MiB with an empty folder; goal ≤ 10 KB: ${bytesPerRun <= GOALS.bytesPerRun ? 'PASS' : 'FAIL'})`);
  console.log(`  => start-up ${fmt(median(startMs), 0)} ms (rebuild ${fmt(median(rebuildMs), 0)} ms), list ${fmt(median(listMs), 0)} ms (a page of 1,000: ${fmt(median(pageMs), 0)} ms), ${fmt(kb, 2)} KB per paused run, decision → next step ${fmt(median(decideMs), 1)} ms.`);
  return [
    [`8. start-up, ${runs} paused runs`, `${fmt(median(startMs), 0)} ms`, ratio(median(startMs) / GOALS.startMs, 2), `goal ${GOALS.startMs} ms`],
    ['   start-up, index rebuilt', `${fmt(median(rebuildMs), 0)} ms`, ratio(median(rebuildMs) / GOALS.startMs, 2), `goal ${GOALS.startMs} ms`],
    ['   start-up, both indexes rebuilt', `${fmt(median(bareMs), 0)} ms`, ratio(median(bareMs) / GOALS.startMs, 2), `goal ${GOALS.startMs} ms`],
    ['   inbox.list, all items', `${fmt(median(listMs), 0)} ms`, ratio(median(listMs) / GOALS.listMs, 2), `goal ${GOALS.listMs} ms`],
    ['   inbox.list, default page', `${fmt(median(pageMs), 0)} ms`, ratio(median(pageMs) / GOALS.listMs, 2), `goal ${GOALS.listMs} ms`],
    ['   memory per paused run', `${fmt(kb, 2)} KB`, ratio(bytesPerRun / GOALS.bytesPerRun, 2), 'goal 10 KB'],
    ['   decision → next step', `${fmt(median(decideMs), 1)} ms`, ratio(median(decideMs) / GOALS.decideMs, 2), `goal ${GOALS.decideMs} ms`],
  ];
}

const figure: Figure = { id: 'paused-runs', order: 8, run };
export default figure;
