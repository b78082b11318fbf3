/**
 * The trace folder's public face. Code outside engine/trace/ imports from here (or the store
 * interface in trace-store.ts), never the reader, writer, lock or sink files, so a store that is
 * not files (memory, a database) can replace them without touching the runner or the doors.
 * Lint enforces it (eslint.config.js, test/architecture/).
 *
 * Besides the stores: what their interface takes and throws — the Redactor given to `create`, the
 * durability mode, the error a taken run raises — the leases that claim a run, and the in-memory
 * sink replay runs on.
 */
export {
  TraceQuarantinedError,
  RunNotFoundError,
  summarize,
  newestFirst,
  BLOB_THRESHOLD_BYTES,
  type TraceStore,
  type EventSink,
  type LoadedTrace,
  type RunSummary,
  type TracePage,
  type QuarantineNotice,
  type ScannedTrace,
  type WriterOptions,
} from './trace-store.ts';
export { FileTraceStore } from './file-trace-store.ts';
export { MemoryTraceStore } from './memory-trace-store.ts';
export { FileRunLeases, MemoryRunLeases, type RunLeases, type RunClaim } from './run-leases.ts';
export { assertRunId } from './run-id.ts';
export { Redactor, REDACTED } from './redactor.ts';
export { RunLockedError } from './run-lock.ts';
export type { Durability } from './trace-writer.ts';
export { MemorySink } from './memory-sink.ts';
export { RunIndex, publicSummary, type RunIndexEntry, type RunFacts, type RunIndexQuery, type RunIndexOptions, type RunIndexOpenReport } from './run-index.ts';
