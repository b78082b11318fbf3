/**
 * "On a new file in a folder" through the real service against a real temp folder (chokidar on
 * the real file system): files already there are only remembered, a new file starts one run with
 * its details and text, the same content written again starts nothing, changed content starts
 * one, nothing is replayed after a restart, a file that arrived while Flowkeeper was closed is
 * picked up once, a crash between the durable intake and the state write starts nothing twice,
 * and a process killed mid-way loses no file and runs none twice. Every wait is on the service's
 * events (see helpers/service-until.ts), never a sleep.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../engine/index.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { readyCharter } from '../helpers/ready-charter.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { until } from '../helpers/service-until.ts';

const CHILD = join(import.meta.dirname, '..', 'helpers', 'trigger-child.ts');
let dir: string;
let folder: string;
let cleanup: () => Promise<void>;
let service: FlowkeeperService | undefined;
let api: FlowkeeperApi;

type FileItem = { path: string; relativePath: string; name: string; size: number; modifiedAt: string; event: string; hash: string; text?: string; textLeftOut?: string };

/** Opens the service; `resumeOnStart` as the app does it only where a test restarts after a crash. */
async function open({ resumeOnStart = false } = {}) {
  service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart });
  api = inProcessApi(service);
}

async function close() {
  await service?.close();
  service = undefined;
}

async function save(config: Record<string, unknown> = {}) {
  await api.flows.save({
    flow: {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'files',
      name: 'Files', charter: readyCharter(),
      nodes: [
        { id: 'watch', type: 'trigger.folder', config: { folder, settleMs: 100, ...config } },
        { id: 'mark', type: 'transform.set', config: { fields: [{ name: 'seen', value: 'yes' }] } },
      ],
      edges: [{ source: 'watch', target: 'mark' }],
    },
  });
}

async function runs(): Promise<FileItem[]> {
  const list = await api.runs.list({ flowId: 'files', limit: 1000 });
  const items = await Promise.all(list.map(async (r) => ({ at: r.createdAt, item: ((await api.runs.get({ runId: r.runId })).input as FileItem[])[0]! })));
  // By file, then in the order the runs were started.
  return items.sort((a, b) => a.item.relativePath.localeCompare(b.item.relativePath) || a.at.localeCompare(b.at)).map((r) => r.item);
}

async function health() {
  return (await api.triggers.status({ flowId: 'files' }))[0]?.triggers[0];
}

/** Until `count` runs exist and are finished. */
async function runCount(count: number) {
  await until(service!, async () => (await api.runs.list({ flowId: 'files', limit: 1000 })).filter((r) => r.status === 'succeeded').length >= count);
  return runs();
}

/** Until the trigger's last message matches (it says what it did with a file, or that it watches). */
async function message(pattern: RegExp) {
  await until(service!, async () => pattern.test((await health())?.lastMessage ?? ''));
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  folder = join(dir, 'incoming');
  await mkdir(folder);
});
afterEach(async () => {
  await close();
  await cleanup();
});

