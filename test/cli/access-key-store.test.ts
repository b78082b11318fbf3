/** The bridge's owner key: stable per data folder, 0600, replaced on request, replaced keys recognised. */
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCESS_KEY_FILE, hashKey, loadOwnerKey } from '../../cli/access-key-store.ts';
import { tempDir } from '../helpers/engine.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
});
async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('owner key', () => {
  it('is made once and then the same at every start', async () => {
    const data = await dir();
    const first = await loadOwnerKey(data);
    expect(first.created).toBe(true);
    expect(Buffer.from(first.key, 'base64url')).toHaveLength(32);
    const again = await loadOwnerKey(data);
    expect(again).toMatchObject({ key: first.key, created: false });
    if (process.platform !== 'win32') expect((await stat(join(data, ACCESS_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it('is replaced on request; the old key is kept only as a hash and recognised', async () => {
    const data = await dir();
    const old = await loadOwnerKey(data);
    const fresh = await loadOwnerKey(data, { rotate: true });
    expect(fresh.key).not.toBe(old.key);
    expect(fresh.created).toBe(true);
    expect(fresh.wasRetired(old.key)).toBe(true);
    expect(fresh.wasRetired('something-else')).toBe(false);
    const text = await readFile(join(data, ACCESS_KEY_FILE), 'utf8');
    expect(text).not.toContain(old.key);
    expect(text).toContain(hashKey(old.key));
  });

  it('tightens a loosened file back to 0600 and says how to recover a damaged one', async () => {
    const data = await dir();
    await loadOwnerKey(data);
    const path = join(data, ACCESS_KEY_FILE);
    if (process.platform !== 'win32') {
      await chmod(path, 0o644);
      await loadOwnerKey(data);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
    }
    await writeFile(path, '{"key": 1}');
    await expect(loadOwnerKey(data)).rejects.toThrow(/cannot be read .*Delete it, or start with --new-key/);
    expect((await loadOwnerKey(data, { rotate: true })).created).toBe(true);
  });
});
