/**
 * The CLI's start-up bundle (cli/bundle.js) on a small project of its own: built from the entry
 * and everything it imports, fresh until any of those files changes or disappears, and its code
 * sees its source files' own locations. The CLI tests (cli.test.ts) run the real bundle.
 */
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBundle, freshBundle, type BundleLayout } from '../../cli/bundle.js';
import { tempDir } from '../helpers/engine.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
});

async function project(): Promise<BundleLayout> {
  const { dir, cleanup } = await tempDir('flowkeeper-bundle-');
  cleanups.push(cleanup);
  await mkdir(join(dir, 'cli'), { recursive: true });
  await mkdir(join(dir, 'lib'), { recursive: true });
  await writeFile(join(dir, 'lib', 'where.ts'), 'export const where: string = import.meta.url;\nexport const folder: string = import.meta.dirname;\n');
  await writeFile(join(dir, 'lib', 'later.ts'), "export const later = (): string => 'loaded on demand';\n");
  await writeFile(
    join(dir, 'cli', 'main.ts'),
    "import { where, folder } from '../lib/where.ts';\nexport async function main(): Promise<string[]> {\n  const { later } = await import('../lib/later.ts');\n  return [where, folder, later()];\n}\n",
  );
  return { root: dir, outDir: join(dir, 'dist', 'cli'), entry: join(dir, 'cli', 'main.ts') };
}

async function load(entry: string): Promise<string[]> {
  const mod = (await import(`${pathToFileURL(entry).href}?v=${Math.random()}`)) as { main(): Promise<string[]> };
  return mod.main();
}

describe('CLI start-up bundle', () => {
  it('is missing until built, then fresh, and runs like the sources', async () => {
    const layout = await project();
    expect(freshBundle(layout)).toBeUndefined();
    const entry = await buildBundle(layout);
    expect(entry).toBe(join(layout.outDir, 'main.js'));
    expect(freshBundle(layout)).toBe(entry);
    // import.meta is the source file's, not the bundle's: code finding files beside itself still does.
    expect(await load(entry)).toEqual([pathToFileURL(join(layout.root, 'lib', 'where.ts')).href, join(layout.root, 'lib'), 'loaded on demand']);
  });

  it('is stale once any input changes, including one only loaded on demand, and fresh again after a rebuild', async () => {
    const layout = await project();
    await buildBundle(layout);
    await writeFile(join(layout.root, 'lib', 'later.ts'), "export const later = (): string => 'changed';\n");
    expect(freshBundle(layout)).toBeUndefined();
    const entry = await buildBundle(layout);
    expect(freshBundle(layout)).toBe(entry);
    expect((await load(entry))[2]).toBe('changed');

    // Same size, new time: still a change.
    const future = new Date(Date.now() + 5000);
    await utimes(join(layout.root, 'lib', 'where.ts'), future, future);
    expect(freshBundle(layout)).toBeUndefined();
  });

  it('is stale when an input is gone or the manifest is damaged', async () => {
    const layout = await project();
    await buildBundle(layout);
    await rm(join(layout.root, 'lib', 'later.ts'));
    expect(freshBundle(layout)).toBeUndefined();

    const other = await project();
    await buildBundle(other);
    await writeFile(join(other.outDir, 'inputs.json'), '{ not json');
    expect(freshBundle(other)).toBeUndefined();
  });

  it('several processes building at once leave one working bundle', async () => {
    const layout = await project();
    const entries = await Promise.all([buildBundle(layout), buildBundle(layout), buildBundle(layout)]);
    expect(new Set(entries).size).toBe(1);
    expect(freshBundle(layout)).toBe(entries[0]);
    expect((await load(entries[0]!))[2]).toBe('loaded on demand');
  });
});
