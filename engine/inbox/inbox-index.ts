/**
 * The inbox index: open review items (and the latest decisions) of every run, kept in memory and
 * in `<data>/inbox/index.json`, so listing the inbox never parses every trace. It is derived:
 * the traces stay the source of truth, and the index is rebuilt from them whenever it cannot be
 * trusted — missing, damaged, another format, or left "in use" (the `in-use` marker is written at
 * open and removed after the clean write at close, so a crash or a second process means rebuild).
 *
 * It stays current by re-reading one run's trace when that run records a review event (all of
 * them are synced before they are announced), with the same function a rebuild uses.
 *
 * May import: `engine/model`, the trace store, `node:*`.
 */
import { watch, type FSWatcher } from 'node:fs';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InboxDecision } from '../model/contract.ts';
import type { RunEvent } from '../model/events.ts';
import type { Flow } from '../model/flow.ts';
import { mayDecide } from '../model/review.ts';
import { reduceRun } from '../model/run-state.ts';
import { newestFirst, type RunSummary, type TraceStore } from '../trace/trace-store.ts';
import { runEntries, type RunEntries, type StoredInboxItem } from './inbox-entries.ts';

const FORMAT = 'flowkeeper/inbox-index';
/** 2: items are the lean list entries (the form comes from the trace, inbox.get). */
const VERSION = 2;
/** How many decisions the history keeps. */
export const HISTORY_LIMIT = 1000;
/** A rebuild reads the history from this many of the newest finished runs (all unfinished ones are read). */
const HISTORY_RUNS = 1000;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
/** Traces read at once by a rebuild: enough to keep the disk and the parser busy, few file handles. */
const PARALLEL_READS = 32;
/** The longest a rebuild holds the event loop between two turns (timers, requests, the window). */
const SLICE_MS = 20;

/** What a run's inbox entries are made of (a rebuild reads only these events). */
function isEntryEvent(type: string): boolean {
  return type.startsWith('review.') || type.startsWith('run.');
}

/** The events after which a run's inbox entries may have changed. */
const REVIEW_EVENTS = new Set<RunEvent['type']>(['review.requested', 'review.decided', 'review.emitted', 'review.reminded', 'review.escalated', 'run.paused', 'run.finished']);

export function isInboxEvent(event: Pick<RunEvent, 'type'>): boolean {
  return REVIEW_EVENTS.has(event.type);
}

export interface InboxFilter {
  flowId?: string;
  assignee?: string;
  dueBefore?: string;
  overdue?: boolean;
  sort?: 'due' | 'created';
  limit?: number;
}

interface IndexFile {
  format: typeof FORMAT;
  version: typeof VERSION;
  open: StoredInboxItem[];
  decided: InboxDecision[];
}

export interface InboxIndexOptions {
  /** The folder of the index (`<data>/inbox`). */
  dir: string;
  traces: TraceStore;
  /**
   * Where a rebuild learns which runs are unfinished and which finished ones are newest without
   * reading their traces (the run index, see `runListerOf`). Without it, every trace is read
   * quickly (`TraceStore.runIds` + `scanEvents`; a store without them: `list`).
   */
  runs?: { list(): Promise<RunSummary[]> };
  /**
   * Read-only (a CLI command beside a running app): never writes the index or the marker; an
   * untrusted index is rebuilt in memory only.
   */
  readOnly?: boolean;
}

export class InboxIndex {
  private readonly open = new Map<string, StoredInboxItem>();
  private readonly openByRun = new Map<string, Set<string>>();
  /** Runs of this process that had a review event and have not finished yet. */
  private readonly reviewedRuns = new Set<string>();
  private decided: InboxDecision[] = [];
  private readonly dirtyRuns = new Set<string>();
  private refreshing: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(runId: string) => void>();
  private watcher: FSWatcher | undefined;
  private rebuildTimer: NodeJS.Timeout | undefined;
  /** How the index was loaded at open: from its file, or rebuilt from traces (and why). */
  loadedFrom: 'file' | { rebuilt: string } = { rebuilt: 'not opened yet' };

