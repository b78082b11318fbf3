/** Small helpers shared by the node behaviour tests (test/nodes/**). Not a test file itself. */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileTraceStore, Item, RunEvent, RunOutcome } from '../../engine/index.ts';

export type EventOf<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

/** The events of a finished run, read back from its trace file. */
export async function traceEvents(store: FileTraceStore, runId: string): Promise<RunEvent[]> {
  return (await store.load(runId)).events;
}

/** Events of one type, optionally for one node. */
export function eventsOf<T extends RunEvent['type']>(events: readonly RunEvent[], type: T, nodeId?: string): Array<EventOf<T>> {
  return events.filter((e): e is EventOf<T> => e.type === type && (nodeId === undefined || (e as { nodeId?: string }).nodeId === nodeId));
}

/** A node that passes its items on unchanged: a place to collect items in `outcome.outputs`. */
export function passThrough(id: string): { id: string; type: string; config: Record<string, unknown> } {
  return { id, type: 'transform.set', config: { fields: [] } };
}

/** Items a terminal node put on a port (default `out`); [] when none. */
export function itemsOf(outcome: RunOutcome, nodeId: string, port = 'out'): Item[] {
  return outcome.outputs[nodeId]?.[port] ?? [];
}

/** Every file below `dir` (recursively) with its text; [] when the folder does not exist. */
export async function filesBelow(dir: string): Promise<Array<{ path: string; text: string }>> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: Array<{ path: string; text: string }> = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesBelow(path)));
    else out.push({ path, text: await readFile(path, 'utf8') });
  }
  return out;
}
