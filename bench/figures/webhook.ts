/**
 * Figure 7: webhook intake. autocannon posts JSON for DURATION s over CONNECTIONS connections to
 * (a) a bare `node:http` server that parses the body, runs 10 no-op steps and answers — nothing
 * persisted — and (b) Flowkeeper's webhook trigger on an active flow "webhook → 10 no-op steps",
 * in both answer modes: "accepted" (202 once the event is in the fsynced intake journal, group
 * commit) and "result" (200 with the outputs once the run, with its own trace, has finished).
 *
 * The rate compared is 2xx answers per second (a 429 "over capacity" answer is fast and took
 * nothing, so it is counted apart, never as throughput); p50/p99 are of the 2xx answers
 * (autocannon records only those). Peak RSS is sampled during the load and while the accepted
 * backlog is worked off afterwards; then every 2xx is checked to have its run (one trace each,
 * succeeded), and the time that took is printed.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import autocannon from 'autocannon';
import { createService, inProcessApi, NodeRegistry } from '../../engine/index.ts';
import { builtinNodes } from '../../nodes/index.ts';
import { MemoryKeychain } from '../../test/helpers/memory-keychain.ts';
import { QUICK, type BenchContext, type Figure, type SummaryRow } from '../lib/figure.ts';
import { fmt, heading, printTable, ratio } from '../lib/print.ts';
import { readyCharter } from '../../test/helpers/ready-charter.ts';

const DURATION = QUICK ? 3 : 10;
const CONNECTIONS = 20;
const STEPS = 10;
const GOAL_RATIO = 0.4;
const GOAL_P99_MS = 50;
const BODY = JSON.stringify({ order: 42, customer: 'ACME', lines: [{ sku: 'A-1', qty: 2 }] });

interface Result {
  label: string;
  /** 2xx answers per second: the rate the goal compares. */
  rps: number;
  /** Every answer per second (2xx, 429, …). */
  allRps: number;
  p50: number;
  p99: number;
  ok: number;
  busy: number;
  other: number;
  errors: number;
  peakRssMb: number;
  /** Seconds after the load until every accepted event's run had finished (Flowkeeper only). */
  drainS?: number;
  /** Runs finished per second, from the first request to the end of the drain. */
  runsPerS?: number;
  /** Accepted requests without exactly one succeeded run (must be 0). */
  missing?: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function rssSampler(): { peakMb(): number; stop(): void } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  return { peakMb: () => Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024, stop: () => clearInterval(timer) };
}

async function load(label: string, url: string): Promise<Result> {
  const out = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY, connections: CONNECTIONS, duration: DURATION });
  const ok = out['2xx'];
  const busy = out.statusCodeStats?.['429']?.count ?? 0;
  return { label, rps: ok / out.duration, allRps: out.requests.average, p50: out.latency.p50, p99: out.latency.p99, ok, busy, other: out.non2xx - busy, errors: out.errors + out.timeouts, peakRssMb: 0 };
}

