/**
 * The run index (engine/trace/run-index.ts): kept up to date as runs change, persisted as a
 * journal, rebuilt from the traces when the journal is missing or damaged, reconciled on open,
 * and fed by other processes writing runs in the same data folder.
 */
import { spawn } from 'node:child_process';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Engine, dataDirStores, type Flow } from '../../../engine/index.ts';
import { createService, type FlowkeeperService } from '../../../engine/service/create-service.ts';
import { FileTraceStore } from '../../../engine/trace/file-trace-store.ts';
import { MemoryTraceStore } from '../../../engine/trace/memory-trace-store.ts';
import { RunIndex } from '../../../engine/trace/run-index.ts';
import { Redactor } from '../../../engine/trace/redactor.ts';
import { dataDirLayout } from '../../../engine/storage/layout.ts';
import { priceTable, runCost, usageCost } from '../../../engine/cost.ts';
import { makeFlow, registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';

const okFlow = (id = 'ok-flow'): Flow =>
  makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'set', type: 'transform.set', config: { fields: [{ name: 'done', value: 'yes' }] } },
    ],
    ['start -> set'],
    { id, name: `Flow ${id}` },
  );

const failingFlow = (): Flow =>
  makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'boom', type: 'transform.jsonata', config: { expression: '$error("broken on purpose")' } },
    ],
    ['start -> boom'],
    { id: 'failing', name: 'Failing' },
  );

describe.each([
  { name: 'FileTraceStore', file: true },
  { name: 'MemoryTraceStore', file: false },
])('run index over $name', ({ file }) => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('is updated as runs start and finish, newest first, with filters and counts', async () => {
    const store = file ? new FileTraceStore(dir) : new MemoryTraceStore();
    const index = new RunIndex(store, file ? { journal: dataDirLayout(dir).runIndex } : {});
    const engine = new Engine({ store, registry });
    expect(await index.list()).toEqual([]);
    const first = await engine.startRun(okFlow(), { input: {}, startedBy: 'test' });
    const second = await engine.startRun(failingFlow(), { input: {}, startedBy: 'test' });
    const runs = await index.list();
    expect(runs.map((r) => [r.runId, r.status])).toEqual([
      [second.runId, 'failed'],
      [first.runId, 'succeeded'],
    ]);
    expect(runs[1]).toMatchObject({ flowId: 'ok-flow', flowName: 'Flow ok-flow', mode: 'run', nodes: { total: 2, succeeded: 2, failed: 0 }, items: { failed: 0 } });
    expect(runs[1]!.finishedAt).toBe(runs[1]!.updatedAt);
    expect(runs[0]).toMatchObject({ flowId: 'failing', nodes: { failed: 1 } });
    expect(runs[0]!.error).toContain('broken on purpose');
    expect((await index.list({ status: 'succeeded' })).map((r) => r.runId)).toEqual([first.runId]);
    expect((await index.list({ flowId: 'failing' })).map((r) => r.runId)).toEqual([second.runId]);
    expect((await index.list({ limit: 1 })).map((r) => r.runId)).toEqual([second.runId]);
    expect((await index.list({ offset: 1 })).map((r) => r.runId)).toEqual([first.runId]);
    // The same summary the store derives from the whole trace.
    const { runs: fromTraces } = await store.list();
    expect(runs.map(({ runId, status, createdAt, updatedAt }) => ({ runId, status, createdAt, updatedAt }))).toEqual(
      fromTraces.map(({ runId, status, createdAt, updatedAt }) => ({ runId, status, createdAt, updatedAt })),
    );
  });
});

