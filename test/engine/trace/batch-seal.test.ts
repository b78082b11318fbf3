/**
 * The hash chain is sealed once per write batch (engine/trace/hash-chain.ts): the lines one
 * event-loop turn queued go out in one write, and only their last line carries `h`, the seal. Edits anywhere in a batch are caught at its seal; the lines of a batch whose
 * seal never reached the disk are a torn tail (dropped, reported, cut off on resume); a trace
 * chained line by line (a batch of one, as the first hash-chained traces were written) still reads.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type RunEventBody, type TraceHeader } from '../../../engine/model/events.ts';
import { chainSeed, HASH_CHAIN } from '../../../engine/trace/hash-chain.ts';
import { Redactor } from '../../../engine/trace/redactor.ts';
import { FileTraceStore } from '../../../engine/trace/file-trace-store.ts';
import { TraceQuarantinedError } from '../../../engine/trace/trace-store.ts';
import { tempDir } from '../../helpers/engine.ts';

let cleanup: () => Promise<void>;
let store: FileTraceStore;

beforeEach(async () => {
  let dir: string;
  ({ dir, cleanup } = await tempDir());
  store = new FileTraceStore(dir);
});
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
  input: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  mode: 'run',
});
const options = { durability: 'buffered' as const, redactor: new Redactor() };
const log = (i: number): RunEventBody => ({ type: 'node.log', nodeId: 'n', level: 'info', message: `line ${i}` });
const hOf = (line: string) => /,"h":"([0-9a-f]{32})"\}$/.exec(line)?.[1];

/** Two batches: events 1–4 queued in one turn, then 5–6 in a later one. */
async function twoBatches(runId: string): Promise<{ path: string; lines: string[] }> {
  const sink = await store.create(header(runId), options);
  for (let i = 1; i <= 4; i++) sink.append(log(i));
  await sink.sync();
  for (let i = 5; i <= 6; i++) sink.append(log(i));
  await sink.close();
  const path = store.locate(runId);
  return { path, lines: (await readFile(path, 'utf8')).split('\n').slice(0, -1) };
}

async function damageOf(runId: string): Promise<string> {
  try {
    await store.load(runId);
  } catch (error) {
    expect(error).toBeInstanceOf(TraceQuarantinedError);
    return (error as TraceQuarantinedError).notice.reason;
  }
  throw new Error('the trace loaded without damage');
}

describe('a hash chain sealed per write batch', () => {
  it('seals each batch on its last line, hashing every byte of the batch', async () => {
    const { lines } = await twoBatches('run-a');
    expect(lines).toHaveLength(7);
    expect(lines.map(hOf).map((h) => h !== undefined)).toEqual([false, false, false, false, true, false, true]);
    const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);
    const body = (line: string) => line.replace(/,"h":"[0-9a-f]{32}"\}$/, '}');
    const first = sha(chainSeed(lines[0]!) + lines.slice(1, 4).map((l) => `${l}\n`).join('') + body(lines[4]!));
    expect(hOf(lines[4]!)).toBe(first);
    expect(hOf(lines[6]!)).toBe(sha(first + `${lines[5]}\n` + body(lines[6]!)));
    const loaded = await store.load('run-a');
    expect(loaded.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(loaded.events[0]).not.toHaveProperty('h');
    expect(loaded.tornTail).toBeUndefined();
  });

  it('names the batch when a line inside it is changed', async () => {
    const { path, lines } = await twoBatches('run-b');
    await writeFile(path, lines.map((l, i) => (i === 2 ? l.replace('line 2', 'line X') : l)).join('\n') + '\n');
    expect(await damageOf('run-b')).toMatch(/^line 2: a line whose hash does not follow from the line before it \(lines 2–5 were written together and are sealed by the hash on line 5/);
  });

  it('catches a removed line, a moved line, an added line and a seal taken off inside the trace', async () => {
    const { path, lines } = await twoBatches('run-c');
    await writeFile(path, [lines[0], lines[1], lines[3], lines[4], lines[5], lines[6]].join('\n') + '\n');
    expect(await damageOf('run-c')).toMatch(/^line 2: a line whose hash does not follow/);

    const moved = await twoBatches('run-d');
    const [h, a, b, ...rest] = moved.lines;
    await writeFile(moved.path, [h, b, a, ...rest].join('\n') + '\n');
    expect(await damageOf('run-d')).toMatch(/^line 2: a line whose hash does not follow/);

    const unsealed = await twoBatches('run-e');
    await writeFile(unsealed.path, unsealed.lines.map((l, i) => (i === 4 ? l.replace(/,"h":"[0-9a-f]{32}"\}$/, '}') : l)).join('\n') + '\n');
    // The two batches now read as one, whose seal does not match.
    expect(await damageOf('run-e')).toMatch(/^line 2: a line whose hash does not follow from the line before it \(lines 2–7 were written together/);

    const added = await twoBatches('run-h');
    await writeFile(added.path, [...added.lines.slice(0, 6), added.lines[5]!.replace('line 5', 'line 5b'), added.lines[6]].join('\n') + '\n');
    expect(await damageOf('run-h')).toMatch(/^line 6: a line whose hash does not follow from the line before it \(lines 6–8/);
  });

  it('drops the lines of a batch whose seal never reached the disk, and resume cuts them off', async () => {
    const { path, lines } = await twoBatches('run-f');
    // The process stopped mid-write: the second batch's first line is on disk, its seal is not.
    await writeFile(path, lines.slice(0, 6).join('\n') + '\n' + lines[6]!.slice(0, 20));
    const intact = Buffer.byteLength(lines.slice(0, 5).join('\n') + '\n');
    const loaded = await store.load('run-f');
    expect(loaded.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(loaded.tornTail).toEqual({ bytes: Buffer.byteLength(lines[5]! + '\n') + 20, unsealedLines: 1 });

    const { trace, sink } = await store.reopen('run-f', options);
    expect(trace.intactBytes).toBe(intact);
    expect(sink.lastSeq).toBe(4);
    sink.append(log(5));
    sink.append(log(6));
    await sink.close();
    const again = await store.load('run-f');
    expect(again.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(again.tornTail).toBeUndefined();
  });

  it('still reads a trace chained line by line, as the first hash-chained traces were written', async () => {
    const headerLine = JSON.stringify({ ...header('run-g'), hashChain: HASH_CHAIN });
    let chain = chainSeed(headerLine);
    const out = [headerLine];
    for (let i = 1; i <= 3; i++) {
      // Written out by hand: h = sha256(previous h + the line without h), first 16 bytes in hex.
      const line = JSON.stringify({ seq: i, ts: '2026-01-01T00:00:01.000Z', ...log(i) });
      chain = createHash('sha256').update(chain + line).digest('hex').slice(0, 32);
      out.push(`${line.slice(0, -1)},"h":"${chain}"}`);
    }
    await mkdir(dirname(store.locate('run-g')), { recursive: true });
    await writeFile(store.locate('run-g'), out.join('\n') + '\n');
    const loaded = await store.load('run-g');
    expect(loaded.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    await writeFile(store.locate('run-g'), out.map((l, i) => (i === 2 ? l.replace('line 2', 'line X') : l)).join('\n') + '\n');
    expect(await damageOf('run-g')).toMatch(/^line 3: a line whose hash does not follow from the line before it \(this line was changed/);
  });
});
