/**
 * Regression tests for review finding 9: after a failed write the trace writer writes nothing
 * more (a later line would leave a gap in the sequence numbers on disk, and an intent reported as
 * durable would let a write go out unrecorded); a short write is completed instead of tearing a line.
 * The file handles are real ones, wrapped to fail or to write less than asked.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type RunEventBody } from '../../../engine/model/events.ts';
import { Redactor } from '../../../engine/trace/redactor.ts';
import { parseTraceText } from '../../../engine/trace/trace-reader.ts';
import { TraceWriteError, TraceWriter } from '../../../engine/trace/trace-writer.ts';
import { tempDir } from '../../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
let real: FileHandle;
let path: string;

const headerLine =
  JSON.stringify({
    kind: 'header',
    format: TRACE_FORMAT,
    formatVersion: TRACE_FORMAT_VERSION,
    runId: 'run-w',
    flowId: 'f',
    flowName: 'F',
    flowVersion: 1,
    flowHash: 'a'.repeat(64),
    flow: { $blob: '0'.repeat(64), bytes: 1 },
    input: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    mode: 'run',
  }) + '\n';

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  path = join(dir, 'run-w.jsonl');
  real = await open(path, 'w');
  await real.write(headerLine);
});
afterEach(async () => {
  await real.close().catch(() => undefined);
  await cleanup();
});

type WriteFn = (data: string | Buffer, offset?: number, length?: number) => Promise<{ bytesWritten: number }>;

/** The real file handle with its write() replaced; everything else passes through. */
function withWrite(write: WriteFn): FileHandle {
  return new Proxy(real, {
    get(target, property) {
      if (property === 'write') return write;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Writes the given part of the data with the real handle (strings as a whole). */
function realWrite(data: string | Buffer, offset?: number, length?: number, max = Infinity): Promise<{ bytesWritten: number }> {
  const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const from = typeof data === 'string' ? 0 : (offset ?? 0);
  const size = typeof data === 'string' ? buffer.length : (length ?? buffer.length - from);
  return real.write(buffer, from, Math.min(size, max));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nodeStarted = (nodeId: string): RunEventBody => ({ type: 'node.started', nodeId, attempt: 1, inputCounts: { in: 1 } });
const intent: RunEventBody = { type: 'external.intent', nodeId: 'pay', attempt: 1, itemIndex: 0, kind: 'http', call: 0, effects: 'write', request: { method: 'POST' } };

describe('TraceWriter after a failed write', () => {
  it('rejects every later append with the TraceWriteError and writes nothing more (no sequence gap on disk)', async () => {
    let writes = 0;
    // The disk is full for one write() (space is freed right after, e.g. by a log rotation).
    const file = withWrite(async (data, offset, length) => {
      writes++;
      if (writes === 2) {
        await sleep(20);
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      }
      return realWrite(data, offset, length);
    });
    const writer = new TraceWriter(file, path, { durability: 'buffered', redactor: new Redactor(), nextSeq: 1 });

    writer.append({ type: 'run.started', input: {} }); // seq 1: written
    await writer.flush();
    writer.append(nodeStarted('a')); // seq 2 and 3: the batch whose write fails
    writer.append(nodeStarted('b'));
    await sleep(5); // that batch is being written now
    const durableIntent = writer.appendDurable(intent); // seq 4: queued behind the failing batch

    const error = await durableIntent.then(
      () => undefined,
      (e: unknown) => e,
    );
    // The engine must not be told the intent is on disk: it would send the write unrecorded.
    expect(error).toBeInstanceOf(TraceWriteError);
    expect((error as TraceWriteError).message).toMatch(/ENOSPC.*disk is full/);
    expect(((error as TraceWriteError).cause as NodeJS.ErrnoException).code).toBe('ENOSPC');

    // Every later call fails the same way, although the disk would accept writes again.
    expect(() => writer.append(nodeStarted('c'))).toThrow(TraceWriteError);
    await expect(writer.appendDurable(intent)).rejects.toBeInstanceOf(TraceWriteError);
    await expect(writer.sync()).rejects.toBeInstanceOf(TraceWriteError);
    await expect(writer.flush()).rejects.toBeInstanceOf(TraceWriteError);
    await expect(writer.close()).rejects.toBeInstanceOf(TraceWriteError);
    expect(writes).toBe(2);

    // On disk: the header and seq 1, nothing after the failure; the trace reads back intact.
    const text = await readFile(path, 'utf8');
    const parsed = parseTraceText(text, path);
    expect(parsed.events.map((e) => e.seq)).toEqual([1]);
    expect(parsed.tornTail).toBeUndefined();
  });

  it('completes a short write instead of tearing a line', async () => {
    let writes = 0;
    // A write() that accepts at most 7 bytes at a time (allowed by POSIX, e.g. on a signal or a pipe).
    const file = withWrite((data, offset, length) => {
      writes++;
      return realWrite(data, offset, length, 7);
    });
    const writer = new TraceWriter(file, path, { durability: 'buffered', redactor: new Redactor(), nextSeq: 1 });

    const bodies: RunEventBody[] = [
      { type: 'run.started', input: { note: 'Grüße — ünïcödé survives byte-wise splitting ✓' } },
      nodeStarted('a'),
      { type: 'node.succeeded', nodeId: 'a', attempt: 1, outputs: { out: [{ text: 'x'.repeat(500) }] }, durationMs: 1 },
    ];
    const events = bodies.map((b) => writer.append(b));
    events.push(await writer.appendDurable(intent));
    await writer.close();

    const text = await readFile(path, 'utf8');
    expect(writes).toBeGreaterThan(bodies.length);
    const parsed = parseTraceText(text, path);
    expect(parsed.tornTail).toBeUndefined();
    expect(parsed.events).toEqual(events);
    expect(text).toBe(headerLine + events.map((e) => JSON.stringify(e) + '\n').join(''));
  });
});
