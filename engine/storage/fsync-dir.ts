/** Makes a new or renamed file's directory entry durable (traces, the run index, the alert files); best effort where the platform cannot (Windows). */
import { open } from 'node:fs/promises';

export async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort (e.g. Windows) */
  }
}
