/**
 * One owner per run. A process holds `<run>.lock` for as long as it executes the run; the desktop
 * app, a CLI and a server sharing a data folder therefore never run the same run twice.
 * A lock whose process is gone (same host, pid not alive) or whose heartbeat is older than
 * STALE_MS (another host) is stale and may be taken over.
 */
import { hostname } from 'node:os';
import { link, open, readFile, rename, unlink, utimes, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';

const HEARTBEAT_MS = 10_000;
const STALE_MS = 60_000;

interface LockInfo {
  pid: number;
  host: string;
  since: string;
  token: string;
}

export class RunLockedError extends Error {
  constructor(readonly runId: string, readonly holder: LockInfo) {
    super(
      `Run ${runId} is already being run by process ${holder.pid} on ${holder.host} (since ${holder.since}). ` +
        'Wait for it to finish, or stop that process first.',
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
  if (info.host === hostname()) return info.pid !== process.pid && !isAlive(info.pid);
  const s = await stat(path).catch(() => undefined);
  return !s || Date.now() - s.mtimeMs > STALE_MS;
}

export async function claimRun(runId: string, path: string): Promise<RunClaim> {
  const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token: randomUUID() };
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(path, 'wx');
      // No fsync: after a machine crash the owner is gone anyway, and an empty or missing
      // lock file counts as stale.
      await fh.writeFile(JSON.stringify(info));
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
      const current = await readLock(path);
      if (current?.token === info.token) await unlink(path).catch(() => undefined);
    },
  };
}
