/**
 * Each trigger's durable state (`ctx.state`): a small JSON object per trigger in
 * <data>/triggers/state/<flowId>/<nodeId>.json, read once at subscribe and rewritten atomically
 * (temp file, fsync, rename) on every `set`, one write at a time.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { TriggerStateStore } from '../model/node-kit.ts';
import { Serial } from '../serial.ts';
import { syncDir } from './trigger-journal.ts';

export function triggerStateFile(triggersDir: string, flowId: string, nodeId: string): string {
  return join(triggersDir, 'state', encodeURIComponent(flowId), `${encodeURIComponent(nodeId)}.json`);
}

export class FileTriggerState implements TriggerStateStore {
  private readonly serial = new Serial();

  private constructor(
    private readonly file: string,
    private values: Record<string, unknown>,
  ) {}

  static async open(file: string): Promise<FileTriggerState> {
    let values: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) values = parsed as Record<string, unknown>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`The trigger's saved state (${file}) cannot be read; delete that file to start the trigger afresh (it may then fire for events it already saw).`);
      }
    }
    return new FileTriggerState(file, values);
  }

  get<T = unknown>(key: string): T | undefined {
    return this.values[key] as T | undefined;
  }

  set(key: string, value: unknown): Promise<void> {
    this.values = { ...this.values, [key]: value };
    const snapshot = this.values;
    return this.serial.run('state', async () => {
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${randomUUID()}.tmp`;
      const fh = await open(tmp, 'w');
      try {
        await fh.write(`${JSON.stringify(snapshot)}\n`);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
      await syncDir(dirname(this.file));
    });
  }
}
