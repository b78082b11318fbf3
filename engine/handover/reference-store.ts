/**
 * Reference runs kept on this machine, per flow: the recorded runs a flow is judged against.
 * A hand-over bundle's `references` land here when it is imported; the acceptance replay, demo
 * mode and the drift check read them from here. One file per run,
 * `<data>/references/<flowId>/<runId>.json`, each a `ReferenceRun` of the bundle format (header
 * with the flow as it ran, events, large values inline, secrets already scrubbed) plus where it
 * came from. They are not in `runs/`: a reference is not a run of this machine (its lines carry
 * no hash chain, its ids came from elsewhere) and must never show in the runs list, the metrics
 * or the dashboard.
 *
 * Files are replaced atomically (engine/storage/durable-file.ts); a damaged one is reported by
 * name, never dropped or overwritten silently.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../model/contract.ts';
import type { RunEvent, TraceHeader } from '../model/events.ts';
import { ReferenceRunSchema, type ReferenceRun } from '../model/handover-bundle.ts';
import { replaceDurable } from '../storage/durable-file.ts';
import type { LoadedTrace } from '../trace/trace-store.ts';

/** Where a reference came from: a bundle that was imported, or a run of this machine chosen as one. */
export type ReferenceSource = { kind: 'bundle'; importedAt: string; bundleCreatedAt: string } | { kind: 'local'; chosenAt: string };

export interface StoredReference {
  flowId: string;
  run: ReferenceRun;
  source: ReferenceSource;
}

interface ReferenceFile {
  format: 'flowkeeper/reference';
  formatVersion: 1;
  flowId: string;
  source: ReferenceSource;
  run: ReferenceRun;
}

const SAFE_ID = /^[A-Za-z0-9_.-]{1,128}$/;

export class ReferenceStore {
  constructor(private readonly dir: string) {}

  private file(flowId: string, runId: string): string {
    // Ids come from a file someone handed over: only plain names become file names.
    for (const [what, id] of [['flow', flowId], ['run', runId]] as const) {
      if (!SAFE_ID.test(id) || id === '.' || id === '..') {
        throw new ApiError({ code: 'BAD_REQUEST', message: `The reference ${what} id “${id.slice(0, 80)}” cannot be used as a file name.`, hint: 'Use letters, digits, "_", "-" and "." only.' });
      }
    }
    return join(this.dir, flowId, `${runId}.json`);
  }

  /** Every reference of a flow, oldest first. A damaged file is an error naming it. */
  async list(flowId: string): Promise<StoredReference[]> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, flowId));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: StoredReference[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const ref = await this.get(flowId, name.slice(0, -'.json'.length));
      if (ref) out.push(ref);
    }
    return out.sort((a, b) => a.run.createdAt.localeCompare(b.run.createdAt) || a.run.runId.localeCompare(b.run.runId));
  }

  async get(flowId: string, runId: string): Promise<StoredReference | undefined> {
    const file = this.file(flowId, runId);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: ReferenceFile;
    try {
      parsed = JSON.parse(text) as ReferenceFile;
      if (parsed.format !== 'flowkeeper/reference' || parsed.flowId !== flowId) throw new Error('not a reference file');
      parsed.run = ReferenceRunSchema.parse(parsed.run);
    } catch {
      throw new ApiError({
        code: 'REFERENCE_DAMAGED',
        message: `The reference run “${runId}” of flow “${flowId}” (references/${flowId}/${runId}.json in the data folder) cannot be read.`,
        hint: 'Import the hand-over bundle again to put it back, or delete that file to drop this reference.',
      });
    }
    return { flowId, run: parsed.run, source: parsed.source };
  }

  /** Adds or replaces one reference (atomically: a crash leaves the old file or the new one). */
  async put(flowId: string, run: ReferenceRun, source: ReferenceSource): Promise<StoredReference> {
    const checked = ReferenceRunSchema.parse(run);
    const body: ReferenceFile = { format: 'flowkeeper/reference', formatVersion: 1, flowId, source, run: checked };
    await replaceDurable(this.file(flowId, checked.runId), `${JSON.stringify(body)}\n`);
    return { flowId, run: checked, source };
  }

  /** True when there was one to remove. */
  async remove(flowId: string, runId: string): Promise<boolean> {
    try {
      await rm(this.file(flowId, runId));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }
}

/**
 * A reference as the replay and the run-state reducer read a trace. Its values are inline, so a
 * trace store's `getPayload` returns them unchanged; there is no hash chain to check.
 */
export function referenceAsTrace(run: ReferenceRun): LoadedTrace {
  const { hashChain: _dropped, ...header } = run.header as unknown as TraceHeader;
  return { header: header as TraceHeader, events: run.events as unknown as RunEvent[] };
}
