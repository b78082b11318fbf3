/**
 * Figure 3: trace append cost — `node.log`-sized events through the TraceWriter (buffered,
 * durable one at a time, durable with concurrent callers) against a raw appendFile + fdatasync
 * loop measured in the same run. Its raw loop is the baseline figure 4 compares against.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FileTraceStore, Redactor, TRACE_FORMAT, TRACE_FORMAT_VERSION, type EventSink, type RunEventBody, type TraceHeader } from '../../engine/index.ts';
import type { Durability } from '../lib/engines.ts';
import { QUICK, type BenchContext, type Figure, type SummaryRow } from '../lib/figure.ts';
import { fmt, heading, printTable, ratio } from '../lib/print.ts';
import { interleaved, median, range, timed } from '../lib/stats.ts';
import { syncCount } from '../lib/sync-counter.ts';

const CFG = { events: QUICK ? 300 : 2000, warmupEvents: QUICK ? 100 : 300, reps: QUICK ? 2 : 5, batch: 50 };

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

async function run(ctx: BenchContext): Promise<SummaryRow[]> {
  const { events: M, warmupEvents, reps, batch } = CFG;
  heading(`3. Trace append cost: ${M} node.log events per case vs a raw appendFile + fdatasync loop`);
  const { dir } = ctx;
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
  ctx.baselines.rawFsyncUs = rawUs;
  const [, , buffered, durableSeq, durableConc] = rows;
  return [
    ['3. trace append, buffered', `${fmt(buffered!.us, 2)} µs/ev`, ratio(buffered!.vsRaw, 4), `raw append+fdatasync loop (${fmt(rawUs, 0)} µs)`],
    ['3. trace append, durable sequential', `${fmt(durableSeq!.us, 0)} µs/ev`, ratio(durableSeq!.vsRaw, 2), 'raw loop'],
    [`3. trace append, durable ×${batch} concurrent`, `${fmt(durableConc!.us, 1)} µs/ev`, ratio(durableConc!.vsRaw, 3), 'raw loop'],
  ];
}

const figure: Figure = { id: 'trace-append', order: 3, run };
export default figure;
