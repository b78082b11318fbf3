/**
 * The backlog of accepted trigger events waiting for a run slot, as journal positions in typed
 * arrays: 16 bytes an event (offset, length, which flow version and trigger it came from), not an
 * object, a run id string and a map entry each (~250 bytes). A burst of 200,000 events waits in
 * ~3 MB, so the backlog cap can be set by what the journal on disk may hold, not by the heap.
 * The event itself (run id, input) is in the journal line and read back when its run starts.
 *
 * First in, first out. `sources` are interned by identity: every event of one subscription shares
 * one entry (a flow saved during a burst adds one), and the table is emptied with the queue.
 *
 * May import: nothing of the repo but types.
 */
import type { JournalPosition } from './trigger-journal.ts';

/** Entries per chunk (128 KB of typed arrays); a drained chunk is dropped. */
const CHUNK = 8192;

interface Chunk {
  offsets: Float64Array;
  lengths: Uint32Array;
  sources: Uint32Array;
}

export interface Positioned<S> {
  at: JournalPosition;
  source: S;
}

export class PositionQueue<S> {
  private chunks: Chunk[] = [];
  /** Index of the next entry to take in chunks[0]. */
  private head = 0;
  /** Index of the next free entry in the last chunk. */
  private tail = CHUNK;
  private count = 0;
  private sourceList: S[] = [];
  private sourceIndex = new Map<S, number>();

  get length(): number {
    return this.count;
  }

  push(at: JournalPosition, source: S): void {
    if (this.tail === CHUNK) {
      this.chunks.push({ offsets: new Float64Array(CHUNK), lengths: new Uint32Array(CHUNK), sources: new Uint32Array(CHUNK) });
      this.tail = 0;
    }
    let index = this.sourceIndex.get(source);
    if (index === undefined) {
      index = this.sourceList.push(source) - 1;
      this.sourceIndex.set(source, index);
    }
    const chunk = this.chunks[this.chunks.length - 1]!;
    chunk.offsets[this.tail] = at.offset;
    chunk.lengths[this.tail] = at.length;
    chunk.sources[this.tail] = index;
    this.tail++;
    this.count++;
  }

  shift(): Positioned<S> | undefined {
    if (this.count === 0) return undefined;
    const chunk = this.chunks[0]!;
    const taken = { at: { offset: chunk.offsets[this.head]!, length: chunk.lengths[this.head]! }, source: this.sourceList[chunk.sources[this.head]!]! };
    this.head++;
    this.count--;
    if (this.count === 0) this.clear();
    else if (this.head === CHUNK) {
      this.chunks.shift();
      this.head = 0;
    }
    return taken;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.tail = CHUNK;
    this.count = 0;
    this.sourceList = [];
    this.sourceIndex = new Map();
  }
}
