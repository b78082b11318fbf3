/**
 * A tiny real file system (tmpfs) for disk-full tests. Needs root with mount rights; when that is
 * not available, `available` is false and the caller skips (saying so).
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';

export interface SmallDisk {
  available: boolean;
  release(): Promise<void>;
}

export async function mountSmallDisk(folder: string, size = '512k'): Promise<SmallDisk> {
  await mkdir(folder, { recursive: true });
  if (process.getuid?.() !== 0) return { available: false, release: async () => undefined };
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', folder], { stdio: 'ignore' });
  } catch {
    return { available: false, release: async () => undefined };
  }
  return { available: true, release: async () => void execFileSync('umount', ['-l', folder], { stdio: 'ignore' }) };
}
