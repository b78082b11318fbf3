/**
 * TraceStore: where run traces live, spoken of by run id only. Nothing in it (results, errors)
 * says where or how a trace is kept, so a database-backed store can take the file store's place
 * and pass the same contract suite (test/engine/trace/store-contract.test.ts).
 *
 *   FileTraceStore    JSONL files in the data folder (file-trace-store.ts) — the default
 *   MemoryTraceStore  in memory (memory-trace-store.ts) — tests, benchmarks
 *
 * Claiming a run is not the store's job: see run-leases.ts.
 * May import: `engine/model`, the trace's own helpers (redactor, reader types).
 */
import type { BlobRef, DemoOrigin, RunEventBody, RunEvent, TraceHeader } from '../model/events.ts';
import { reduceRun, type RunState } from '../model/run-state.ts';
import { runItemFailures } from '../model/item-failures.ts';
import { summarizeInput } from '../model/input-summary.ts';
import type { Redactor } from './redactor.ts';
import type { Durability } from './trace-writer.ts';
import type { RunLeases } from './run-leases.ts';
import type { ScannedTrace } from './trace-scan.ts';

export type { ScannedTrace } from './trace-scan.ts';

export interface EventSink {
  append(body: RunEventBody): RunEvent;
  appendDurable(body: RunEventBody): Promise<RunEvent>;
  sync(): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly lastSeq: number;
}

export interface LoadedTrace {
  header: TraceHeader;
  events: RunEvent[];
  /**
   * Set when the end was cut short (the writer died mid-write) and is ignored: a torn last line,
   * and/or `unsealedLines` whole lines of a write batch whose sealing hash never reached the disk.
   */
  tornTail?: { bytes: number; unsealedLines?: number };
}

export interface RunSummary {
  runId: string;
  flowId: string;
  flowName: string;
  flowVersion: number;
  status: RunState['status'];
  createdAt: string;
  updatedAt: string;
  mode: TraceHeader['mode'];
  parentRunId?: string;
  error?: string;
  attention?: string;
  /** Steps whose items went out on their error path (see engine/model/item-failures.ts). */
  startedBy?: string;
  startedByName?: string;
  /** The run's input in one short line (engine/model/input-summary.ts). */
  inputSummary?: string;
  failedItems?: { nodeId: string; name: string; failed: number; total: number }[];
  /** A demo run: which recording answered its outside calls (engine/demo/). */
  demo?: DemoOrigin;
}

/** A trace found damaged and set aside, so no other run is affected. */
export interface QuarantineNotice {
  runId: string;
  /** Where the damaged trace was put, in the store's own words (a file path for the file store). */
  movedTo: string;
  moved: boolean;
  reason: string;
  /** When it was set aside (for traces found in quarantine/). */
  setAsideAt?: string;
}

export interface WriterOptions {
  durability: Durability;
  redactor: Redactor;
  /**
   * The run's start is already durable elsewhere (a trigger event in the fsynced intake journal,
   * which re-derives a lost start under the same run id): the trace is created without its own
   * header and folder fsyncs, and its syncs share one tick with other such runs (sync-batch.ts).
   */
  journalled?: boolean;
}

/** One page of a run's events. */
export interface TracePage {
  events: RunEvent[];
  /** The last sequence number in the page (`afterSeq` when the page is empty). */
  lastSeq: number;
  hasMore: boolean;
}

export interface TraceStore {
  create(header: TraceHeader, options: WriterOptions): Promise<EventSink>;
  /** Opens an unfinished run for appending. A torn last event is cut off first. */
  reopen(runId: string, options: WriterOptions): Promise<{ trace: LoadedTrace; sink: EventSink }>;
  /** The whole trace. Damaged traces are quarantined and raise TraceQuarantinedError. */
  load(runId: string): Promise<LoadedTrace>;
  /** Events with `seq > afterSeq`, at most `limit`, without reading the whole trace. */
  readEvents(runId: string, afterSeq: number, limit: number): Promise<TracePage>;
  list(): Promise<{ runs: RunSummary[]; quarantined: QuarantineNotice[] }>;
  /**
   * The header and only the events whose type is wanted, read quickly for a derived view that is
   * rebuilt from traces (the inbox index): neither the hash chain nor the flow's hash is checked
   * (`load` does, and everything that acts on a run loads it). A trace found damaged is loaded in
   * full instead, which quarantines it. Optional: without it, callers use `load`.
   */
  scanEvents?(runId: string, wanted: (type: string) => boolean): Promise<ScannedTrace>;
  /** Traces set aside earlier (by any process), without reading any other trace. */
  setAside?(): Promise<QuarantineNotice[]>;
  /**
   * Returns the value itself, or a reference to a side value when it is large. A value whose JSON
   * is shorter than BLOB_THRESHOLD_BYTES always stays inline (the runner relies on it to skip
   * this call for small outputs).
   */
  putPayload<T>(value: T, redactor?: Redactor): Promise<T | BlobRef>;
  getPayload<T>(value: T | BlobRef): Promise<T>;
  /** The leases that go with this store when the engine is given none (see run-leases.ts). */
  readonly leases?: RunLeases;
  /*
   * The next three are what a derived run index (run-index.ts) needs; both stores have them.
   * They are optional only so that a bare stand-in store (a benchmark's no-op store) need not.
   */
  /**
   * A cheap token per trace that changes whenever the trace does (the file store: size and
   * modification time), read without opening any trace: how the index finds what changed, also
   * in other processes.
   */
  stamps?(): Promise<Map<string, string>>;
  /** The token of one trace now, or undefined when there is no such trace. */
  stamp?(runId: string): Promise<string | undefined>;
  /** The run ids of every stored trace, without reading or stat-ing them (cheap). */
  runIds?(): Promise<string[]>;
  /**
   * Listens to traces created, reopened and writers closed by this store (this process).
   * `create`, `reopen` and the sink's `close` wait for the listener, so an index is up to date when a run's job ends; a
   * listener's failure never fails the run.
   */
  onChange?(listener: TraceChangeListener): () => void;
}

