import { spawn } from 'node:child_process';
import type * as FsPromises from 'node:fs/promises';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { claimRun, RunLockedError } from '../../../engine/trace/run-lock.ts';
import { tempDir } from '../../helpers/engine.ts';

/** Lets a test act just before run-lock renames a file (to stage a race with another process). */
const hooks = vi.hoisted(() => ({ beforeRename: undefined as undefined | ((from: string, to: string) => Promise<void>) }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      const hook = hooks.beforeRename;
      hooks.beforeRename = undefined;
      if (hook) await hook(from, to);
      return actual.rename(from, to);
    },
  };
});

let dir: string;
let cleanup: () => Promise<void>;
let lockPath: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  lockPath = join(dir, 'run-1.lock');
  hooks.beforeRename = undefined;
});
afterEach(() => cleanup());

interface LockFile {
  pid: number;
  host: string;
  since: string;
  token: string;
}

async function readLockFile(): Promise<LockFile> {
  return JSON.parse(await readFile(lockPath, 'utf8')) as LockFile;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
  return pid;
}

async function ageFile(path: string, ms: number): Promise<void> {
  const then = new Date(Date.now() - ms);
  await utimes(path, then, then);
}

async function lockedError(promise: Promise<unknown>): Promise<RunLockedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunLockedError);
  return error as RunLockedError;
}

describe('claimRun', () => {
  it('writes a lock naming this process', async () => {
    const claim = await claimRun('run-1', lockPath);
    const lock = await readLockFile();
    expect(lock.pid).toBe(process.pid);
    expect(lock.host).toBe(hostname());
    expect(lock.token).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(lock.since))).toBe(false);
    await claim.release();
  });

  it('refuses a second claim of a held lock and names the holder pid', async () => {
    const claim = await claimRun('run-1', lockPath);
    const error = await lockedError(claimRun('run-1', lockPath));
    expect(error.runId).toBe('run-1');
    expect(error.holder.pid).toBe(process.pid);
    expect(error.message).toMatch(new RegExp(`Run run-1 is already being run by process ${process.pid} on `));
    expect(error.message).toContain(hostname());
    // The refused claim left the holder's lock alone.
    expect((await readLockFile()).pid).toBe(process.pid);
    await claim.release();
  });

  it('can be claimed again after release, and release removes the file', async () => {
    const first = await claimRun('run-1', lockPath);
    const firstToken = (await readLockFile()).token;
    await first.release();
    expect(await exists(lockPath)).toBe(false);
    await first.release(); // twice is harmless

    const second = await claimRun('run-1', lockPath);
    expect((await readLockFile()).token).not.toBe(firstToken);
    await second.release();
  });

  it('does not remove a lock that another claim has taken over', async () => {
    const claim = await claimRun('run-1', lockPath);
    const theirs: LockFile = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token: 'someone-else' };
    await writeFile(lockPath, JSON.stringify(theirs));
    await claim.release();
    expect(await readLockFile()).toEqual(theirs);
  });

  it('takes over a stale lock of a dead process on this host', async () => {
    const pid = await deadPid();
    await writeFile(lockPath, JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', token: 'dead' }));
    const claim = await claimRun('run-1', lockPath);
    const lock = await readLockFile();
    expect(lock.pid).toBe(process.pid);
    expect(lock.token).not.toBe('dead');
    await claim.release();
  });

  it('respects a lock of a live process on this host', async () => {
    // The parent of this test worker is alive for as long as the test runs.
    await writeFile(lockPath, JSON.stringify({ pid: process.ppid, host: hostname(), since: '2026-01-01T00:00:00.000Z', token: 'alive' }));
    await ageFile(lockPath, 10 * 60_000);
    const error = await lockedError(claimRun('run-1', lockPath));
    expect(error.holder.pid).toBe(process.ppid);
    expect(error.message).toMatch(new RegExp(`process ${process.ppid}`));
    expect((await readLockFile()).token).toBe('alive');
  });

  it('takes over an unreadable lock file older than 2 s', async () => {
    await writeFile(lockPath, 'garbage{');
    await ageFile(lockPath, 5_000);
    const claim = await claimRun('run-1', lockPath);
    expect((await readLockFile()).pid).toBe(process.pid);
    await claim.release();
  });

  it('takes over an empty lock file (a crash before the write) once it is old', async () => {
    await writeFile(lockPath, '');
    await ageFile(lockPath, 3_000);
    const claim = await claimRun('run-1', lockPath);
    expect((await readLockFile()).pid).toBe(process.pid);
    await claim.release();
  });

  it('leaves a fresh unreadable lock alone: its owner may be writing it', async () => {
    await writeFile(lockPath, 'garbage{');
    await lockedError(claimRun('run-1', lockPath));
    expect(await readFile(lockPath, 'utf8')).toBe('garbage{');
  });

  it('takes over a lock from another host only when its heartbeat is over a minute old', async () => {
    const remote = { pid: 4242, host: 'some-other-host.invalid', since: '2026-01-01T00:00:00.000Z', token: 'remote' };
    await writeFile(lockPath, JSON.stringify(remote));
    await ageFile(lockPath, 30_000);
    const error = await lockedError(claimRun('run-1', lockPath));
    expect(error.message).toMatch(/process 4242 on some-other-host\.invalid/);

    await ageFile(lockPath, 61_000);
    const claim = await claimRun('run-1', lockPath);
    expect((await readLockFile()).host).toBe(hostname());
    await claim.release();
  });

  it('gives a live lock back when it was replaced during a stale takeover', async () => {
    const pid = await deadPid();
    await writeFile(lockPath, JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', token: 'dead' }));
    const live: LockFile = { pid: process.ppid, host: hostname(), since: new Date().toISOString(), token: 'other-contender' };
    // Another process takes the stale lock over just before our rename.
    hooks.beforeRename = async (from) => {
      if (from === lockPath) await writeFile(lockPath, JSON.stringify(live));
    };

    const error = await lockedError(claimRun('run-1', lockPath));
    expect(error.holder.token).toBe('other-contender');
    expect(await readLockFile()).toEqual(live);
  });
});
