/**
 * Figure 10: the dashboard with 100 and with 100,000 runs in the data folder (BENCH_QUICK: 10,000).
 * Goal (issue 11): `dashboard.get` ≤ 300 ms with 100,000 runs.
 *
 * The traces are written directly in the real format, spread over the last 13 days across ten
 * flows (each saved with a charter metric, so every row computes its metric too): a trigger, an
 * AI step with token usage, a review decision on every fifth run, and "Send reply" failing on
 * every twentieth. The run index is built once (rebuild, as after an upgrade), then a service is
 * started on the folder, as the app starts:
 *   - first: the first `dashboard.get` after start-up (journal read, reconciled by stamps, then
 *     the figures) — what opening the dashboard right after launching the app costs;
 *   - dashboard: `dashboard.get` (14 days, all flows) while the app runs, median of repetitions —
 *     the figure the goal is about;
 *   - one flow: `dashboard.get` for one flow; runs behind: `dashboard.runs` of the failed runs.
 * The 100-run folder is the baseline of the ratio.
 *
 * Runs from bench/run.ts (`npm run bench -- dashboard`).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createService, TRACE_FORMAT, TRACE_FORMAT_VERSION, type FlowkeeperService, type RunEvent, type TraceHeader } from '../../engine/index.ts';
import { FileTraceStore, RunIndex } from '../../engine/trace/index.ts';
import { dataDirLayout } from '../../engine/storage/layout.ts';
import { canonicalJson, sha256 } from '../../engine/canonical-json.ts';
import type { MetricKind } from '../../engine/model/charter.ts';
import { registry } from '../lib/engines.ts';
import { QUICK, type BenchContext, type Figure, type SummaryRow } from '../lib/figure.ts';
import { heading, printTable, ratio } from '../lib/print.ts';
import { median, range } from '../lib/stats.ts';

const SIZES = [100, QUICK ? 10_000 : 100_000];
const REPS = QUICK ? 5 : 21;
const FLOWS = 10;
const GOAL_MS = 300;
const WRITE_BATCH = 256;
const DAY_MS = 86_400_000;

const keychain = { getPassword: async () => null, setPassword: async () => undefined, deletePassword: async () => false };

const STEPS = [
  { id: 'clock', type: 'trigger.schedule', name: 'Every hour', config: { cron: '0 * * * *', timezone: 'UTC' } },
  { id: 'draft', type: 'transform.set', name: 'Draft reply', config: { fields: [{ name: 'draft', value: 'yes' }] } },
  { id: 'send', type: 'transform.set', name: 'Send reply', config: { fields: [{ name: 'sent', value: 'yes' }] } },
];
/** The flow as the traces record it (inline in the header, with its hash). */
const RECORDED_FLOW = { nodes: STEPS.map(({ id, name }) => ({ id, name })) };
const RECORDED_HASH = sha256(canonicalJson(RECORDED_FLOW));
const KINDS: MetricKind[] = ['runs-without-person', 'median-trigger-to-done', 'items-reached-step', 'reviews-approved-unedited', 'minutes-saved'];

function flowOf(f: number) {
  const kind = KINDS[f % KINDS.length]!;
  return {
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: `bench-flow-${f}`,
    name: `Bench flow ${f}`,
    charter: {
      owner: { name: 'Ana Owner', email: 'ana@example.com' },
      metric: { kind, target: kind === 'median-trigger-to-done' ? 60_000 : 0.8, windowDays: 7, ...(kind === 'items-reached-step' ? { stepId: 'send', period: 'day' } : {}), ...(kind === 'minutes-saved' ? { minutesPerRun: 3, period: 'day' } : {}) },
    },
    nodes: STEPS,
    edges: [
      { source: 'clock', target: 'draft' },
      { source: 'draft', target: 'send' },
    ],
  };
}

