/**
 * Saved flows with their version history, in the data folder:
 *
 *   <data>/flows/<id>.json                 the latest version
 *   <data>/flows/history/<id>/v<N>.json    every saved version (the flow exactly as saved)
 *   <data>/flows/history/<id>/v<N>.meta.json  who saved it, their message, what changed
 *
 * The note about a version lives beside it, not inside it, so a history file stays a flow file a
 * person can open or import, and history written before notes existed reads as it is (its author
 * unknown, its summary computed when asked).
 *
 * A flow may be saved with problems (work in progress in the editor); it runs only once valid.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ApiError, type FlowSummary, type FlowVersionInfo } from './model/contract.ts';
import { diffFlows, summarizeDiff } from './model/flow-diff.ts';
import { IdSchema, type Flow } from './model/flow.ts';
import { parseFlowText, scanUnsafe, validateFlow, type NodeCatalog, type Problem } from './model/validate.ts';
import { Serial } from './serial.ts';
import { readiness } from './charter/readiness.ts';
import { dataDirLayout, type FlowLayout } from './storage/layout.ts';

/** What the person saving says about a version (all optional: autosave says nothing). */
export interface SaveNote {
  /** Who saved it; '' when nobody is named. */
  author?: string;
  message?: string;
  /** Set by rollback: the version whose content this one restores. */
  restoredFrom?: number;
}

interface VersionMeta {
  author: string;
  message?: string;
  summary: string;
  restoredFrom?: number;
}

export interface StoredFlow {
  flow: Record<string, unknown>;
  problems: Problem[];
}

