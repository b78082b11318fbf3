/**
 * The two ways a small file reaches the disk (the alert files, the reference runs): a line appended and fsynced (the outbox journal),
 * and a whole file replaced atomically (temp file, fsync, rename, directory fsync: the alert
 * book). Either survives a crash whole or not at all.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fsyncDir } from './fsync-dir.ts';

export async function appendDurable(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const fh = await open(file, 'a');
  try {
    await fh.write(text);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

export async function replaceDurable(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${randomUUID()}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.write(text);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await fsyncDir(dirname(file));
}