describe('run index journal (file store)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let journal: string;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    journal = dataDirLayout(dir).runIndex;
  });
  afterEach(() => cleanup());

  async function writeRuns(count: number): Promise<string[]> {
    const store = new FileTraceStore(dir);
    const index = new RunIndex(store, { journal });
    const engine = new Engine({ store, registry });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await engine.startRun(okFlow(), { input: { i }, startedBy: 'test' })).runId);
    index.close();
    return ids;
  }

  /** A fresh index on the folder, as the next start of the app opens it. */
  async function reopened() {
    const index = new RunIndex(new FileTraceStore(dir), { journal });
    const runs = await index.list();
    return { index, runs, report: index.lastOpen! };
  }

  it('is persisted: a new process reads it without re-reading any trace', async () => {
    const ids = await writeRuns(3);
    const { runs, report } = await reopened();
    expect(runs.map((r) => r.runId).sort()).toEqual([...ids].sort());
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    expect(report).toMatchObject({ entries: 3, reread: 0, dropped: 0, damagedLines: 0 });
  });

  it('is rebuilt from the traces when the journal was deleted', async () => {
    const ids = await writeRuns(3);
    await rm(journal);
    const { runs, report } = await reopened();
    expect(runs.map((r) => r.runId).sort()).toEqual([...ids].sort());
    expect(runs.every((r) => r.status === 'succeeded' && r.nodes.succeeded === 2)).toBe(true);
    expect(report).toMatchObject({ entries: 3, reread: 3 });
    // The rebuilt entries were written back: the next open reads none again.
    expect((await reopened()).report.reread).toBe(0);
    // A forced rebuild reads every trace again and leaves one line per run.
    const { index } = await reopened();
    expect(await index.rebuild()).toMatchObject({ entries: 3, reread: 3, compacted: true });
    expect((await readFile(journal, 'utf8')).trim().split('\n')).toHaveLength(3);
    expect((await index.list()).map((r) => r.runId).sort()).toEqual([...ids].sort());
  });

  it('is rebuilt with no run lost when a line is garbage and the file is cut short', async () => {
    const ids = await writeRuns(4);
    const lines = (await readFile(journal, 'utf8')).split('\n');
    lines.splice(2, 0, '{"v":1,"set":{"runId": garbage');
    const text = lines.join('\n');
    await writeFile(journal, text.slice(0, text.length - 40)); // the last line torn
    const { runs, report } = await reopened();
    expect(runs.map((r) => r.runId).sort()).toEqual([...ids].sort());
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    expect(report.damagedLines).toBe(2);
    expect(report.compacted).toBe(true);
    // Compaction left one clean line per run.
    const clean = (await readFile(journal, 'utf8')).trim().split('\n');
    expect(clean).toHaveLength(4);
    expect(clean.map((l) => (JSON.parse(l) as { set: { runId: string } }).set.runId).sort()).toEqual([...ids].sort());
  });

  it('is rebuilt when the whole file is garbage', async () => {
    const ids = await writeRuns(2);
    await writeFile(journal, '\u0000\u0000not json at all\n[1,2,3]\n');
    const { runs, report } = await reopened();
    expect(runs.map((r) => r.runId).sort()).toEqual([...ids].sort());
    expect(report).toMatchObject({ reread: 2, damagedLines: 2, compacted: true });
  });

  it('re-reads a trace newer than its entry and drops an entry whose trace is gone', async () => {
    const [kept, gone] = await writeRuns(2);
    // Another writer without an index (an older program) adds to a trace: the stamp moves on.
    const bare = new FileTraceStore(dir);
    await appendFile(bare.locate(kept!), '');
    const changedRun = await bare.create({ ...(await bare.load(kept!)).header, runId: 'run-added-without-index' }, { durability: 'buffered', redactor: new Redactor() });
    await changedRun.close();
    await rm(bare.locate(gone!));
    const { runs, report } = await reopened();
    expect(runs.map((r) => r.runId).sort()).toEqual([kept!, 'run-added-without-index'].sort());
    expect(runs.find((r) => r.runId === 'run-added-without-index')?.status).toBe('running');
    expect(report).toMatchObject({ reread: 1, dropped: 1 });
  });

  it('drops a damaged trace and reports it as set aside, keeping the other runs', async () => {
    const [good, bad] = await writeRuns(2);
    const store = new FileTraceStore(dir);
    const text = await readFile(store.locate(bad!), 'utf8');
    const lines = text.split('\n');
    lines[2] = '{ damaged';
    await rm(journal);
    await writeFile(store.locate(bad!), lines.join('\n'));
    const { index, runs } = await reopened();
    expect(runs.map((r) => r.runId)).toEqual([good]);
    expect(index.quarantined().map((q) => q.runId)).toEqual([bad]);
  });

  it('keeps AI use per model, so spend is priced when asked exactly as from the trace', async () => {
    const [base] = await writeRuns(1);
    const store = new FileTraceStore(dir);
    const index = new RunIndex(store, { journal });
    const header = { ...(await store.load(base!)).header, runId: 'run-with-ai' };
    const sink = await store.create(header, { durability: 'buffered', redactor: new Redactor() });
    const key = (itemIndex: number) => ({ nodeId: 'ai', attempt: 1, itemIndex, kind: 'llm', call: 0 });
    sink.append({ type: 'run.started', input: {} });
    sink.append({ type: 'external.result', ...key(0), result: { model: 'gpt-4o-mini', usage: { promptTokens: 1000, completionTokens: 500 } } });
    sink.append({ type: 'external.result', ...key(1), result: { model: 'gpt-4o-mini', usage: { promptTokens: 800, completionTokens: 100 } }, cached: true });
    sink.append({ type: 'external.result', ...key(2), result: { model: 'my-local-model', usage: { promptTokens: 7, completionTokens: 3 } } });
    await sink.close();
    const entry = await index.get('run-with-ai');
    expect(entry?.ai).toEqual({
      'gpt-4o-mini': { calls: 2, cachedCalls: 1, promptTokens: 1000, completionTokens: 500 },
      'my-local-model': { calls: 1, cachedCalls: 0, promptTokens: 7, completionTokens: 3 },
    });
    const table = priceTable({ 'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 } });
    const { perCall: _c, perNode: _n, ...fromTrace } = runCost((await store.load('run-with-ai')).events, table);
    const fromIndex = usageCost(entry!.ai, table);
    expect({ ...fromIndex, costUsd: 0 }).toEqual({ ...fromTrace, costUsd: 0 });
    expect(fromIndex.costUsd).toBeCloseTo(fromTrace.costUsd, 15);
    expect(fromIndex.unpricedModels).toEqual(['my-local-model']);
  });

  it('lists a paused run as running while it is continued, and as what its trace says after', async () => {
    const [base] = await writeRuns(1);
    const store = new FileTraceStore(dir);
    const index = new RunIndex(store, { journal });
    const header = { ...(await store.load(base!)).header, runId: 'run-paused' };
    const sink = await store.create(header, { durability: 'buffered', redactor: new Redactor() });
    sink.append({ type: 'run.started', input: {} });
    sink.append({ type: 'run.needs-attention', nodeId: 'set', reason: 'Sent? Unknown.', choices: ['send-again', 'skip-item', 'cancel'] });
    await sink.close();
    expect(await index.get('run-paused')).toMatchObject({ status: 'needs-attention', attention: 'Sent? Unknown.' });
    // Another process (no index read yet) continues it: both see it running at once.
    const otherStore = new FileTraceStore(dir);
    const other = new RunIndex(otherStore, { journal });
    const { sink: again } = await otherStore.reopen('run-paused', { durability: 'buffered', redactor: new Redactor() });
    const shown = await index.get('run-paused');
    expect(shown?.status).toBe('running');
    expect(shown?.attention).toBeUndefined();
    again.append({ type: 'run.finished', status: 'succeeded', outputs: {} });
    await again.close();
    other.close();
    expect(await index.get('run-paused')).toMatchObject({ status: 'succeeded' });
  });

  it('compacts the journal while the app runs, when superseded lines pile up', async () => {
    const store = new FileTraceStore(dir);
    const index = new RunIndex(store, { journal, compactSlackLines: 2 });
    await index.list();
    const engine = new Engine({ store, registry });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await engine.startRun(okFlow(), { input: { i }, startedBy: 'test' })).runId);
    await index.writes();
    // Two lines per run were appended (start, end); compaction left about one per run.
    const lines = (await readFile(journal, 'utf8')).trim().split('\n');
    expect(lines.length).toBeLessThan(2 * ids.length);
    const reader = new RunIndex(new FileTraceStore(dir), { journal });
    expect((await reader.list()).map((r) => r.runId).sort()).toEqual([...ids].sort());
    expect(reader.lastOpen).toMatchObject({ reread: 0, damagedLines: 0 });
    index.close();
  });

  it("makes a finished run's entry from the lines it wrote, not by reading the trace back — the same entry the file gives", async () => {
    const store = new FileTraceStore(dir);
    const index = new RunIndex(store, { journal });
    await index.list();
    const load = vi.spyOn(store, 'load');
    const engine = new Engine({ store, registry });
    const ok = await engine.startRun(okFlow(), { input: { i: 1 }, startedBy: 'test' });
    const failed = await engine.startRun(failingFlow(), { input: {}, startedBy: 'test' });
    const runs = await index.list();
    expect(load).not.toHaveBeenCalled();
    const fromFiles = new RunIndex(new FileTraceStore(dir), {});
    await fromFiles.rebuild();
    for (const runId of [ok.runId, failed.runId]) expect(runs.find((r) => r.runId === runId)).toEqual(await fromFiles.get(runId));
    index.close();
  });

  it('shows runs appended by another process while a reader is open (tails the journal)', async () => {
    await writeRuns(1);
    const { index } = await reopened();
    expect(await index.list()).toHaveLength(1);
    // Another process: a separate store and index on the same folder, as the CLI builds them.
    const other = dataDirStores(dir, { catalog: registry });
    const outcome = await new Engine({ store: other.traces, registry }).startRun(okFlow('other'), { input: {}, startedBy: 'cli' });
    const runs = await index.list();
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ runId: outcome.runId, status: 'succeeded', flowId: 'other' });
    // And after it compacts the journal (its next open found damage), the reader follows the new file.
    await appendFile(journal, 'garbage\n');
    await new RunIndex(new FileTraceStore(dir), { journal }).list();
    expect((await index.list()).map((r) => r.runId)).toContain(outcome.runId);
  });
});

