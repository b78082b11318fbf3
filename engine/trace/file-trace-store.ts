/**
 * FileTraceStore: traces as JSONL files. The paths come from the data folder's layout
 * (engine/storage/layout.ts); this file is the only one that reads or writes them.
 *
 *   <runs>/<runId>.jsonl        one append-only trace per run
 *   <runs>/<runId>.lock         held while a process executes the run (FileRunLeases)
 *   <blobs>/<ab>/<sha256>.json  large payloads, content-addressed
 *   <quarantine>/               damaged traces, moved aside with a note
 *
 * File-only extras, for the CLI door that works on files: `locate(runId)` (the trace's path)
 * and `loadFile(path)` (a trace file given by path). They are not part of TraceStore.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, writeFile, truncate, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BlobRef, RunEvent, TraceHeader } from '../model/events.ts';
import { isBlobRef } from '../model/events.ts';
import type { Redactor } from './redactor.ts';
import { dataDirLayout, type TraceLayout } from '../storage/layout.ts';
import { parseTraceText, TraceDamagedError, type ParsedTrace } from './trace-reader.ts';
import { scanTraceText, type ScannedTrace } from './trace-scan.ts';
import { TraceWriter } from './trace-writer.ts';
import { FileRunLeases } from './run-leases.ts';
import { assertRunId } from './run-id.ts';
import { readSetAside } from './set-aside.ts';
import { chainSeed, HASH_CHAIN } from './hash-chain.ts';
import { canonicalJson, sha256 } from '../canonical-json.ts';
import {
  BLOB_THRESHOLD_BYTES,
  newestFirst,
  RunNotFoundError,
  summarize,
  TraceQuarantinedError,
  type EventSink,
  type LoadedTrace,
  type QuarantineNotice,
  type RunSummary,
  TraceChangeListeners,
  type TraceChangeListener,
  type TracePage,
  type TraceStore,
  type WriterOptions,
} from './trace-store.ts';
import { fsyncDir } from '../storage/fsync-dir.ts';
import { SyncBatch } from './sync-batch.ts';

/** Bytes read at a time when paging through a trace file. */
const PAGE_CHUNK_BYTES = 64 * 1024;

export class FileTraceStore implements TraceStore {
  readonly runsDir: string;
  readonly blobsDir: string;
  readonly quarantineDir: string;

  /** `where`: a data folder (its layout decides the folders) or the folders themselves. */
  constructor(where: string | TraceLayout) {
    const layout = typeof where === 'string' ? dataDirLayout(where) : where;
    this.runsDir = layout.runs;
    this.blobsDir = layout.blobs;
    this.quarantineDir = layout.quarantine;
    this.leases = new FileRunLeases(layout.runs);
  }

  /** The shared sync tick of journalled runs' traces (see sync-batch.ts). */
  readonly syncBatch = new SyncBatch();

  /** The runs' leases: lock files beside the traces. */
  readonly leases: FileRunLeases;
  private readonly changes = new TraceChangeListeners();

  onChange(listener: TraceChangeListener): () => void {
    return this.changes.add(listener);
  }

