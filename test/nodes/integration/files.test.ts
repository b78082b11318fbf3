/**
 * file.read and file.write on real files in a temporary folder: CSV (quotes, separators, BOM,
 * header order when appending), JSON and JSON Lines; paths that try to leave the folder; replay
 * without the file.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replayRun, type Engine, type FileTraceStore, type NodeErrorInfo } from '../../../engine/index.ts';
import { makeFlow, registry, testEngine } from '../../helpers/engine.ts';
import { eventsOf, itemsOf, passThrough, traceEvents } from '../support.ts';

let engine: Engine;
let store: FileTraceStore;
let cleanup: () => Promise<void>;
let folder: string;
let outsideDir: string;
type ErrorItem = { error: NodeErrorInfo; itemIndex: number };

beforeAll(async () => {
  ({ engine, store, cleanup } = await testEngine());
  outsideDir = await mkdtemp(join(tmpdir(), 'flowkeeper-outside-'));
  await writeFile(join(outsideDir, 'secret.csv'), 'password\nhunter2\n');
});
afterAll(async () => {
  await cleanup();
  await rm(outsideDir, { recursive: true, force: true });
});
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'flowkeeper-files-'));
  return () => rm(folder, { recursive: true, force: true });
});

function readFlow(config: Record<string, unknown>) {
  return makeFlow(
    [{ id: 'start', type: 'trigger.manual' }, { id: 'read', type: 'file.read', config: { folder, ...config } }, passThrough('ok'), passThrough('errors')],
    ['start -> read', 'read -> ok', 'read.error -> errors'],
  );
}

function writeFlow(config: Record<string, unknown>) {
  return makeFlow(
    [{ id: 'start', type: 'trigger.manual' }, { id: 'write', type: 'file.write', config: { folder, ...config } }, passThrough('ok'), passThrough('errors')],
    ['start -> write', 'write -> ok', 'write.error -> errors'],
  );
}

describe('file.read', () => {
  it('reads a CSV with a header row: quotes, separators inside quotes, a byte-order mark; cells stay text', async () => {
    await writeFile(join(folder, 'customers.csv'), '\uFEFFid,name,city\r\n001,"Smith, Anna","Köln"\r\n002,"Bob ""the builder""",Bonn\r\n\r\n');
    const outcome = await engine.startRun(readFlow({ path: 'customers.csv' }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([
      { id: '001', name: 'Smith, Anna', city: 'Köln' },
      { id: '002', name: 'Bob "the builder"', city: 'Bonn' },
    ]);
  });

  it('a semicolon separator, numbers read as numbers, and a file without a header row', async () => {
    await mkdir(join(folder, 'in'));
    await writeFile(join(folder, 'in', 'prices.csv'), 'widget;12.5\ngadget;3\n');
    const outcome = await engine.startRun(readFlow({ path: 'in/{{ name }}.csv', delimiter: ';', headerRow: false, numbers: true }), { input: { name: 'prices' } });
    expect(itemsOf(outcome, 'ok')).toEqual([
      { col1: 'widget', col2: 12.5 },
      { col1: 'gadget', col2: 3 },
    ]);
  });

  it('reads a JSON list and JSON Lines; a single JSON object is one item', async () => {
    await writeFile(join(folder, 'a.json'), JSON.stringify([{ id: 1 }, { id: 2 }, 'three']));
    await writeFile(join(folder, 'b.jsonl'), '{"id":1}\n\n{"id":2}\n');
    await writeFile(join(folder, 'c.json'), '{"settings":{"on":true}}');
    const flow = readFlow({ path: '{{ file }}' });
    expect(itemsOf(await engine.startRun(flow, { input: { file: 'a.json' } }), 'ok')).toEqual([{ id: 1 }, { id: 2 }, { value: 'three' }]);
    expect(itemsOf(await engine.startRun(flow, { input: { file: 'b.jsonl' } }), 'ok')).toEqual([{ id: 1 }, { id: 2 }]);
    expect(itemsOf(await engine.startRun(flow, { input: { file: 'c.json' } }), 'ok')).toEqual([{ settings: { on: true } }]);
  });

  it('never leaves the folder: "..", a full path and a link pointing outside are refused', async () => {
    await symlink(join(outsideDir, 'secret.csv'), join(folder, 'link.csv'));
    const flow = readFlow({ path: '{{ file }}' });
    const outcome = await engine.startRun(flow, { input: [{ file: '../../etc/passwd.csv' }, { file: join(outsideDir, 'secret.csv') }, { file: 'link.csv' }, { file: 'sub/../../x.csv' }] });
    expect(itemsOf(outcome, 'ok')).toEqual([]);
    const errors = (itemsOf(outcome, 'errors') as unknown as ErrorItem[]).map((e) => e.error);
    expect(errors.map((e) => e.code)).toEqual(['PATH_OUTSIDE_FOLDER', 'CONFIG', 'PATH_OUTSIDE_FOLDER', 'PATH_OUTSIDE_FOLDER']);
    expect(errors[0]!.message).toBe(`"../../etc/passwd.csv" leads outside the folder "${folder}", which this step may not do.`);
    expect(errors[2]!.message).toBe('"link.csv" is a link to a place outside the folder, which this step may not use.');
    expect(JSON.stringify(itemsOf(outcome, 'errors'))).not.toContain('hunter2');
  });

  it('a missing file and a broken CSV are plain errors on the error port', async () => {
    await writeFile(join(folder, 'broken.csv'), 'a,b\n"unclosed,1\n');
    const outcome = await engine.startRun(readFlow({ path: '{{ file }}' }), { input: [{ file: 'nope.csv' }, { file: 'broken.csv' }, { file: 'notes.txt' }] });
    const errors = (itemsOf(outcome, 'errors') as unknown as ErrorItem[]).map((e) => e.error);
    expect(errors[0]).toMatchObject({ code: 'FILE_NOT_FOUND', message: 'There is no file "nope.csv" in the folder.' });
    expect(errors[1]!.code).toBe('FILE_FORMAT');
    expect(errors[1]!.message).toContain('"broken.csv" is not a readable CSV file');
    expect(errors[2]!.message).toBe('Flowkeeper cannot tell the format of "notes.txt" from its name.');
  });

  it('a replay answers from the trace after the file is gone', async () => {
    await writeFile(join(folder, 'list.json'), '[{"id":1}]');
    const outcome = await engine.startRun(readFlow({ path: 'list.json' }), { input: {} });
    const [intent] = eventsOf(await traceEvents(store, outcome.runId), 'external.intent', 'read');
    expect(intent).toMatchObject({ kind: 'file', effects: 'read', request: { folder, path: 'list.json', format: 'json' } });
    await rm(join(folder, 'list.json'));
    expect((await replayRun(store, registry, outcome.runId)).identical).toBe(true);
  });
});

describe('file.write', () => {
  const rows = [
    { id: 1, name: 'Smith, Anna', tags: ['a', 'b'] },
    { id: 2, name: 'Bob "B"', email: 'bob@example.org' },
  ];

  it('writes a CSV with every field as a column (quoted where needed), replacing the file; nested values as JSON', async () => {
    await writeFile(join(folder, 'out.csv'), 'old content\n');
    const outcome = await engine.startRun(writeFlow({ path: 'exports/out.csv' }), { input: rows });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ path: 'exports/out.csv', format: 'csv', mode: 'overwrite', rows: 2 }]);
    expect(await readFile(join(folder, 'exports', 'out.csv'), 'utf8')).toBe('id,name,tags,email\n1,"Smith, Anna","[""a"",""b""]",\n2,"Bob ""B""",,bob@example.org\n');
    const [intent] = eventsOf(await traceEvents(store, outcome.runId), 'external.intent', 'write');
    expect(intent).toMatchObject({ kind: 'file', effects: 'write', idempotencyKey: 'overwrite:exports/out.csv' });
  });

  it('appending to a CSV keeps its header and column order and adds no second header', async () => {
    await writeFile(join(folder, 'log.csv'), 'name;id\nfirst;0');
    await engine.startRun(writeFlow({ path: 'log.csv', mode: 'append', delimiter: ';' }), { input: rows });
    expect(await readFile(join(folder, 'log.csv'), 'utf8')).toBe('name;id\nfirst;0\nSmith, Anna;1\n"Bob ""B""";2\n');
    const [intent] = eventsOf(await traceEvents(store, (await engine.startRun(writeFlow({ path: 'log.csv', mode: 'append', delimiter: ';' }), { input: rows })).runId), 'external.intent', 'write');
    // Adding is not safe to repeat, so it carries no idempotency key.
    expect(intent!.idempotencyKey).toBeUndefined();
  });

  it('chosen columns, in their order', async () => {
    await engine.startRun(writeFlow({ path: 'few.csv', columns: ['email', 'id'] }), { input: rows });
    expect(await readFile(join(folder, 'few.csv'), 'utf8')).toBe('email,id\n,1\nbob@example.org,2\n');
  });

  it('JSON: a list, and appending adds to it; JSON Lines: one line per item', async () => {
    await engine.startRun(writeFlow({ path: 'all.json' }), { input: [{ id: 1 }] });
    await engine.startRun(writeFlow({ path: 'all.json', mode: 'append' }), { input: [{ id: 2 }, { id: 3 }] });
    expect(JSON.parse(await readFile(join(folder, 'all.json'), 'utf8'))).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    await engine.startRun(writeFlow({ path: 'events.jsonl', mode: 'append' }), { input: [{ id: 1 }] });
    await engine.startRun(writeFlow({ path: 'events.jsonl', mode: 'append' }), { input: [{ id: 2 }] });
    expect(await readFile(join(folder, 'events.jsonl'), 'utf8')).toBe('{"id":1}\n{"id":2}\n');
  });

  it('appending to a JSON file that is not a list says so and leaves it alone', async () => {
    await writeFile(join(folder, 'one.json'), '{"a":1}');
    const outcome = await engine.startRun(writeFlow({ path: 'one.json', mode: 'append' }), { input: [{ id: 2 }] });
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error.message).toBe('"one.json" holds a single JSON value, not a list, so items cannot be added to it.');
    expect(await readFile(join(folder, 'one.json'), 'utf8')).toBe('{"a":1}');
  });

  it('never writes outside the folder, also not through a linked folder', async () => {
    await symlink(outsideDir, join(folder, 'elsewhere'));
    const escape = await engine.startRun(writeFlow({ path: '../escape.csv' }), { input: rows });
    expect((itemsOf(escape, 'errors')[0] as unknown as ErrorItem).error.code).toBe('PATH_OUTSIDE_FOLDER');
    const linked = await engine.startRun(writeFlow({ path: 'elsewhere/secret.csv' }), { input: rows });
    expect((itemsOf(linked, 'errors')[0] as unknown as ErrorItem).error.code).toBe('PATH_OUTSIDE_FOLDER');
    expect(await readFile(join(outsideDir, 'secret.csv'), 'utf8')).toBe('password\nhunter2\n');
  });

  it('a replay writes nothing: the result comes from the trace', async () => {
    const outcome = await engine.startRun(writeFlow({ path: 'r.json' }), { input: [{ id: 1 }] });
    await rm(join(folder, 'r.json'));
    expect((await replayRun(store, registry, outcome.runId)).identical).toBe(true);
    await expect(readFile(join(folder, 'r.json'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
