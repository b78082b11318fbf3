/**
 * RunIndex: a derived, rebuildable index of run summaries (status, flow, version, times, node and
 * failed-item counts, AI use per model), so lists never read every trace. The traces stay the
 * source of truth: the index can be deleted at any time and is rebuilt from them.
 *
 * It sits above the TraceStore interface and works with either store:
 *  - kept up to date through `store.onChange`: a run's entry is written when its trace is created
 *    (from the header, nothing read) and when a writer on it closes (the run finished, paused for
 *    a person, stopped for shutdown, or its process gave up) — the store waits for it, so the
 *    entry is current when the run's job ends;
 *  - persisted (file store) as an append-only journal of entry updates, one JSON line each
 *    (`layout.runIndex`). Any process writing runs in the data folder (the service, a CLI run)
 *    appends to it; a reader tails what others appended (one stat per read). Lines are small and
 *    appended with O_APPEND, not synced: a lost or torn line only makes an entry stale, and
 *    staleness is what the reconcile repairs;
 *  - opened lazily by the first read: the journal is read (damaged lines skipped), then
 *    reconciled against `store.stamps()` — a trace whose stamp differs from its entry's, or that
 *    has no entry, is re-read; an entry without a trace is dropped — and compacted (rewritten
 *    aside and renamed) when it holds many superseded or damaged lines.
 *
 * Why a journal and not one JSON file rewritten per change: a run's update is then one small
 * append (no 100,000-entry rewrite per finished run), a crash can only tear the last line, and
 * several processes can add to it at once. Reads are in memory (entries kept newest first), so
 * `list` costs the same with 100 runs or 100,000.
 *
 * May import: `engine/model`, `engine/cost.ts`, the trace store interface, `node:fs`.
 */
import { closeSync, fstatSync, openSync, statSync, writeSync, type Stats } from 'node:fs';
import { appendFile, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunEvent, RunStatus, TraceHeader } from '../model/events.ts';
import { isBlobRef } from '../model/events.ts';
import { reduceRun, type RunState } from '../model/run-state.ts';
import { APPROVE, TIMEOUT, TIMER_REVIEWER } from '../model/review.ts';
import { llmUsage, type LlmUsage } from '../cost.ts';
import {
  summarize,
  TraceQuarantinedError,
  RunNotFoundError,
  type IndexableTraceStore,
  type LoadedTrace,
  type QuarantineNotice,
  type RunSummary,
  type TraceChange,
} from './trace-store.ts';
import { fsyncDir } from '../storage/fsync-dir.ts';

const FINAL: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);
/** The longest a read waits for a run's writer to close after its end was announced. */
const SETTLE_WAIT_MS = 5000;
/** Superseded journal lines tolerated beyond one per entry before a running process compacts. */
const COMPACT_SLACK_LINES = 10_000;
/** Journal line format; lines of another version are ignored (and the entries re-read). 2: `facts`. */
const LINE_VERSION = 2;

/** One run as the index keeps it: the API's run summary plus counts, AI use and the trace's stamp. */
export interface RunIndexEntry extends RunSummary {
  startedAt: string;
  /** When the run ended (succeeded, failed or cancelled). */
  finishedAt?: string;
  nodes: { total: number; succeeded: number; failed: number; skipped: number };
  /** Items that went out on `error` ports (failed one by one while the run went on). */
  items: { failed: number };
  /** AI calls per model, unpriced: priced when asked, with the settings' table of the day. */
  ai: LlmUsage;
  /** What the success metrics need (engine/charter/metrics.ts), folded when the trace is read. */
  facts?: RunFacts;
  /** The trace's stamp when this entry was made (see TraceStore.stamps). */
  stamp: string;
}

/**
 * The few facts of a run the charter's success metrics are computed from, so a metric over
 * 100,000 runs reads no trace. The trigger time is the entry's `startedAt`, the end `finishedAt`.
 */
