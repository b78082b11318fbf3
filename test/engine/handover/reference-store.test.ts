/**
 * The reference-run store: round trip per flow, a damaged file named (never dropped), ids from a
 * handed-over file refused as file names when unsafe, and a reference read back as a trace the
 * run-state reducer folds to the recorded outcome.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReferenceStore, referenceAsTrace } from '../../../engine/handover/index.ts';
import type { ReferenceRun } from '../../../engine/model/handover-bundle.ts';
import { reduceRun } from '../../../engine/model/run-state.ts';
import { tempDir } from '../../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const flow = { format: 'flowkeeper/flow', formatVersion: 1, id: 'f', name: 'F', nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] };
const reference = (runId: string, createdAt: string): ReferenceRun => ({
  runId,
  flowVersion: 1,
  status: 'succeeded',
  createdAt,
  header: { kind: 'header', format: 'flowkeeper/trace', formatVersion: 1, runId, flowId: 'f', flowName: 'F', flowVersion: 1, flowHash: 'x', flow, input: { n: 1 }, createdAt, mode: 'run', hashChain: 'sha256-128' },
  events: [
    { type: 'run.started', at: createdAt },
    { type: 'node.started', nodeId: 'start', attempt: 1, at: createdAt },
    { type: 'node.succeeded', nodeId: 'start', attempt: 1, outputs: { out: [{ json: { n: 1 } }] }, durationMs: 1, at: createdAt },
    { type: 'run.finished', status: 'succeeded', at: createdAt },
  ],
});

describe('ReferenceStore', () => {
  it('keeps references per flow, oldest first, with where they came from', async () => {
    const store = new ReferenceStore(join(dir, 'references'));
    expect(await store.list('f')).toEqual([]);
    const source = { kind: 'bundle' as const, importedAt: '2026-12-01T10:00:00.000Z', bundleCreatedAt: '2026-11-30T10:00:00.000Z' };
    await store.put('f', reference('r-2', '2026-11-02T00:00:00.000Z'), source);
    await store.put('f', reference('r-1', '2026-11-01T00:00:00.000Z'), source);
    const list = await store.list('f');
    expect(list.map((r) => r.run.runId)).toEqual(['r-1', 'r-2']);
    expect(list[0]!.source).toEqual(source);
    expect(await store.list('other')).toEqual([]);
    expect(await store.remove('f', 'r-1')).toBe(true);
    expect(await store.remove('f', 'r-1')).toBe(false);
    expect((await store.list('f')).map((r) => r.run.runId)).toEqual(['r-2']);
  });

  it('names a damaged file instead of skipping it', async () => {
    const store = new ReferenceStore(join(dir, 'references'));
    await store.put('f', reference('r-1', '2026-11-01T00:00:00.000Z'), { kind: 'local', chosenAt: '2026-12-01T00:00:00.000Z' });
    await writeFile(join(dir, 'references', 'f', 'r-1.json'), '{"format":"flowkeeper/refer');
    await expect(store.list('f')).rejects.toThrow(/reference run “r-1” of flow “f” \(references\/f\/r-1\.json in the data folder\) cannot be read/);
  });

  it('refuses ids that are not plain file names', async () => {
    const store = new ReferenceStore(join(dir, 'references'));
    await expect(store.put('f', reference('../../escape', '2026-11-01T00:00:00.000Z'), { kind: 'local', chosenAt: 'x' })).rejects.toThrow(/cannot be used as a file name/);
    await expect(store.get('..', 'r')).rejects.toThrow(/cannot be used as a file name/);
  });

  it('reads a reference back as a trace without its hash chain', () => {
    const trace = referenceAsTrace(reference('r-1', '2026-11-01T00:00:00.000Z'));
    expect(trace.header.hashChain).toBeUndefined();
    const state = reduceRun(trace.header, trace.events);
    expect(state.status).toBe('succeeded');
    expect(state.nodes.start?.status).toBe('succeeded');
  });
});