  constructor(private readonly options: InboxIndexOptions) {}

  private get file(): string {
    return join(this.options.dir, 'index.json');
  }

  private get marker(): string {
    return join(this.options.dir, 'in-use');
  }

  private get staleMarker(): string {
    return join(this.options.dir, 'stale');
  }

  /** Loads the index, or rebuilds it from the traces when it cannot be trusted; marks it in use. */
  async load(): Promise<void> {
    const why = await this.readFile();
    if (why !== undefined) {
      await this.rebuild();
      this.loadedFrom = { rebuilt: why };
    } else {
      this.loadedFrom = 'file';
    }
    if (!this.options.readOnly) {
      await mkdir(this.options.dir, { recursive: true });
      await rm(this.staleMarker, { force: true });
      await writeFile(this.marker, `${process.pid}\n`);
      this.watchForStale();
    }
  }

  /**
   * Another process (a CLI run or decision) marks the index stale while this one keeps it: read
   * the traces again, shortly after (a burst of marks costs one rebuild).
   */
  private watchForStale(): void {
    try {
      this.watcher = watch(this.options.dir, (_event, name) => {
        if (name !== 'stale' || this.rebuildTimer) return;
        this.rebuildTimer = setTimeout(() => {
          this.rebuildTimer = undefined;
          this.refreshing = this.refreshing.then(async () => {
            if (!(await exists(this.staleMarker))) return;
            await rm(this.staleMarker, { force: true });
            await this.rebuild();
            for (const listener of this.listeners) listener('');
          }).catch(() => undefined);
        }, 200);
        this.rebuildTimer.unref();
      });
      this.watcher.unref();
    } catch {
      /* no watching here: such changes show at the next start */
    }
  }

