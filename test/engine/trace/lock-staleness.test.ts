/**
 * Regression tests for review finding 6: when a run lock is stale. A lock naming this process's
 * pid but a token it does not hold was left by an earlier process with the same pid (PID 1 in a
 * container, any pid after a reboot); a live pid with another start time is a reused pid; a lock
 * from another boot is stale whatever its pid. A live holder (same start time, or none recorded)
 * is still respected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimRun, RunLockedError, type LockInfo } from '../../../engine/trace/run-lock.ts';
import { tempDir } from '../../helpers/engine.ts';

let cleanup: () => Promise<void>;
let lockPath: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  let dir: string;
  ({ dir, cleanup } = await tempDir());
  lockPath = join(dir, 'run-1.lock');
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await cleanup();
});

const readLockFile = async () => JSON.parse(await readFile(lockPath, 'utf8')) as LockInfo;
const writeLock = (lock: Partial<LockInfo>) => writeFile(lockPath, JSON.stringify({ host: hostname(), since: '2020-01-01T00:00:00.000Z', ...lock }));

async function refusal(promise: Promise<unknown>): Promise<RunLockedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunLockedError);
  return error as RunLockedError;
}

/** A live process that is not this one: its pid is alive for the whole test. */
async function liveProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child.pid!;
}

/** Field 22 of /proc/<pid>/stat: the start time in clock ticks since boot. */
function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

const hasProc = existsSync('/proc/self/stat') && existsSync('/proc/sys/kernel/random/boot_id');
const bootId = hasProc ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : '';

describe('stale run locks', () => {
  it('takes over a lock naming this pid with a token this process does not hold, but not one it holds', async () => {
    await writeLock({ pid: process.pid, token: 'old-incarnation' });
    const claim = await claimRun('run-1', lockPath);
    const taken = await readLockFile();
    expect(taken.pid).toBe(process.pid);
    expect(taken.token).not.toBe('old-incarnation');

    // The lock this process does hold is respected, even by this process.
    const error = await refusal(claimRun('run-1', lockPath));
    expect(error.holder.token).toBe(taken.token);
    await claim.release();
  });

  describe.runIf(hasProc)('Linux: pid reuse and reboots', () => {
    it('respects a live pid whose start time matches or was not recorded, and takes it over when the start time differs', async () => {
      const pid = await liveProcess();
      await writeLock({ pid, token: 'alive', bootId, startTicks: startTicks(pid) });
      expect((await refusal(claimRun('run-1', lockPath))).holder.pid).toBe(pid);
      expect((await readLockFile()).token).toBe('alive');

      await writeLock({ pid, token: 'alive-old-format' });
      expect((await refusal(claimRun('run-1', lockPath))).holder.token).toBe('alive-old-format');
      expect((await readLockFile()).token).toBe('alive-old-format');

      // The same pid, but the lock was taken by an earlier process that had it (pid reuse).
      await writeLock({ pid, token: 'before-reboot', bootId, startTicks: String(Number(startTicks(pid)) + 1) });
      const claim = await claimRun('run-1', lockPath);
      expect(await readLockFile()).toMatchObject({ pid: process.pid, startTicks: startTicks(process.pid), bootId });
      await claim.release();
    });

    it('takes over a lock from another boot, even when its pid is alive with the same start time', async () => {
      const pid = await liveProcess();
      await writeLock({ pid, token: 'other-boot', bootId: '00000000-0000-0000-0000-000000000000', startTicks: startTicks(pid) });
      const claim = await claimRun('run-1', lockPath);
      expect((await readLockFile()).pid).toBe(process.pid);
      await claim.release();
    });
  });
});
