/**
 * One owner per run. A process holds `<run>.lock` for as long as it executes the run; the desktop
 * app, a CLI and a server sharing a data folder therefore never run the same run twice.
 * A lock whose process is gone (same host, pid not alive) or whose heartbeat is older than
 * STALE_MS (another host) is stale and may be taken over.
 *
 * Taking a free lock and letting it go are synchronous file calls: a lock is a file of ~200
 * bytes that is never fsynced, so each call is a few µs in the page cache, where the same calls
 * through the thread pool cost the main thread several times that (a busy trigger takes one lock
 * per run; bench figure 7). Only a lock someone holds goes the slow, asynchronous way.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { link, readFile, rename, unlink, utimes, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';

const HEARTBEAT_MS = 10_000;
const STALE_MS = 60_000;

export interface LockInfo {
  pid: number;
  host: string;
  since: string;
  token: string;
  /** Linux: which boot the lock was taken in; a reboot makes every old lock stale. */
  bootId?: string;
  /** Linux: the holder's start time (clock ticks since boot), so a reused pid is not mistaken for it. */
  startTicks?: string;
}

/** Tokens of the locks this process holds: a lock naming our pid but not one of these is stale. */
const heldTokens = new Set<string>();

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function processStartTicks(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  // Field 22 (starttime), counted after the parenthesised command name, which may hold spaces.
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

/** This process's start time never changes: read once, not once per run (a busy trigger starts many). */
let own: { pid: number; ticks: string | undefined } | undefined;
function ownStartTicks(): string | undefined {
  if (own?.pid !== process.pid) own = { pid: process.pid, ticks: processStartTicks(process.pid) };
  return own.ticks;
}

const BOOT_ID = readProc('/proc/sys/kernel/random/boot_id');

/** The host name, asked once (a system call per run otherwise). */
let ownHost: string | undefined;
function host(): string {
  ownHost ??= hostname();
  return ownHost;
}

export class RunLockedError extends Error {
  constructor(readonly runId: string, readonly holder: LockInfo) {
    super(
      `Run ${runId} is already being run by process ${holder.pid} on ${holder.host} (since ${holder.since}). ` +
        `Wait for it to finish, or stop that process first. If no such process exists any more, delete ${runId}.lock in the data folder's runs/ directory.`,
    );
    this.name = 'RunLockedError';
  }
}

export interface RunClaim {
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

async function isStale(path: string, info: LockInfo | undefined): Promise<boolean> {
  if (!info) {
    // Unreadable lock: a crash between create and write. Stale once it is old enough.
    const s = await stat(path).catch(() => undefined);
    return !s || Date.now() - s.mtimeMs > 2000;
  }
  const s = await stat(path).catch(() => undefined);
  const heartbeatStale = !s || Date.now() - s.mtimeMs > STALE_MS;
  if (info.host !== host()) return heartbeatStale;
  if (info.bootId && BOOT_ID && info.bootId !== BOOT_ID) return true;
  if (info.pid === process.pid) return !heldTokens.has(info.token);
  if (!isAlive(info.pid)) return true;
  // The pid is alive, but is it the same process? (pids are reused, e.g. after a container restart)
  if (info.startTicks && processStartTicks(info.pid) !== info.startTicks) return true;
  // The holder is alive: respect it, even if busy (a blocked event loop delays its heartbeat).
  return false;
}

export async function claimRun(runId: string, path: string): Promise<RunClaim> {
  const info: LockInfo = { pid: process.pid, host: host(), since: new Date().toISOString(), token: randomUUID() };
  if (BOOT_ID) info.bootId = BOOT_ID;
  const ticks = ownStartTicks();
  if (ticks) info.startTicks = ticks;
  for (let tries = 0; tries < 3; tries++) {
    try {
      createLock(path, info);
      return heartbeat(path, info);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLock(path);
    if (!(await isStale(path, holder))) {
      throw new RunLockedError(runId, holder ?? { pid: 0, host: 'unknown', since: 'unknown', token: '' });
    }
    // Move the stale lock aside atomically; only one contender's rename can take this file.
    const aside = `${path}.stale-${info.token}`;
    try {
      await rename(path, aside);
      const moved = await readLock(aside);
      if (moved && holder && moved.token !== holder.token) {
        // Someone else took over between our read and our rename: theirs is live. Put it back
        // (link fails if yet another lock appeared meanwhile; then that one stands).
        await link(aside, path).catch(() => undefined);
        await unlink(aside).catch(() => undefined);
        throw new RunLockedError(runId, moved);
      }
      await unlink(aside).catch(() => undefined);
    } catch (error) {
      if (error instanceof RunLockedError) throw error;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const holder = await readLock(path);
  throw new RunLockedError(runId, holder ?? { pid: 0, host: 'unknown', since: 'unknown', token: '' });
}

/** Creates the lock file, failing with EEXIST when there is one. */
function createLock(path: string, info: LockInfo): void {
  const fd = openSync(path, 'wx');
  // No fsync: after a machine crash the owner is gone anyway, and an empty or missing
  // lock file counts as stale.
  let failure: unknown;
  try {
    const bytes = Buffer.from(JSON.stringify(info));
    let offset = 0;
    while (offset < bytes.length) {
      const written = writeSync(fd, bytes, offset, bytes.length - offset);
      if (written <= 0) throw Object.assign(new Error('no bytes written'), { code: 'EIO' });
      offset += written;
    }
  } catch (error) {
    failure = error;
  }
  // Closed exactly once (a second close could hit a descriptor another open has been given since).
  try {
    closeSync(fd);
  } catch (error) {
    failure ??= error;
  }
  if (failure === undefined) return;
  // Disk full: the run cannot start; leave no empty lock behind.
  try {
    unlinkSync(path);
  } catch {
    /* nothing to clean up */
  }
  throw failure;
}

/** The lock's holder as recorded, read synchronously (the file is tiny); undefined if unreadable. */
function readLockNow(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

function heartbeat(path: string, info: LockInfo): RunClaim {
  heldTokens.add(info.token);
  const timer = setInterval(() => {
    const now = new Date();
    void utimes(path, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      heldTokens.delete(info.token);
      // Still ours? (A holder counted stale elsewhere may have been taken over: never remove theirs.)
      if (readLockNow(path)?.token !== info.token) return;
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    },
  };
}