describe('run index tail order', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('never lists a finished run as running again when a tail reads an older line of it back', async () => {
    const journal = dataDirLayout(dir).runIndex;
    const store = new FileTraceStore(dir);
    const index = new RunIndex(store, { journal });
    await index.list();
    const { runId } = await new Engine({ store, registry }).startRun(okFlow(), { input: {}, startedBy: 'test' });
    const finished = await index.get(runId);
    expect(finished).toMatchObject({ status: 'succeeded' });
    // Another process appends the run as it was when it started (the same moment and a moment
    // before), then a line of its own run: the tail reads all three.
    const started = { ...finished!, status: 'running', finishedAt: undefined };
    const earlier = { ...started, updatedAt: finished!.createdAt < finished!.updatedAt ? finished!.createdAt : '2000-01-01T00:00:00.000Z' };
    await appendFile(journal, [started, earlier].map((set) => JSON.stringify({ v: 2, set }) + '\n').join(''));
    const other = dataDirStores(dir, { catalog: registry });
    const outcome = await new Engine({ store: other.traces, registry }).startRun(okFlow('other'), { input: {}, startedBy: 'cli' });
    const runs = await index.list();
    expect(runs.map((r) => [r.runId, r.status])).toEqual([
      [outcome.runId, 'succeeded'],
      [runId, 'succeeded'],
    ]);
    // A newer line still wins (a run continued elsewhere).
    const later = { ...finished!, status: 'running', updatedAt: new Date(Date.parse(finished!.updatedAt) + 1000).toISOString(), finishedAt: undefined };
    await appendFile(journal, JSON.stringify({ v: 2, set: later }) + '\n');
    expect(await index.get(runId)).toMatchObject({ status: 'running' });
    index.close();
  });
});

