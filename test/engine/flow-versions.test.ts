/**
 * Versions through the real service and the CLI: each save records who saved it, their message
 * and a one-line summary beside the history file (old history without that note still lists);
 * two versions compare; a rollback is a new version and never rewrites history.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createService, diffFlows, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../engine/index.ts';
import { main } from '../../cli/main.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';

function flow(url = 'https://a.example/v1', extra: Array<Record<string, unknown>> = []) {
  return {
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: 'invoices',
    name: 'Invoices',
    nodes: [
      { id: 'start', type: 'trigger.manual', config: {} },
      { id: 'fetch', type: 'transform.set', name: 'Fetch invoices', position: { x: 200, y: 0 }, config: { fields: [{ name: 'url', value: url }] } },
      ...extra,
    ],
    edges: [{ source: 'start', target: 'fetch' }],
  };
}

let dir: string;
let cleanup: () => Promise<void>;
let service: FlowkeeperService;
let api: FlowkeeperApi;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
  api = inProcessApi(service);
});
afterEach(async () => {
  await service.close();
  await cleanup();
});

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main([...argv, '--data-dir', dir], { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`) });
  return { code, out, err };
}

describe('versions', () => {
  it('records the author (door, else settings), the message and what changed, newest first', async () => {
    await api.settings.update({ reviewerName: 'Ana' });
    await api.flows.save({ flow: flow() });
    await api.flows.save({ flow: flow('https://a.example/v2'), message: 'New supplier address' });
    const extra = [
      { id: 'a', type: 'transform.set', name: 'Tag', config: {} },
      { id: 'b', type: 'transform.set', config: {} },
      { id: 'c', type: 'transform.set', config: {} },
    ];
    await api.flows.save({ flow: flow('https://a.example/v2', extra), by: 'Ben' });
    const versions = await api.flows.versions({ id: 'invoices' });
    expect(versions.map(({ savedAt: _s, ...v }) => v)).toEqual([
      { version: 3, author: 'Ben', summary: 'added 3 steps' },
      { version: 2, author: 'Ana', message: 'New supplier address', summary: 'changed “Fetch invoices”' },
      { version: 1, author: 'Ana', summary: 'first version' },
    ]);
    expect(versions.every((v) => !Number.isNaN(Date.parse(v.savedAt)))).toBe(true);
    // The history file stays a plain flow file; the note is beside it.
    const v2 = JSON.parse(await readFile(join(dir, 'flows', 'history', 'invoices', 'v2.json'), 'utf8')) as Record<string, unknown>;
    expect(v2).toMatchObject({ id: 'invoices', version: 2 });
    expect(v2).not.toHaveProperty('message');
    expect(JSON.parse(await readFile(join(dir, 'flows', 'history', 'invoices', 'v2.meta.json'), 'utf8'))).toEqual({ author: 'Ana', message: 'New supplier address', summary: 'changed “Fetch invoices”' });
  });

  it('lists history written before notes existed: author unknown, summary computed', async () => {
    await api.flows.save({ flow: flow() });
    await api.flows.save({ flow: flow('https://a.example/v2') });
    await rm(join(dir, 'flows', 'history', 'invoices', 'v1.meta.json'));
    await rm(join(dir, 'flows', 'history', 'invoices', 'v2.meta.json'));
    const versions = await api.flows.versions({ id: 'invoices' });
    expect(versions.map((v) => [v.version, v.author, v.summary, v.message])).toEqual([
      [2, '', 'changed “Fetch invoices”', undefined],
      [1, '', 'first version', undefined],
    ]);
  });

  it('compares two versions field by field', async () => {
    await api.flows.save({ flow: flow() });
    await api.flows.save({ flow: flow('https://a.example/v2') });
    const { summary, diff } = await api.flows.diff({ id: 'invoices', from: 1, to: 2 });
    expect(summary).toBe('changed “Fetch invoices”');
    expect(diff.nodesChanged).toEqual([
      { nodeId: 'fetch', name: 'Fetch invoices', type: 'transform.set', changes: [{ path: 'config.fields', before: [{ name: 'url', value: 'https://a.example/v1' }], after: [{ name: 'url', value: 'https://a.example/v2' }] }] },
    ]);
    await expect(api.flows.diff({ id: 'invoices', from: 1, to: 9 })).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND', message: 'Flow "invoices" has no saved version 9.' });
  });

  it('rolls back as a new version with its message; history is untouched', async () => {
    await api.settings.update({ reviewerName: 'Ana' });
    await api.flows.save({ flow: flow() });
    await api.flows.save({ flow: flow('https://a.example/v2') });
    const before = await readFile(join(dir, 'flows', 'history', 'invoices', 'v2.json'), 'utf8');
    const saved = await api.flows.rollback({ id: 'invoices', version: 1, message: 'v2 broke the import' });
    expect(saved.version).toBe(3);
    expect((await api.flows.get({ id: 'invoices' })).flow.nodes[1]!.config).toEqual({ fields: [{ name: 'url', value: 'https://a.example/v1' }] });
    const [latest] = await api.flows.versions({ id: 'invoices' });
    expect(latest).toMatchObject({ version: 3, author: 'Ana', message: 'Rolled back to version 1: v2 broke the import', restoredFrom: 1, summary: 'changed “Fetch invoices”' });
    expect(await readFile(join(dir, 'flows', 'history', 'invoices', 'v2.json'), 'utf8')).toBe(before);
    expect((await api.flows.diff({ id: 'invoices', from: 1, to: 3 })).diff.identical).toBe(true);
    await expect(api.flows.rollback({ id: 'invoices', version: 7 })).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND' });
  });

  it('the CLI lists, compares in plain words and rolls back (--by, --message)', async () => {
    await api.flows.save({ flow: flow(), by: 'Ana', message: 'first cut' });
    await api.flows.save({ flow: flow('https://a.example/v2') });
    await service.close();
    service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });

    const diff = await cli('flows', 'diff', 'invoices', '1', '2');
    expect(diff).toMatchObject({ code: 0, err: '' });
    expect(diff.out).toBe(
      'From version 1 to version 2 of "Invoices": changed “Fetch invoices”.\nChanged step “Fetch invoices”:\n  config.fields: [{"name":"url","value":"https://a.example/v1"}] → [{"name":"url","value":"https://a.example/v2"}]\n',
    );
    const rolled = await cli('flows', 'rollback', 'invoices', '1', '--by', 'Cleo', '-m', 'undo');
    expect(rolled).toMatchObject({ code: 0, err: '', out: 'Saved version 3 of "Invoices" with the content of version 1. Earlier versions are kept.\n' });
    const listed = await cli('flows', 'versions', 'invoices');
    expect(listed.code).toBe(0);
    const lines = listed.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^version 3 {2}\S+ by Cleo {2}changed “Fetch invoices” {2}— “Rolled back to version 1: undo”$/);
    expect(lines[2]).toMatch(/^version 1 {2}\S+ by Ana {2}first version {2}— “first cut”$/);

    const bad = await cli('flows', 'diff', 'invoices', '1', 'two');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/The to version must be a whole number from 1 \(got "two"\)/);
    const missing = await cli('flows', 'rollback', 'invoices', '9');
    expect(missing).toMatchObject({ code: 2, err: 'Flow "invoices" has no saved version 9.\n' });
  });

  it('a run records the version it ran, and that version opens', async () => {
    await api.flows.save({ flow: flow() });
    await api.flows.save({ flow: flow('https://a.example/v2') });
    const { runId } = await api.runs.start({ flowId: 'invoices' });
    await service.idle();
    const run = await api.runs.get({ runId });
    expect(run.flowVersion).toBe(2);
    expect((await api.runs.list({ flowId: 'invoices' }))[0]).toMatchObject({ runId, flowVersion: 2 });
    await api.flows.rollback({ id: 'invoices', version: 1 });
    // The version it ran, not the latest: the same steps and settings as the run recorded.
    const { flow: ran } = await api.flows.get({ id: 'invoices', version: run.flowVersion });
    expect(ran.version).toBe(2);
    expect(diffFlows(ran as unknown as Record<string, unknown>, run.flow as unknown as Record<string, unknown>, registry)).toEqual(expect.objectContaining({ nodesChanged: [], flow: [], settings: [], edgesAdded: [], edgesRemoved: [], identical: true }));
  });

  it('an import is a version too, named as such', async () => {
    await api.settings.update({ reviewerName: 'Ana' });
    await api.flows.import({ text: JSON.stringify(flow()) });
    expect((await api.flows.versions({ id: 'invoices' }))[0]).toMatchObject({ version: 1, author: 'Ana', message: 'Imported from a file', summary: 'first version' });
  });
});
