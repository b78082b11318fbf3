/**
 * Figure 6: webhook intake. autocannon posts JSON for DURATION s over CONNECTIONS connections to
 * (a) a bare `node:http` server that parses the body, runs 10 no-op steps and answers — nothing
 * persisted — and (b) Flowkeeper's webhook trigger on an active flow "webhook → 10 no-op steps",
 * in both answer modes: "accepted" (202 once the event is in the fsynced intake journal, group
 * commit) and "result" (200 with the outputs once the run, with its own trace, has finished).
 * req/s, p50/p99 latency, non-2xx answers and the process's peak RSS, measured in one run.
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
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  peakRssMb: number;
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

async function load(label: string, url: string): Promise<Result> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  try {
    const out = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY, connections: CONNECTIONS, duration: DURATION });
    return { label, rps: out.requests.average, p50: out.latency.p50, p99: out.latency.p99, non2xx: out.non2xx, errors: out.errors + out.timeouts, peakRssMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(sampler);
  }
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
  return async () => {
    await api.flows.deactivate({ id: 'bench-hook' });
    await service.idle();
    await service.close();
  };
}

async function run({ dir }: BenchContext): Promise<SummaryRow[]> {
  heading(`7. Webhook: POST → ${STEPS} no-op steps → answer, autocannon ${DURATION} s × ${CONNECTIONS} connections`);
  const results: Result[] = [];
  {
    const port = await freePort();
    const stop = await bare(port);
    results.push(await load('bare node:http (nothing persisted)', `http://127.0.0.1:${port}/in`));
    await stop();
  }
  for (const mode of ['accepted', 'result'] as const) {
    const port = await freePort();
    const stop = await flowkeeper(`${dir}/${mode}`, port, mode);
    results.push(await load(mode === 'accepted' ? 'Flowkeeper, answer "accepted" (journal fsynced)' : 'Flowkeeper, answer with the result (run finished)', `http://127.0.0.1:${port}/in`));
    await stop();
  }
  const base = results[0]!;
  printTable([
    ['case', 'req/s', 'vs bare', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'peak RSS MB', `goal ≥ ${GOAL_RATIO}× and p99 < ${GOAL_P99_MS} ms`],
    ...results.map((r) => [r.label, fmt(r.rps, 0), ratio(r.rps / base.rps, 2), fmt(r.p50, 1), fmt(r.p99, 1), String(r.non2xx), String(r.errors), fmt(r.peakRssMb, 0), r === base ? '(baseline)' : r.rps / base.rps >= GOAL_RATIO && r.p99 < GOAL_P99_MS ? 'PASS' : 'FAIL']),
  ]);
  console.log('  peak RSS is the bench process (the server and autocannon share it), sampled every 50 ms; the Flowkeeper cases keep starting the runs they accepted after the load ends.');
  return results.slice(1).map((r) => [`7. webhook ${r.label.replace('Flowkeeper, ', '')}`, `${fmt(r.rps, 0)} req/s, p99 ${fmt(r.p99, 1)} ms`, ratio(r.rps / base.rps, 2), `bare node:http (${fmt(base.rps, 0)} req/s, p99 ${fmt(base.p99, 1)} ms)`]);
}

const figure: Figure = { id: 'webhook', order: 7, run };
export default figure;
