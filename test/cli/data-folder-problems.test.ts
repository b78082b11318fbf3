/**
 * Issue 14 items 4 and 5: data-folder problems in plain words (what, which folder, what to do,
 * exit 2), and `flowkeeper runs` in a read-only data folder with a damaged trace.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { makeReadOnly } from '../helpers/read-only-folder.ts';
import { tempDir } from '../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
let flowFile: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  flowFile = join(dir, 'flow.json');
  await writeFile(
    flowFile,
    JSON.stringify({
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'small',
      name: 'Small',
      nodes: [{ id: 'start', type: 'trigger.manual' }, { id: 'set', type: 'transform.set', config: { fields: [{ name: 'x', value: 1 }] } }],
      edges: [{ source: 'start', target: 'set' }],
    }),
  );
});
afterAll(async () => cleanup());

const cli = (...argv: string[]) => runCli(argv);

const RAW_CODE = /\b(ENOTDIR|EEXIST|EACCES|EROFS|EPERM)\b/;

describe('data-folder problems', () => {
  it('--data-dir pointing at a file', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    for (const dataDir of [file, join(file, 'below')]) {
      const result = await cli('run', flowFile, '--data-dir', dataDir);
      expect(result.code).toBe(2);
      expect(result.err).toContain(`The data folder cannot be used: ${file} is a file, not a folder.`);
      expect(result.err).toContain('What to do: Move or rename that file, or choose another data folder with --data-dir');
      expect(result.err).not.toMatch(RAW_CODE);
    }
  });

  it('runs/ being a file, for run and for runs', async () => {
    const data = join(dir, 'runs-is-a-file');
    await mkdir(data);
    await writeFile(join(data, 'runs'), '');
    for (const argv of [['run', flowFile], ['runs']]) {
      const result = await cli(...argv, '--data-dir', data);
      expect(result.code).toBe(2);
      expect(result.err).toContain(`${join(data, 'runs')} is a file, not a folder`);
      expect(result.err).not.toMatch(RAW_CODE);
    }
  });

  it('a read-only data folder: run says so in plain words; runs lists the healthy runs and reports the damaged trace', async () => {
    const data = join(dir, 'read-only');
    const first = await cli('run', flowFile, '--data-dir', data, '--json');
    expect(first.code).toBe(0);
    const { runId } = JSON.parse(first.out) as { runId: string };
    await writeFile(join(data, 'runs', 'run-damaged.jsonl'), 'not json at all\n{"seq":1}\n');
    const readOnly = await makeReadOnly(data);
    if (!readOnly.available) {
      console.warn('skipped: cannot make a folder read-only here (root without mount rights)');
      return;
    }
    try {
      const run = await cli('run', flowFile, '--data-dir', data);
      expect(run.code).toBe(2);
      expect(run.err).toMatch(/Flowkeeper may not write in the data folder: .*read-only.* \((the disk is read-only|permission denied)\)\./);
      expect(run.err).toContain('What to do: Give your user write access to the data folder, or choose another data folder');
      expect(run.err).not.toMatch(RAW_CODE);

      const runs = await cli('runs', '--data-dir', data);
      expect(runs.code).toBe(0);
      expect(runs.out).toContain(runId);
      expect(runs.err).toContain('The trace of run run-damaged is damaged (line 1');
      expect(runs.err).toContain(`could not be set aside (the data folder may be read-only); it was left at ${join(data, 'runs', 'run-damaged.jsonl')}`);
    } finally {
      await readOnly.release();
    }
  });
});
