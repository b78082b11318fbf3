/**
 * A review step that lets items go on one by one (`emit: "each"`): each decided item goes on at
 * once in a run of its own (the steps after the review run for it while the others wait), exactly
 * once across crashes and restarts — a crash after the decision and before the item went on, a
 * carried run cut off after its header, a SIGKILL between two decisions — and the run finishes
 * when the last item is decided; the time-out of the rest still works.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createService, Engine, FileTraceStore, reduceRun, Redactor, replayRun, type Flow, type TraceStore } from '../../engine/index.ts';
import { makeFlow, registry, tempDir } from '../helpers/engine.ts';
import { startServer, type TestServer } from '../helpers/http-server.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'cli', 'bin.js');
const CHILD = join(import.meta.dirname, 'fixtures', 'review-service-child.ts');

let server: TestServer;
beforeAll(async () => {
  server = await startServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(req.body || '{}');
  });
});
afterAll(() => server.close());

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  server.requests.length = 0;
});
afterEach(() => cleanup());

const flowSpec = (review: Record<string, unknown> = {}) => ({
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'before', type: 'http.request', config: { method: 'POST', url: `${server.url}/before`, bodyType: 'json', body: { count: '{{ $count(invoices) }}' } } },
    { id: 'split', type: 'transform.split-out', config: { field: 'invoices' } },
    { id: 'check', type: 'human.review', config: { title: 'Invoice {{ n }}', fields: [{ name: 'amount', type: 'number', label: 'Amount' }], emit: 'each', ...review } },
    { id: 'pay', type: 'http.request', config: { method: 'POST', url: `${server.url}/paid`, bodyType: 'json', body: { n: '{{ n }}', amount: '{{ amount }}' } } },
    { id: 'refuse', type: 'http.request', config: { method: 'POST', url: `${server.url}/refused`, bodyType: 'json', body: { n: '{{ n }}' } } },
    { id: 'late', type: 'http.request', config: { method: 'POST', url: `${server.url}/timeout`, bodyType: 'json', body: { n: '{{ n }}' } } },
  ],
  edges: ['start -> before', 'start -> split', 'split -> check', 'check.approve -> pay', 'check.edit -> pay', 'check.reject -> refuse', ...(review.dueAfterHours ? ['check.timeout -> late'] : [])],
});

function flowOf(review: Record<string, unknown> = {}): Flow {
  const spec = flowSpec(review);
  return makeFlow(spec.nodes, spec.edges, { id: 'pay', name: 'Pay invoices' });
}

const input = { invoices: [{ n: 1, amount: 10 }, { n: 2, amount: 20 }, { n: 3, amount: 30 }] };
const posted = (path: string) => server.requests.filter((r) => r.url === path).map((r) => JSON.parse(r.body) as Record<string, unknown>);
const id = (runId: string, item: number) => `${runId}:check:${item}`;

async function statusOf(store: TraceStore, runId: string) {
  const trace = await store.load(runId);
  return reduceRun(trace.header, trace.events);
}

describe('review one by one (emit each)', () => {
  it('each decided item goes on at once in its own run; the run finishes when the last one is decided', async () => {
    const store = new FileTraceStore(dir);
    const engine = new Engine({ store, registry });
    const started = await engine.startRun(flowOf(), { input });
    expect(started.status, JSON.stringify(started.error)).toBe('paused');
    const { runId } = started;

    const first = await engine.answerReview(runId, { kind: 'decision', requestId: id(runId, 0), outcome: 'approve', by: 'Ana' });
    expect(first.status).toBe('paused');
    expect(posted('/paid')).toEqual([{ n: 1, amount: 10 }]);
    const carried = await statusOf(store, `${runId}.check.1`);
    expect(carried.status).toBe('succeeded');
    expect(carried.parentRunId).toBe(runId);
    // Steps before the review are the parent's: reused, never run again.
    expect(carried.nodes.before).toMatchObject({ status: 'succeeded', reusedFrom: runId });
    expect((await statusOf(store, runId)).reviews.get(id(runId, 0))).toMatchObject({ emittedTo: `${runId}.check.1` });
    // Replayed offline, the carried run answers its step from the parent's decision and matches.
    expect((await replayRun(store, registry, `${runId}.check.1`)).identical).toBe(true);

    await engine.answerReview(runId, { kind: 'decision', requestId: id(runId, 1), outcome: 'reject', by: 'Ana', comment: 'duplicate' });
    expect(posted('/refused')).toEqual([{ n: 2 }]);
    const last = await engine.answerReview(runId, { kind: 'decision', requestId: id(runId, 2), outcome: 'approve', by: 'Ben', edits: { amount: 33 } });
    expect(last.status).toBe('succeeded');
    expect(posted('/paid')).toEqual([{ n: 1, amount: 10 }, { n: 3, amount: 33 }]);
    expect(posted('/before')).toHaveLength(1);
    const parent = await statusOf(store, runId);
    // The parent's own review step gives nothing out: every item went on in its own run.
    expect(parent.nodes.pay?.status).toBe('skipped');
    expect([...parent.reviews.values()].map((r) => r.emittedTo)).toEqual([1, 2, 3].map((n) => `${runId}.check.${n}`));
  });

  it('items "review only if" lets through go on at once too, each in its own run, while the others wait', async () => {
    const store = new FileTraceStore(dir);
    const engine = new Engine({ store, registry });
    const started = await engine.startRun(flowOf({ reviewIf: 'amount > 15' }), { input });
    expect(started.status).toBe('paused');
    const { runId } = started;
    expect(posted('/paid')).toEqual([{ n: 1, amount: 10 }]);
    expect((await statusOf(store, `${runId}.check.1`)).status).toBe('succeeded');
    const carried = await store.load(`${runId}.check.1`);
    expect(carried.header.reviewItem).toMatchObject({ itemIndex: 0, auto: true });
    expect((await replayRun(store, registry, `${runId}.check.1`)).identical).toBe(true);
    await engine.answerReview(runId, { kind: 'decision', requestId: id(runId, 1), outcome: 'approve', by: 'Ana' });
    expect(posted('/paid').map((p) => p.n)).toEqual([1, 2]);
    expect((await engine.answerReview(runId, { kind: 'decision', requestId: id(runId, 2), outcome: 'approve', by: 'Ana' })).status).toBe('succeeded');
    expect((await engine.resume(runId)).status).toBe('succeeded');
    expect(posted('/paid').map((p) => p.n)).toEqual([1, 2, 3]);
    const parent = await statusOf(store, runId);
    expect(parent.nodes.pay?.status).toBe('skipped');
    expect([...parent.autoCarried.values()]).toMatchObject([{ itemIndex: 0, emittedTo: `${runId}.check.1` }]);
    expect((await replayRun(store, registry, runId)).identical).toBe(true);
    // Nobody reviewed item 1: it carries the auto-approval.
    expect((await statusOf(store, `${runId}.check.1`)).nodes.check?.outputs).toMatchObject({ approve: [{ n: 1, review: { outcome: 'approve', by: 'auto', auto: true } }] });
  });

  it('an item decided just before a crash goes on once, when the run is next touched, even when its run was cut off after its header', async () => {
    const store = new FileTraceStore(dir);
    const { runId } = await new Engine({ store, registry }).startRun(flowOf(), { input });
    // A process that records the decision and dies before the item goes on: its store cannot create the carried run.
    const dying: TraceStore = Object.assign(Object.create(store) as FileTraceStore, {
      create: async (header: { runId: string }, options: never) => {
        if (header.runId.startsWith(`${runId}.`)) throw new Error('killed');
        return store.create(header as never, options);
      },
    });
    await expect(new Engine({ store: dying, registry }).answerReview(runId, { kind: 'decision', requestId: id(runId, 0), outcome: 'approve', by: 'Ana' })).rejects.toThrow('killed');
    expect(posted('/paid')).toEqual([]);
    expect((await statusOf(store, runId)).reviews.get(id(runId, 0))?.decided).toBeDefined();

    // Worse: the carried run's process died right after writing its header.
    const header = (await store.load(runId)).header;
    const sink = await store.create({ ...header, runId: `${runId}.check.1`, mode: 'fork', parentRunId: runId, forkFromNodeId: 'check', reviewItem: { requestId: id(runId, 0), nodeId: 'check', itemIndex: 0 } }, { durability: 'buffered', redactor: new Redactor() });
    await sink.close();

    // The next decision records item 1's run as gone on (it is not started again), then carries item 2 on.
    const engine = new Engine({ store, registry });
    await engine.answerReview(runId, { kind: 'decision', requestId: id(runId, 1), outcome: 'approve', by: 'Ana' });
    expect(posted('/paid').map((p) => p.n)).toEqual([2]);
    expect((await statusOf(store, runId)).reviews.get(id(runId, 0))).toMatchObject({ emittedTo: `${runId}.check.1` });
    // The cut-off run resumes like any interrupted one: what it reuses comes back, its item goes on once.
    expect((await engine.resume(`${runId}.check.1`)).status).toBe('succeeded');
    expect((await engine.resume(`${runId}.check.1`)).status).toBe('succeeded');
    expect(posted('/paid').map((p) => p.n)).toEqual([2, 1]);
    expect((await statusOf(store, `${runId}.check.1`)).nodes.before).toMatchObject({ status: 'succeeded', reusedFrom: runId });
    expect((await engine.answerReview(runId, { kind: 'decision', requestId: id(runId, 2), outcome: 'approve', by: 'Ana' })).status).toBe('succeeded');
    expect((await engine.resume(runId)).status).toBe('succeeded');
    expect(posted('/paid').map((p) => p.n)).toEqual([2, 1, 3]);
    expect(posted('/before')).toHaveLength(1);
  });

  it('the rest times out and goes on through "timeout", once, also after a restart', async () => {
    const clock = new FakeClock(Date.parse('2026-06-01T08:00:00Z'));
    const store = new FileTraceStore(dir);
    const { runId } = await new Engine({ store, registry, clock }).startRun(flowOf({ dueAfterHours: 2 }), { input });
    await new Engine({ store, registry, clock }).answerReview(runId, { kind: 'decision', requestId: id(runId, 0), outcome: 'approve', by: 'Ana' });
    clock.setWallClock(Date.parse('2026-06-01T11:00:00Z'));
    const engine = new Engine({ store, registry, clock });
    await engine.answerReview(runId, { kind: 'timer', requestId: id(runId, 1), timer: 'due' });
    expect(posted('/timeout')).toEqual([{ n: 2 }]);
    await engine.answerReview(runId, { kind: 'timer', requestId: id(runId, 1), timer: 'due' });
    const done = await new Engine({ store, registry, clock }).answerReview(runId, { kind: 'timer', requestId: id(runId, 2), timer: 'due' });
    expect(done.status).toBe('succeeded');
    expect(posted('/timeout')).toEqual([{ n: 2 }, { n: 3 }]);
    expect(posted('/paid')).toEqual([{ n: 1, amount: 10 }]);
  });

  it('survives a SIGKILL between two decisions: the decided item\'s work is neither lost nor repeated', async () => {
    await mkdir(join(dir, 'flows'), { recursive: true });
    await writeFile(join(dir, 'flows', 'pay.json'), JSON.stringify(flowOf()));
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, 'pay', JSON.stringify(input)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const runId = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const match = /PAUSED (\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before pausing`)));
      setTimeout(() => reject(new Error('the child did not pause')), 30_000).unref();
    });
    // Another process (the CLI) decides the first item and carries it on; then the service is killed.
    const decideInChild = await new Promise<number | null>((resolve) => {
      const cli = spawn(process.execPath, [CLI, 'inbox', 'decide', id(runId, 0), '--outcome', 'approve', '--by', 'bob', '--data-dir', dir], { stdio: 'ignore' });
      cli.on('close', resolve);
    });
    expect(decideInChild).toBe(0);
    expect(posted('/paid').map((p) => p.n)).toEqual([1]);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;

    // A new process starts (resuming what was interrupted), then the next decisions come in.
    const next = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), triggers: false });
    try {
      await next.idle();
      expect(posted('/paid').map((p) => p.n)).toEqual([1]);
      const engine = new Engine({ store: next.data.traces, registry });
      await engine.answerReview(runId, { kind: 'decision', requestId: id(runId, 1), outcome: 'approve', by: 'bob' });
      expect((await engine.answerReview(runId, { kind: 'decision', requestId: id(runId, 2), outcome: 'approve', by: 'bob' })).status).toBe('succeeded');
      await next.idle();
    } finally {
      await next.close();
    }
    expect(posted('/paid').map((p) => p.n)).toEqual([1, 2, 3]);
    expect(posted('/before')).toHaveLength(1);
  });
});
