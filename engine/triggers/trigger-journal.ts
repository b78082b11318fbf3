/**
 * The intake journal: every trigger event is appended here, and fsynced, before its run is
 * started or its source acknowledged. One file for every trigger of the data folder, written with
 * group commit: appends that arrive while a write is in flight are batched into the next single
 * write + fdatasync, so a burst of events (a busy webhook) costs one fsync per batch, not one per
 * event. At start the host reads it back: an entry whose run has no trace yet is started then
 * (same run id), so an acknowledged event is never lost; dedupe keys are re-learnt from it, so an
 * event is never started twice. The file is compacted at start to the last entries per trigger.
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

interface Waiter {
  line: string;
  resolve(): void;
  reject(error: unknown): void;
}

export class TriggerJournal {
  private handle: FileHandle | undefined;
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

  /** Resolves once the entry is on disk (fsynced), possibly together with others. */
  append(entry: JournalEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ line: `${JSON.stringify(entry)}\n`, resolve, reject });
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        const handle = await this.open();
        await handle.write(batch.map((w) => w.line).join(''));
        await handle.datasync();
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
  }

  private async open(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(dirname(this.file), { recursive: true });
    this.handle = await open(this.file, 'a');
    await syncDir(dirname(this.file));
    return this.handle;
  }

  /** Replaces the file with `keep` (atomically: temp file, fsync, rename, fsync the folder). */
  async rewrite(keep: readonly JournalEntry[]): Promise<void> {
    await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
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