function traceText(i: number, count: number, now: number): { runId: string; text: string } {
  const runId = `run-dash-${String(i).padStart(7, '0')}`;
  // Oldest first, spread evenly over the last 13 days of the 14 measured (the newest a minute
  // ago): generating and indexing take minutes, and no run may slip out of the window meanwhile.
  const start = now - 13 * DAY_MS + Math.floor(((i + 1) * (13 * DAY_MS - 60_000)) / count);
  const at = (ms: number) => new Date(start + ms).toISOString();
  const f = i % FLOWS;
  const header: TraceHeader = {
    kind: 'header',
    format: TRACE_FORMAT,
    formatVersion: TRACE_FORMAT_VERSION,
    runId,
    flowId: `bench-flow-${f}`,
    flowName: `Bench flow ${f}`,
    flowVersion: 1,
    flowHash: RECORDED_HASH,
    flow: RECORDED_FLOW as never,
    input: {},
    createdAt: at(0),
    mode: 'run',
    startedBy: 'trigger:clock',
  };
  const failed = i % 20 === 0;
  const reviewed = i % 5 === 0;
  // Event bodies as the engine writes them (checked by the index reading them back).
  type Body = Record<string, unknown> & { ms: number; type: RunEvent['type'] };
  const events: Body[] = [
    { ms: 1, type: 'run.started', input: {} },
    { ms: 2, type: 'node.started', nodeId: 'clock', attempt: 1, inputCounts: {} },
    { ms: 3, type: 'node.succeeded', nodeId: 'clock', attempt: 1, outputs: { out: [{ i }] }, durationMs: 1 },
    { ms: 4, type: 'node.started', nodeId: 'draft', attempt: 1, inputCounts: { in: 1 } },
    { ms: 900, type: 'external.result', nodeId: 'draft', attempt: 1, itemIndex: 0, kind: 'llm', call: 0, result: { model: 'gpt-4o-mini', usage: { promptTokens: 800 + (i % 400), completionTokens: 200 } } },
    { ms: 901, type: 'node.succeeded', nodeId: 'draft', attempt: 1, outputs: { out: [{ i }] }, durationMs: 897 },
    ...(reviewed
      ? ([
          { ms: 902, type: 'review.requested', requestId: `${runId}:draft:0`, nodeId: 'draft', itemIndex: 0, request: { title: 'Reply', outcomes: ['approve', 'reject'] }, item: { i } },
          { ms: 60_000 + (i % 50) * 1000, type: 'review.decided', requestId: `${runId}:draft:0`, nodeId: 'draft', itemIndex: 0, outcome: 'approve', by: 'Ana', changes: [], values: {}, final: true },
        ] as Body[])
      : []),
    { ms: 90_000, type: 'node.started', nodeId: 'send', attempt: 1, inputCounts: { in: 1 } },
    ...(failed
      ? ([
          { ms: 91_000, type: 'node.failed', nodeId: 'send', attempt: 1, error: { message: 'refused', code: 'BENCH', retryable: false }, willRetry: false, routedToErrorPort: false, durationMs: 1000 },
          { ms: 91_001, type: 'run.finished', status: 'failed', outputs: {}, error: { message: 'refused', code: 'BENCH', retryable: false, nodeId: 'send' } },
        ] as Body[])
      : ([
          { ms: 91_000, type: 'node.succeeded', nodeId: 'send', attempt: 1, outputs: { out: [{ i }] }, durationMs: 1000 },
          { ms: 91_001, type: 'run.finished', status: 'succeeded', outputs: {} },
        ] as Body[])),
  ];
  const lines = [JSON.stringify(header), ...events.map(({ ms, ...body }, n) => JSON.stringify({ seq: n + 1, ts: at(ms), ...body }))];
  return { runId, text: `${lines.join('\n')}\n` };
}

async function generate(dataDir: string, count: number, now: number): Promise<void> {
  const { runs } = dataDirLayout(dataDir);
  await mkdir(runs, { recursive: true });
  for (let i = 0; i < count; i += WRITE_BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + WRITE_BATCH); j++) {
      const { runId, text } = traceText(j, count, now);
      batch.push(writeFile(join(runs, `${runId}.jsonl`), text));
    }
    await Promise.all(batch);
  }
}

interface Row {
  runs: number;
  generateS: number;
  rebuildS: number;
  firstMs: number;
  getMs: number[];
  /** CPU time of this process for the same calls: the part of the wall time that is the dashboard's own work. */
  getCpuMs: number[];
  flowMs: number[];
  drillMs: number[];
}