describe('run index in the service', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let service: FlowkeeperService | undefined;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    await cleanup();
  });

  it('lists a run the CLI made in another process while the service is open', async () => {
    service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
    const api = service.handlers;
    expect(await api['runs.list']({ limit: 100, offset: 0 })).toEqual([]);
    const flowFile = join(dir, 'flow.json');
    await writeFile(flowFile, JSON.stringify(okFlow('from-cli')));
    const bin = join(import.meta.dirname, '..', '..', '..', 'cli', 'bin.js');
    const child = spawn(process.execPath, [bin, 'run', flowFile, '--data-dir', dir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const { runId } = JSON.parse(out) as { runId: string };
    const runs = await api['runs.list']({ limit: 100, offset: 0 });
    expect(runs).toEqual([expect.objectContaining({ runId, status: 'succeeded', flowId: 'from-cli' })]);
    // The API shows the run summary, not the index's own bookkeeping.
    expect(Object.keys(runs[0]!)).not.toContain('stamp');
  });

  it('resumes at start the runs the index (reconciled with the traces) knows as running', async () => {
    // A run left running: a trace with a header and a start, no end (the process died).
    const store = new FileTraceStore(dir);
    const flow = okFlow();
    const engine = new Engine({ store, registry });
    const done = await engine.startRun(flow, { input: {}, startedBy: 'test' });
    const header = { ...(await store.load(done.runId)).header, runId: 'run-left-running', createdAt: new Date().toISOString() };
    const sink = await store.create(header, { durability: 'buffered', redactor: new Redactor() });
    sink.append({ type: 'run.started', input: {} });
    await sink.flush();
    service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain() });
    await service.idle();
    const runs = await service.handlers['runs.list']({ limit: 100, offset: 0 });
    expect(runs.find((r) => r.runId === 'run-left-running')?.status).toBe('succeeded');
    await sink.close();
  });
});
