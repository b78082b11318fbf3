import { appendFile, open, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type BlobRef, type RunEvent, type RunEventBody, type TraceHeader } from '../../../engine/model/events.ts';
import { REDACTED, Redactor } from '../../../engine/trace/redactor.ts';
import { BLOB_THRESHOLD_BYTES, TraceQuarantinedError, type LoadedTrace, type TraceChange, type WriterOptions } from '../../../engine/trace/trace-store.ts';
import { FileTraceStore } from '../../../engine/trace/file-trace-store.ts';
import { tempDir } from '../../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
let store: FileTraceStore;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  store = new FileTraceStore(dir);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await cleanup();
});

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
const nodeStarted = (nodeId: string): RunEventBody => ({ type: 'node.started', nodeId, attempt: 1, inputCounts: { in: 1 } });
const nodeSucceeded = (nodeId: string): RunEventBody => ({ type: 'node.succeeded', nodeId, attempt: 1, outputs: { out: [{ ok: true }] }, durationMs: 3 });

/** Writes a run with the given events through the store and closes it. */
async function writeRun(runId: string, bodies: RunEventBody[], extra: Partial<TraceHeader> = {}): Promise<RunEvent[]> {
  const sink = await store.create(header(runId, extra), options());
  const events = bodies.map((b) => sink.append(b));
  await sink.close();
  return events;
}

const linesOf = (text: string) => text.split('\n').filter((l) => l !== '');

describe('create, append, load', () => {
  it('round-trips the header and the events', async () => {
    const sink = await store.create(header('run-1'), options());
    const first = sink.append(started);
    const second = await sink.appendDurable(nodeStarted('start'));
    const third = sink.append(nodeSucceeded('start'));
    await sink.sync();
    expect([first.seq, second.seq, third.seq]).toEqual([1, 2, 3]);
    expect(sink.lastSeq).toBe(3);

    const trace = await store.load('run-1');
    // Where the file is: the file store's explicit method (a loaded trace carries no path).
    expect(store.locate('run-1')).toBe(join(dir, 'runs', 'run-1.jsonl'));
    expect(trace).not.toHaveProperty('location');
    expect(trace.header).toEqual(header('run-1'));
    expect(trace.events).toEqual([first, second, third]);
    expect(trace.tornTail).toBeUndefined();
    expect(trace.missingFinalNewline).toBe(false);
    await sink.close();

    // Loading by path (the file store's explicit loadFile) gives the same trace.
    expect((await store.loadFile(store.locate('run-1'))).events).toEqual([first, second, third]);
  });

  it('refuses to create a run that already exists', async () => {
    await writeRun('run-1', [started]);
    await expect(store.create(header('run-1'), options())).rejects.toThrow(/EEXIST/);
    expect((await store.load('run-1')).events).toHaveLength(1);
  });

  it('says which run is missing', async () => {
    await expect(store.load('nope')).rejects.toThrow(/There is no run "nope"/);
  });

  it('refuses appends after close', async () => {
    const sink = await store.create(header('run-1'), options());
    await sink.close();
    expect(() => sink.append(started)).toThrow(/already closed/);
  });
});