function notFound(id: string): ApiError {
  return new ApiError({ code: 'FLOW_NOT_FOUND', message: `There is no saved flow "${id}".`, hint: 'Check the id, or import the flow first.' });
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export class FlowStore {
  readonly dir: string;
  private readonly serial = new Serial();

  private readonly historyRoot: string;

  /** `where`: a data folder (its layout decides the folders) or the folders themselves. */
  constructor(where: string | FlowLayout, private readonly catalog: NodeCatalog) {
    const layout = typeof where === 'string' ? dataDirLayout(where) : where;
    this.dir = layout.flows;
    this.historyRoot = layout.flowHistory;
  }

  private path(id: string): string {
    if (!IdSchema.safeParse(id).success) throw new ApiError({ code: 'INVALID_ARGUMENTS', message: `"${id}" is not a valid flow id.` });
    return join(this.dir, `${id}.json`);
  }

  private historyDir(id: string): string {
    this.path(id); // validates the id: it becomes part of a path
    return join(this.historyRoot, id);
  }

  /** The highest version ever saved, even if the flow was deleted since (history is kept). */
  private async highestVersion(id: string): Promise<number> {
    const names = await readdir(this.historyDir(id)).catch(() => [] as string[]);
    return Math.max(0, ...names.map((n) => /^v(\d+)\.json$/.exec(n)?.[1]).filter((v): v is string => v !== undefined).map(Number));
  }

  problemsOf(flow: unknown): Problem[] {
    const result = validateFlow(flow, this.catalog);
    return result.problems;
  }

  /** The latest saved flow (or a given saved version), validated for running. */
  async runnable(id: string, version?: number): Promise<Flow> {
    const { flow } = await this.get(id, version);
    const result = validateFlow(flow, this.catalog);
    if (!result.ok) {
      const which = version === undefined ? `The flow "${id}"` : `Version ${version} of the flow "${id}"`;
      throw new ApiError({ code: 'FLOW_INVALID', message: `${which} has problems, so it cannot run yet.`, hint: version === undefined ? 'Fix the problems listed, save, and run again.' : 'Choose another version, or fix the problems, save, and use the new version.', problems: result.problems });
    }
    return result.flow;
  }

  /** Whether any node is a trigger that fires by itself (its type has `subscribe`; manual has not). */
  private startsByItself(nodes: unknown): boolean {
    if (!Array.isArray(nodes)) return false;
    return nodes.some((n) => typeof (n as { type?: unknown } | null)?.type === 'string' && this.catalog.get((n as { type: string }).type)?.subscribe !== undefined);
  }

  async list(): Promise<FlowSummary[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: FlowSummary[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const id = name.slice(0, -'.json'.length);
      try {
        const { flow, problems } = await this.get(id);
        const info = await stat(this.path(id));
        const errors = problems.filter((p) => p.severity === 'error');
        out.push({
          id,
          name: String(flow.name ?? id),
          description: String(flow.description ?? ''),
          // The charter's owner wins over the older free-text owner (engine/model/charter.ts).
          owner: String(charterOwnerName(flow.charter) || flow.owner || ''),
          version: Number(flow.version ?? 1),
          nodeCount: Array.isArray(flow.nodes) ? flow.nodes.length : 0,
          updatedAt: info.mtime.toISOString(),
          startsByItself: this.startsByItself(flow.nodes),
          ...(errors.length > 0 ? { problems: errors } : { readinessMissing: readiness(flow as Flow, this.catalog).missing.length }),
        });
      } catch {
        out.push({ id, name: id, description: '', owner: '', version: 0, nodeCount: 0, updatedAt: new Date(0).toISOString(), problems: [{ path: '$', message: 'This file could not be read as a flow.', severity: 'error' }] });
      }
    }
    return out;
  }

  async get(id: string, version?: number): Promise<StoredFlow> {
    const path = version === undefined ? this.path(id) : join(this.historyDir(id), `v${version}.json`);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw version === undefined ? notFound(id) : new ApiError({ code: 'FLOW_NOT_FOUND', message: `Flow "${id}" has no saved version ${version}.` });
      }
      throw error;
    }
    const parsed = parseFlowText(text);
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) {
      throw new ApiError({ code: 'FLOW_DAMAGED', message: `The saved flow "${id}" is not valid JSON any more.`, hint: 'Open an earlier version of it (its history is kept), or import it again.', problems: parsed.ok ? [] : parsed.problems });
    }
    const flow = parsed.value as Record<string, unknown>;
    return { flow, problems: this.problemsOf(flow) };
  }

  /** Saves as a new version. `expectedVersion` guards against overwriting someone else's save. */
  async save(raw: unknown, expectedVersion?: number, note: SaveNote = {}): Promise<{ flow: Record<string, unknown>; version: number; problems: Problem[] }> {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ApiError({ code: 'FLOW_INVALID', message: 'A flow must be one JSON object.' });
    }
    const unsafe = scanUnsafe(raw);
    if (unsafe.length > 0) throw new ApiError({ code: 'FLOW_INVALID', message: 'The flow contains values that cannot be stored.', problems: unsafe });
    const flow = raw as Record<string, unknown>;
    const id = flow.id;
    if (typeof id !== 'string' || !IdSchema.safeParse(id).success) {
      throw new ApiError({ code: 'FLOW_INVALID', message: 'The flow needs an "id" of letters, digits, "_" or "-", starting with a letter.', problems: [{ path: 'id', message: 'Give the flow an id such as "invoice-triage".', severity: 'error' }] });
    }
    return this.serial.run(id, async () => {
      let current: number | undefined;
      try {
        current = Number((await this.get(id)).flow.version ?? 1);
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'FLOW_NOT_FOUND')) throw error;
      }
      const conflict = (now: number) =>
        new ApiError({
          code: 'FLOW_CONFLICT',
          message: `Flow "${id}" was saved elsewhere meanwhile (now version ${now}, you edited version ${expectedVersion ?? now - 1}).`,
          hint: 'Reload the flow to see the other changes, then make yours again.',
        });
      if (expectedVersion !== undefined && (current ?? 0) !== expectedVersion) throw conflict(current ?? 0);
      // Numbering continues after a delete, so an old run's version is never overwritten.
      const version = Math.max(current ?? 0, await this.highestVersion(id)) + 1;
      const stored = { ...flow, version };
      const text = `${JSON.stringify(stored, null, 2)}\n`;
      await mkdir(this.historyDir(id), { recursive: true });
      try {
        // Exclusive create: another process saving the same version at the same time loses.
        await writeFile(join(this.historyDir(id), `v${version}.json`), text, { flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw conflict(version);
        throw error;
      }
      const summary = await this.summaryAgainstPrevious(id, version, stored);
      const meta: VersionMeta = {
        author: note.author?.trim() ?? '',
        ...(note.message?.trim() ? { message: note.message.trim() } : {}),
        summary,
        ...(note.restoredFrom === undefined ? {} : { restoredFrom: note.restoredFrom }),
      };
      await writeAtomic(join(this.historyDir(id), `v${version}.meta.json`), `${JSON.stringify(meta, null, 2)}\n`);
      await writeAtomic(this.path(id), text);
      return { flow: stored, version, problems: this.problemsOf(stored) };
    });
  }

  async import(text: string, overwrite: boolean, note: SaveNote = {}): Promise<{ flow: Record<string, unknown>; version: number; problems: Problem[] }> {
    const parsed = parseFlowText(text);
    if (!parsed.ok) throw new ApiError({ code: 'FLOW_INVALID', message: 'This is not a flow file.', problems: parsed.problems });
    const flow = parsed.value as Record<string, unknown>;
    const result = validateFlow(flow, this.catalog);
    if (!result.ok) throw new ApiError({ code: 'FLOW_INVALID', message: 'The flow file has problems; nothing was imported.', hint: 'Fix the problems listed and import again.', problems: result.problems });
    const exists = await stat(this.path(result.flow.id)).then(() => true, () => false);
    if (exists && !overwrite) {
      throw new ApiError({ code: 'FLOW_EXISTS', message: `A flow with the id "${result.flow.id}" already exists.`, hint: 'Import it as a new version of that flow, or change the id in the file.' });
    }
    return this.save(result.flow, undefined, note);
  }

  async delete(id: string): Promise<void> {
    try {
      await rm(this.path(id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(id);
      throw error;
    }
  }

  /**
   * Saves the content of an earlier version as a new version (history is never rewritten), with
   * the message "Rolled back to version K" and the person's own words after it.
   */
  async rollback(id: string, version: number, note: SaveNote = {}): Promise<{ flow: Record<string, unknown>; version: number; problems: Problem[] }> {
    const { flow } = await this.get(id, version);
    const message = `Rolled back to version ${version}${note.message?.trim() ? `: ${note.message.trim()}` : ''}`;
    return this.save({ ...flow, id }, undefined, { ...note, message, restoredFrom: version });
  }

  /** "added 2 steps, changed “Fetch invoices”" against the version before (a first version says so). */
  private async summaryAgainstPrevious(id: string, version: number, flow: Record<string, unknown>): Promise<string> {
    for (let previous = version - 1; previous >= 1; previous--) {
      try {
        return summarizeDiff(diffFlows((await this.get(id, previous)).flow, flow, this.catalog));
      } catch (error) {
        // A gap (a version that never saved) or a damaged file: compare with the one before it.
        if (!(error instanceof ApiError)) throw error;
      }
    }
    return 'first version';
  }

  private async readMeta(id: string, version: number): Promise<VersionMeta | undefined> {
    try {
      const parsed = JSON.parse(await readFile(join(this.historyDir(id), `v${version}.meta.json`), 'utf8')) as Partial<VersionMeta>;
      return { author: typeof parsed.author === 'string' ? parsed.author : '', summary: typeof parsed.summary === 'string' ? parsed.summary : '', ...(typeof parsed.message === 'string' ? { message: parsed.message } : {}), ...(typeof parsed.restoredFrom === 'number' ? { restoredFrom: parsed.restoredFrom } : {}) };
    } catch {
      // Written before notes existed, or damaged: the version still lists, its author unknown.
      return undefined;
    }
  }

  /** Every saved version, newest first, with who saved it, their message and what changed. */
  async versions(id: string): Promise<FlowVersionInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.historyDir(id));
    } catch {
      throw notFound(id);
    }
    const out: FlowVersionInfo[] = [];
    for (const name of names) {
      const match = /^v(\d+)\.json$/.exec(name);
      if (!match) continue;
      const version = Number(match[1]);
      const meta = await this.readMeta(id, version);
      let summary = meta?.summary;
      if (!summary) {
        summary = await this.get(id, version).then(
          ({ flow }) => this.summaryAgainstPrevious(id, version, flow),
          () => 'this version cannot be read',
        );
      }
      out.push({
        version,
        savedAt: (await stat(join(this.historyDir(id), name))).mtime.toISOString(),
        author: meta?.author ?? '',
        ...(meta?.message ? { message: meta.message } : {}),
        summary,
        ...(meta?.restoredFrom === undefined ? {} : { restoredFrom: meta.restoredFrom }),
      });
    }
    return out.sort((a, b) => b.version - a.version);
  }
}

function charterOwnerName(charter: unknown): string {
  const owner = (charter as { owner?: { name?: unknown } } | undefined)?.owner;
  return typeof owner?.name === 'string' ? owner.name.trim() : '';
}