async function measure(root: string, count: number): Promise<Row> {
  const dataDir = join(root, `dashboard-${count}`);
  const now = Date.now();
  let t = performance.now();
  await generate(dataDir, count, now);
  const generateS = (performance.now() - t) / 1000;
  t = performance.now();
  const index = new RunIndex(new FileTraceStore(dataDir), { journal: dataDirLayout(dataDir).runIndex });
  await index.ready();
  if (index.lastOpen?.entries !== count) throw new Error(`the index holds ${index.lastOpen?.entries} runs, expected ${count}`);
  await index.writes();
  index.close();
  const rebuildS = (performance.now() - t) / 1000;

  // Flows are saved before the service that measures starts (a first service, closed again).
  const setup = await createService({ dataDir, registry, keychain, resumeOnStart: false, triggers: false });
  for (let f = 0; f < FLOWS; f++) await setup.handlers['flows.save']({ flow: flowOf(f) });
  await setup.close();

  const service: FlowkeeperService = await createService({ dataDir, registry, keychain, resumeOnStart: false, triggers: false });
  try {
    const { handlers } = service;
    t = performance.now();
    const first = await handlers['dashboard.get']({ days: 14 });
    const firstMs = performance.now() - t;
    // The figures are checked, so a fast wrong answer cannot pass.
    const failedRuns = Math.floor((count - 1) / 20) + 1;
    if (first.overall.runs.total !== count || first.overall.runs.failed !== failedRuns || first.flows.length !== FLOWS) {
      throw new Error(`dashboard.get counted ${first.overall.runs.total} runs (${first.overall.runs.failed} failed) in ${first.flows.length} flows; expected ${count} (${failedRuns}) in ${FLOWS}`);
    }
    if (first.overall.failuresByStep[0]?.name !== 'Send reply' || first.overall.ai.calls !== count || first.flows.some((f) => f.metric === null)) throw new Error('dashboard.get figures are not the generated ones');
    const getMs: number[] = [];
    const getCpuMs: number[] = [];
    const flowMs: number[] = [];
    const drillMs: number[] = [];
    for (let r = 0; r < REPS; r++) {
      t = performance.now();
      const cpu = process.cpuUsage();
      await handlers['dashboard.get']({ days: 14 });
      getMs.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      getCpuMs.push((used.user + used.system) / 1000);
      t = performance.now();
      await handlers['dashboard.get']({ flowId: 'bench-flow-3', days: 14 });
      flowMs.push(performance.now() - t);
      t = performance.now();
      const behind = await handlers['dashboard.runs']({ status: 'failed', days: 14, limit: 100, offset: 0 });
      drillMs.push(performance.now() - t);
      if (behind.total !== failedRuns) throw new Error(`dashboard.runs found ${behind.total} failed runs, expected ${failedRuns}`);
    }
    return { runs: count, generateS, rebuildS, firstMs, getMs, getCpuMs, flowMs, drillMs };
  } finally {
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function run({ dir }: BenchContext): Promise<SummaryRow[]> {
  heading(`10. Dashboard with ${SIZES.map((n) => n.toLocaleString('en-US')).join(' and ')} runs in the data folder (${FLOWS} flows, 14 days)`);
  const rows: Row[] = [];
  for (const size of SIZES) rows.push(await measure(dir, size));
  const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;
  printTable([
    ['runs', 'generate', 'index rebuild', 'first after start', 'dashboard.get', '(its CPU time)', 'one flow', 'runs behind (failed)'],
    ...rows.map((r) => [r.runs.toLocaleString('en-US'), `${r.generateS.toFixed(1)} s`, `${r.rebuildS.toFixed(1)} s`, ms(r.firstMs), `${ms(median(r.getMs))} ${range(r.getMs, 0)}`, ms(median(r.getCpuMs)), ms(median(r.flowMs)), ms(median(r.drillMs))]),
  ]);
  const [small, large] = [rows[0]!, rows[rows.length - 1]!];
  const get = median(large.getMs);
  console.log(`  => dashboard.get with ${large.runs.toLocaleString('en-US')} runs: ${ms(get)} (${ratio(get / median(small.getMs))} the ${small.runs}-run folder) — goal ≤ ${GOAL_MS} ms: ${get <= GOAL_MS ? 'PASS' : 'FAIL'}`);
  console.log(`  => its CPU time: ${ms(median(large.getCpuMs))} (the rest of the wall time is waiting for a core on a loaded machine)`);
  console.log(`  => the first dashboard after start-up (index journal read and reconciled, then the figures): ${ms(large.firstMs)}`);
  return [
    [`10. dashboard.get, ${large.runs.toLocaleString('en-US')} runs`, ms(get), ratio(get / median(small.getMs)), `${small.runs} runs (${ms(median(small.getMs))}); goal ≤ ${GOAL_MS} ms`],
    [`    first dashboard after start`, ms(large.firstMs), '', ''],
  ];
}

const figure: Figure = { id: 'dashboard', order: 10, run };
export default figure;