describe('reopen', () => {
  it('cuts a torn tail off on disk and continues the numbering', async () => {
    await writeRun('run-1', [started, nodeStarted('start'), nodeSucceeded('start')]);
    const path = store.locate('run-1');
    const intact = (await stat(path)).size;
    await appendFile(path, '{"seq":4,"ts":"2026-01-01T00:0');

    const { trace, sink } = await store.reopen('run-1', options());
    expect(trace.tornTail).toEqual({ bytes: 30 });
    expect(trace.intactBytes).toBe(intact);
    expect(trace.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(sink.lastSeq).toBe(3);
    expect((await stat(path)).size).toBe(intact);

    const next = await sink.appendDurable({ type: 'run.resumed', reason: 'crash', pid: 123 });
    expect(next.seq).toBe(4);
    await sink.close();

    const text = await readFile(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(linesOf(text)).toHaveLength(5); // header + 4 events, no fragment
    for (const l of linesOf(text)) expect(() => JSON.parse(l) as unknown).not.toThrow();
    const loaded = await store.load('run-1');
    expect(loaded.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(loaded.events[3]).toMatchObject({ type: 'run.resumed', reason: 'crash' });
    expect(loaded.tornTail).toBeUndefined();
    expect(loaded.missingFinalNewline).toBe(false);
  });

  it('adds the missing newline after a whole last line before appending', async () => {
    await writeRun('run-1', [started, nodeStarted('start')]);
    const path = store.locate('run-1');
    await truncate(path, (await stat(path)).size - 1);

    const { trace, sink } = await store.reopen('run-1', options());
    expect(trace.missingFinalNewline).toBe(true);
    expect(trace.events).toHaveLength(2);
    sink.append(nodeSucceeded('start'));
    await sink.close();

    const loaded = await store.load('run-1');
    expect(loaded.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(loaded.missingFinalNewline).toBe(false);
  });
});

describe('quarantine', () => {
  async function writeDamagedRun(runId: string): Promise<string> {
    await writeRun(runId, [started, nodeStarted('start'), nodeSucceeded('start')]);
    const path = store.locate(runId);
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[2] = '{"seq":2,"ts":"oops'; // line 3, in the middle
    await writeFile(path, lines.join('\n'));
    return path;
  }

  it('moves a damaged trace aside with a note when it is loaded', async () => {
    await writeRun('run-good', [started]);
    const path = await writeDamagedRun('run-bad');
    const damagedText = await readFile(path, 'utf8');

    const error = await store.load('run-bad').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TraceQuarantinedError);
    const notice = (error as TraceQuarantinedError).notice;
    expect(notice.runId).toBe('run-bad');
    expect(notice.reason).toMatch(/line 3: a line that is not valid JSON/);
    expect(notice.movedTo.startsWith(join(dir, 'quarantine') + '/')).toBe(true);
    expect((error as Error).message).toContain(notice.movedTo);

    await expect(stat(path)).rejects.toThrow(/ENOENT/);
    expect(await readFile(notice.movedTo, 'utf8')).toBe(damagedText);
    const note = await readFile(`${notice.movedTo}.reason.txt`, 'utf8');
    expect(note).toMatch(/damaged at line 3/);

    // The other run is untouched.
    expect((await store.load('run-good')).events).toHaveLength(1);
    await expect(store.load('run-bad')).rejects.toThrow(/There is no run "run-bad"/);
  });

  it('lists the other runs and reports the damaged one in `quarantined`', async () => {
    await writeRun('run-a', [started]);
    await writeDamagedRun('run-b');
    await writeRun('run-c', [started], { createdAt: '2026-01-02T00:00:00.000Z' });

    const { runs, quarantined } = await store.list();
    expect(runs.map((r) => r.runId)).toEqual(['run-c', 'run-a']);
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]!.runId).toBe('run-b');
    expect(quarantined[0]!.reason).toMatch(/line 3/);
    expect(await readdir(join(dir, 'quarantine'))).toHaveLength(2);
    expect((await readdir(join(dir, 'runs'))).sort()).toEqual(['run-a.jsonl', 'run-c.jsonl']);
  });
});

describe('payloads', () => {
  const big = () => ({ text: 'x'.repeat(BLOB_THRESHOLD_BYTES + 10), n: 1 });

  it('keeps small values inline', async () => {
    const value = { a: 1, text: 'y'.repeat(1000) };
    expect(await store.putPayload(value)).toBe(value);
    expect(await store.putPayload(undefined)).toBeUndefined();
    await expect(stat(join(dir, 'blobs'))).rejects.toThrow(/ENOENT/);
    expect(await store.getPayload(value)).toBe(value);
  });

  it('stores a large value as a content-addressed blob and reads it back', async () => {
    const value = big();
    const ref = (await store.putPayload(value)) as BlobRef;
    expect(ref.$blob).toMatch(/^[0-9a-f]{64}$/);
    expect(ref.bytes).toBe(Buffer.byteLength(JSON.stringify(value)));
    const path = join(dir, 'blobs', ref.$blob.slice(0, 2), `${ref.$blob}.json`);
    expect(await readFile(path, 'utf8')).toBe(JSON.stringify(value));
    expect(await store.getPayload(ref)).toEqual(value);
  });

  it('stores the same content once', async () => {
    const first = (await store.putPayload(big())) as BlobRef;
    const second = (await store.putPayload(big())) as BlobRef;
    const other = (await store.putPayload({ ...big(), n: 2 })) as BlobRef;
    expect(second).toEqual(first);
    expect(other.$blob).not.toBe(first.$blob);
    const files = (await readdir(join(dir, 'blobs'), { recursive: true })).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(2);
  });

  it('splits at the threshold', async () => {
    const under = 'x'.repeat(BLOB_THRESHOLD_BYTES - 3); // JSON adds two quotes
    const at = 'x'.repeat(BLOB_THRESHOLD_BYTES - 2);
    expect(await store.putPayload(under)).toBe(under);
    expect(await store.putPayload(at)).toHaveProperty('$blob');
  });

  it('stores the same large value from two concurrent calls', async () => {
    const refs = await Promise.all([store.putPayload(big()), store.putPayload(big())]);
    expect(refs[1]).toEqual(refs[0]);
  });

  it('rejects a malformed blob reference and explains a missing blob', async () => {
    await expect(store.getPayload({ $blob: '../../etc/passwd', bytes: 1 })).rejects.toThrow(/Invalid blob reference/);
    await expect(store.getPayload({ $blob: 'b'.repeat(64), bytes: 1 })).rejects.toThrow(/could not be read/);
  });
});

describe('the trace as written (what the run index reads at close)', () => {
  it('is handed to listeners at close: the redacted events the file holds, equal to loading it', async () => {
    const secret = 'sk-live-Wr1tten';
    const redactor = new Redactor();
    redactor.add(secret);
    // Read while the listener is told, as the run index does; the store lets the lines go after.
    let kept: LoadedTrace | undefined;
    let later: (() => LoadedTrace | undefined) | undefined;
    store.onChange((change) => {
      if (!change.header) {
        kept = change.written?.();
        later = change.written;
      }
    });
    const sink = await store.create(header('run-w', { input: { key: secret } }), options(redactor));
    sink.append(started);
    sink.append({ type: 'node.log', nodeId: 'a', level: 'info', message: `using ${secret}` });
    sink.append(nodeSucceeded('a'));
    await sink.close();
    expect(kept).toBeDefined();
    expect(later?.()).toBeUndefined();
    expect(JSON.stringify(kept)).not.toContain(secret);
    const loaded = await store.load('run-w');
    expect(kept!.events).toEqual(loaded.events);
    expect(kept!.header).toEqual(loaded.header);
  });

  it('is not handed over for a trace that was reopened (its earlier lines are only in the file)', async () => {
    const sink = await store.create(header('run-r'), options());
    sink.append(started);
    await sink.close();
    const changes: TraceChange[] = [];
    store.onChange((change) => void changes.push(change));
    const { sink: again } = await store.reopen('run-r', options());
    again.append(nodeSucceeded('a'));
    await again.close();
    expect(changes.map((c) => c.written)).toEqual([undefined, undefined]);
  });
});

describe('redaction', () => {
  it('never writes a secret to the trace file or a blob', async () => {
    const secret = 'sk-live-Th1sIsSecret';
    const quoted = 'pa"ss\\word-9';
    const redactor = new Redactor();
    redactor.add(secret);
    redactor.add(quoted);

    const sink = await store.create(header('run-1', { input: { apiKey: secret, other: quoted } }), options(redactor));
    sink.append({ type: 'node.log', nodeId: 'call', level: 'info', message: `using ${secret}`, data: { pw: quoted } });
    sink.append({
      type: 'external.intent',
      nodeId: 'call',
      attempt: 1,
      itemIndex: 0,
      kind: 'http',
      call: 0,
      effects: 'write',
      request: { headers: { Authorization: `Bearer ${secret}` } },
    });
    const ref = (await store.putPayload({ big: 'z'.repeat(BLOB_THRESHOLD_BYTES), token: secret, pw: quoted }, redactor)) as BlobRef;
    sink.append({ type: 'node.succeeded', nodeId: 'call', attempt: 1, outputs: { out: ref }, durationMs: 1 });
    await sink.close();

    const text = await readFile(store.locate('run-1'), 'utf8');
    for (const needle of [secret, quoted, JSON.stringify(quoted).slice(1, -1)]) expect(text).not.toContain(needle);
    expect(text.split(REDACTED).length - 1).toBe(5);
    const trace = await store.load('run-1');
    expect(trace.header.input).toEqual({ apiKey: REDACTED, other: REDACTED });

    const blobText = await readFile(join(dir, 'blobs', ref.$blob.slice(0, 2), `${ref.$blob}.json`), 'utf8');
    expect(blobText).not.toContain(secret);
    expect(blobText).not.toContain(JSON.stringify(quoted).slice(1, -1));
    expect(await store.getPayload(ref)).toMatchObject({ token: REDACTED, pw: REDACTED });
  });

  it('redacts a secret inside an already serialized body, where it is escaped twice in the line', async () => {
    const secret = 'ab"cd\\ef-1234';
    const redactor = new Redactor();
    redactor.add(secret);
    const sink = await store.create(header('run-1'), options(redactor));
    sink.append({
      type: 'external.intent',
      nodeId: 'call',
      attempt: 1,
      itemIndex: 0,
      kind: 'http',
      call: 0,
      effects: 'write',
      request: { method: 'POST', body: JSON.stringify({ client_secret: secret }) },
    });
    await sink.close();

    const [event] = (await store.load('run-1')).events as Array<RunEvent & { request: { body: string } }>;
    const body = JSON.parse(event!.request.body) as { client_secret: string };
    expect(body.client_secret).not.toContain(secret);
    expect(body.client_secret).toBe(REDACTED);
  });
});

describe('list', () => {
  it('returns summaries newest first with the status from the events', async () => {
    await writeRun('a-oldest', [started, { type: 'run.finished', status: 'succeeded', outputs: {} }], { createdAt: '2026-01-01T00:00:00.000Z' });
    await writeRun('b-newest', [started, nodeStarted('start')], { createdAt: '2026-01-03T00:00:00.000Z', mode: 'fork', parentRunId: 'a-oldest' });
    await writeRun(
      'c-middle',
      [started, { type: 'run.finished', status: 'failed', outputs: {}, error: { message: 'The server said no.', code: 'HTTP_STATUS', retryable: false, nodeId: 'call' } }],
      { createdAt: '2026-01-02T00:00:00.000Z' },
    );
    await writeRun('d-waiting', [started, { type: 'run.needs-attention', nodeId: 'call', reason: 'Did the email go out?', choices: ['mark-done', 'send-again'] }], {
      createdAt: '2025-12-31T00:00:00.000Z',
    });

    const { runs, quarantined } = await store.list();
    expect(quarantined).toEqual([]);
    expect(runs.map((r) => [r.runId, r.status])).toEqual([
      ['b-newest', 'running'],
      ['c-middle', 'failed'],
      ['a-oldest', 'succeeded'],
      ['d-waiting', 'needs-attention'],
    ]);
    const [newest, middle, , waiting] = runs;
    expect(newest).toMatchObject({ flowId: 'flow-1', flowName: 'Flow one', flowVersion: 2, mode: 'fork', parentRunId: 'a-oldest' });
    // Summaries speak of run ids only; the file's place is the store's explicit locate().
    expect(newest).not.toHaveProperty('location');
    expect(middle!.error).toBe('The server said no.');
    expect(waiting!.attention).toBe('Did the email go out?');
    expect(newest!.updatedAt >= newest!.createdAt).toBe(true);
  });

  it('returns nothing for a fresh data folder', async () => {
    expect(await store.list()).toEqual({ runs: [], quarantined: [] });
  });
});

describe('group commit', () => {
  it('resolves 200 concurrent durable appends with all lines in order and few disk flushes', async () => {
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();

    const sink = await store.create(header('run-1'), options());
    const datasync = vi.spyOn(proto, 'datasync');
    const events = await Promise.all(Array.from({ length: 200 }, (_, i) => sink.appendDurable({ type: 'node.log', nodeId: 'n', level: 'info', message: `line ${i}` })));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // Read while the file is still open: everything awaited is on disk already.
    const lines = linesOf(await readFile(store.locate('run-1'), 'utf8'));
    expect(lines).toHaveLength(201);
    const parsed = lines.slice(1).map((l) => JSON.parse(l) as RunEvent & { message: string });
    expect(parsed.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    expect(parsed.map((e) => e.message)).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i}`));
    expect(datasync.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(datasync.mock.calls.length).toBeLessThan(10);
    await sink.close();
  });
});

describe('locate', () => {
  it('maps a run id to its file in the runs folder', () => {
    expect(store.locate('run-2026.01_a')).toBe(join(dir, 'runs', 'run-2026.01_a.jsonl'));
  });

  it.each(['a/b', '../x', '..', '.hidden', '', 'a\\b', 'x/../../etc'])('rejects the run id %j', (runId) => {
    expect(() => store.locate(runId)).toThrow(/not a valid run id/);
  });
});