export interface RunFacts {
  /** Items that arrived at each step (its last attempt's inputs; a step without inputs: what it put out). */
  reached: Record<string, number>;
  /** Final review decisions by people (`timeout` and auto-approvals are not a person's decision). */
  reviews: { decided: number; approvedUnedited: number; autoApproved: number; timedOut: number };
  /** A person decided something in the run: a review (any approval) or a needs-attention question. */
  person: boolean;
  /** From the trigger (the run's creation) to its end, when it ended: the median form needs no date parsing. */
  durationMs?: number;
  /** The step a failed run stopped at, and its name as the run recorded it (the dashboard's failures by step). */
  failedStep?: { nodeId: string; name: string };
}

export interface RunIndexQuery {
  status?: RunStatus;
  flowId?: string;
  /** At most this many (all when absent). */
  limit?: number;
  /** Skip this many matching runs first (paging). */
  offset?: number;
}

export interface RunIndexOptions {
  /** The journal file; none keeps the index in memory only (the memory store). */
  journal?: string;
  /** Superseded lines a running process tolerates before compacting (default 10,000). */
  compactSlackLines?: number;
}

/** What the last open found (tests and the benchmark read it). */
export interface RunIndexOpenReport {
  entries: number;
  /** Traces re-read because their entry was missing or stale. */
  reread: number;
  /** Entries dropped because their trace is gone. */
  dropped: number;
  /** Journal lines that were not entries (garbage, a torn last line, another version). */
  damagedLines: number;
  compacted: boolean;
}

type JournalLine = { v: number; set: RunIndexEntry } | { v: number; drop: string };

export class RunIndex {
  private readonly byId = new Map<string, RunIndexEntry>();
  /**
   * Oldest first: the reverse of the order every list shows (newest first, then run id), so a new
   * run — nearly always the newest — is pushed at the end instead of spliced in at the front of
   * an array of every run (which cost a move of every entry per run started).
   */
  private order: RunIndexEntry[] = [];
  /** While loading many entries at once the order is sorted once at the end, not kept per entry. */
  private bulk = false;
  private opening: Promise<void> | undefined;
  /** How far this process has read the journal, and which file that was (compaction swaps it). */
  private readOffset = 0;
  private readIno = -1;
  private readonly quarantine = new Map<string, QuarantineNotice>();
  private readonly unsubscribe: () => void;
  /** Runs announced as ended (see `expect`) whose writer has not closed yet. */
  private readonly settling = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  lastOpen: RunIndexOpenReport | undefined;
  /** Lines in the journal as this process knows it; compaction is due when most are superseded. */
  private journalLines = 0;
  /** Set once this process holds every entry (opened): only then may it compact. */
  private opened = false;
  private compacting = false;
  /** Own journal writes, one at a time (an append never races a compaction of this process). */
  private journalWork: Promise<unknown> = Promise.resolve();
  /** The journal cannot be written (read-only folder, full disk): the index lives in memory. */
  private unwritable = false;
  /** Closed: the journal is no longer written (see close). */
  private closed = false;
  /**
   * Runs that changed while the index was opening: its reconcile may have read their trace before
   * the change and put that older entry back, so each is read once more when the open is done.
   */
  private readonly changedWhileOpening = new Set<string>();

  constructor(
    private readonly store: IndexableTraceStore,
    private readonly options: RunIndexOptions = {},
  ) {
    this.unsubscribe = store.onChange((change) => this.changed(change));
  }

  /**
   * Says a run of this process just recorded its end (finished, paused, stopped): its writer
   * closes a moment later. Reads wait for that, so a list asked for right after a "run finished"
   * notice already shows it (the service calls this from the run events it sees).
   */
  expect(runId: string): void {
    if (this.settling.has(runId)) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.settling.set(runId, { promise, resolve });
    // Never wait forever for a writer that does not close (its entry is then reconciled later).
    const timer = setTimeout(() => this.settled(runId), SETTLE_WAIT_MS);
    timer.unref?.();
  }

  private settled(runId: string): void {
    this.settling.get(runId)?.resolve();
    this.settling.delete(runId);
  }

