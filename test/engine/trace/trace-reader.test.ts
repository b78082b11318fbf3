import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type RunEvent, type TraceHeader } from '../../../engine/model/events.ts';
import { parseTraceText, readTraceFile, TraceDamagedError } from '../../../engine/trace/trace-reader.ts';
import { tempDir } from '../../helpers/engine.ts';

const LOCATION = '/data/runs/run-1.jsonl';

const header: TraceHeader = {
  kind: 'header',
  format: TRACE_FORMAT,
  formatVersion: TRACE_FORMAT_VERSION,
  runId: 'run-1',
  flowId: 'flow-1',
  flowName: 'Flow one',
  flowVersion: 3,
  flowHash: 'f'.repeat(64),
  flow: { $blob: '0'.repeat(64), bytes: 10 },
  input: { name: 'Zoë' },
  createdAt: '2026-01-01T00:00:00.000Z',
  mode: 'run',
};

const events: RunEvent[] = [
  { seq: 1, ts: '2026-01-01T00:00:01.000Z', type: 'run.started', input: { name: 'Zoë' } },
  { seq: 2, ts: '2026-01-01T00:00:02.000Z', type: 'node.started', nodeId: 'start', attempt: 1, inputCounts: {} },
  { seq: 3, ts: '2026-01-01T00:00:03.000Z', type: 'node.succeeded', nodeId: 'start', attempt: 1, outputs: { out: [{ name: 'Zoë — ünïcödé' }] }, durationMs: 4 },
];

const line = (value: unknown) => JSON.stringify(value);
const bytes = (text: string) => Buffer.byteLength(text);
const wholeText = [header, ...events].map((v) => line(v) + '\n').join('');

function damage(fn: () => unknown): TraceDamagedError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TraceDamagedError);
    return error as TraceDamagedError;
  }
  throw new Error('expected a TraceDamagedError');
}

