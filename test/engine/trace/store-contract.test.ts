/**
 * The TraceStore contract: what every implementation must do, by run id only. Runs against the
 * file store (the default) and the memory store; a database-backed store must pass it too.
 * File-only behaviour (torn tails, quarantine, fsync) stays in trace-store.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type RunEvent, type RunEventBody, type TraceHeader } from '../../../engine/model/events.ts';
import { Redactor } from '../../../engine/trace/redactor.ts';
import { BLOB_THRESHOLD_BYTES, RunNotFoundError, type TraceStore, type WriterOptions } from '../../../engine/trace/trace-store.ts';
import { FileTraceStore } from '../../../engine/trace/file-trace-store.ts';
import { MemoryTraceStore } from '../../../engine/trace/memory-trace-store.ts';
import { RunLockedError } from '../../../engine/trace/run-lock.ts';
import { tempDir } from '../../helpers/engine.ts';

const implementations: Array<{ name: string; open(): Promise<{ store: TraceStore; close(): Promise<void> }> }> = [
  {
    name: 'FileTraceStore',
    open: async () => {
      const { dir, cleanup } = await tempDir();
      return { store: new FileTraceStore(dir), close: cleanup };
    },
  },
  { name: 'MemoryTraceStore', open: async () => ({ store: new MemoryTraceStore(), close: async () => undefined }) },
];

function header(runId: string, extra: Partial<TraceHeader> = {}): TraceHeader {
  return {
    kind: 'header',
    format: TRACE_FORMAT,
    formatVersion: TRACE_FORMAT_VERSION,
    runId,
    flowId: 'flow-1',
    flowName: 'Flow one',
    flowVersion: 2,
    flowHash: 'a'.repeat(64),
    flow: { $blob: '0'.repeat(64), bytes: 1 },
    input: { n: 1 },
    createdAt: '2026-01-01T00:00:00.000Z',
    mode: 'run',
    ...extra,
  };
}

const options = (redactor = new Redactor()): WriterOptions => ({ durability: 'buffered', redactor });
const started: RunEventBody = { type: 'run.started', input: { n: 1 } };
const log = (i: number): RunEventBody => ({ type: 'node.log', nodeId: 'n', level: 'info', message: `line ${i}` });

describe.each(implementations)('TraceStore contract: $name', ({ open }) => {
  let store: TraceStore;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ store, close } = await open());
  });
  afterEach(() => close());

  async function writeRun(runId: string, bodies: RunEventBody[], extra: Partial<TraceHeader> = {}, redactor = new Redactor()): Promise<RunEvent[]> {
    const sink = await store.create(header(runId, extra), options(redactor));
    const events = bodies.map((b) => sink.append(b));
    await sink.close();
    return events;
  }

  it('round-trips header and events by run id, numbering events from 1', async () => {
    const sink = await store.create(header('run-1'), options());
    const a = sink.append(started);
    const b = await sink.appendDurable(log(1));
    expect([a.seq, b.seq, sink.lastSeq]).toEqual([1, 2, 2]);
    await sink.close();
    const trace = await store.load('run-1');
    expect(trace.header).toEqual(header('run-1'));
    expect(trace.events).toEqual([a, b]);
    expect(JSON.stringify(trace)).not.toMatch(/\.jsonl|\/runs\//);
  });

  it('refuses a second run with the same id, and appends nothing after close', async () => {
    const sink = await store.create(header('run-1'), options());
    await sink.close();
    await expect(store.create(header('run-1'), options())).rejects.toThrow();
    expect(() => sink.append(started)).toThrow(/closed/);
  });

  it('raises RunNotFoundError for an unknown run, naming the run and no place', async () => {
    const error = await store.load('run-nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect((error as Error).message).toContain('run-nope');
    expect((error as Error).message).not.toMatch(/\.jsonl|\//);
    await expect(store.readEvents('run-nope', 0, 10)).rejects.toBeInstanceOf(RunNotFoundError);
  });

  it('rejects run ids that are not ids', async () => {
    await expect(store.load('../etc/passwd')).rejects.toThrow(/not a valid run id/);
    await expect(store.create(header('a/b'), options())).rejects.toThrow(/not a valid run id/);
  });

  it('reads pages of events: afterSeq, limit, lastSeq, hasMore', async () => {
    const events = await writeRun('run-1', [started, ...Array.from({ length: 24 }, (_, i) => log(i))]);
    const first = await store.readEvents('run-1', 0, 10);
    expect(first).toEqual({ events: events.slice(0, 10), lastSeq: 10, hasMore: true });
    const middle = await store.readEvents('run-1', 10, 10);
    expect(middle).toEqual({ events: events.slice(10, 20), lastSeq: 20, hasMore: true });
    const last = await store.readEvents('run-1', 20, 10);
    expect(last).toEqual({ events: events.slice(20), lastSeq: 25, hasMore: false });
    expect(await store.readEvents('run-1', 25, 10)).toEqual({ events: [], lastSeq: 25, hasMore: false });
    expect(await store.readEvents('run-1', 15, 10)).toEqual({ events: events.slice(15, 25), lastSeq: 25, hasMore: false });
  });

  it('pages an empty run', async () => {
    await writeRun('run-empty', []);
    expect(await store.readEvents('run-empty', 0, 10)).toEqual({ events: [], lastSeq: 0, hasMore: false });
  });

  it('reopens an unfinished run and continues its numbering', async () => {
    await writeRun('run-1', [started, log(1)]);
    const { trace, sink } = await store.reopen('run-1', options());
    expect(trace.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(sink.append(log(2)).seq).toBe(3);
    await sink.close();
    expect((await store.readEvents('run-1', 2, 10)).events.map((e) => e.seq)).toEqual([3]);
  });

  it('lists summaries newest first, with status and no location', async () => {
    await writeRun('a-old', [started, { type: 'run.finished', status: 'succeeded', outputs: {} }], { createdAt: '2026-01-01T00:00:00.000Z' });
    await writeRun('b-new', [started], { createdAt: '2026-01-03T00:00:00.000Z', mode: 'fork', parentRunId: 'a-old' });
    const { runs, quarantined } = await store.list();
    expect(quarantined).toEqual([]);
    expect(runs.map((r) => [r.runId, r.status])).toEqual([['b-new', 'running'], ['a-old', 'succeeded']]);
    expect(runs[0]).toMatchObject({ flowId: 'flow-1', flowName: 'Flow one', flowVersion: 2, mode: 'fork', parentRunId: 'a-old' });
    for (const run of runs) expect(run).not.toHaveProperty('location');
  });

  it('keeps small payloads inline and stores large ones aside, by reference', async () => {
    expect(await store.putPayload({ small: true })).toEqual({ small: true });
    const big = { text: 'x'.repeat(BLOB_THRESHOLD_BYTES + 10) };
    const ref = await store.putPayload(big);
    expect(ref).toMatchObject({ $blob: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await store.getPayload(ref)).toEqual(big);
  });

  it('redacts secrets from events and large payloads before they are stored', async () => {
    const redactor = new Redactor();
    redactor.add('s3cret-token-value');
    await writeRun('run-1', [{ type: 'node.log', nodeId: 'n', level: 'info', message: 'token s3cret-token-value' }], {}, redactor);
    expect(JSON.stringify(await store.load('run-1'))).not.toContain('s3cret-token-value');
    const ref = await store.putPayload({ text: `s3cret-token-value ${'y'.repeat(BLOB_THRESHOLD_BYTES)}` }, redactor);
    expect(JSON.stringify(await store.getPayload(ref))).not.toContain('s3cret-token-value');
  });

  it('gives a stamp per trace that changes with it, and tells listeners of creates and closes', async () => {
    const seen: Array<{ runId: string; created: boolean }> = [];
    const off = store.onChange!((change) => void seen.push({ runId: change.runId, created: change.header !== undefined }));
    expect(await store.stamps!()).toEqual(new Map());
    expect(await store.stamp!('run-a')).toBeUndefined();
    const sink = await store.create(header('run-a'), options());
    const first = await store.stamp!('run-a');
    expect(first).toBeDefined();
    sink.append(started);
    sink.append(log(1));
    await sink.close();
    const second = await store.stamp!('run-a');
    expect(second).not.toBe(first);
    expect(await store.stamps!()).toEqual(new Map([['run-a', second]]));
    expect(seen).toEqual([
      { runId: 'run-a', created: true },
      { runId: 'run-a', created: false },
    ]);
    off();
    await writeRun('run-b', [started]);
    expect(seen).toHaveLength(2);
  });

  it('comes with leases: one owner per run until released', async () => {
    const leases = store.leases!;
    const claim = await leases.claim('run-1');
    await expect(leases.claim('run-1')).rejects.toBeInstanceOf(RunLockedError);
    await claim.release();
    await (await leases.claim('run-1')).release();
  });
});
