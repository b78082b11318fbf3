/**
 * The intake journal answers where each appended line went (the host keeps only that while an
 * event waits for a run slot) and reads the entry back from there; a torn last line left by a
 * crash is ended before the next append, so the next entry stays readable after a restart.
 */
import { appendFile, readFile } from 'node:fs/promises';
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
