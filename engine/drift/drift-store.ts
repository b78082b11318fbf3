/**
 * Where drift checks are remembered: `<data>/drift/<flowId>.json`, one file per flow with the
 * last `KEEP_RESULTS` results (newest first) and the schedule's bookkeeping — the schedule it
 * was counted from (`since`) and the last scheduled time a check was made for, so a restart
 * neither checks a time twice nor forgets one it missed. Replaced atomically on each change; a
 * damaged file is reported and started afresh (a check result is a record, not a source of truth).
 *
 * May import: `engine/model`, `engine/storage`, `node:*`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DriftCheckResult } from '../model/drift.ts';
import { replaceDurable } from '../storage/durable-file.ts';
import { Serial } from '../serial.ts';

export const KEEP_RESULTS = 20;

export interface DriftScheduleMark {
  cron: string;
  timeZone?: string;
  /** When the scheduler first saw this schedule: times before it are not missed. */
  since: string;
  /** The latest scheduled time a check was made for. */
  lastScheduledFor?: string;
}

export interface DriftFile {
  format: 'flowkeeper/drift';
  v: 1;
  flowId: string;
  schedule?: DriftScheduleMark;
  results: DriftCheckResult[];
}

const SAFE_ID = /^[A-Za-z0-9_.-]{1,128}$/;

export class DriftStore {
  private readonly serial = new Serial();

  constructor(private readonly dir: string) {}

  private file(flowId: string): string {
    if (!SAFE_ID.test(flowId) || flowId === '.' || flowId === '..') throw new Error(`The flow id “${flowId.slice(0, 80)}” cannot be used as a file name.`);
    return join(this.dir, `${flowId}.json`);
  }

  async read(flowId: string): Promise<DriftFile> {
    const empty: DriftFile = { format: 'flowkeeper/drift', v: 1, flowId, results: [] };
    let text: string;
    try {
      text = await readFile(this.file(flowId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as DriftFile;
      if (parsed.format !== 'flowkeeper/drift' || !Array.isArray(parsed.results)) throw new Error('not a drift file');
      return parsed;
    } catch {
      process.emitWarning(`Flowkeeper: drift/${flowId}.json in the data folder could not be read; the drift checks of “${flowId}” start afresh.`);
      return empty;
    }
  }

  /** Read, change, write — one change at a time per flow. */
  update(flowId: string, change: (file: DriftFile) => void): Promise<DriftFile> {
    return this.serial.run(flowId, async () => {
      const file = await this.read(flowId);
      change(file);
      file.results = file.results.slice(0, KEEP_RESULTS);
      await replaceDurable(this.file(flowId), `${JSON.stringify(file)}\n`);
      return file;
    });
  }

  /** Adds a check's result (newest first) and, for a scheduled one, the time it was for. */
  record(result: DriftCheckResult): Promise<DriftFile> {
    return this.update(result.flowId, (file) => {
      file.results.unshift(result);
      if (result.scheduledFor !== undefined && file.schedule) file.schedule.lastScheduledFor = result.scheduledFor;
    });
  }
}