/** The same work without persistence: parse, 10 no-op steps, answer. */
async function bare(port: number): Promise<() => Promise<void>> {
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let item: Record<string, unknown> = { body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
      for (let i = 0; i < STEPS; i++) item = { ...item };
      const text = JSON.stringify({ status: 'succeeded', outputs: { last: { out: [item] } } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections()));
}

async function flowkeeper(dir: string, port: number, respondWith: 'accepted' | 'result') {
  const service = await createService({ dataDir: dir, registry: new NodeRegistry(builtinNodes), keychain: new MemoryKeychain(), resumeOnStart: false });
  const api = inProcessApi(service);
  const steps = Array.from({ length: STEPS }, (_, i) => ({ id: `s${i}`, type: 'transform.set', config: { fields: [] } }));
  await api.flows.save({
    flow: {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'bench-hook',
      name: 'Bench hook',
      // Switching on needs a complete charter (the activation gate, engine/charter/).
      charter: readyCharter(),
      nodes: [{ id: 'hook', type: 'trigger.webhook', config: { port, path: '/in', respondWith, maxConcurrent: 1000 } }, ...steps],
      edges: [{ source: 'hook', target: 's0' }, ...steps.slice(1).map((s, i) => ({ source: `s${i}`, target: s.id }))],
    },
  });
  const status = await api.flows.activate({ id: 'bench-hook' });
  if (status.triggers[0]?.state !== 'listening') throw new Error(`the webhook did not start: ${JSON.stringify(status)}`);
  return {
    /** Waits until every accepted event's run has finished. */
    drained: () => service.idle(),
    /**
     * Accepted requests without a succeeded run (2xx counted minus succeeded runs, plus runs that
     * did not succeed), and runs beyond the 2xx counted: requests autocannon had in flight when it
     * stopped, taken by the server but never counted (at most one per connection).
     */
    check: async (ok: number) => {
      await service.data.runIndex.writes();
      const runs = await service.data.runIndex.list({ flowId: 'bench-hook' });
      // The index is what the app lists; the trace is the run. An entry still "running" whose trace
      // says succeeded is a stale index entry (reported apart), not a lost request.
      let stale = 0;
      for (const r of runs) {
        if (r.status === 'succeeded') continue;
        if ((await api.runs.get({ runId: r.runId })).status === 'succeeded') stale++;
      }
      const succeeded = runs.filter((r) => r.status === 'succeeded').length + stale;
      if (stale > 0) console.log(`  note: the run index still listed ${stale} finished run(s) as running after the drain (their traces say succeeded)`);
      return { lost: Math.max(0, ok - succeeded) + (runs.length - succeeded), uncounted: Math.max(0, succeeded - ok) };
    },
    stop: async () => {
      await api.flows.deactivate({ id: 'bench-hook' });
      await service.idle();
      await service.close();
    },
  };
}

async function run({ dir }: BenchContext): Promise<SummaryRow[]> {
  heading(`7. Webhook: POST → ${STEPS} no-op steps → answer, autocannon ${DURATION} s × ${CONNECTIONS} connections`);
  const results: Result[] = [];
  {
    const port = await freePort();
    const stop = await bare(port);
    const rss = rssSampler();
    const result = await load('bare node:http (nothing persisted)', `http://127.0.0.1:${port}/in`);
    result.peakRssMb = rss.peakMb();
    rss.stop();
    results.push(result);
    await stop();
  }
  for (const mode of ['accepted', 'result'] as const) {
    const port = await freePort();
    const server = await flowkeeper(`${dir}/${mode}`, port, mode);
    const rss = rssSampler();
    const started = performance.now();
    const result = await load(mode === 'accepted' ? 'Flowkeeper, answer "accepted" (journal fsynced)' : 'Flowkeeper, answer with the result (run finished)', `http://127.0.0.1:${port}/in`);
    const loaded = performance.now();
    await server.drained();
    const done = performance.now();
    result.peakRssMb = rss.peakMb();
    rss.stop();
    result.drainS = (done - loaded) / 1000;
    result.runsPerS = (result.ok * 1000) / (done - started);
    const { lost, uncounted } = await server.check(result.ok);
    result.missing = lost;
    if (uncounted > CONNECTIONS) throw new Error(`${uncounted} runs more than 2xx answers: more than one uncounted request per connection`);
    results.push(result);
    await server.stop();
  }
  const base = results[0]!;
  const verdict = (r: Result) => (r.rps / base.rps >= GOAL_RATIO && r.p99 < GOAL_P99_MS && r.missing === 0 && r.other === 0 && r.errors === 0 ? 'PASS' : 'FAIL');
  printTable([
    ['case', '2xx/s', 'vs bare', 'p50 ms', 'p99 ms', '2xx', '429', 'other', 'errors', 'peak RSS MB', 'drain s', 'runs/s', 'lost', `goal ≥ ${GOAL_RATIO}× and p99 < ${GOAL_P99_MS} ms`],
    ...results.map((r) => [
      r.label,
      fmt(r.rps, 0),
      ratio(r.rps / base.rps, 2),
      fmt(r.p50, 1),
      fmt(r.p99, 1),
      String(r.ok),
      String(r.busy),
      String(r.other),
      String(r.errors),
      fmt(r.peakRssMb, 0),
      r.drainS === undefined ? '' : fmt(r.drainS, 1),
      r.runsPerS === undefined ? '' : fmt(r.runsPerS, 0),
      r.missing === undefined ? '' : String(r.missing),
      r === base ? '(baseline)' : verdict(r),
    ]),
  ]);
  console.log('  2xx/s: accepted answers per second (429 "over capacity" answers are counted apart); p50/p99 of the 2xx answers.');
  console.log('  peak RSS is the bench process (server and autocannon share it), sampled every 50 ms during the load and the drain;');
  console.log('  drain s: after the load, until every accepted run finished; runs/s: accepted runs ÷ (load + drain); lost: 2xx without exactly one succeeded run');
  console.log(`  (checked in the run index; a run for a request autocannon had in flight when it stopped is not counted as a 2xx — at most ${CONNECTIONS}).`);
  return results.slice(1).map((r) => [`7. webhook ${r.label.replace('Flowkeeper, ', '')}`, `${fmt(r.rps, 0)} 2xx/s, p99 ${fmt(r.p99, 1)} ms, ${r.busy} × 429, RSS ${fmt(r.peakRssMb, 0)} MB ${verdict(r)}`, ratio(r.rps / base.rps, 2), `bare node:http (${fmt(base.rps, 0)} req/s, p99 ${fmt(base.p99, 1)} ms, RSS ${fmt(base.peakRssMb, 0)} MB)`]);
}

const figure: Figure = { id: 'webhook', order: 7, run };
export default figure;