  /** Runs newest first, filtered; the index is opened (and others' updates read) first. */
  async list(query: RunIndexQuery = {}): Promise<RunIndexEntry[]> {
    await this.ready();
    const { status, flowId } = query;
    const offset = query.offset ?? 0;
    const limit = query.limit ?? Infinity;
    const out: RunIndexEntry[] = [];
    let skipped = 0;
    for (let i = this.order.length - 1; i >= 0; i--) {
      const entry = this.order[i]!;
      if (out.length >= limit) break;
      if (status !== undefined && entry.status !== status) continue;
      if (flowId !== undefined && entry.flowId !== flowId) continue;
      if (skipped < offset) {
        skipped++;
        continue;
      }
      out.push(entry);
    }
    return out;
  }

  async get(runId: string): Promise<RunIndexEntry | undefined> {
    await this.ready();
    return this.byId.get(runId);
  }

  /** Whether the index lists the run, from memory (after ready(): nothing read, not even a stat). */
  has(runId: string): boolean {
    return this.byId.has(runId);
  }

  /** Traces found damaged while the index read them (set aside by the store), by run id. */
  quarantined(): QuarantineNotice[] {
    return [...this.quarantine.values()];
  }

  /** Opens on first use; later calls only read what other processes appended meanwhile. */
  async ready(): Promise<void> {
    // A failed open (the disk refused) is tried again by the next read, not remembered.
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    await this.opening;
    if (this.settling.size > 0) await Promise.all([...this.settling.values()].map((s) => s.promise));
    await this.tail();
  }

  /**
   * Reads traces that appeared without passing through a store this index listens to (copied in
   * by hand, written by a program that does not update the journal) — one directory listing, no
   * stat of known traces. Damaged ones are set aside by the store and reported by quarantined().
   */
  async discover(): Promise<void> {
    await this.ready();
    if (!this.store.runIds || !this.store.stamp) return;
    const unknown = (await this.store.runIds()).filter((runId) => !this.byId.has(runId) && !this.quarantine.has(runId));
    await inBatches(unknown, async (runId) => {
      const stamp = await this.store.stamp!(runId);
      if (stamp !== undefined) await this.reread(runId, stamp);
    });
  }

  /** Forgets the journal and reads every trace again (the journal is rewritten). */
  async rebuild(): Promise<RunIndexOpenReport> {
    await this.opening?.catch(() => undefined);
    this.byId.clear();
    this.bulk = true;
    let reread = 0;
    try {
      const stamps = await this.store.stamps();
      await inBatches([...stamps], async ([runId, stamp]) => {
        if (await this.reread(runId, stamp)) reread++;
      });
    } finally {
      this.endBulk();
    }
    await this.serially(() => this.compact());
    this.opened = true;
    this.opening = Promise.resolve();
    this.lastOpen = { entries: this.byId.size, reread, dropped: 0, damagedLines: 0, compacted: true };
    return this.lastOpen;
  }

  /** Waits for this process's journal writes (a background compaction included). */
  async writes(): Promise<void> {
    await this.journalWork;
  }

  /**
   * Stops listening and writing, and waits for the journal writes under way: the service's close
   * resolves only once nothing more is written to the data folder. A run that outlives the close
   * (a step still working after the grace period) is read from its trace at the next open, like
   * any run this index did not see; lookups still answer from memory meanwhile.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await this.journalWork;
  }

  // -------------------------------------------------------------------------------------------
  // Keeping up with this process's runs

  private async changed(change: TraceChange): Promise<void> {
    if (this.opening !== undefined && !this.opened) this.changedWhileOpening.add(change.runId);
    if (change.reopened) return this.continuing(change.runId);
    try {
      await this.update(change);
    } finally {
      if (!change.header) this.settled(change.runId);
    }
  }

  /**
   * A run is continued (resumed, or a decision answered): listed as running from now on, nothing
   * read. The empty stamp makes the next open re-read the trace should this process die first.
   */
  private async continuing(runId: string): Promise<void> {
    // A process that has not read the index (a CLI command) reads this one trace instead.
    const old = this.byId.get(runId) ?? (await this.entryFromTrace(runId, ''));
    if (!old || old.status === 'running') return;
    const { error: _e, attention: _a, finishedAt: _f, ...rest } = old;
    const entry: RunIndexEntry = { ...rest, status: 'running', stamp: '' };
    this.put(entry);
    await this.append([{ v: LINE_VERSION, set: entry }]);
  }

