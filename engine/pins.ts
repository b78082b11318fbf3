/**
 * Pinned test data: while building a flow, a step's result can be pinned from a past run, so a
 * test run from the editor does not call a slow or paid API again. One file per flow,
 * `<data>/pins/<flowId>.json`, beside the flow rather than in it:
 *
 * - the flow file is the shareable definition (exported, imported, versioned on every save):
 *   test data (possibly real customer records an API returned) must not travel with it, bloat
 *   its history, or change its hash;
 * - only `runs.start` with `usePins: true` (the editor's test runs) reads this file, so a run a
 *   trigger starts, a scheduled or active flow, a resume, a fork or a replay never sees a pin —
 *   by construction, not by a check someone could forget;
 * - a pin copies the result (already redacted in the trace), so it survives the run being
 *   deleted; the trace of a run that used it says `pinnedFrom` on the node (never "ran").
 *
 * Read-modify-write one change at a time per flow; a damaged file is reported, never replaced.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ApiError } from './model/contract.ts';
import type { PortItems } from './model/node-kit.ts';
import { Serial } from './serial.ts';

export interface Pin {
  nodeId: string;
  /** The run the result was taken from. */
  runId: string;
  pinnedAt: string;
  outputs: PortItems;
}

interface PinFile {
  format: 'flowkeeper/pins';
  formatVersion: 1;
  flowId: string;
  pins: Record<string, Omit<Pin, 'nodeId'>>;
}

export class PinStore {
  private readonly serial = new Serial();

  constructor(private readonly dir: string) {}

  private file(flowId: string): string {
    // Flow ids are checked by the contract (letters, digits, "_" and "-"): safe as a file name.
    return join(this.dir, `${flowId}.json`);
  }

  async list(flowId: string): Promise<Pin[]> {
    const file = await this.read(flowId);
    return Object.entries(file.pins).map(([nodeId, pin]) => ({ nodeId, ...pin }));
  }

  set(flowId: string, pin: Pin): Promise<Pin> {
    return this.serial.run(flowId, async () => {
      const file = await this.read(flowId);
      const { nodeId, ...rest } = pin;
      file.pins[nodeId] = rest;
      await this.write(flowId, file);
      return pin;
    });
  }

  /** True when there was a pin to remove. */
  remove(flowId: string, nodeId: string): Promise<boolean> {
    return this.serial.run(flowId, async () => {
      const file = await this.read(flowId);
      if (!(nodeId in file.pins)) return false;
      delete file.pins[nodeId];
      if (Object.keys(file.pins).length === 0) await rm(this.file(flowId), { force: true });
      else await this.write(flowId, file);
      return true;
    });
  }

  private async read(flowId: string): Promise<PinFile> {
    let text: string;
    try {
      text = await readFile(this.file(flowId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return { format: 'flowkeeper/pins', formatVersion: 1, flowId, pins: {} };
    }
    try {
      const parsed = JSON.parse(text) as PinFile;
      if (parsed.format !== 'flowkeeper/pins' || typeof parsed.pins !== 'object' || parsed.pins === null) throw new Error('not a pins file');
      return parsed;
    } catch {
      throw new ApiError({
        code: 'PINS_DAMAGED',
        message: `The pinned test data of flow "${flowId}" (pins/${flowId}.json in the data folder) cannot be read.`,
        hint: 'Delete that file to drop the pins; the flow and its runs are not affected.',
      });
    }
  }

  private async write(flowId: string, file: PinFile): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const target = this.file(flowId);
    const tmp = `${target}.${randomUUID()}.tmp`;
    await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`);
    await rename(tmp, target);
  }
}