  /** `<mtime ms>:<size>` of each trace file: one directory listing and a stat per file, nothing read. */
  async stamps(): Promise<Map<string, string>> {
    let names: string[];
    try {
      names = await readdir(this.runsDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    const ids = names.filter((n) => n.endsWith('.jsonl')).map((n) => n.slice(0, -'.jsonl'.length));
    const out = new Map<string, string>();
    // A few stats in flight at a time: much faster than one by one, without exhausting handles.
    const BATCH = 128;
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      const stamps = await Promise.all(batch.map((id) => this.stampOf(join(this.runsDir, `${id}.jsonl`))));
      batch.forEach((id, j) => {
        if (stamps[j] !== undefined) out.set(id, stamps[j]);
      });
    }
    return out;
  }

  async runIds(): Promise<string[]> {
    try {
      return (await readdir(this.runsDir)).filter((n) => n.endsWith('.jsonl')).map((n) => n.slice(0, -'.jsonl'.length));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async stamp(runId: string): Promise<string | undefined> {
    return this.stampOf(this.locate(runId));
  }

  private async stampOf(path: string): Promise<string | undefined> {
    try {
      const info = await stat(path);
      return `${info.mtimeMs}:${info.size}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** File store only: where a run's trace file is (the CLI prints it; tests read it). */
  locate(runId: string): string {
    assertRunId(runId);
    return join(this.runsDir, `${runId}.jsonl`);
  }

  /** The runs folder was made by this instance (made once; again if it vanished). */
  private runsDirMade = false;

  private async openNew(path: string): Promise<FileHandle> {
    if (!this.runsDirMade) {
      await mkdir(this.runsDir, { recursive: true });
      this.runsDirMade = true;
    }
    try {
      return await open(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(this.runsDir, { recursive: true });
      return open(path, 'wx');
    }
  }

  async create(header: TraceHeader, options: WriterOptions): Promise<EventSink> {
    const path = this.locate(header.runId);
    // Serialized before the file exists, and the file removed when the header cannot be
    // written (disk full): a run that never started leaves no empty trace behind.
    const headerLine = options.redactor.stringify({ ...header, hashChain: HASH_CHAIN } satisfies TraceHeader);
    const line = headerLine + '\n';
    const file = await this.openNew(path);
    const journalled = options.journalled === true;
    try {
      await writeAll(file, Buffer.from(line, 'utf8'));
      // A journalled start syncs header and folder with its first sync, in a shared tick.
      if (!journalled) await file.datasync();
    } catch (error) {
      await file.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
      throw error;
    }
    if (journalled) this.syncBatch.created(this.runsDir);
    else await fsyncDir(this.runsDir);
    const writer = new TraceWriter(file, path, {
      durability: options.durability,
      redactor: options.redactor,
      nextSeq: 1,
      chain: chainSeed(headerLine),
      ...(journalled ? { unsynced: true, syncFile: (fh: FileHandle) => this.syncBatch.sync(fh) } : {}),
      keepLines: true,
    });
    // At close the run index takes the run's entry from the lines written here, not from the file.
    const written = (): LoadedTrace | undefined => {
      const events = writer.written();
      if (!events) return undefined;
      // The header as the reader gives it: redacted, without the chain's bookkeeping.
      const { hashChain: _chain, ...kept } = JSON.parse(headerLine) as TraceHeader;
      return { header: kept, events };
    };
    const sink = this.changes.wrap(header.runId, writer, written, () => writer.dropWritten());
    await this.changes.notify({ runId: header.runId, header });
    return sink;
  }

  /**
   * File store only: makes these runs' traces durable (fdatasync each, then the folder). A trace
   * written without its own fsync (a journalled start) by a process that was killed may still be
   * only in the page cache; the trigger host calls this before it forgets such runs' journal
   * entries. Missing traces are skipped.
   */
  async syncRuns(runIds: readonly string[]): Promise<void> {
    const BATCH = 64;
    for (let i = 0; i < runIds.length; i += BATCH) {
      await Promise.all(
        runIds.slice(i, i + BATCH).map(async (runId) => {
          let fh: FileHandle;
          try {
            fh = await open(this.locate(runId), 'r');
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
            throw error;
          }
          try {
            await fh.datasync();
          } finally {
            await fh.close();
          }
        }),
      );
    }
    if (runIds.length > 0) await fsyncDir(this.runsDir);
  }

  async reopen(runId: string, options: WriterOptions): Promise<{ trace: ParsedTrace; sink: EventSink }> {
    const path = this.locate(runId);
    const trace = await this.loadFile(path, runId);
    if (trace.tornTail) await truncate(path, trace.intactBytes);
    const file = await open(path, 'a');
    if (trace.missingFinalNewline) await file.write('\n');
    const last = trace.events.length > 0 ? trace.events[trace.events.length - 1]!.seq : 0;
    const sink = this.changes.wrap(runId, new TraceWriter(file, path, { ...options, nextSeq: last + 1, ...(trace.lastHash !== undefined ? { chain: trace.lastHash } : {}) }));
    await this.changes.notify({ runId, reopened: true });
    return { trace, sink };
  }

  async load(runId: string): Promise<ParsedTrace> {
    return this.loadFile(this.locate(runId), runId);
  }

  /**
   * File store only: a trace file given by path (`flowkeeper trace <file>`). Damaged files in our
   * runs folder are quarantined; a file elsewhere is reported and left where it is.
   */
  async loadFile(path: string, runId = basename(path, '.jsonl')): Promise<ParsedTrace> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new RunNotFoundError(runId);
      throw error;
    }
    try {
      const parsed = parseTraceText(text, path);
      await this.checkFlowHash(parsed, path);
      return parsed;
    } catch (error) {
      if (error instanceof TraceDamagedError) throw new TraceQuarantinedError(await this.quarantine(path, error));
      throw error;
    }
  }

  /**
   * See TraceStore.scanEvents: one read of the file, only wanted lines parsed; damage → `load`.
   * The read is synchronous on purpose: a rebuild reads thousands of small traces, and one
   * readFileSync of a cached file costs a fifth of fs/promises' open, stat, read and close through
   * the thread pool (bench figure 8). Parsing is synchronous anyway; a caller reading many traces
   * yields to the event loop between them.
   */
  async scanEvents(runId: string, wanted: (type: string) => boolean): Promise<ScannedTrace> {
    const path = this.locate(runId);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new RunNotFoundError(runId);
      throw error;
    }
    try {
      return scanTraceText(text, path, wanted);
    } catch (error) {
      if (!(error instanceof TraceDamagedError)) throw error;
      // The full reader names the damage and sets the trace aside (TraceQuarantinedError).
      const trace = await this.load(runId);
      return { header: trace.header, events: trace.events.filter((e) => wanted(e.type)) };
    }
  }

  /**
   * Streams the file: lines before the page are counted, not parsed (event n is line n + 1, as
   * the writer numbers events without gaps); only the page's lines are parsed. Anything unusual
   * (a damaged line, a numbering surprise) falls back to a full load, which quarantines damage.
   */
  async readEvents(runId: string, afterSeq: number, limit: number): Promise<TracePage> {
    const path = this.locate(runId);
    let file;
    try {
      file = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new RunNotFoundError(runId);
      throw error;
    }
    const first = Math.max(0, afterSeq) + 1; // line index of the first wanted event (header = 0)
    const last = first + limit; // one more than wanted: is there more?
    const lines: Buffer[] = [];
    let tail: Buffer | undefined;
    try {
      const chunk = Buffer.allocUnsafe(PAGE_CHUNK_BYTES);
      let line = 0;
      let partial: Buffer[] = [];
      let position = 0;
      scan: for (;;) {
        const { bytesRead } = await file.read(chunk, 0, PAGE_CHUNK_BYTES, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        let start = 0;
        for (;;) {
          const nl = chunk.indexOf(0x0a, start);
          if (nl === -1 || nl >= bytesRead) {
            if (line >= first) partial.push(Buffer.from(chunk.subarray(start, bytesRead)));
            break;
          }
          if (line >= first) {
            partial.push(chunk.subarray(start, nl));
            lines.push(Buffer.concat(partial));
            partial = [];
          }
          line++;
          start = nl + 1;
          if (line > last) break scan;
        }
      }
      if (partial.length > 0) tail = Buffer.concat(partial);
    } finally {
      await file.close();
    }
    const events: RunEvent[] = [];
    let hasMore = false;
    for (const [i, raw] of lines.entries()) {
      const event = parseEventLine(raw);
      if (!event || event.seq !== first + i) return this.pageFromLoad(runId, afterSeq, limit);
      if (events.length < limit) events.push(event);
      else hasMore = true;
    }
    // A last line without a newline: a whole event not yet terminated, or a torn tail (ignored).
    if (tail && tail.length > 0) {
      const event = parseEventLine(tail);
      if (event && event.seq === first + lines.length) {
        if (events.length < limit) events.push(event);
        else hasMore = true;
      }
    }
    if (afterSeq <= 0 && events.length === 0 && lines.length === 0 && !tail) {
      // An empty page at the start: make sure the trace exists and has a readable header.
      await this.load(runId);
    }
    return { events, lastSeq: events.length > 0 ? events[events.length - 1]!.seq : afterSeq, hasMore };
  }

  private async pageFromLoad(runId: string, afterSeq: number, limit: number): Promise<TracePage> {
    const trace = await this.load(runId);
    const after = trace.events.filter((e) => e.seq > afterSeq);
    const page = after.slice(0, limit);
    return { events: page, lastSeq: page.length > 0 ? page[page.length - 1]!.seq : afterSeq, hasMore: after.length > page.length };
  }

  async list(): Promise<{ runs: RunSummary[]; quarantined: QuarantineNotice[] }> {
    let names: string[];
    try {
      names = await readdir(this.runsDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], quarantined: await readSetAside(this.quarantineDir) };
      throw error;
    }
    const runs: RunSummary[] = [];
    const quarantined: QuarantineNotice[] = [];
    for (const name of names.filter((n) => n.endsWith('.jsonl')).sort()) {
      try {
        runs.push(summarize(await this.loadFile(join(this.runsDir, name))));
      } catch (error) {
        if (error instanceof TraceQuarantinedError) quarantined.push(error.notice);
        else throw error;
      }
    }
    runs.sort(newestFirst);
    // Traces set aside earlier (by any command or process) stay listed, never silently gone.
    const seen = new Set(quarantined.map((q) => q.movedTo));
    for (const earlier of await readSetAside(this.quarantineDir)) if (!seen.has(earlier.movedTo)) quarantined.push(earlier);
    return { runs, quarantined };
  }

  async setAside(): Promise<QuarantineNotice[]> {
    return readSetAside(this.quarantineDir);
  }

  async putPayload<T>(value: T, redactor?: Redactor): Promise<T | BlobRef> {
    const text = redactor ? redactor.stringify(value) : JSON.stringify(value);
    if (text === undefined || text.length < BLOB_THRESHOLD_BYTES) return value;
    const hash = createHash('sha256').update(text).digest('hex');
    const dir = join(this.blobsDir, hash.slice(0, 2));
    const path = join(dir, `${hash}.json`);
    const exists = await stat(path).then(() => true, () => false);
    if (!exists) {
      await mkdir(dir, { recursive: true });
      // Write aside and rename, fsynced: the event that points here may be synced right after.
      const tmp = `${path}.${randomUUID()}.tmp`;
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(text);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      await fsyncDir(dir);
    }
    return { $blob: hash, bytes: Buffer.byteLength(text) };
  }

  async getPayload<T>(value: T | BlobRef): Promise<T> {
    if (!isBlobRef(value)) return value;
    if (!/^[0-9a-f]{64}$/.test(value.$blob)) throw new Error(`Invalid blob reference "${value.$blob}".`);
    const path = join(this.blobsDir, value.$blob.slice(0, 2), `${value.$blob}.json`);
    try {
      return JSON.parse(await readFile(path, 'utf8')) as T;
    } catch (error) {
      throw new Error(`A large value of this run is stored in ${path}, but it could not be read (${(error as Error).message}). Was the blobs folder moved or cleaned?`);
    }
  }

  /** The header's flow must still be the flow its hash names (a changed flow would replay "identical"). */
  private async checkFlowHash(parsed: ParsedTrace, path: string): Promise<void> {
    let flow: unknown;
    try {
      flow = await this.getPayload(parsed.header.flow);
    } catch {
      return; // its side file is missing: replay reports that; `flowkeeper verify` names it
    }
    if (sha256(canonicalJson(flow)) !== parsed.header.flowHash) {
      throw new TraceDamagedError(path, 1, 'the flow recorded in the header was changed: it no longer matches its hash');
    }
  }

  private async quarantine(path: string, damage: TraceDamagedError): Promise<QuarantineNotice> {
    const runId = basename(path, '.jsonl');
    // Only our own run files are moved; a file the person pointed at elsewhere stays put.
    if (resolve(dirname(path)) !== resolve(this.runsDir)) return { runId, movedTo: path, moved: false, reason: `line ${damage.line}: ${damage.reason}` };
    const movedTo = join(this.quarantineDir, `${runId}.${Date.now()}.jsonl`);
    const reason = `line ${damage.line}: ${damage.reason}`;
    try {
      await mkdir(this.quarantineDir, { recursive: true });
      await rename(path, movedTo);
      await writeFile(`${movedTo}.reason.txt`, `${damage.message}\nQuarantined at ${new Date().toISOString()}.\n`);
    } catch {
      // Read-only or foreign file: report it, leave it where it is.
      return { runId, movedTo: path, moved: false, reason };
    }
    return { runId, movedTo, moved: true, reason };
  }
}

/** write() may write less than asked; the header must go out whole. */
async function writeAll(file: FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await file.write(buffer, offset, buffer.length - offset);
    if (bytesWritten <= 0) throw Object.assign(new Error('no bytes written'), { code: 'EIO' });
    offset += bytesWritten;
  }
}

/** A page line as an event, or undefined when it is not one (the caller then reads it all). */
function parseEventLine(raw: Buffer): RunEvent | undefined {
  try {
    const value = JSON.parse(raw.toString('utf8')) as RunEvent & { h?: unknown };
    if (typeof value !== 'object' || value === null || typeof value.type !== 'string' || typeof value.seq !== 'number') return undefined;
    // The chain hash belongs to the line, not to the event (the full reader checks and drops it).
    delete value.h;
    return value;
  } catch {
    return undefined;
  }
}
