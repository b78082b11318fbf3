/**
 * The intake journal: every trigger event is appended here, and fsynced, before its run is
 * started or its source acknowledged. One file for every trigger of the data folder, written with
 * group commit: appends that arrive while a write is in flight are batched into the next single
 * write + fdatasync, so a burst of events (a busy webhook) costs one fsync per batch, not one per
 * event. At start the host reads it back: an entry whose run has no trace yet is started then
 * (same run id), so an acknowledged event is never lost; dedupe keys are re-learnt from it, so an
 * event is never started twice. The file is compacted at start to the last entries per trigger.
 * `append` answers where the line went, so an accepted event waiting for a run slot is held in
 * memory as a position (a few dozen bytes), not as its payload, and read back when it starts.
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
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

interface Waiter {
  line: Buffer;
  resolve(at: JournalPosition): void;
  reject(error: unknown): void;
}

export class TriggerJournal {
  private handle: FileHandle | undefined;
  /** For reading entries back by position (the append handle is write-only). */
  private reader: FileHandle | undefined;
  /** Bytes in the file: where the next line goes (one writer: the host lock). */
  private size = 0;
  private pending: Waiter[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly file: string) {}

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

  /** Resolves once the entry is on disk (fsynced), possibly together with others, with where it is. */
  append(entry: JournalEntry): Promise<JournalPosition> {
    return new Promise((resolve, reject) => {
      this.pending.push({ line: Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8'), resolve, reject });
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        const handle = await this.open();
        const bytes = Buffer.concat(batch.map((w) => w.line));
        let written = 0;
        // write() may write less than asked; a short write left alone would tear a line.
        while (written < bytes.length) {
          const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
          if (bytesWritten <= 0) throw Object.assign(new Error('no bytes written'), { code: 'EIO' });
          written += bytesWritten;
        }
        await handle.datasync();
        let offset = this.size;
        this.size += bytes.length;
        for (const w of batch) {
          w.resolve({ offset, length: w.line.length });
          offset += w.line.length;
        }
      } catch (error) {
        // The file's end is unknown after a failed write: find it again before the next one.
        await this.handle?.close().catch(() => undefined);
        this.handle = undefined;
        for (const w of batch) w.reject(error);
      }
    }
  }

  private async open(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(dirname(this.file), { recursive: true });
    const handle = await open(this.file, 'a');
    this.size = (await handle.stat()).size;
    if (this.size > 0 && !(await this.endsWithNewline())) {
      // A torn line (a write that failed or a crash mid-write): end it, so the next entry is a line of its own.
      await handle.write('\n');
      this.size += 1;
    }
    this.handle = handle;
    await syncDir(dirname(this.file));
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
    this.reader ??= await open(this.file, 'r');
    const buffer = Buffer.alloc(at.length);
    let read = 0;
    while (read < at.length) {
      const { bytesRead } = await this.reader.read(buffer, read, at.length - read, at.offset + read);
      if (bytesRead <= 0) throw new Error(`The intake journal ${this.file} ends before the event at byte ${at.offset}; was it changed by hand?`);
      read += bytesRead;
    }
    return JSON.parse(buffer.toString('utf8')) as JournalEntry;
  }

  /** Replaces the file with `keep` (atomically: temp file, fsync, rename, fsync the folder). */
  async rewrite(keep: readonly JournalEntry[]): Promise<void> {
    await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
    await this.reader?.close();
    this.reader = undefined;
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${randomUUID()}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.write(keep.map((e) => `${JSON.stringify(e)}\n`).join(''));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
    await syncDir(dirname(this.file));
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
    await this.reader?.close();
    this.reader = undefined;
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
