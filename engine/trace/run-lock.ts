/**
 * One owner per run. A process holds `<run>.lock` for as long as it executes the run; the desktop
 * app, a CLI and a server sharing a data folder therefore never run the same run twice.
 * A lock whose process is gone (same host, pid not alive) or whose heartbeat is older than
 * STALE_MS (another host) is stale and may be taken over.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { link, open, readFile, rename, unlink, utimes, stat } from 'node:fs/promises';
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
  if (info.host !== hostname()) return heartbeatStale;
  if (info.bootId && BOOT_ID && info.bootId !== BOOT_ID) return true;
  if (info.pid === process.pid) return !heldTokens.has(info.token);
  if (!isAlive(info.pid)) return true;
  // The pid is alive, but is it the same process? (pids are reused, e.g. after a container restart)
  if (info.startTicks && processStartTicks(info.pid) !== info.startTicks) return true;
  // The holder is alive: respect it, even if busy (a blocked event loop delays its heartbeat).
  return false;
}

export async function claimRun(runId: string, path: string): Promise<RunClaim> {
  const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token: randomUUID() };
  if (BOOT_ID) info.bootId = BOOT_ID;
  const ticks = ownStartTicks();
  if (ticks) info.startTicks = ticks;
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(path, 'wx');
      // No fsync: after a machine crash the owner is gone anyway, and an empty or missing
      // lock file counts as stale.
      try {
        await fh.writeFile(JSON.stringify(info));
      } catch (error) {
        // Disk full: the run cannot start; leave no empty lock behind.
        await fh.close().catch(() => undefined);
        await unlink(path).catch(() => undefined);
        throw error;
      }
      await fh.close();
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
      const current = await readLock(path);
      if (current?.token === info.token) await unlink(path).catch(() => undefined);
    },
  };
}
