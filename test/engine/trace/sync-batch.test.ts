/**
 * Journalled starts (a trigger event already fsynced in the intake journal) create their trace
 * without fsyncs of their own; their first sync shares one tick with every other file asking at
 * the same time: one fdatasync per file, in parallel, and one fsync of the runs folder for all.
 * Counted on the real FileHandle methods (spied, still called through).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type TraceHeader } from '../../../engine/model/events.ts';
import { FileTraceStore } from '../../../engine/trace/file-trace-store.ts';
import { Redactor } from '../../../engine/trace/redactor.ts';
import { SyncBatch } from '../../../engine/trace/sync-batch.ts';
import { makeFlow, tempDir, testEngine } from '../../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
let calls: { datasync: number; fsync: number };

function header(runId: string): TraceHeader {
  return {
    kind: 'header',
    format: TRACE_FORMAT,
    formatVersion: TRACE_FORMAT_VERSION,
    runId,
    flowId: 'flow-1',
    flowName: 'Flow one',
    flowVersion: 1,
    flowHash: 'a'.repeat(64),
    flow: { $blob: '0'.repeat(64), bytes: 1 },
    input: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    mode: 'run',
  };
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  calls = { datasync: 0, fsync: 0 };
  const { datasync, sync } = proto;
  vi.spyOn(proto, 'datasync').mockImplementation(function (this: FileHandle) {
    calls.datasync++;
    return datasync.call(this);
  });
  vi.spyOn(proto, 'sync').mockImplementation(function (this: FileHandle) {
    calls.fsync++;
    return sync.call(this);
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await cleanup();
});

it('creates a journalled trace without syncing, then syncs many files in one tick with one folder fsync', async () => {
  const store = new FileTraceStore(dir);
  const redactor = new Redactor();
  const sinks = [];
  for (let i = 0; i < 5; i++) sinks.push(await store.create(header(`run-j${i}`), { durability: 'buffered', redactor, journalled: true }));
  for (const sink of sinks) sink.append({ type: 'run.started', input: {} });
  // Created and written: nothing synced yet (the journal holds these starts).
  await Promise.all(sinks.map((s) => s.flush()));
  expect(calls).toEqual({ datasync: 0, fsync: 0 });

  await Promise.all(sinks.map((s) => s.sync()));
  expect(calls).toEqual({ datasync: 5, fsync: 1 });
  expect(store.syncBatch.stats).toEqual({ ticks: 1, files: 5, dirs: 1 });

  // Nothing new written: closing syncs nothing more. The traces read back whole.
  await Promise.all(sinks.map((s) => s.close()));
  expect(calls).toEqual({ datasync: 5, fsync: 1 });
  for (let i = 0; i < 5; i++) expect((await store.load(`run-j${i}`)).events.map((e) => e.type)).toEqual(['run.started']);
});

it('still syncs a trace that is not journalled when it is created (header and folder)', async () => {
  const store = new FileTraceStore(dir);
  const sink = await store.create(header('run-plain'), { durability: 'buffered', redactor: new Redactor() });
  expect(calls).toEqual({ datasync: 1, fsync: 1 });
  await sink.close();
  expect(store.syncBatch.stats.ticks).toBe(0);
});

it('a journalled run of the engine ends with its trace synced, and reads back succeeded', async () => {
  const { engine, store, cleanup: done } = await testEngine();
  try {
    const flow = makeFlow([{ id: 'a', type: 'transform.set', config: { fields: [{ name: 'x', value: '1' }] } }]);
    const before = { ...calls };
    const outcomes = await Promise.all([1, 2, 3].map((n) => engine.startRun(flow, { input: { n }, journalled: true })));
    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // One data sync per run (its end), folder fsyncs shared by the ticks; none at creation.
    expect(calls.datasync - before.datasync).toBe(3);
    expect(store.syncBatch.stats.files).toBe(3);
    expect(calls.fsync - before.fsync).toBe(store.syncBatch.stats.dirs);
    expect(store.syncBatch.stats.dirs).toBeLessThanOrEqual(store.syncBatch.stats.ticks);
    for (const o of outcomes) expect((await store.load(o.runId)).events.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });
  } finally {
    await done();
  }
});

it('a file whose sync fails fails alone; the others in its tick are synced', async () => {
  const batch = new SyncBatch();
  const good = { datasync: vi.fn(() => Promise.resolve()) } as unknown as FileHandle;
  const bad = { datasync: vi.fn(() => Promise.reject(Object.assign(new Error('disk gone'), { code: 'EIO' }))) } as unknown as FileHandle;
  const results = await Promise.allSettled([batch.sync(good), batch.sync(bad), batch.sync(good)]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(good.datasync).toHaveBeenCalledTimes(1);
  expect(batch.stats).toEqual({ ticks: 1, files: 2, dirs: 0 });
});

it('keeps the folder handle open while ticks follow one another, and closes it once nothing more is asked', async () => {
  const batch = new SyncBatch();
  const files = await Promise.all([0, 1].map((i) => open(join(dir, `f${i}`), 'w')));
  // The second file asks while the first tick is in flight: the next tick follows at once.
  batch.created(dir);
  const first = batch.sync(files[0]!);
  await new Promise((resolve) => setImmediate(resolve));
  batch.created(dir);
  const second = batch.sync(files[1]!);
  await Promise.all([first, second]);
  expect(batch.stats).toEqual({ ticks: 2, files: 2, dirs: 2 });
  expect(batch.dirOpens).toBe(1);
  expect(calls.fsync).toBe(2);
  // Idle once the tick has wound up (a turn later): the handle was let go, so the next tick opens the folder again.
  await new Promise((resolve) => setImmediate(resolve));
  batch.created(dir);
  await batch.sync(files[0]!);
  expect(batch.dirOpens).toBe(2);
  for (const f of files) await f.close();
});