describe('On a new file in a folder', () => {
  it('starts once per new or changed file, never for the same content again, and replays nothing after a restart', { timeout: 60_000 }, async () => {
    await writeFile(join(folder, 'old.csv'), 'id\n1\n');
    await open();
    await save();
    await api.flows.activate({ id: 'files' });
    await message(/remembered 1 file\(s\) already there/);
    expect(await runs()).toEqual([]);

    await writeFile(join(folder, 'orders.csv'), 'id,total\n7,120\n');
    let [item] = await runCount(1);
    expect(item).toMatchObject({ path: join(folder, 'orders.csv'), relativePath: 'orders.csv', name: 'orders.csv', size: 15, event: 'added', text: 'id,total\n7,120\n' });
    expect(item!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isNaN(Date.parse(item!.modifiedAt))).toBe(false);

    // The same content written again: nothing.
    await writeFile(join(folder, 'orders.csv'), 'id,total\n7,120\n');
    await message(/"orders\.csv" was written with the same content as before; nothing started\./);
    expect(await runs()).toHaveLength(1);

    // Changed content: one run, as a change.
    await writeFile(join(folder, 'orders.csv'), 'id,total\n7,120\n8,99\n');
    const after = await runCount(2);
    expect(after.map((r) => [r.name, r.event, r.text])).toEqual([
      ['orders.csv', 'added', 'id,total\n7,120\n'],
      ['orders.csv', 'changed', 'id,total\n7,120\n8,99\n'],
    ]);

    // Restart: nothing replayed; a file that arrived while closed is picked up once.
    await close();
    await writeFile(join(folder, 'while-closed.csv'), 'id\n9\n');
    await open();
    [item] = (await runCount(3)).filter((r) => r.name === 'while-closed.csv');
    expect(item).toMatchObject({ event: 'added', text: 'id\n9\n' });
    await message(/^Watching .* \(3 file\(s\) known\)\.$/);
    await service!.idle();
    expect(await runs()).toHaveLength(3);

    // Switched off and on again: still nothing old.
    await api.flows.deactivate({ id: 'files' });
    await api.flows.activate({ id: 'files' });
    await message(/^Watching .* \(3 file\(s\) known\)\.$/);
    await service!.idle();
    expect(await runs()).toHaveLength(3);
  });

  it('a file deleted and created again with the same content is new again; content changed back is a change', { timeout: 60_000 }, async () => {
    await open();
    await save();
    await api.flows.activate({ id: 'files' });
    await message(/remembered 0 file\(s\)/);
    await writeFile(join(folder, 'a.txt'), 'one');
    await runCount(1);
    await writeFile(join(folder, 'a.txt'), 'two');
    await runCount(2);
    await writeFile(join(folder, 'a.txt'), 'one');
    const list = await runCount(3);
    expect(list.map((r) => `${r.event}:${r.text}`)).toEqual(['added:one', 'changed:two', 'changed:one']);
    // Gone while closed, back with the same content: new.
    await close();
    await rename(join(folder, 'a.txt'), join(dir, 'a.txt'));
    await open();
    await message(/\(0 file\(s\) known\)/);
    await rename(join(dir, 'a.txt'), join(folder, 'a.txt'));
    const back = await runCount(4);
    expect(back.map((r) => `${r.event}:${r.text}`)).toEqual(['added:one', 'changed:two', 'changed:one', 'added:one']);
  });

  it('starts nothing twice after a crash between the durable intake and the state write', { timeout: 60_000 }, async () => {
    await open();
    await save();
    await api.flows.activate({ id: 'files' });
    await message(/remembered 0 file\(s\)/);
    const stateFile = join(dir, 'triggers', 'state', 'files', 'watch.json');
    const empty = await readFile(stateFile, 'utf8');
    await writeFile(join(folder, 'invoice.txt'), 'Invoice 1');
    await runCount(1);
    await close();
    // What a crash right after the event was journalled, before the file was marked taken, leaves.
    await writeFile(stateFile, empty);
    await open();
    await message(/\(1 file\(s\) known\)/);
    await service!.idle();
    expect((await runs()).map((r) => r.name)).toEqual(['invoice.txt']);
  });

  it('follows the name pattern and sub-folders, and leaves out text that is too large or not text', { timeout: 60_000 }, async () => {
    await mkdir(join(folder, 'sub'));
    await open();
    await save({ pattern: '*.csv', subfolders: true, maxTextKb: 1 });
    await api.flows.activate({ id: 'files' });
    await message(/remembered 0 file\(s\)/);
    await writeFile(join(folder, 'notes.txt'), 'not a csv');
    await writeFile(join(folder, 'sub', 'deep.csv'), 'a\n1\n');
    await writeFile(join(folder, 'big.csv'), 'x'.repeat(2000));
    await writeFile(join(folder, 'binary.csv'), Buffer.from([0, 1, 2, 3]));
    await runCount(3);
    // A restart scans the folder in order before saying it watches: notes.txt would show up here.
    await close();
    await open();
    await message(/\(3 file\(s\) known\)/);
    await service!.idle();
    const list = await runs();
    expect(list.map((r) => [r.relativePath, r.text ?? r.textLeftOut])).toEqual([
      ['big.csv', 'larger than 1 KB'],
      ['binary.csv', 'not a text file'],
      ['sub/deep.csv', 'a\n1\n'],
    ]);
  });

  it('starts for files already there when told to, and shows a missing folder as a plain failure', { timeout: 60_000 }, async () => {
    await writeFile(join(folder, 'first.txt'), 'hello');
    await open();
    await save({ existing: 'start', content: 'none' });
    await api.flows.activate({ id: 'files' });
    const [item] = await runCount(1);
    expect(item).toMatchObject({ name: 'first.txt', event: 'added', size: 5 });
    expect(item!.text).toBeUndefined();

    folder = join(dir, 'nowhere');
    await save();
    await until(service!, async () => (await health())?.state === 'failed');
    expect((await health())?.lastError?.message).toBe(`The folder "${folder}" does not exist. Create it or pick another folder.`);
  });

  it('loses no file and runs none twice when the process is killed mid-way', { timeout: 90_000 }, async () => {
    await open();
    await save();
    await api.flows.activate({ id: 'files' });
    await message(/remembered 0 file\(s\)/);
    await close();

    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let finished = 0;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        if (text.includes('READY')) resolve();
        finished += text.split('\n').filter((l) => l.startsWith('RUN ')).length;
        if (finished >= 5 && child.exitCode === null) child.kill('SIGKILL');
      });
      child.once('exit', (code, signal) => (signal === 'SIGKILL' ? undefined : reject(new Error(`child exited early (${code})`))));
    });
    const names = Array.from({ length: 30 }, (_, i) => `file-${String(i).padStart(2, '0')}.txt`);
    for (const name of names) await writeFile(join(folder, name), `content of ${name}`);
    await exited;
    expect(finished).toBeGreaterThanOrEqual(5);

    // Restart on the same folder, as the app does: journalled events whose run has no trace yet
    // start, the scan picks up the rest, and a run the kill interrupted mid-way (its trace exists,
    // so the journal leaves it) is resumed at start; without the resume it would stay "running".
    await open({ resumeOnStart: true });
    await runCount(names.length);
    await message(/\(30 file\(s\) known\)/);
    await service!.idle();
    const list = await runs();
    expect(list.map((r) => r.name)).toEqual(names);
    expect(list.every((r) => r.text === `content of ${r.name}`)).toBe(true);
  });
});
