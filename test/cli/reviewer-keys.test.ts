/**
 * Reviewers' keys: `flowkeeper reviewers add|list|remove` prints a link once, keeps only a hash
 * (0600), refuses duplicates and unknown names in plain words, and a running lookup notices a removal.
 */
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { REVIEWERS_FILE, ReviewerKeys, addReviewer, removeReviewer } from '../../cli/reviewer-keys.ts';
import { tempDir } from '../helpers/engine.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function folder(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return join(t.dir, 'data');
}

const cli = (argv: string[]) => runCli(argv);

describe('flowkeeper reviewers', () => {
  it('adds a reviewer with a link printed once, stores only the hash, lists and removes them', async () => {
    const dataDir = await folder();
    const added = await cli(['reviewers', 'add', 'Dana Smith', '--group', 'finance', '--data-dir', dataDir]);
    expect(added.code).toBe(0);
    const key = /\?token=([A-Za-z0-9_-]+)/.exec(added.out)?.[1];
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(added.out).toContain('http://127.0.0.1:7654/?token=');
    expect(added.out).toMatch(/shown only now/);

    const path = join(dataDir, REVIEWERS_FILE);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(key!);
    expect(text).toContain(createHash('sha256').update(key!).digest('hex'));
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);

    // The group is the settings group the engine checks decisions against.
    expect(JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8')).reviewerGroups).toEqual({ finance: ['Dana Smith'] });

    const listed = await cli(['reviewers', 'list', '--data-dir', dataDir]);
    expect(listed.out).toMatch(/Dana Smith\s+finance/);
    expect(listed.out).not.toContain(key!);

    const json = await cli(['reviewers', 'list', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(json.out)).toEqual([{ name: 'Dana Smith', group: 'finance', createdAt: expect.any(String) }]);

    const removed = await cli(['reviewers', 'remove', 'dana smith', '--data-dir', dataDir]);
    expect(removed.code).toBe(0);
    expect(removed.out).toMatch(/Removed Dana Smith/);
    expect((await cli(['reviewers', 'list', '--data-dir', dataDir])).out).toMatch(/No reviewers yet/);
    expect(JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8')).reviewerGroups).toEqual({});
  });

  it('prints the link for another port and host', async () => {
    const dataDir = await folder();
    const added = await cli(['reviewers', 'add', 'Ben', '--port', '8100', '--host', '192.168.1.5', '--data-dir', dataDir]);
    expect(added.out).toContain('http://192.168.1.5:8100/?token=');
  });

  it('refuses a second reviewer of the same name, an unknown name, an empty name and a missing action, saying what to do', async () => {
    const dataDir = await folder();
    await cli(['reviewers', 'add', 'Ben', '--data-dir', dataDir]);
    const again = await cli(['reviewers', 'add', 'ben', '--data-dir', dataDir]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already a reviewer called "ben".*reviewers remove/s);
    const unknown = await cli(['reviewers', 'remove', 'Zoe', '--data-dir', dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no reviewer called "Zoe".*Reviewers: Ben/s);
    expect((await cli(['reviewers', 'add', '  ', '--data-dir', dataDir])).err).toMatch(/cannot be empty/);
    expect((await cli(['reviewers', 'add', 'timer', '--data-dir', dataDir])).err).toMatch(/choose another/);
    const none = await cli(['reviewers', '--data-dir', dataDir]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/add, list or remove/);
  });

  it('a lookup finds the reviewer by key, and tells a withdrawn key from an unknown one once removed', async () => {
    const dataDir = await folder();
    const keys = new ReviewerKeys(dataDir);
    const { key } = await addReviewer(dataDir, { name: 'Ana', group: 'finance' });
    expect(await keys.lookup(key)).toMatchObject({ kind: 'reviewer', reviewer: { name: 'Ana', group: 'finance' } });
    expect(await keys.lookup('x'.repeat(43))).toEqual({ kind: 'none' });
    await removeReviewer(dataDir, 'Ana');
    expect(await keys.lookup(key)).toEqual({ kind: 'revoked' });
    // Added again: a new key; the old one stays withdrawn.
    const second = await addReviewer(dataDir, { name: 'Ana' });
    expect(second.key).not.toBe(key);
    expect(await keys.lookup(second.key)).toMatchObject({ kind: 'reviewer' });
    expect(await keys.lookup(key)).toEqual({ kind: 'revoked' });
  });
});