  private async update({ runId, header, written }: TraceChange): Promise<void> {
    // A new trace: the header says all there is to say yet; nothing is read, and the empty stamp
    // has the next open re-read it should the run never close here.
    if (header) {
      const entry = entryOf({ header, events: [] }, reduceRun(header, []), '', {}, 0);
      this.put(entry);
      await this.append([{ v: LINE_VERSION, set: entry }]);
      return;
    }
    const stamp = await this.store.stamp(runId);
    if (stamp === undefined) return;
    // A run this process has just written: its lines are still in memory, nothing is read back.
    const trace = written?.();
    const entry = trace ? await this.entryFromLoaded(trace, stamp) : await this.entryFromTrace(runId, stamp);
    if (!entry) return;
    this.put(entry);
    await this.append([{ v: LINE_VERSION, set: entry }]);
  }

  // -------------------------------------------------------------------------------------------
  // Opening: journal, reconcile, compaction

  private async open(): Promise<void> {
    this.bulk = true;
    let report: RunIndexOpenReport & { appended: JournalLine[]; lines: number };
    try {
      report = await this.load();
    } finally {
      this.endBulk();
    }
    const { appended, lines, ...shown } = report;
    this.journalLines = lines;
    if (shown.compacted) await this.serially(() => this.compact());
    else await this.append(appended);
    this.opened = true;
    this.lastOpen = shown;
    const changed = [...this.changedWhileOpening];
    this.changedWhileOpening.clear();
    for (const runId of changed) await this.update({ runId });
  }

  private endBulk(): void {
    this.bulk = false;
    this.order = [...this.byId.values()].sort((a, b) => (before(a, b) ? 1 : before(b, a) ? -1 : 0));
  }

