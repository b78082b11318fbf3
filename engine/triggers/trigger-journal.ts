/**
 * The intake journal: every trigger event is appended here, and fsynced, before its run is
 * started or its source acknowledged. One file for every trigger of the data folder, written with
 * pipelined group commit: appends that arrive while a write is in flight are batched into the next
 * single write + fdatasync, so a burst of events (a busy webhook) costs one fsync per batch, not
 * one per event, and the next batch is written and synced while the previous sync still runs
 * (see flush() for when a batch is acknowledged). At start the host reads it back: an entry whose run has no trace yet is started then
 * (same run id), so an acknowledged event is never lost; dedupe keys are re-learnt from it, so an
 * event is never started twice. The file is compacted at start to the last entries per trigger.
 * `append` answers where the line went, so an accepted event waiting for a run slot is held in
 * memory as a position (a few dozen bytes), not as its payload, and read back when it starts.
 */
import { mkdir, open, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';

export interface JournalEntry {
  /** `<flowId>/<nodeId>` of the trigger that fired. */
  trigger: string;
  runId: string;
  flowId: string;
  flowVersion: number;
  input: unknown;
  at: string;
  dedupeKey?: string;
}

/** Where an entry's line is in the journal file (the host keeps this, not the event, while it waits to start). */
export interface JournalPosition {
  offset: number;
  length: number;
}

/** An entry as `scan` gives it: everything but its input, and where its line is. */
export type JournalRecord = Omit<JournalEntry, 'input'> & { position: JournalPosition };

/** Bytes read at a time when the journal is scanned or compacted (its events may be many). */
const SCAN_CHUNK = 1024 * 1024;
const NEWLINE = Buffer.from('\n');

interface Waiter {
  line: Buffer;
  resolve(at: JournalPosition): void;
  reject(error: unknown): void;
}

/** One write + fdatasync of the lines that were waiting when it started. */
interface Batch {
  /** Order of its fdatasync (batches are written, and their syncs started, in this order). */
  seq: number;
  waiters: Waiter[];
  /** Where its first line starts in the file. */
  offset: number;
  synced: boolean;
  /** The last batch whose fdatasync had started when this one's finished: it must finish too. */
  overlapTo: number;
}

/**
 * fdatasyncs running at once. Two or more let the next batch's write + fdatasync start while the
 * previous fdatasync is still running (a file system commits overlapping syncs together), instead
 * of the next batch waiting a whole sync for its turn.
 */
export const JOURNAL_SYNCS_IN_FLIGHT = 3;

/** Raised to appends while the journal recovers from a failed write or fdatasync. */
export class JournalFailedError extends Error {
  constructor(cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code;
    super(
      `The intake journal could not be written to disk${code ? ` (${code})` : ''}; events are refused until the writes it may have affected are settled. ` +
        (code === 'ENOSPC' ? 'The disk is full: free some space.' : 'Check that the data folder is writable.') +
        ' Nothing refused was acknowledged; senders should try again.',
      { cause },
    );
    this.name = 'JournalFailedError';
  }
}

export interface TriggerJournalOptions {
  /** How a file is opened (tests inject failing writes or syncs); default fs/promises open. */
  open?: (path: string, flags: string) => Promise<FileHandle>;
  /** fdatasyncs running at once; default JOURNAL_SYNCS_IN_FLIGHT. */
  syncsInFlight?: number;
}

export class TriggerJournal {
  private handle: FileHandle | undefined;
  /** For reading entries back by position (the append handle is write-only). */
  private reader: Promise<FileHandle> | undefined;
  /** Bytes in the file: where the next line goes (one writer: the host lock). */
  private size = 0;
  private pending: Waiter[] = [];
  /** Written batches not yet acknowledged, in file order. */
  private unacked: Batch[] = [];
  /** A batch is being written (writes go one at a time, so the file holds batches in order). */
  private writing = false;
  /** fdatasyncs started (numbers the batches). */
  private started = 0;
  /** fdatasyncs and writes still running (on the current handle, or one retired by a failure). */
  private running = 0;
  /**
   * Set by a failed write or fdatasync: every unacknowledged waiter was rejected, and appends are
   * refused until every write and sync that was running on that handle has returned; then the
   * handle is closed and the next append opens the file afresh (see flush()).
   */
  private failure: JournalFailedError | undefined;
  private retired: FileHandle | undefined;
  /** The waiters of the batch being written (a failure meanwhile rejects them too). */
  private inWrite: Waiter[] = [];
  private idleWaiters: Array<() => void> = [];
  private readonly openFile: (path: string, flags: string) => Promise<FileHandle>;
  private readonly maxSyncs: number;

  constructor(
    private readonly file: string,
    options: TriggerJournalOptions = {},
  ) {
    this.openFile = options.open ?? ((path, flags) => open(path, flags));
    this.maxSyncs = Math.max(1, options.syncsInFlight ?? JOURNAL_SYNCS_IN_FLIGHT);
  }

  /** Whether the file holds anything (a start with nothing switched on looks no further). */
  async hasEntries(): Promise<boolean> {
    try {
      return (await stat(this.file)).size > 0;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** Entries on disk; a torn last line (a crash mid-write, never acknowledged) is ignored. */
  async read(): Promise<JournalEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: JournalEntry[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        /* only the last line can be torn, and it was never acknowledged */
      }
    }
    return entries;
  }

  /**
   * Every entry on disk without its input, in file order: what a start needs to recover (which
   * runs, dedupe keys) while the inputs stay on disk until each run starts (`readAt`). Read a
   * chunk at a time, so a journal left by a crash mid-burst (up to the backlog cap of events)
   * costs a record each, not its text and every input at once. A torn last line is ignored.
   */
  async scan(): Promise<JournalRecord[]> {
    const records: JournalRecord[] = [];
    await this.eachLine((line, at) => {
      try {
        const { input: _input, ...record } = JSON.parse(line.toString('utf8')) as JournalEntry;
        records.push({ ...record, position: at });
      } catch {
        /* only the last line can be torn, and it was never acknowledged */
      }
    });
    return records;
  }

  /** Calls `visit` for each whole line of the file (without its newline) and where it is. */
  private async eachLine(visit: (line: Buffer, at: JournalPosition) => void | Promise<void>): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const chunk = Buffer.allocUnsafe(SCAN_CHUNK);
      let carry = Buffer.alloc(0);
      /** File offset of the first byte of `carry` (and of the data read after it). */
      let base = 0;
      for (;;) {
        const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
        let start = 0;
        for (;;) {
          const nl = data.indexOf(10, start);
          if (nl === -1) break;
          // An empty line is skipped; anything else that is not an entry fails to parse in `scan`.
          if (nl > start) await visit(data.subarray(start, nl), { offset: base + start, length: nl - start + 1 });
          start = nl + 1;
        }
        // Copied: `chunk` is read into again.
        carry = Buffer.from(data.subarray(start));
        base += start;
      }
    } finally {
      await fh.close();
    }
  }

  /**
   * Replaces the file with the lines at `keep` (offsets of lines in it), copied as they are,
   * atomically (temp file, fsync, rename, fsync the folder); answers where each kept line is now.
   */
  async rewriteKeeping(keep: ReadonlySet<number>): Promise<Map<number, JournalPosition>> {
    await this.idle();
    await this.handle?.close();
    this.handle = undefined;
    await this.closeReader();
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${randomUUID()}.tmp`;
    const moved = new Map<number, JournalPosition>();
    const out = await open(tmp, 'w');
    try {
      let parts: Buffer[] = [];
      let size = 0;
      let written = 0;
      const flush = async () => {
        if (parts.length === 0) return;
        const bytes = Buffer.concat(parts);
        parts = [];
        let done = 0;
        while (done < bytes.length) done += (await out.write(bytes, done, bytes.length - done)).bytesWritten;
        written += bytes.length;
        size = 0;
      };
      await this.eachLine(async (line, at) => {
        if (!keep.has(at.offset)) return;
        moved.set(at.offset, { offset: written + size, length: line.length + 1 });
        parts.push(Buffer.from(line), NEWLINE);
        size += line.length + 1;
        if (size >= SCAN_CHUNK) await flush();
      });
      await flush();
      await out.datasync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.file);
    await syncDir(dirname(this.file));
    return moved;
  }

  /**
   * Resolves once the entry is on disk (fdatasynced), possibly together with others, with where it
   * is. Rejected when its write or a sync that may cover it failed (then it was not taken).
   */
  append(entry: JournalEntry): Promise<JournalPosition> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ line: Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8'), resolve, reject });
      this.flush();
    });
  }

  /**
   * Group commit, pipelined. Writes go one at a time, each taking every line waiting; once a
   * batch is written its fdatasync starts and the next batch may be written at once, up to
   * `maxSyncs` fdatasyncs running. Acknowledgement stays in file order and is strict:
   *
   * - a batch is acknowledged only once its own fdatasync succeeded, every earlier batch has been
   *   acknowledged, and every fdatasync that had started before its own finished has finished
   *   too, successfully. (An fdatasync covers all the file's data written before it; but when two
   *   run at once on one file, a write-back error is reported to only one of them — Linux reports
   *   each error once per open file — so a sync that overlapped ours may be the one that hears
   *   about our lost data.)
   * - a failed write or fdatasync fails every waiter not yet acknowledged, whatever its batch,
   *   and the journal refuses appends until every write and sync still running on that handle
   *   has returned; the handle is then closed, and the next append opens the file again (a
   *   failed fsync may have dropped pages the kernel now calls clean — "fsyncgate" — so nothing
   *   more is trusted to that handle).
   */
  private flush(): void {
    if (this.writing || this.failure || this.pending.length === 0) return;
    if (this.unacked.filter((b) => !b.synced).length >= this.maxSyncs) return;
    const waiters = this.pending;
    this.pending = [];
    this.writing = true;
    this.inWrite = waiters;
    this.running++;
    void this.writeBatch(waiters);
  }

  private async writeBatch(waiters: Waiter[]): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await this.open();
      const bytes = waiters.length === 1 ? waiters[0]!.line : Buffer.concat(waiters.map((w) => w.line));
      let written = 0;
      // write() may write less than asked; a short write left alone would tear a line.
      while (written < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
        if (bytesWritten <= 0) throw Object.assign(new Error('no bytes written'), { code: 'EIO' });
        written += bytesWritten;
      }
      // An earlier batch's sync failed meanwhile: this one was rejected with it, and its bytes
      // (in a file whose end is now unknown) are never acknowledged.
      if (this.failure) return;
      const batch: Batch = { seq: this.started++, waiters, offset: this.size, synced: false, overlapTo: -1 };
      this.size += bytes.length;
      this.unacked.push(batch);
      this.running++;
      handle.datasync().then(
        () => this.synced(batch),
        (error: unknown) => this.failed(error),
      ).finally(() => this.settle());
    } catch (error) {
      this.failed(error);
    } finally {
      this.inWrite = [];
      this.writing = false;
      this.settle();
      this.flush();
    }
  }

  private synced(batch: Batch): void {
    if (this.failure) return; // rejected already
    batch.synced = true;
    batch.overlapTo = this.started - 1;
    // Acknowledge from the front while the front batch and every sync that overlapped it are done.
    while (this.unacked.length > 0) {
      const head = this.unacked[0]!;
      if (!head.synced) break;
      const overlapping = this.unacked.filter((b) => b.seq <= head.overlapTo);
      if (overlapping.some((b) => !b.synced)) break;
      this.unacked.shift();
      let offset = head.offset;
      for (const w of head.waiters) {
        w.resolve({ offset, length: w.line.length });
        offset += w.line.length;
      }
    }
    this.flush();
  }

  /** Fails every waiter not yet acknowledged (written, being written or waiting) and retires the handle. */
  private failed(error: unknown): void {
    if (this.failure) return;
    const failure = new JournalFailedError(error);
    this.failure = failure;
    const rejected = [...this.unacked.flatMap((b) => b.waiters), ...this.inWrite, ...this.pending];
    this.inWrite = [];
    this.unacked = [];
    this.pending = [];
    // The file's end is unknown after a failed write, and a failed sync taints the handle.
    this.retired = this.handle;
    this.handle = undefined;
    for (const w of rejected) w.reject(failure);
  }

  /** One write or sync returned: after a failure, the last one closes the retired handle and ends the refusal. */
  private settle(): void {
    this.running--;
    if (this.running > 0) return;
    if (this.failure) {
      const retired = this.retired;
      this.retired = undefined;
      this.failure = undefined;
      void retired?.close().catch(() => undefined);
      this.flush();
    }
    if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private isIdle(): boolean {
    return this.running === 0 && !this.writing && this.pending.length === 0 && this.unacked.length === 0;
  }

  /** Resolves once nothing is waiting, being written or being synced. */
  private idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async open(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(dirname(this.file), { recursive: true });
    const handle = await this.openFile(this.file, 'a');
    try {
      this.size = (await handle.stat()).size;
      if (this.size > 0 && !(await this.endsWithNewline())) {
        // A torn line (a write that failed or a crash mid-write): end it, so the next entry is a line of its own.
        await handle.write('\n');
        this.size += 1;
      }
      await syncDir(dirname(this.file));
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    this.handle = handle;
    return handle;
  }

  private async endsWithNewline(): Promise<boolean> {
    const fh = await open(this.file, 'r');
    try {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, this.size - 1);
      return last[0] === 0x0a;
    } finally {
      await fh.close();
    }
  }

  /** The entry written at `at` (by append, in this process). */
  async readAt(at: JournalPosition): Promise<JournalEntry> {
    // One handle, opened once: runs start several at a time, and each opening its own would leak
    // all but the last (closed only by the garbage collector, with a warning).
    this.reader ??= this.openFile(this.file, 'r').catch((error: unknown) => {
      this.reader = undefined; // tried again by the next read
      throw error;
    });
    const reader = await this.reader;
    const buffer = Buffer.alloc(at.length);
    let read = 0;
    while (read < at.length) {
      const { bytesRead } = await reader.read(buffer, read, at.length - read, at.offset + read);
      if (bytesRead <= 0) throw new Error(`The intake journal ${this.file} ends before the event at byte ${at.offset}; was it changed by hand?`);
      read += bytesRead;
    }
    return JSON.parse(buffer.toString('utf8')) as JournalEntry;
  }

  private async closeReader(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    await reader?.then((fh) => fh.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.idle();
    await this.handle?.close();
    this.handle = undefined;
    await this.closeReader();
  }
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