  /** Undefined when the file was read and trusted; else why not. */
  private async readFile(): Promise<string | undefined> {
    if (await exists(this.staleMarker)) return 'another process changed reviews without keeping the index';
    try {
      await readFile(this.marker);
      return 'the index was in use by another process or that process stopped without closing it';
    } catch {
      /* no marker: the last writer closed it */
    }
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return 'there was no index yet';
    }
    try {
      const data = JSON.parse(text) as Partial<IndexFile>;
      if (data.format !== FORMAT || data.version !== VERSION || !Array.isArray(data.open) || !Array.isArray(data.decided)) return 'the index has another format';
      this.clear();
      for (const item of data.open) this.add(item);
      this.decided = data.decided;
      return undefined;
    } catch {
      return 'the index file is damaged';
    }
  }

  private clear(): void {
    this.open.clear();
    this.openByRun.clear();
    this.decided = [];
  }

  private add(item: StoredInboxItem): void {
    this.open.set(item.id, item);
    let ids = this.openByRun.get(item.runId);
    if (!ids) this.openByRun.set(item.runId, (ids = new Set()));
    ids.add(item.id);
  }

  /**
   * Reads the traces again (the index's only source): every unfinished run for its open items,
   * and the newest finished ones for the history. Which runs those are comes from the run index
   * when there is one (no trace read to learn a status); each trace is then read quickly — only
   * its review and run events are parsed (`TraceStore.scanEvents`) — a few at a time. The index
   * is swapped in whole at the end, so a list meanwhile shows the previous one. A damaged trace
   * is skipped: the store sets it aside.
   */
  async rebuild(): Promise<void> {
    const { traces, runs: runLister } = this.options;
    let ids: string[];
    if (runLister || !traces.runIds) {
      const runs = runLister ? await runLister.list() : (await traces.list()).runs;
      const unfinished = runs.filter((r) => !FINISHED.has(r.status));
      const finished = runs.filter((r) => FINISHED.has(r.status)).sort(newestFirst).slice(0, HISTORY_RUNS);
      ids = [...unfinished, ...finished].map((r) => r.runId);
    } else {
      // No run index to ask: every trace, quickly (finished runs give their decisions).
      ids = await traces.runIds();
    }
    const flows = new Map<string, Promise<Flow | undefined>>();
    const entries = await mapBounded(ids, PARALLEL_READS, (runId) =>
      // A trace that cannot be read has nothing to list; the runs list reports it.
      this.entriesOf(runId, { quick: true, flows }).catch(() => undefined),
    );
    this.clear();
    const decided: InboxDecision[] = [];
    for (const entry of entries) {
      if (!entry) continue;
      for (const item of entry.open) this.add(item);
      decided.push(...entry.decided);
    }
    this.decided = newestDecisions(decided);
  }

  /**
   * One run's entries. `quick` (a rebuild): only the events that make them are read, and flows are
   * shared between runs of the same flow version (by the header's flow hash).
   */
  private async entriesOf(runId: string, rebuild?: { quick: true; flows: Map<string, Promise<Flow | undefined>> }): Promise<RunEntries> {
    const { traces } = this.options;
    const trace = rebuild && traces.scanEvents ? await traces.scanEvents(runId, isEntryEvent) : await traces.load(runId);
    const state = reduceRun(trace.header, trace.events);
    if (state.reviews.size === 0) return { open: [], decided: [] };
    const readFlow = () => traces.getPayload(trace.header.flow).then((f) => f as Flow, () => undefined);
    let flow: Promise<Flow | undefined>;
    if (rebuild) {
      const key = trace.header.flowHash;
      flow = rebuild.flows.get(key) ?? readFlow();
      rebuild.flows.set(key, flow);
    } else {
      flow = readFlow();
    }
    return runEntries(trace.header, state, await flow);
  }

  /** Notes a run event; review events re-read that run's trace (in the background, in order). */
  notice(runId: string, event: Pick<RunEvent, 'type'>): void {
    if (!isInboxEvent(event)) return;
    // A run ending that never had a review event here and has nothing open in the inbox changes
    // nothing: not re-read, so runs without reviews (a busy webhook) cost no trace read.
    if (event.type === 'run.finished') {
      const reviewed = this.reviewedRuns.delete(runId);
      if (!reviewed && !this.openByRun.has(runId)) return;
    } else this.reviewedRuns.add(runId);
    this.refreshLater(runId);
  }

  /** Re-reads one run's entries (after an event this process did not see, e.g. another process decided). */
  refreshLater(runId: string): Promise<void> {
    this.dirtyRuns.add(runId);
    this.refreshing = this.refreshing.then(() => this.refreshDirty());
    return this.refreshing;
  }

  /** Resolves once every noticed change is in the index. */
  settled(): Promise<void> {
    return this.refreshing;
  }

  /** Called with a run id after its entries changed (the service turns it into `inbox.changed`). */
  onChange(listener: (runId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async refreshDirty(): Promise<void> {
    const runs = [...this.dirtyRuns];
    this.dirtyRuns.clear();
    for (const runId of runs) {
      let entries: RunEntries;
      try {
        entries = await this.entriesOf(runId);
      } catch {
        entries = { open: [], decided: [] };
      }
      for (const id of this.openByRun.get(runId) ?? []) this.open.delete(id);
      this.openByRun.delete(runId);
      for (const item of entries.open) this.add(item);
      const known = new Set(this.decided.filter((d) => d.runId === runId).map((d) => d.id));
      const fresh = entries.decided.filter((d) => !known.has(d.id));
      if (fresh.length > 0) this.decided = newestDecisions([...fresh, ...this.decided]);
      for (const listener of this.listeners) {
        try {
          listener(runId);
        } catch {
          /* a broken listener must not stop the index */
        }
      }
    }
  }

  get(id: string): StoredInboxItem | undefined {
    return this.open.get(id);
  }

  /** Open items only (what timers are re-armed from). */
  all(): StoredInboxItem[] {
    return [...this.open.values()];
  }

  get size(): number {
    return this.open.size;
  }

  list(filter: InboxFilter, groups: Record<string, string[]>, now: number): StoredInboxItem[] {
    const dueBefore = filter.dueBefore === undefined ? undefined : Date.parse(filter.dueBefore);
    const out: StoredInboxItem[] = [];
    for (const item of this.open.values()) {
      if (filter.flowId !== undefined && item.flowId !== filter.flowId) continue;
      if (filter.assignee !== undefined && !assignedTo(item, filter.assignee, groups)) continue;
      const due = item.dueAt === undefined ? undefined : Date.parse(item.dueAt);
      if (dueBefore !== undefined && (due === undefined || due > dueBefore)) continue;
      if (filter.overdue !== undefined && filter.overdue !== (due !== undefined && due <= now)) continue;
      out.push(item);
    }
    const byCreated = (a: StoredInboxItem, b: StoredInboxItem) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1);
    if ((filter.sort ?? 'due') === 'due') {
      out.sort((a, b) => {
        if (a.dueAt !== b.dueAt) {
          if (a.dueAt === undefined) return 1;
          if (b.dueAt === undefined) return -1;
          return a.dueAt < b.dueAt ? -1 : 1;
        }
        return byCreated(a, b);
      });
    } else {
      out.sort(byCreated);
    }
    return out.slice(0, filter.limit ?? out.length);
  }

  history(filter: { flowId?: string; limit?: number }): InboxDecision[] {
    return this.decided.filter((d) => filter.flowId === undefined || d.flowId === filter.flowId).slice(0, filter.limit ?? HISTORY_LIMIT);
  }

  /** Writes the index (atomically) and removes the in-use marker: the next open trusts it. */
  async close(): Promise<void> {
    this.watcher?.close();
    if (this.rebuildTimer) clearTimeout(this.rebuildTimer);
    await this.refreshing;
    if (this.options.readOnly) return;
    const data: IndexFile = { format: FORMAT, version: VERSION, open: [...this.open.values()], decided: this.decided };
    await mkdir(this.options.dir, { recursive: true });
    if (await exists(this.staleMarker)) {
      // Another process changed reviews meanwhile: what this one holds may be out of date.
      await rm(this.file, { force: true });
      await rm(this.marker, { force: true });
      return;
    }
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(data));
    await rename(temp, this.file);
    await rm(this.marker, { force: true });
  }
}

