/**
 * Which flows are switched on: <data>/triggers/active.json, beside the flows and not inside them,
 * so activating a flow is not a new version of it and a flow file handed to someone else does
 * not start firing on their machine.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../model/contract.ts';
import { Serial } from '../serial.ts';
import { syncDir } from './trigger-journal.ts';

export interface ActiveFlow {
  activatedAt: string;
  /**
   * Switched on at this version (pinned): its triggers run it, and later saves change nothing
   * until the flow is switched on again. Absent: the flow follows its latest saved version.
   */
  version?: number;
}

export class ActiveFlows {
  private readonly serial = new Serial();
  readonly file: string;

  constructor(triggersDir: string) {
    this.file = join(triggersDir, 'active.json');
  }

  async read(): Promise<Record<string, ActiveFlow>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as { flows?: Record<string, ActiveFlow> };
      return parsed.flows ?? {};
    } catch {
      throw new ApiError({ code: 'ACTIVE_FLOWS_DAMAGED', message: 'The list of switched-on flows (triggers/active.json in the data folder) cannot be read.', hint: 'Fix or delete that file, then switch the flows on again.' });
    }
  }

  /** Marks a flow on (at a pinned version, or following the latest) or off; returns whether anything changed. */
  set(flowId: string, active: boolean, now: Date, version?: number): Promise<boolean> {
    return this.serial.run('active', async () => {
      const flows = await this.read();
      const current = flows[flowId];
      if (!active && !current) return false;
      if (active && current && current.version === version) return false;
      if (active) flows[flowId] = { activatedAt: now.toISOString(), ...(version === undefined ? {} : { version }) };
      else delete flows[flowId];
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${randomUUID()}.tmp`;
      const fh = await open(tmp, 'w');
      try {
        await fh.write(`${JSON.stringify({ flows }, null, 2)}\n`);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
      await syncDir(dirname(this.file));
      return true;
    });
  }
}
