/**
 * The intake journal answers where each appended line went (the host keeps only that while an
 * event waits for a run slot) and reads the entry back from there; a torn last line left by a
 * crash is ended before the next append, so the next entry stays readable after a restart.
 * Pipelined group commit: the next batch is written and synced while an earlier fdatasync runs,
 * acknowledgements stay in order, and a failed fdatasync fails every waiter it may cover.
 */
import { appendFile, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { TriggerJournal, type JournalEntry } from '../../../engine/triggers/trigger-journal.ts';
import { tempDir } from '../../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const entry = (n: number): JournalEntry => ({ trigger: 'f/hook', runId: `run-${n}`, flowId: 'f', flowVersion: 1, input: [{ body: { n, text: 'é'.repeat(n) } }], at: '2026-01-01T00:00:00.000Z' });

it('answers each entry\'s position, in one group commit, and reads it back from there', async () => {
  const journal = new TriggerJournal(join(dir, 'intake.jsonl'));
  const at = await Promise.all([1, 2, 3].map((n) => journal.append(entry(n))));
  expect(at[0]!.offset).toBe(0);
  expect(at[1]!.offset).toBe(at[0]!.length);
  for (const [i, position] of at.entries()) expect(await journal.readAt(position)).toEqual(entry(i + 1));
  await journal.close();
});

it('ends a torn last line before appending, so the next entry is read back after a restart', async () => {
  const file = join(dir, 'intake.jsonl');
  await appendFile(file, `${JSON.stringify(entry(1))}\n{"trigger":"f/hook","runId":"run-to`);
  const journal = new TriggerJournal(file);
  const at = await journal.append(entry(2));
  expect(await journal.readAt(at)).toEqual(entry(2));
  await journal.close();
  expect((await readFile(file, 'utf8')).endsWith(`${JSON.stringify(entry(2))}\n`)).toBe(true);
  expect(await new TriggerJournal(file).read()).toEqual([entry(1), entry(2)]);
});

/**
 * A journal whose file's fdatasyncs are held until the test lets each one return (or fail), so
 * the order of syncs and acknowledgements can be driven exactly; everything else is the real file.
 */
function heldSyncs(file: string, syncsInFlight = 3) {
  const syncs: Array<{ succeed(): void; fail(error: Error): void }> = [];
  const handles: FileHandle[] = [];
  let closed = 0;
  let told: (() => void) | undefined;
  const journal = new TriggerJournal(file, {
    syncsInFlight,
    open: async (path, flags) => {
      const real = await open(path, flags);
      const handle = new Proxy(real, {
        get(target, prop) {
          if (prop === 'datasync')
            return () =>
              new Promise<void>((resolve, reject) => {
                syncs.push({ succeed: resolve, fail: reject });
                told?.();
              });
          if (prop === 'close') return () => ((closed += 1), target.close());
          const value = Reflect.get(target, prop) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      handles.push(handle);
      return handle;
    },
  });
  /** Resolves once `n` fdatasyncs have been started. */
  const started = async (n: number) => {
    while (syncs.length < n) await new Promise<void>((resolve) => (told = resolve));
  };
  return { journal, syncs, started, opened: () => handles.length, closed: () => closed };
}

/** Records when each append settles, in order. */
function track(promise: Promise<unknown>, name: string, log: string[]): Promise<unknown> {
  return promise.then(
    () => log.push(`${name} ok`),
    (error: Error) => log.push(`${name} ${error.name}`),
  );
}

/**
 * Appends a and b in two batches, the second written and its fdatasync started while the
 * first's is still held: both syncs are running when it resolves.
 */
async function twoBatchesSyncing(file = join(dir, 'intake.jsonl')) {
  const held = heldSyncs(file);
  const log: string[] = [];
  const a = track(held.journal.append(entry(1)), 'a', log);
  await held.started(1);
  const b = track(held.journal.append(entry(2)), 'b', log);
  await held.started(2);
  return { ...held, log, a, b };
}

it('writes and syncs the next batch while the previous fdatasync still runs, and acknowledges in order once both returned', async () => {
  // The second batch is written and its sync started before the first sync returned (twoBatchesSyncing).
  const { journal, syncs, log, a, b } = await twoBatchesSyncing();
  syncs[1]!.succeed();
  await new Promise((resolve) => setImmediate(resolve));
  expect(log).toEqual([]); // b's own sync is done, but a (earlier) is not
  syncs[0]!.succeed();
  await Promise.all([a, b]);
  expect(log).toEqual(['a ok', 'b ok']);
  expect(await journal.read()).toEqual([entry(1), entry(2)]);
  await journal.close();
});

it('holds a batch whose own sync returned until every sync that overlapped it returned too', async () => {
  const { journal, syncs, log, a, b } = await twoBatchesSyncing();
  // a's sync returns first, but b's — started while a's ran — may be the one told of a's lost pages.
  syncs[0]!.succeed();
  await new Promise((resolve) => setImmediate(resolve));
  expect(log).toEqual([]);
  syncs[1]!.succeed();
  await Promise.all([a, b]);
  expect(log).toEqual(['a ok', 'b ok']);
  await journal.close();
});

it('a failed fdatasync fails every waiter not yet acknowledged, refuses appends until the handle is quiet, then reopens the file', async () => {
  const file = join(dir, 'intake.jsonl');
  const { journal, syncs, started, log, a, b, opened, closed } = await twoBatchesSyncing(file);
  // The later sync fails: it may have been told of the earlier batch's lost write-back, so both fail.
  syncs[1]!.fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  await b;
  await a;
  expect(log).toEqual(['a JournalFailedError', 'b JournalFailedError']);
  // The first sync is still running on the failed handle: appends are refused meanwhile.
  await expect(journal.append(entry(3))).rejects.toThrow(/could not be written to disk \(EIO\).*try again/);
  expect(closed()).toBe(0);
  // Its success changes nothing for a: the refusal ends once nothing runs on the old handle.
  syncs[0]!.succeed();
  await new Promise((resolve) => setImmediate(resolve));
  expect(log).toEqual(['a JournalFailedError', 'b JournalFailedError']);
  expect(closed()).toBe(1);
  const d = journal.append(entry(4));
  await started(3);
  syncs[2]!.succeed();
  const at = await d;
  expect(opened()).toBe(2); // a new handle, not the failed one
  expect(await journal.readAt(at)).toEqual(entry(4));
  await journal.close();
});

it('a failed first sync fails the later batch even when that batch\'s own sync already succeeded', async () => {
  const { journal, syncs, log, a, b } = await twoBatchesSyncing();
  syncs[1]!.succeed();
  await new Promise((resolve) => setImmediate(resolve));
  syncs[0]!.fail(Object.assign(new Error('ENOSPC: no space left on device, fdatasync'), { code: 'ENOSPC' }));
  await Promise.all([a, b]);
  expect(log).toEqual(['a JournalFailedError', 'b JournalFailedError']);
  await journal.close();
});

it('keeps at most syncsInFlight fdatasyncs running; lines arriving meanwhile wait and go out as one batch', async () => {
  const { journal, syncs, started } = heldSyncs(join(dir, 'intake.jsonl'), 2);
  const appends = [journal.append(entry(1))];
  await started(1);
  appends.push(journal.append(entry(2)));
  await started(2);
  appends.push(journal.append(entry(3)), journal.append(entry(4)));
  await new Promise((resolve) => setImmediate(resolve));
  expect(syncs).toHaveLength(2);
  syncs[0]!.succeed();
  await started(3); // a slot freed: lines 3 and 4 are written together and synced once
  syncs[1]!.succeed();
  syncs[2]!.succeed();
  const at = await Promise.all(appends);
  expect(syncs).toHaveLength(3);
  expect(at.map((p) => p.offset)).toEqual([0, at[0]!.length, at[0]!.length + at[1]!.length, at[0]!.length + at[1]!.length + at[2]!.length]);
  for (const [i, position] of at.entries()) expect(await journal.readAt(position)).toEqual(entry(i + 1));
  await journal.close();
});

it('reads entries back through one handle, also when several runs start at once', async () => {
  const flags: string[] = [];
  const journal = new TriggerJournal(join(dir, 'intake.jsonl'), { open: (path, flag) => (flags.push(flag), open(path, flag)) });
  const at = await Promise.all([1, 2, 3, 4].map((n) => journal.append(entry(n))));
  expect(await Promise.all(at.map((p) => journal.readAt(p)))).toEqual([1, 2, 3, 4].map(entry));
  expect(flags.filter((f) => f === 'r')).toEqual(['r']);
  await journal.close();
});

it('scans every entry without its input, in order, with positions readAt reads the whole entry from — across read chunks, skipping blank and torn lines', async () => {
  const file = join(dir, 'intake.jsonl');
  // Over 1 MB, so lines straddle the scan's chunks; multi-byte characters shift the byte offsets.
  const big = (n: number): JournalEntry => ({ ...entry(n), input: [{ body: { n, text: 'é'.repeat(3000 + n) } }] });
  const all = Array.from({ length: 400 }, (_, i) => big(i));
  await appendFile(file, all.map((e, i) => `${JSON.stringify(e)}\n${i === 200 ? '\n' : ''}`).join('') + '{"trigger":"f/hook","runId":"run-to');
  const journal = new TriggerJournal(file);
  const records = await journal.scan();
  expect(records.map((r) => r.runId)).toEqual(all.map((e) => e.runId));
  expect(records.every((r) => !('input' in r))).toBe(true);
  expect(records[7]).toMatchObject({ trigger: 'f/hook', flowId: 'f', flowVersion: 1, at: '2026-01-01T00:00:00.000Z' });
  for (const i of [0, 1, 199, 200, 201, 399]) expect(await journal.readAt(records[i]!.position)).toEqual(all[i]);
  await journal.close();
  expect(await new TriggerJournal(join(dir, 'none.jsonl')).scan()).toEqual([]);
});

it('compacts to the chosen lines, byte for byte, and answers where each is now', async () => {
  const file = join(dir, 'intake.jsonl');
  const journal = new TriggerJournal(file);
  for (let n = 0; n < 10; n++) await journal.append(entry(n));
  const records = await journal.scan();
  const keep = [records[2]!, records[5]!, records[9]!];
  const moved = await journal.rewriteKeeping(new Set(keep.map((r) => r.position.offset)));
  expect((await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as JournalEntry).runId)).toEqual(['run-2', 'run-5', 'run-9']);
  for (const r of keep) expect(await journal.readAt(moved.get(r.position.offset)!)).toEqual(entry(Number(r.runId.slice(4))));
  // Appends go on after the kept lines.
  const at = await journal.append(entry(10));
  expect(await journal.readAt(at)).toEqual(entry(10));
  expect((await journal.scan()).map((r) => r.runId)).toEqual(['run-2', 'run-5', 'run-9', 'run-10']);
  await journal.close();
});
