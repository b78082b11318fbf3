/**
 * Append-only JSONL writer with group commit.
 *
 * `append` queues a line and returns at once; queued lines go out in one write() per event-loop
 * turn. `appendDurable` (and `sync`) also wait for fdatasync; every caller waiting in the same
 * turn shares one fdatasync, so many concurrent durable appends cost one disk flush.
 * In `durable` mode every batch is synced.
 */
import type { FileHandle } from 'node:fs/promises';
import type { RunEvent, RunEventBody } from '../model/events.ts';
import { sealBatch } from './hash-chain.ts';
import type { Redactor } from './redactor.ts';

export type Durability = 'buffered' | 'durable';

/** Characters of lines a writer keeps for written() (about 1 MB): enough for runs of hundreds of steps. */
const KEEP_CHARS = 1_000_000;

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
  sync: boolean;
}

export class TraceWriteError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'TraceWriteError';
  }
}

export class TraceWriter {
  /** Queued lines, each JSON without its closing `}` (sealBatch adds it with the `h` key). */
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;
  private flushing: Promise<void> | null = null;
  private failure: Error | null = null;
  private closed = false;
  private unsynced = false;
  private seq: number;
  /** The last event's time and its ISO text: events in the same millisecond share the string. */
  private lastMs = NaN;
  private lastTs = '';
  /** The last batch's seal (see hash-chain.ts); undefined for a trace written before hash chains. */
  private chain: string | undefined;

  constructor(
    private readonly file: FileHandle,
    private readonly location: string,
    private readonly options: {
      durability: Durability;
      redactor: Redactor;
      nextSeq: number;
      clock?: () => number;
      chain?: string;
      /** How the file is flushed to disk; default its own fdatasync (a SyncBatch shares one tick among files). */
      syncFile?: (file: FileHandle) => Promise<void>;
      /** The file already holds bytes that were never synced (a header written without its fsync). */
      unsynced?: boolean;
      /** Keep this writer's lines for written() (a trace created here: the run index reads them instead of the file). */
      keepLines?: boolean;
    },
  ) {
    this.seq = options.nextSeq;
    this.chain = options.chain;
    this.unsynced = options.unsynced ?? false;
    if (options.keepLines) this.kept = [];
  }

  /** The redacted lines appended (without their closing brace), up to KEEP_CHARS; undefined past it. */
  private kept: string[] | undefined;
  private keptChars = 0;

  /**
   * The events as written — the same redacted lines the file holds, parsed — when the writer kept
   * them (keepLines), they stayed under KEEP_CHARS and no write or sync failed; else undefined
   * (the caller reads the file). Lets the run index make a finished run's entry without reading
   * the trace it has just written back from disk.
   */
  written(): RunEvent[] | undefined {
    if (this.failure || !this.kept || this.pending.length > 0) return undefined;
    return this.kept.map((line) => JSON.parse(`${line}}`) as RunEvent);
  }

  /** Lets the kept lines go (once the listeners have had them: a closed writer may be held on to a while). */
  dropWritten(): void {
    this.kept = undefined;
  }

  get lastSeq(): number {
    return this.seq - 1;
  }

  /** Queues an event; the returned event carries its sequence number. Errors surface on the next sync. */
  append(body: RunEventBody): RunEvent {
    this.assertOpen();
    const ms = this.options.clock?.() ?? Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastTs = new Date(ms).toISOString();
    }
    const event = { seq: this.seq++, ts: this.lastTs, ...body } as RunEvent;
    // The line is sealed with the rest of its batch when it is written (one hash per batch).
    const line = this.options.redactor.stringify(event).slice(0, -1);
    this.pending.push(line);
    if (this.kept) {
      this.kept.push(line);
      this.keptChars += line.length;
      // A long run's lines are not held in memory: its entry is read from the file instead.
      if (this.keptChars > KEEP_CHARS) this.kept = undefined;
    }
    this.schedule();
    return event;
  }

  /** Queues an event and waits until it is on disk (fdatasync). */
  async appendDurable(body: RunEventBody): Promise<RunEvent> {
    const event = this.append(body);
    await this.sync();
    return event;
  }

  /** Waits until everything queued so far is written and synced. */
  sync(): Promise<void> {
    return this.wait(true);
  }

  /** Waits until everything queued so far is written (not necessarily synced). */
  flush(): Promise<void> {
    return this.wait(this.options.durability === 'durable');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.sync();
    } finally {
      this.closed = true;
      await this.file.close().catch(() => undefined);
    }
  }

  private wait(sync: boolean): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject, sync });
      this.schedule();
    });
  }

  private assertOpen(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new TraceWriteError(`The trace ${this.location} is already closed.`);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  /** write() may write less than asked; a short write left alone would tear a line mid-file. */
  private async writeAll(buffer: Buffer): Promise<void> {
    let offset = 0;
    while (offset < buffer.length) {
      const { bytesWritten } = await this.file.write(buffer, offset, buffer.length - offset);
      if (bytesWritten <= 0) throw Object.assign(new Error('no bytes written'), { code: 'EIO' });
      offset += bytesWritten;
    }
  }

  private async drain(): Promise<void> {
    if (this.flushing) {
      await this.flushing;
      if (this.pending.length > 0 || this.waiters.length > 0) this.schedule();
      return;
    }
    const lines = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    if (this.failure) {
      // After a failed write, nothing more goes to the file: a later line would leave a gap.
      for (const w of waiters) w.reject(this.failure);
      return;
    }
    if (lines.length === 0 && waiters.length === 0) return;
    const wantSync = this.options.durability === 'durable' || waiters.some((w) => w.sync);
    this.flushing = (async () => {
      try {
        if (lines.length > 0) {
          let bytes: Buffer;
          if (this.chain === undefined) bytes = Buffer.from(`${lines.join('}\n')}}\n`, 'utf8');
          else ({ bytes, h: this.chain } = sealBatch(this.chain, lines));
          await this.writeAll(bytes);
          this.unsynced = true;
        }
        // Nothing written since the last flush to disk: another fdatasync would buy nothing.
        if (wantSync && this.unsynced) {
          this.unsynced = false;
          await (this.options.syncFile ? this.options.syncFile(this.file) : this.file.datasync());
        }
        for (const w of waiters) w.resolve();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        this.failure = new TraceWriteError(
          `Could not write the run's trace to ${this.location}${code ? ` (${code})` : ''}. ` +
            (code === 'ENOSPC' ? 'The disk is full: free some space, then resume the run.' : 'Check the data folder is writable, then resume the run.'),
          error,
        );
        for (const w of waiters) w.reject(this.failure);
      } finally {
        this.flushing = null;
      }
    })();
    await this.flushing;
    if (this.pending.length > 0 || this.waiters.length > 0) this.schedule();
  }
}
