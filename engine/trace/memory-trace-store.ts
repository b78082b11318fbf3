/**
 * MemoryTraceStore: every trace held in this process, as the same redacted JSON lines the file
 * store writes (so what a test reads back is what would be on disk). For tests and benchmarks,
 * and the yardstick a database-backed store is held to: it passes the same contract suite.
 */
import { createHash } from 'node:crypto';
import type { BlobRef, RunEvent, RunEventBody, TraceHeader } from '../model/events.ts';
import { isBlobRef } from '../model/events.ts';
import type { Redactor } from './redactor.ts';
import { MemoryRunLeases } from './run-leases.ts';
import { assertRunId } from './run-id.ts';
import { TraceWriteError } from './trace-writer.ts';
import {
  BLOB_THRESHOLD_BYTES,
  newestFirst,
  RunNotFoundError,
  summarize,
  type EventSink,
  type LoadedTrace,
  type QuarantineNotice,
  type RunSummary,
  type ScannedTrace,
  TraceChangeListeners,
  type TraceChangeListener,
  type TracePage,
  type TraceStore,
  type WriterOptions,
} from './trace-store.ts';

interface StoredTrace {
  header: string;
  events: string[];
}

class MemorySink implements EventSink {
  private closed = false;

  constructor(
    private readonly runId: string,
    private readonly trace: StoredTrace,
    private readonly redactor: Redactor,
    private seq: number,
  ) {}

  get lastSeq(): number {
    return this.seq - 1;
  }

  append(body: RunEventBody): RunEvent {
    if (this.closed) throw new TraceWriteError(`The trace of run ${this.runId} is already closed.`);
    const event = { seq: this.seq++, ts: new Date().toISOString(), ...body } as RunEvent;
    this.trace.events.push(this.redactor.stringify(event));
    return event;
  }

  async appendDurable(body: RunEventBody): Promise<RunEvent> {
    return this.append(body);
  }

  async sync(): Promise<void> {}
  async flush(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

export class MemoryTraceStore implements TraceStore {
  readonly leases = new MemoryRunLeases();
  private readonly traces = new Map<string, StoredTrace>();
  private readonly blobs = new Map<string, string>();
  private readonly changes = new TraceChangeListeners();

  onChange(listener: TraceChangeListener): () => void {
    return this.changes.add(listener);
  }

  /** The number of lines each trace holds: it grows with every event. */
  async stamps(): Promise<Map<string, string>> {
    return new Map([...this.traces].map(([runId, trace]) => [runId, String(trace.events.length + 1)]));
  }

  async runIds(): Promise<string[]> {
    return [...this.traces.keys()];
  }

  async stamp(runId: string): Promise<string | undefined> {
    const trace = this.traces.get(runId);
    return trace ? String(trace.events.length + 1) : undefined;
  }

  private stored(runId: string): StoredTrace {
    assertRunId(runId);
    const trace = this.traces.get(runId);
    if (!trace) throw new RunNotFoundError(runId);
    return trace;
  }

  async create(header: TraceHeader, options: WriterOptions): Promise<EventSink> {
    assertRunId(header.runId);
    if (this.traces.has(header.runId)) throw new Error(`Run ${header.runId} already exists (EEXIST).`);
    const trace: StoredTrace = { header: options.redactor.stringify(header), events: [] };
    this.traces.set(header.runId, trace);
    const sink = this.changes.wrap(header.runId, new MemorySink(header.runId, trace, options.redactor, 1));
    await this.changes.notify({ runId: header.runId, header });
    return sink;
  }

  async reopen(runId: string, options: WriterOptions): Promise<{ trace: LoadedTrace; sink: EventSink }> {
    const trace = await this.load(runId);
    const stored = this.stored(runId);
    const sink = this.changes.wrap(runId, new MemorySink(runId, stored, options.redactor, stored.events.length + 1));
    await this.changes.notify({ runId, reopened: true });
    return { trace, sink };
  }

  async load(runId: string): Promise<LoadedTrace> {
    const stored = this.stored(runId);
    return { header: JSON.parse(stored.header) as TraceHeader, events: stored.events.map((line) => JSON.parse(line) as RunEvent) };
  }

  async scanEvents(runId: string, wanted: (type: string) => boolean): Promise<ScannedTrace> {
    const { header, events } = await this.load(runId);
    return { header, events: events.filter((e) => wanted(e.type)) };
  }

  async readEvents(runId: string, afterSeq: number, limit: number): Promise<TracePage> {
    const stored = this.stored(runId);
    const from = Math.max(0, afterSeq); // event n is at index n - 1
    const events = stored.events.slice(from, from + limit).map((line) => JSON.parse(line) as RunEvent);
    return { events, lastSeq: events.length > 0 ? events[events.length - 1]!.seq : afterSeq, hasMore: stored.events.length > from + limit };
  }

  async list(): Promise<{ runs: RunSummary[]; quarantined: QuarantineNotice[] }> {
    const runs: RunSummary[] = [];
    for (const runId of this.traces.keys()) runs.push(summarize(await this.load(runId)));
    return { runs: runs.sort(newestFirst), quarantined: [] };
  }

  async putPayload<T>(value: T, redactor?: Redactor): Promise<T | BlobRef> {
    const text = redactor ? redactor.stringify(value) : JSON.stringify(value);
    if (text === undefined || text.length < BLOB_THRESHOLD_BYTES) return value;
    const hash = createHash('sha256').update(text).digest('hex');
    this.blobs.set(hash, text);
    return { $blob: hash, bytes: Buffer.byteLength(text) };
  }

  async getPayload<T>(value: T | BlobRef): Promise<T> {
    if (!isBlobRef(value)) return value;
    const text = this.blobs.get(value.$blob);
    if (text === undefined) throw new Error(`A large value of this run (${value.$blob.slice(0, 12)}…) is not in the store.`);
    return JSON.parse(text) as T;
  }
}