/** A store a run index can keep up with (both built-in stores are). */
export type IndexableTraceStore = TraceStore & Required<Pick<TraceStore, 'stamps' | 'stamp' | 'onChange'>>;

/** A trace was created (`header` set), reopened to continue the run (`reopened`), or a writer on it closed. */
export interface TraceChange {
  runId: string;
  header?: TraceHeader;
  reopened?: boolean;
  /**
   * At a writer's close: the trace as this process wrote it, when the store still holds it (a
   * trace created by this writer, not too long, written without a failure); undefined otherwise.
   * The run index makes the run's entry from it instead of reading the file back.
   */
  written?: () => LoadedTrace | undefined;
}

export type TraceChangeListener = (change: TraceChange) => Promise<void> | void;

/** The listeners part of a store: both implementations share it. */
export class TraceChangeListeners {
  private readonly listeners = new Set<TraceChangeListener>();

  add(listener: TraceChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async notify(change: TraceChange): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(change);
      } catch {
        /* a derived index may lag (it is reconciled from the traces); the run must not fail */
      }
    }
  }

  /**
   * The sink with a close that tells the listeners (once); `written` gives them the trace as
   * written, and `told` runs once they have all been told (the store lets those lines go).
   */
  wrap(runId: string, sink: EventSink, written?: () => LoadedTrace | undefined, told?: () => void): EventSink {
    if (this.listeners.size === 0) {
      told?.();
      return sink;
    }
    let notified = false;
    return {
      get lastSeq() {
        return sink.lastSeq;
      },
      append: (body) => sink.append(body),
      appendDurable: (body) => sink.appendDurable(body),
      sync: () => sink.sync(),
      flush: () => sink.flush(),
      close: async () => {
        try {
          await sink.close();
        } finally {
          if (!notified) {
            notified = true;
            try {
              await this.notify({ runId, ...(written ? { written } : {}) });
            } finally {
              told?.();
            }
          }
        }
      },
    };
  }
}

/** Values at least this large (serialized) are stored aside and referenced. */
export const BLOB_THRESHOLD_BYTES = 64 * 1024;

export class TraceQuarantinedError extends Error {
  constructor(readonly notice: QuarantineNotice) {
    super(
      notice.moved
        ? `The trace of run ${notice.runId} is damaged (${notice.reason}). It was moved to ${notice.movedTo} ` +
            'so no other run is affected; nothing else was changed. Send that file to support if you need the run recovered.'
        : `The trace ${notice.movedTo} is damaged (${notice.reason}). It was left where it is; nothing was changed.`,
    );
    this.name = 'TraceQuarantinedError';
  }
}

export class RunNotFoundError extends Error {
  constructor(readonly runId: string) {
    super(`There is no run "${runId}". List runs with "flowkeeper runs".`);
    this.name = 'RunNotFoundError';
  }
}

/** The run's summary; `state` when the caller has already folded the events. */
export function summarize(trace: Pick<LoadedTrace, 'header' | 'events'>, state: RunState = reduceRun(trace.header, trace.events)): RunSummary {
  const summary: RunSummary = {
    runId: state.runId,
    flowId: state.flowId,
    flowName: state.flowName,
    flowVersion: state.flowVersion,
    status: state.status,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    mode: trace.header.mode,
  };
  if (trace.header.parentRunId !== undefined) summary.parentRunId = trace.header.parentRunId;
  if (trace.header.demo !== undefined) summary.demo = trace.header.demo;
  if (state.error) summary.error = state.error.message;
  if (state.attention) summary.attention = state.attention.reason;
  if (trace.header.startedBy !== undefined) summary.startedBy = trace.header.startedBy;
  if (trace.header.startedByName !== undefined) summary.startedByName = trace.header.startedByName;
  const input = summarizeInput(trace.header.input);
  if (input) summary.inputSummary = input;
  const failures = runItemFailures(state.nodes, flowNodeOrder(trace.header.flow));
  if (failures) summary.failedItems = failures.steps.map((s) => ({ ...s, name: flowNodeName(trace.header.flow, s.nodeId) }));
  return summary;
}

/** Newest first (the order every list shows). */
export function newestFirst(a: RunSummary, b: RunSummary): number {
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0;
}

function flowNodes(flow: TraceHeader['flow']): { id: string; name?: string }[] {
  return 'nodes' in flow && Array.isArray(flow.nodes) ? flow.nodes : [];
}

function flowNodeOrder(flow: TraceHeader['flow']): string[] {
  return flowNodes(flow).map((n) => n.id);
}

/** The step's name when the flow is inline in the header (a large flow stored aside: its id). */
function flowNodeName(flow: TraceHeader['flow'], nodeId: string): string {
  const name = flowNodes(flow).find((n) => n.id === nodeId)?.name;
  return name && name.trim() !== '' ? name : nodeId;
}

