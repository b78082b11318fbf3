/**
 * The quick scan a derived index rebuilds from (TraceStore.scanEvents, trace-scan.ts): the
 * header and only the wanted events, the same as a full load filtered, with the full reader's
 * rules for a torn end and an unsealed batch, and damage handed to `load` (quarantine).
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type RunEventBody, type TraceHeader } from '../../../engine/model/events.ts';
import { Redactor } from '../../../engine/trace/redactor.ts';
import { FileTraceStore } from '../../../engine/trace/file-trace-store.ts';
import { MemoryTraceStore } from '../../../engine/trace/memory-trace-store.ts';
import { TraceQuarantinedError, type TraceStore } from '../../../engine/trace/trace-store.ts';
import { scanTraceText } from '../../../engine/trace/trace-scan.ts';
import { TraceDamagedError } from '../../../engine/trace/trace-reader.ts';
import { tempDir } from '../../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const header = (runId: string): TraceHeader => ({
  kind: 'header',
  format: TRACE_FORMAT,
  formatVersion: TRACE_FORMAT_VERSION,
  runId,
  flowId: 'flow-1',
  flowName: 'Flow one',
  flowVersion: 1,
  flowHash: 'a'.repeat(64),
  flow: { $blob: '0'.repeat(64), bytes: 1 },
  input: { n: 1 },
  createdAt: '2026-01-01T00:00:00.000Z',
  mode: 'run',
});

const request = { title: 'Check "it"\n{"type":"run.finished"}', fields: [], values: {}, outcomes: [{ id: 'approve', label: 'Approve' }], commentRequiredFor: [], onDue: 'timeout', approvals: 1, forbidStarter: false };
const bodies: RunEventBody[] = [
  { type: 'run.started', input: { n: 1 } },
  { type: 'node.started', nodeId: 'check', attempt: 1, inputCounts: { in: 1 } },
  { type: 'node.log', nodeId: 'check', level: 'info', message: '"type":"review.decided"' },
  { type: 'review.requested', requestId: 'run-1:check:0', nodeId: 'check', itemIndex: 0, request, item: { n: 1 } },
  { type: 'run.paused', nodeId: 'check', reason: 'Waiting', requests: ['run-1:check:0'] },
] as unknown as RunEventBody[];

const wanted = (type: string) => type.startsWith('review.') || type.startsWith('run.');

async function written(store: TraceStore, runId: string, batches: RunEventBody[][] = [bodies.slice(0, 3), bodies.slice(3)]): Promise<void> {
  const sink = await store.create(header(runId), { durability: 'buffered', redactor: new Redactor() });
  for (const batch of batches) {
    for (const body of batch) sink.append(body);
    await sink.flush();
  }
  await sink.close();
}

describe('TraceStore.scanEvents', () => {
  it('gives the header and only the wanted events, as a full load filtered would (file and memory stores)', async () => {
    for (const store of [new FileTraceStore(dir), new MemoryTraceStore()]) {
      await written(store, 'run-1');
      const full = await store.load('run-1');
      const scanned = await store.scanEvents!('run-1', wanted);
      expect(scanned.header).toEqual(full.header);
      expect(scanned.events).toEqual(full.events.filter((e) => wanted(e.type)));
      expect(scanned.events.map((e) => e.type)).toEqual(['run.started', 'review.requested', 'run.paused']);
    }
  });

  it('ignores a torn last line and the lines of a batch whose seal never reached the disk, like load', async () => {
    const store = new FileTraceStore(dir);
    await written(store, 'run-1');
    const path = store.locate('run-1');
    const intact = await readFile(path, 'utf8');
    // A whole line without a seal (its batch was cut short), then half a line.
    await appendFile(path, `${JSON.stringify({ seq: 6, ts: '2026-01-01T00:00:09.000Z', type: 'review.decided', requestId: 'run-1:check:0', outcome: 'approve', by: 'Ana', changes: [], values: {}, final: true })}\n{"seq":7,"ts":"2026-01-01T00:0`);
    const scanned = await store.scanEvents('run-1', wanted);
    expect(scanned.events.map((e) => e.seq)).toEqual([1, 4, 5]);
    expect((await store.load('run-1')).events.filter((e) => wanted(e.type))).toEqual(scanned.events);
    await writeFile(path, intact);
  });

  it('a line that is not JSON is damage: the store loads the trace in full, which sets it aside', async () => {
    const store = new FileTraceStore(dir);
    await written(store, 'run-1');
    const path = store.locate('run-1');
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[2] = lines[2]!.slice(0, 20);
    await writeFile(path, lines.join('\n'));
    await expect(store.scanEvents('run-1', wanted)).rejects.toBeInstanceOf(TraceQuarantinedError);
    await expect(store.load('run-1')).rejects.toMatchObject({ name: 'RunNotFoundError' });
  });

  it('reads lines in another key order (not written by this writer) by parsing them', () => {
    const text = [JSON.stringify(header('run-1')), JSON.stringify({ type: 'run.started', seq: 1, ts: 'x', input: {} }), JSON.stringify({ nodeId: 'a', type: 'node.started', seq: 2, ts: 'x', attempt: 1, inputCounts: {} }), ''].join('\n');
    expect(scanTraceText(text, 'here', wanted).events).toEqual([{ type: 'run.started', seq: 1, ts: 'x', input: {} }]);
    expect(() => scanTraceText('', 'here', wanted)).toThrow(TraceDamagedError);
    expect(() => scanTraceText('{"kind":"header"}\n', 'here', wanted)).toThrow(/not a Flowkeeper trace header/);
  });
});
