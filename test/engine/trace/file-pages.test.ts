/** FileTraceStore.readEvents on real files: chunk boundaries, torn tails, damage, no full parse. */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type RunEvent, type TraceHeader } from '../../../engine/model/events.ts';
import { Redactor } from '../../../engine/trace/redactor.ts';
import { TraceQuarantinedError } from '../../../engine/trace/trace-store.ts';
import { FileTraceStore } from '../../../engine/trace/file-trace-store.ts';
import { tempDir } from '../../helpers/engine.ts';

let store: FileTraceStore;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  const made = await tempDir();
  cleanup = made.cleanup;
  store = new FileTraceStore(made.dir);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await cleanup();
});

const header: TraceHeader = { kind: 'header', format: TRACE_FORMAT, formatVersion: TRACE_FORMAT_VERSION, runId: 'run-1', flowId: 'f', flowName: 'F', flowVersion: 1, flowHash: 'a'.repeat(64), flow: { $blob: '0'.repeat(64), bytes: 1 }, input: {}, createdAt: '2026-01-01T00:00:00.000Z', mode: 'run' };

async function writeLogs(count: number, size = 10): Promise<RunEvent[]> {
  const sink = await store.create(header, { durability: 'buffered', redactor: new Redactor() });
  const events = Array.from({ length: count }, (_, i) => sink.append({ type: 'node.log', nodeId: 'n', level: 'info', message: `${i} ${'z'.repeat(size)}` }));
  await sink.close();
  return events;
}

describe('FileTraceStore.readEvents', () => {
  it('reads pages across 64 KiB read boundaries', async () => {
    const events = await writeLogs(300, 700); // ~230 KiB
    for (const after of [0, 87, 88, 199, 290]) {
      const page = await store.readEvents('run-1', after, 25);
      expect(page.events).toEqual(events.slice(after, after + 25));
      expect(page.hasMore).toBe(after + 25 < 300);
    }
  });

  it('parses only the page, not the lines before it', async () => {
    await writeLogs(2000);
    const parse = vi.spyOn(JSON, 'parse');
    await store.readEvents('run-1', 1900, 10);
    expect(parse.mock.calls.length).toBeLessThanOrEqual(11);
  });

  it('ignores a torn last line, and counts a whole last line without its newline', async () => {
    const events = await writeLogs(5);
    await appendFile(store.locate('run-1'), '{"seq":6,"ts":"2026');
    expect(await store.readEvents('run-1', 3, 10)).toEqual({ events: events.slice(3), lastSeq: 5, hasMore: false });
    const text = await readFile(store.locate('run-1'), 'utf8');
    await writeFile(store.locate('run-1'), text.slice(0, text.lastIndexOf('\n') + 1) + JSON.stringify({ seq: 6, ts: '2026-01-01T00:00:00.000Z', type: 'node.log', nodeId: 'n', level: 'info', message: 'six' }));
    const page = await store.readEvents('run-1', 5, 10);
    expect(page.events.map((e) => e.seq)).toEqual([6]);
    expect(await store.readEvents('run-1', 3, 2)).toMatchObject({ lastSeq: 5, hasMore: true });
  });

  it('quarantines a trace damaged inside the page, like a full load', async () => {
    await writeLogs(5);
    const lines = (await readFile(store.locate('run-1'), 'utf8')).split('\n');
    lines[3] = '{ not json';
    await writeFile(store.locate('run-1'), lines.join('\n'));
    await expect(store.readEvents('run-1', 1, 10)).rejects.toBeInstanceOf(TraceQuarantinedError);
  });
});
