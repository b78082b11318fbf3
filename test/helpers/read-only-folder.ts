/**
 * Makes a folder read-only for a test. As root, permissions do not stop writes, so the folder is
 * bind-mounted read-only over itself (needs mount rights; `available` says whether it worked).
 * Otherwise `chmod -w` on the folder and everything below it.
 */
import { execFileSync } from 'node:child_process';
import { chmod, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ReadOnly {
  available: boolean;
  release(): Promise<void>;
}

async function chmodTree(path: string, writable: boolean): Promise<void> {
  const info = await stat(path);
  if (info.isDirectory()) {
    for (const name of await readdir(path)) await chmodTree(join(path, name), writable);
    await chmod(path, writable ? 0o755 : 0o555);
  } else {
    await chmod(path, writable ? 0o644 : 0o444);
  }
}

export async function makeReadOnly(folder: string): Promise<ReadOnly> {
  if (process.getuid?.() !== 0) {
    await chmodTree(folder, false);
    return { available: true, release: () => chmodTree(folder, true) };
  }
  try {
    execFileSync('mount', ['--bind', folder, folder], { stdio: 'ignore' });
    execFileSync('mount', ['-o', 'remount,bind,ro', folder], { stdio: 'ignore' });
  } catch {
    return { available: false, release: async () => undefined };
  }
  return { available: true, release: async () => void execFileSync('umount', [folder], { stdio: 'ignore' }) };
}
