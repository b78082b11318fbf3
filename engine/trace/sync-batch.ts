/**
 * One shared sync tick for many trace files (group commit across files).
 *
 * A run whose start is already durable elsewhere (a trigger event in the intake journal) creates
 * its trace without its own fsyncs: the header is written, not synced, and the runs folder is not
 * fsynced either (the journal lets the host re-derive a lost start under the same run id). Its
 * first sync — the first effect's intent, a pause, the end of the run — comes here: every file
 * asking within the same event-loop turn (or while a tick is in flight) is fdatasynced in one
 * tick, in parallel, and the folders that gained files since the last tick are fsynced once for
 * all of them. So a busy webhook's runs cost one folder fsync per tick, not one per run, and
 * their data syncs share the file system's journal commits instead of queueing one by one
 * behind the intake journal's.
 */
import { open, type FileHandle } from 'node:fs/promises';

interface Request {
  file: FileHandle;
  resolve(): void;
  reject(error: unknown): void;
}

export class SyncBatch {
  private requests: Request[] = [];
  /** Folders with a new entry (a created trace) not yet fsynced. */
  private dirtyDirs = new Set<string>();
  private scheduled = false;
  private ticking: Promise<void> | undefined;
  /** Ticks done and files synced by them (diagnostics: tests and the bench read them). */
  readonly stats = { ticks: 0, files: 0, dirs: 0 };
  /** Folder handles opened (diagnostics: fewer than `stats.dirs` while ticks follow one another). */
  dirOpens = 0;
  /**
   * Folder handles kept open while ticks follow one another (a busy intake): one fsync per tick
   * instead of open, fsync and close. Closed when a tick ends with nothing more asked for, so an
   * idle store holds no handle. Undefined where a folder cannot be opened (Windows): best effort.
   */
  private readonly dirHandles = new Map<string, Promise<FileHandle | undefined>>();

  /** A new file appeared in `dir`: the next tick fsyncs the folder before any of its files counts as synced. */
  created(dir: string): void {
    this.dirtyDirs.add(dir);
  }

  /** Resolves once `file`'s data (and every folder entry created before this call) is on disk. */
  sync(file: FileHandle): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.requests.push({ file, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // One turn later, so the runs finishing in the same turn share the tick.
    setImmediate(() => {
      this.scheduled = false;
      void this.tick();
    });
  }

  private async tick(): Promise<void> {
    if (this.ticking) {
      // Requests that came in during a tick go together in the next one.
      await this.ticking;
      if (this.requests.length > 0) this.schedule();
      return;
    }
    const requests = this.requests;
    const dirs = [...this.dirtyDirs];
    this.requests = [];
    this.dirtyDirs.clear();
    if (requests.length === 0 && dirs.length === 0) return;
    this.ticking = (async () => {
      // The same handle asked twice in one tick is synced once.
      const files = [...new Set(requests.map((r) => r.file))];
      // Folders and files at the same time: a file counts as synced once both are on disk, in
      // whichever order. fsyncDir is best effort (Windows cannot); the files' data syncs are not.
      const [results] = await Promise.all([Promise.allSettled(files.map((f) => f.datasync())), Promise.all(dirs.map((d) => this.syncDir(d)))]);
      const failed = new Map<FileHandle, unknown>();
      results.forEach((r, i) => r.status === 'rejected' && failed.set(files[i]!, r.reason));
      this.stats.ticks++;
      this.stats.files += files.length;
      this.stats.dirs += dirs.length;
      for (const r of requests) {
        if (failed.has(r.file)) r.reject(failed.get(r.file));
        else r.resolve();
      }
    })().finally(() => (this.ticking = undefined));
    await this.ticking;
    if (this.requests.length > 0 || this.dirtyDirs.size > 0) this.schedule();
    else this.closeDirs();
  }

  /** fsync of a folder through its kept handle; best effort, like fsyncDir (a platform that cannot). */
  private async syncDir(dir: string): Promise<void> {
    let opening = this.dirHandles.get(dir);
    if (!opening) {
      this.dirOpens++;
      opening = open(dir, 'r').catch(() => undefined);
      this.dirHandles.set(dir, opening);
    }
    const handle = await opening;
    if (!handle) {
      this.dirHandles.delete(dir);
      return;
    }
    await handle.sync().catch(() => undefined);
  }

  private closeDirs(): void {
    const handles = [...this.dirHandles.values()];
    this.dirHandles.clear();
    for (const opening of handles) void opening.then((h) => h?.close()).catch(() => undefined);
  }
}
