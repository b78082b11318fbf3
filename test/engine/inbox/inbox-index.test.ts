/**
 * The inbox index's rebuild on its own: it asks the run index which runs are unfinished (no trace
 * read to learn a status), reads those traces quickly, and still sets a damaged trace aside
 * without losing the other runs' items.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine, FileTraceStore, InboxIndex, RunIndex, runListerOf } from '../../../engine/index.ts';
import { makeFlow, registry, tempDir } from '../../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const flow = makeFlow(
  [
    { id: 'start', type: 'trigger.manual' },
    { id: 'check', name: 'Check it', type: 'human.review', config: { title: 'Item {{ n }}', fields: [{ name: 'n', type: 'number', label: 'N' }] } },
    { id: 'done', type: 'transform.set', config: { fields: [{ name: 'ok', value: true }] } },
  ],
  ['start -> check', 'check.approve -> done', 'check.edit -> done'],
);

async function pausedRuns(store: FileTraceStore, count: number): Promise<string[]> {
  const engine = new Engine({ store, registry });
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const outcome = await engine.startRun(flow, { input: { n } });
    expect(outcome.status).toBe('paused');
    ids.push(outcome.runId);
  }
  return ids;
}

describe('InboxIndex.rebuild', () => {
  it('reads the runs the run index names as unfinished, and the decided ones for the history', async () => {
    const store = new FileTraceStore(dir);
    const runIndex = new RunIndex(store, { journal: join(dir, 'run-index.jsonl') });
    const [first, second, third] = await pausedRuns(store, 3);
    await new Engine({ store, registry }).answerReview(third!, { kind: 'decision', requestId: `${third}:check:0`, outcome: 'approve', by: 'Ana' });
    await runIndex.writes();

    const index = new InboxIndex({ dir: join(dir, 'inbox'), traces: store, runs: runIndex, readOnly: true });
    await index.rebuild();
    expect(index.all().map((i) => i.runId).sort()).toEqual([first, second].sort());
    expect(index.get(`${first}:check:0`)).toMatchObject({ stepName: 'Check it', title: 'Item 0', flowName: 'Test flow', outcomes: ['approve', 'edit', 'reject'] });
    expect(index.history({})).toMatchObject([{ id: `${third}:check:0`, outcome: 'approve', by: 'Ana' }]);

    // Only what the run index lists is read: a run it does not name is not looked for.
    const onlyFirst = new InboxIndex({ dir: join(dir, 'inbox'), traces: store, runs: { list: async () => (await runIndex.list()).filter((r) => r.runId === first) }, readOnly: true });
    await onlyFirst.rebuild();
    expect(onlyFirst.all().map((i) => i.runId)).toEqual([first]);
    await runIndex.close();
  });

  it('without a run index journal reads every trace itself (quickly) instead of waiting for the run index to read them in full', async () => {
    const store = new FileTraceStore(dir);
    const journal = join(dir, 'run-index.jsonl');
    const [open, decided] = await pausedRuns(store, 2);
    await new Engine({ store, registry }).answerReview(decided!, { kind: 'decision', requestId: `${decided}:check:0`, outcome: 'reject', by: 'Ana', comment: 'no' });
    const runIndex = new RunIndex(store, { journal });
    expect(await runListerOf(runIndex, journal)).toBeUndefined();
    const index = new InboxIndex({ dir: join(dir, 'inbox'), traces: store, readOnly: true });
    await index.rebuild();
    expect(index.all().map((i) => i.runId)).toEqual([open]);
    expect(index.history({})).toMatchObject([{ runId: decided, outcome: 'reject', comment: 'no' }]);
    await runIndex.list();
    await runIndex.writes();
    expect(await runListerOf(runIndex, journal)).toBe(runIndex);
    await runIndex.close();
  });

  it('sets a damaged trace aside and keeps the other runs\' items', async () => {
    const store = new FileTraceStore(dir);
    const runIndex = new RunIndex(store, { journal: join(dir, 'run-index.jsonl') });
    const [good, bad] = await pausedRuns(store, 2);
    await runIndex.writes();
    const path = store.locate(bad!);
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[1] = '{ not json';
    await writeFile(path, lines.join('\n'));

    const index = new InboxIndex({ dir: join(dir, 'inbox'), traces: store, runs: runIndex, readOnly: true });
    await index.rebuild();
    expect(index.all().map((i) => i.runId)).toEqual([good]);
    await expect(store.load(bad!)).rejects.toMatchObject({ name: 'RunNotFoundError' });
    expect((await store.setAside()).map((q) => q.runId)).toEqual([bad]);
    await runIndex.close();
  });
});