/** Whether a list filtered by `person` shows the item: theirs, their group's, or anyone's. */
function assignedTo(item: StoredInboxItem, person: string, groups: Record<string, string[]>): boolean {
  if (item.assignee === undefined) return true;
  if (item.assignee.toLowerCase() === person.toLowerCase()) return true;
  return mayDecide(person, item.assignee, groups);
}

function newestDecisions(list: InboxDecision[]): InboxDecision[] {
  return [...list].sort((a, b) => (a.decidedAt < b.decidedAt ? 1 : a.decidedAt > b.decidedAt ? -1 : 0)).slice(0, HISTORY_LIMIT);
}

/**
 * Makes the next open of the index rebuild it from the traces: for a process that changed reviews
 * without keeping the index (a CLI run or decision). A service holding the index open does not
 * write it back at close either.
 */
export async function invalidateInboxIndex(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'stale'), `${process.pid}\n`);
  await rm(join(dir, 'index.json'), { force: true });
}

/**
 * The run index as the rebuild's list of runs when it has a journal to open from (one read and a
 * stat per trace); without one it would first read every trace in full, which costs more than
 * the inbox reading them quickly itself — so then none, and the run index opens later, when asked.
 */
export async function runListerOf(runIndex: NonNullable<InboxIndexOptions['runs']>, journal: string): Promise<InboxIndexOptions['runs']> {
  return (await exists(journal)) ? runIndex : undefined;
}

/**
 * `work` over every item, at most `limit` at a time; results in the items' order. Work that
 * completes without waiting (the file store reads a trace synchronously) would otherwise hold the
 * event loop for the whole rebuild: it is given back every SLICE_MS.
 */
async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let sliceStart = performance.now();
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
      if (performance.now() - sliceStart >= SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