  /** Reads the journal and reconciles it with the traces; says whether to compact. */
  private async load(): Promise<RunIndexOpenReport & { appended: JournalLine[]; lines: number }> {
    const report: RunIndexOpenReport = { entries: 0, reread: 0, dropped: 0, damagedLines: 0, compacted: false };
    let lines = 0;
    if (this.options.journal) {
      const text = await readFile(this.options.journal, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      const info = await stat(this.options.journal).catch(() => undefined);
      // Only whole lines count as read; a torn last line is damage (skipped, then compacted away).
      const { applied, damaged } = this.applyText(text, true);
      lines = applied;
      report.damagedLines = damaged;
      this.readOffset = Buffer.byteLength(text);
      this.readIno = info?.ino ?? -1;
    }
    // Reconcile: the traces are the truth, the stamps say cheaply which entries are stale.
    const stamps = await this.store.stamps();
    const appended: JournalLine[] = [];
    for (const runId of [...this.byId.keys()]) {
      if (!stamps.has(runId)) {
        this.remove(runId);
        report.dropped++;
        appended.push({ v: LINE_VERSION, drop: runId });
      }
    }
    const stale = [...stamps].filter(([runId, stamp]) => this.byId.get(runId)?.stamp !== stamp);
    report.reread = stale.length;
    await inBatches(stale, async ([runId, stamp]) => {
      const entry = await this.reread(runId, stamp);
      appended.push(entry ? { v: LINE_VERSION, set: entry } : { v: LINE_VERSION, drop: runId });
    });
    report.entries = this.byId.size;
    const superseded = lines + appended.length - this.byId.size;
    report.compacted = this.options.journal !== undefined && (report.damagedLines > 0 || superseded > Math.max(1000, this.byId.size));
    return { ...report, appended, lines: lines + report.damagedLines };
  }

  /** Re-reads one trace into its entry; a damaged trace is set aside by the store and dropped. */
  private async reread(runId: string, stamp: string): Promise<RunIndexEntry | undefined> {
    const entry = await this.entryFromTrace(runId, stamp);
    if (entry) this.put(entry);
    else this.remove(runId);
    return entry;
  }

  private async entryFromTrace(runId: string, stamp: string): Promise<RunIndexEntry | undefined> {
    let trace: LoadedTrace;
    try {
      trace = await this.store.load(runId);
    } catch (error) {
      if (error instanceof TraceQuarantinedError) {
        this.quarantine.set(runId, error.notice);
        return undefined;
      }
      if (error instanceof RunNotFoundError) return undefined;
      throw error;
    }
    return this.entryFromLoaded(trace, stamp);
  }

  private async entryFromLoaded(trace: LoadedTrace, stamp: string): Promise<RunIndexEntry> {
    // AI answers and error-port items may be stored aside; the index counts what they hold.
    const events: RunEvent[] = [];
    for (const event of trace.events) {
      events.push(event.type === 'external.result' && event.kind === 'llm' && isBlobRef(event.result) ? { ...event, result: await this.store.getPayload(event.result) } : event);
    }
    const state = reduceRun(trace.header, trace.events);
    const entry = entryOf(trace, state, stamp, llmUsage(events), await this.failedItems(state));
    entry.facts = await this.factsOf(trace.events, state);
    // The run's error names the step; a trace written before it did: the step that failed last.
    const failedNode = state.status !== 'failed' ? undefined : (state.error?.nodeId ?? Object.entries(state.nodes).findLast(([, n]) => n.status === 'failed' && !n.routedToErrorPort)?.[0]);
    if (failedNode !== undefined) entry.facts.failedStep = { nodeId: failedNode, name: stepName(trace.header, failedNode) };
    if (entry.finishedAt !== undefined) entry.facts.durationMs = Date.parse(entry.finishedAt) - Date.parse(entry.startedAt);
    return entry;
  }

  private async factsOf(events: readonly RunEvent[], state: RunState): Promise<RunFacts> {
    const inputs = new Map<string, number>();
    let person = false;
    for (const event of events) {
      if (event.type === 'node.started') inputs.set(event.nodeId, Object.values(event.inputCounts).reduce((a, b) => a + b, 0));
      else if (event.type === 'review.decided' && event.by !== TIMER_REVIEWER) person = true;
      else if (event.type === 'run.attention-resolved') person = true;
    }
    const reached: Record<string, number> = {};
    for (const [nodeId, count] of inputs) {
      if (count > 0) {
        reached[nodeId] = count;
        continue;
      }
      // A trigger (no inputs): the items it put out are the items that reached it.
      let out = 0;
      for (const [port, payload] of Object.entries(state.nodes[nodeId]?.outputs ?? {})) {
        if (port === 'error') continue;
        const items = await this.store.getPayload(payload);
        if (Array.isArray(items)) out += items.length;
      }
      reached[nodeId] = out;
    }
    const reviews = { decided: 0, approvedUnedited: 0, autoApproved: state.autoApproved.size, timedOut: 0 };
    for (const record of state.reviews.values()) {
      const decided = record.decided;
      if (!decided) continue;
      if (decided.outcome === TIMEOUT) {
        reviews.timedOut++;
        continue;
      }
      reviews.decided++;
      if (decided.outcome === APPROVE && decided.changes.length === 0) reviews.approvedUnedited++;
    }
    return { reached, reviews, person };
  }

  private async failedItems(state: RunState): Promise<number> {
    let failed = 0;
    for (const node of Object.values(state.nodes)) {
      const port = node.outputs?.error;
      if (port === undefined) continue;
      const items = await this.store.getPayload(port);
      if (Array.isArray(items)) failed += items.length;
    }
    return failed;
  }

  // -------------------------------------------------------------------------------------------
  // The journal

  /** Applies journal text; returns how many lines were entries and how many were damaged. */
  private applyText(text: string, whole: boolean): { applied: number; damaged: number; consumed: number } {
    let applied = 0;
    let damaged = 0;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line.trim() === '') continue;
      if (this.applyLine(line)) applied++;
      else damaged++;
    }
    const rest = text.slice(start);
    if (whole && rest.trim() !== '') damaged++; // a torn last line
    return { applied, damaged, consumed: Buffer.byteLength(text.slice(0, start)) };
  }

  private applyLine(line: string): boolean {
    let value: JournalLine;
    try {
      value = JSON.parse(line) as JournalLine;
    } catch {
      return false;
    }
    if (typeof value !== 'object' || value === null || value.v !== LINE_VERSION) return false;
    if ('drop' in value && typeof value.drop === 'string') {
      this.remove(value.drop);
      return true;
    }
    if ('set' in value && isEntry(value.set)) {
      // A line older than the entry held (this process's own start line read back by a tail after
      // its run finished, or a compacted copy made before that) changes nothing: never back to "running".
      if (!olderThan(value.set, this.byId.get(value.set.runId))) this.put(value.set);
      return true;
    }
    return false;
  }

  /** Reads lines other processes appended since the last read (one stat when there are none). */
  private async tail(): Promise<void> {
    const path = this.options.journal;
    if (!path) return;
    // Synchronous (one stat of a local file): an asynchronous stat could return a size from
    // before this process's own latest append (appendNow, which moves readOffset on), and a file
    // smaller than what was read looks compacted — read again whole, for every list.
    let info: Stats | undefined;
    try {
      info = statSync(path);
    } catch {
      info = undefined;
    }
    if (!info || (info.ino === this.readIno && info.size === this.readOffset)) return;
    if (info.ino !== this.readIno || info.size < this.readOffset) {
      // Another process compacted the journal: read the new file whole.
      const text = await readFile(path, 'utf8');
      this.bulk = true;
      try {
        const { consumed, applied, damaged } = this.applyText(text, false);
        this.readOffset = consumed;
        this.journalLines = applied + damaged;
      } finally {
        this.endBulk();
      }
      this.readIno = info.ino;
      return;
    }
    const file = await open(path, 'r');
    try {
      const start = this.readOffset;
      const length = info.size - start;
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, start);
      const { consumed, applied, damaged } = this.applyText(buffer.toString('utf8'), false);
      // A line still being written is read next time. Absolute, not added: a tail running at the
      // same time (two reads at once) may have moved the offset past these bytes already.
      this.readOffset = Math.max(this.readOffset, start + consumed);
      this.journalLines += applied + damaged;
    } finally {
      await file.close();
    }
  }

  private async append(lines: JournalLine[]): Promise<void> {
    const path = this.options.journal;
    if (!path || lines.length === 0) return;
    if (this.unwritable) return;
    try {
      await this.appendCoalesced(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    } catch (error) {
      // The index is derived: on a read-only folder or a full disk it works from memory and the
      // next open reconciles it with the traces. The run itself reports the folder's problem.
      if (!isUnwritable(error)) throw error;
      this.unwritable = true;
      return;
    }
    this.journalLines += lines.length;
    this.compactWhenDue();
  }

  /**
   * A long-lived process (the app) adds lines for every run; when superseded lines pile up the
   * journal is compacted in the background.
   */
  private compactWhenDue(): void {
    const slack = this.options.compactSlackLines ?? COMPACT_SLACK_LINES;
    // 1.5 lines per entry: with two lines per run (start, end) this compacts each time the number
    // of runs has about doubled since the last compaction — amortized, a constant cost per run.
    if (!this.opened || this.compacting || this.journalLines <= 1.5 * this.byId.size + slack) return;
    this.compacting = true;
    void this.serially(() => this.compact())
      .catch(() => undefined) // tried again after the next appends; the journal stays valid meanwhile
      .finally(() => (this.compacting = false));
  }

  /**
   * Lines appended while an earlier append waits its turn join it: many runs finishing at once
   * cost one append (open, write, close), not one each.
   */
  private appendCoalesced(path: string, text: string): Promise<void> {
    if (this.queuedAppend) {
      this.queuedAppend.text += text;
      return this.queuedAppend.done;
    }
    const batch: { text: string; done: Promise<void> } = { text, done: Promise.resolve() };
    this.queuedAppend = batch;
    batch.done = this.serially(async () => {
      if (this.queuedAppend === batch) this.queuedAppend = undefined;
      this.appendNow(path, batch.text);
    });
    return batch.done;
  }

  /**
   * Appends synchronously: a few small lines, never synced, are a few µs in the page cache, where
   * open, write and close through the thread pool cost the main thread several times that, once
   * or twice per run (bench figure 7). When nobody else wrote meanwhile (the file grew by exactly
   * these bytes from where this process had read to), the lines count as read: the next `tail`
   * finds nothing new instead of parsing this process's own lines back.
   */
  private appendNow(path: string, text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    const fd = openSync(path, 'a');
    try {
      const before = fstatSync(fd);
      let offset = 0;
      while (offset < bytes.length) {
        const written = writeSync(fd, bytes, offset, bytes.length - offset);
        if (written <= 0) throw Object.assign(new Error('no bytes written'), { code: 'EIO' });
        offset += written;
      }
      const after = fstatSync(fd);
      if (before.ino === this.readIno && before.size === this.readOffset && after.size === before.size + bytes.length) this.readOffset = after.size;
      else if (this.readIno === -1 && before.size === 0 && after.size === bytes.length) {
        // The journal was just made by this append.
        this.readIno = after.ino;
        this.readOffset = after.size;
      }
    } finally {
      closeSync(fd);
    }
  }

  private queuedAppend: { text: string; done: Promise<void> } | undefined;

  private serially(work: () => Promise<void>): Promise<void> {
    // Once closed, queued and later writes are skipped (close waits for the one under way).
    const guarded = () => (this.closed ? Promise.resolve() : work());
    const next = this.journalWork.then(guarded, guarded);
    this.journalWork = next.catch(() => undefined);
    return next;
  }

  /**
   * Rewrites the journal with one line per entry: written aside, synced, renamed over. Lines a
   * writer appended to the old file meanwhile are read from it and carried over.
   */
  private async compact(): Promise<void> {
    if (this.unwritable) return;
    try {
      await this.rewriteJournal();
    } catch (error) {
      if (!isUnwritable(error)) throw error;
      this.unwritable = true;
    }
  }

  private async rewriteJournal(): Promise<void> {
    const path = this.options.journal;
    if (!path) return;
    const before = await open(path, 'r').catch(() => undefined);
    const beforeSize = before ? (await before.stat()).size : 0;
    const tmp = `${path}.${process.pid}.tmp`;
    const text = this.order.map((entry) => JSON.stringify({ v: LINE_VERSION, set: entry }) + '\n').join('');
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(text);
      await file.datasync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
    await fsyncDir(dirname(path));
    const info = await stat(path);
    this.readOffset = Buffer.byteLength(text);
    this.readIno = info.ino;
    this.journalLines = this.order.length;
    if (before) {
      try {
        const after = (await before.stat()).size;
        if (after > beforeSize) {
          const buffer = Buffer.alloc(after - beforeSize);
          await before.read(buffer, 0, buffer.length, beforeSize);
          const late = buffer.toString('utf8');
          const whole = late.slice(0, late.lastIndexOf('\n') + 1);
          const { applied, damaged } = this.applyText(whole, false);
          if (whole) {
            await appendFile(path, whole); // read again by the next tail: applying a line twice is harmless
            this.journalLines += applied + damaged;
          }
        }
      } finally {
        await before.close();
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // The in-memory order

  private put(entry: RunIndexEntry): void {
    if (this.bulk) {
      this.byId.set(entry.runId, entry);
      return;
    }
    const old = this.byId.get(entry.runId);
    if (old) {
      const at = this.position(old);
      if (old.createdAt === entry.createdAt) {
        this.order[at] = entry;
        this.byId.set(entry.runId, entry);
        return;
      }
      this.order.splice(at, 1);
    }
    this.byId.set(entry.runId, entry);
    this.order.splice(this.insertionPoint(entry), 0, entry);
  }

  private remove(runId: string): void {
    const old = this.byId.get(runId);
    if (!old) return;
    if (this.bulk) {
      this.byId.delete(runId);
      return;
    }
    this.order.splice(this.position(old), 1);
    this.byId.delete(runId);
  }

  /** Where the entry goes in `order` (oldest first): after every entry listed after it. */
  private insertionPoint(entry: RunIndexEntry): number {
    let lo = 0;
    let hi = this.order.length;
    // The common case first: a new newest run goes at the end.
    if (hi > 0 && before(entry, this.order[hi - 1]!)) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(entry, this.order[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private position(entry: RunIndexEntry): number {
    const at = this.insertionPoint(entry);
    if (this.order[at]?.runId === entry.runId) return at;
    return this.order.findIndex((e) => e.runId === entry.runId); // never expected; kept safe
  }
}

/** Traces read at once when many are re-read: reading overlaps parsing. */
const READ_CONCURRENCY = 16;

async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, worker));
}

/** Whether a journal line's entry is older than the one held: an earlier update, or the same moment before the run ended. */
function olderThan(line: RunIndexEntry, held: RunIndexEntry | undefined): boolean {
  if (!held) return false;
  if (line.updatedAt !== held.updatedAt) return line.updatedAt < held.updatedAt;
  return FINAL.has(held.status) && !FINAL.has(line.status);
}

/** Whether `a` is listed before `b`: newer first, then by run id (as the store lists tie). */
function before(a: RunIndexEntry, b: RunIndexEntry): boolean {
  if (a.createdAt !== b.createdAt) return a.createdAt > b.createdAt;
  return a.runId < b.runId;
}

function entryOf(trace: { header: TraceHeader; events: RunEvent[] }, state: RunState, stamp: string, ai: LlmUsage, failedItems: number): RunIndexEntry {
  const summary = summarize(trace, state);
  const nodes = { total: 0, succeeded: 0, failed: 0, skipped: 0 };
  for (const node of Object.values(state.nodes)) {
    nodes.total++;
    if (node.status === 'succeeded') nodes.succeeded++;
    else if (node.status === 'failed') nodes.failed++;
    else if (node.status === 'skipped') nodes.skipped++;
  }
  return {
    ...summary,
    startedAt: summary.createdAt,
    ...(FINAL.has(summary.status) ? { finishedAt: summary.updatedAt } : {}),
    nodes,
    items: { failed: failedItems },
    ai,
    stamp,
  };
}

function isEntry(value: unknown): value is RunIndexEntry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Partial<RunIndexEntry>;
  return (
    typeof e.runId === 'string' &&
    typeof e.flowId === 'string' &&
    typeof e.status === 'string' &&
    typeof e.createdAt === 'string' &&
    typeof e.updatedAt === 'string' &&
    typeof e.stamp === 'string' &&
    typeof e.ai === 'object' &&
    e.ai !== null &&
    typeof e.nodes === 'object' &&
    e.nodes !== null
  );
}

/** A step's name from the flow inline in the header (a flow stored aside, or no name: its id). */
function stepName(header: TraceHeader, nodeId: string): string {
  const nodes = 'nodes' in header.flow && Array.isArray(header.flow.nodes) ? (header.flow.nodes as { id: string; name?: string }[]) : [];
  const name = nodes.find((n) => n.id === nodeId)?.name;
  return name && name.trim() !== '' ? name : nodeId;
}

/** The run summary the API shows (the index's extra fields stay inside). */
export function publicSummary(entry: RunIndexEntry): RunSummary {
  const { startedAt: _s, finishedAt: _f, nodes: _n, items: _i, ai: _a, stamp: _t, facts: _x, ...summary } = entry;
  return summary;
}

/** Errors that mean "this folder cannot be written now" rather than a bug. */
function isUnwritable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'ENOSPC' || code === 'EDQUOT';
}