describe('parseTraceText', () => {
  it('reads a valid trace', () => {
    const parsed = parseTraceText(wholeText, LOCATION);
    expect(parsed.header).toEqual(header);
    expect(parsed.events).toEqual(events);
    expect(parsed.intactBytes).toBe(bytes(wholeText));
    expect(parsed.tornTail).toBeUndefined();
    expect(parsed.missingFinalNewline).toBe(false);
  });

  it('reads a trace that has only its header', () => {
    const parsed = parseTraceText(line(header) + '\n', LOCATION);
    expect(parsed.events).toEqual([]);
    expect(parsed.intactBytes).toBe(bytes(line(header)) + 1);
  });

  it('tolerates a torn last line and reports it', () => {
    const cut = line({ seq: 4, ts: '2026-01-01T00:00:04.000Z', type: 'node.log', nodeId: 'start', level: 'info', message: 'héllo wörld' }).slice(0, 60);
    const parsed = parseTraceText(wholeText + cut, LOCATION);
    expect(parsed.events).toEqual(events);
    expect(parsed.tornTail).toEqual({ bytes: bytes(cut) });
    // Measured in bytes, not characters: the intact part holds multi-byte letters.
    expect(bytes(wholeText)).toBeGreaterThan(wholeText.length);
    expect(parsed.intactBytes).toBe(bytes(wholeText));
    expect(parsed.missingFinalNewline).toBe(false);
  });

  it('tolerates a torn line right after the header', () => {
    const text = line(header) + '\n' + '{"seq":1,"ts":"20';
    const parsed = parseTraceText(text, LOCATION);
    expect(parsed.events).toEqual([]);
    expect(parsed.tornTail).toEqual({ bytes: 17 });
    expect(parsed.intactBytes).toBe(bytes(line(header)) + 1);
  });

  it('accepts a whole last line without its newline and says so', () => {
    const text = wholeText.slice(0, -1);
    const parsed = parseTraceText(text, LOCATION);
    expect(parsed.events).toEqual(events);
    expect(parsed.missingFinalNewline).toBe(true);
    expect(parsed.tornTail).toBeUndefined();
    expect(parsed.intactBytes).toBe(bytes(text));
  });

  it('rejects a damaged middle line and names its line number', () => {
    const lines = wholeText.split('\n');
    lines[2] = lines[2]!.slice(0, 20); // line 3: the second event, cut short
    const error = damage(() => parseTraceText(lines.join('\n'), LOCATION));
    expect(error.line).toBe(3);
    expect(error.location).toBe(LOCATION);
    expect(error.reason).toMatch(/not valid JSON/);
    expect(error.message).toMatch(/damaged at line 3/);
    expect(error.message).toContain(LOCATION);
  });

  it('rejects a torn line that is followed by a newline (it is not the tail)', () => {
    const text = wholeText + '{"seq":4,"ts\n';
    expect(damage(() => parseTraceText(text, LOCATION)).line).toBe(5);
  });

  it('rejects an empty line in the middle', () => {
    const lines = wholeText.split('\n');
    lines.splice(2, 0, '');
    const error = damage(() => parseTraceText(lines.join('\n'), LOCATION));
    expect(error.line).toBe(3);
    expect(error.reason).toMatch(/empty line/);
  });

  it('rejects a line that is JSON but not an event', () => {
    const text = line(header) + '\n' + line(events[0]) + '\n' + line({ hello: 'world' }) + '\n';
    const error = damage(() => parseTraceText(text, LOCATION));
    expect(error.line).toBe(3);
    expect(error.reason).toMatch(/not a run event/);
  });

  it.each([
    ['an empty file', ''],
    ['a lone newline', '\n'],
  ])('rejects %s at line 1', (_label, text) => {
    const error = damage(() => parseTraceText(text, LOCATION));
    expect(error.line).toBe(1);
    expect(error.reason).toMatch(/empty/);
  });

  it('rejects a file whose first line is not a header', () => {
    const text = events.map((e) => line(e) + '\n').join('');
    const error = damage(() => parseTraceText(text, LOCATION));
    expect(error.line).toBe(1);
    expect(error.reason).toMatch(/not a Flowkeeper trace header/);
  });

  it('rejects a header of another format', () => {
    const error = damage(() => parseTraceText(line({ ...header, format: 'other/trace' }) + '\n', LOCATION));
    expect(error.reason).toMatch(/not a Flowkeeper trace header/);
  });

  it('rejects a header cut short, even as the only line', () => {
    const error = damage(() => parseTraceText(line(header).slice(0, 30), LOCATION));
    expect(error.line).toBe(1);
  });

  it('rejects a newer trace formatVersion and asks to update', () => {
    const text = line({ ...header, formatVersion: TRACE_FORMAT_VERSION + 1 }) + '\n' + line(events[0]) + '\n';
    const error = damage(() => parseTraceText(text, LOCATION));
    expect(error.line).toBe(1);
    expect(error.reason).toMatch(/trace format 2 is newer than this Flowkeeper reads \(1\)/);
    expect(error.reason).toMatch(/update Flowkeeper/);
  });

  it('rejects a header without run id', () => {
    const { runId: _runId, ...noRunId } = header;
    expect(damage(() => parseTraceText(line(noRunId) + '\n', LOCATION)).reason).toMatch(/no run id/);
  });

  it('detects a gap in the event numbers', () => {
    const text = line(header) + '\n' + line(events[0]) + '\n' + line({ ...events[1], seq: 3 }) + '\n';
    const error = damage(() => parseTraceText(text, LOCATION));
    expect(error.line).toBe(3);
    expect(error.reason).toMatch(/event number 3 follows 1/);
  });

  it('detects events out of order and a first event that is not number 1', () => {
    const swapped = line(header) + '\n' + line(events[1]) + '\n' + line(events[0]) + '\n';
    expect(damage(() => parseTraceText(swapped, LOCATION)).reason).toMatch(/event number 2 follows 0/);
    const repeated = line(header) + '\n' + line(events[0]) + '\n' + line(events[0]) + '\n';
    expect(damage(() => parseTraceText(repeated, LOCATION)).reason).toMatch(/event number 1 follows 1/);
  });
});

describe('readTraceFile', () => {
  it('reads a trace file from disk and names the file in errors', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const good = join(dir, 'good.jsonl');
      await writeFile(good, wholeText);
      expect((await readTraceFile(good)).events).toHaveLength(3);
      const bad = join(dir, 'bad.jsonl');
      await writeFile(bad, 'garbage\n');
      await expect(readTraceFile(bad)).rejects.toThrow(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is damaged at line 1`));
    } finally {
      await cleanup();
    }
  });
});
