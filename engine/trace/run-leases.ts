/**
 * Run leases: one owner per run. A process claims a run before executing or resuming it and
 * releases it at the end; a claim held elsewhere raises RunLockedError. Beside the trace store,
 * not inside it: a worker mode may keep traces in one place and leases in another (e.g. Redis).
 *
 *   FileRunLeases    `<runs>/<runId>.lock` files (run-lock.ts: pid, host, heartbeat, stale rules)
 *   MemoryRunLeases  in this process only (tests, the memory trace store)
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { claimRun, RunLockedError, type LockInfo, type RunClaim } from './run-lock.ts';
import { assertRunId } from './run-id.ts';

export type { RunClaim };

export interface RunLeases {
  /** Takes the run for this process, or throws RunLockedError naming who holds it. */
  claim(runId: string): Promise<RunClaim>;
}

export class FileRunLeases implements RunLeases {
  constructor(private readonly runsDir: string) {}

  /** The folder is made once per instance (a busy trigger starts many runs); again if it vanished. */
  private made = false;

  async claim(runId: string): Promise<RunClaim> {
    assertRunId(runId);
    const path = join(this.runsDir, `${runId}.lock`);
    if (!this.made) {
      await mkdir(this.runsDir, { recursive: true });
      this.made = true;
    }
    try {
      return await claimRun(runId, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(this.runsDir, { recursive: true });
      return claimRun(runId, path);
    }
  }
}

export class MemoryRunLeases implements RunLeases {
  private readonly held = new Map<string, LockInfo>();

  async claim(runId: string): Promise<RunClaim> {
    assertRunId(runId);
    const holder = this.held.get(runId);
    if (holder) throw new RunLockedError(runId, holder);
    const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token: randomUUID() };
    this.held.set(runId, info);
    return {
      release: async () => {
        if (this.held.get(runId) === info) this.held.delete(runId);
      },
    };
  }
}
