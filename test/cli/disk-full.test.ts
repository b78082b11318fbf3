/**
 * Issue 14 item 7: with the data folder on a full disk (a real tmpfs, filled up), every new run
 * says so in plain words, leaves no empty trace (or lock) behind, and the listing stays clean.
 * Also: a value stored aside shows its size in words in the progress line.
 */
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/engine.ts';
import { mountSmallDisk } from '../helpers/small-disk.ts';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

const cli = (...argv: string[]) => runCli(argv);

async function flowFile(name: string, value: unknown): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(
    file,
    JSON.stringify({
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: name,
      name,
      nodes: [{ id: 'start', type: 'trigger.manual' }, { id: 'more', type: 'transform.set', config: { fields: [{ name: 'x', value }] } }],
      edges: [{ source: 'start', target: 'more' }],
    }),
  );
  return file;
}

/** Writes until the disk says ENOSPC. */
async function fill(folder: string): Promise<void> {
  const chunk = Buffer.alloc(16 * 1024, 1);
  for (let i = 0; ; i++) {
    try {
      await writeFile(join(folder, `filler-${i}`), chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
      throw error;
    }
  }
}

describe('disk full', () => {
  it('every later run gets the same plain message, and no empty trace is left behind', async () => {
    const mountPoint = join(dir, 'small-disk');
    const disk = await mountSmallDisk(mountPoint);
    if (!disk.available) {
      console.warn('skipped: no tmpfs mount here (needs root with mount rights)');
      return;
    }
    try {
      const data = join(mountPoint, 'data');
      const flow = await flowFile('small', 1);
      expect((await cli('run', flow, '--data-dir', data, '-q')).code).toBe(0);
      const before = (await readdir(join(data, 'runs'))).sort();
      await fill(mountPoint);
      for (let attempt = 0; attempt < 2; attempt++) {
        const run = await cli('run', flow, '--data-dir', data);
        expect(run.code).toBe(2);
        expect(run.err).toContain('The disk is full');
        expect(run.err).toContain('What to do: Delete files you do not need on that disk');
        expect(run.err).not.toMatch(/ENOSPC|no space left on device/);
      }
      expect((await readdir(join(data, 'runs'))).sort()).toEqual(before);
      const runs = await cli('runs', '--data-dir', data);
      expect(runs.code).toBe(0);
      expect(runs.err).toBe('');
      // Space freed: runs work again.
      for (const name of await readdir(mountPoint)) if (name.startsWith('filler-')) await rm(join(mountPoint, name));
      expect((await cli('run', flow, '--data-dir', data, '-q')).code).toBe(0);
    } finally {
      await disk.release();
    }
  });

  it('a value stored aside shows as a size in words in the progress line', async () => {
    const flow = await flowFile('big', 'x'.repeat(200 * 1024));
    const run = await cli('run', flow, '--data-dir', join(dir, 'data-big'));
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/"more" done in \d+ ms → a large result \(\d+ KB, stored aside\)/);
    expect(run.err).not.toContain('$blob');
  });
});
