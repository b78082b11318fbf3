/**
 * The trace folder's public face. Code outside engine/trace/ imports from here (or the store
 * interface in trace-store.ts), never the reader, writer, lock or sink files, so a store that is
 * not files (memory, a database) can replace them without touching the runner or the doors.
 * Lint enforces it (eslint.config.js, test/architecture/).
 *
 * Besides the store: what its interface takes and throws — the Redactor given to `create`, the
 * durability mode, the error a taken run raises — and the in-memory sink replay runs on.
 */
export { FileTraceStore, TraceQuarantinedError, RunNotFoundError, summarize, type TraceStore, type EventSink, type LoadedTrace, type RunSummary } from './trace-store.ts';
export { Redactor, REDACTED } from './redactor.ts';
export { RunLockedError } from './run-lock.ts';
export type { Durability } from './trace-writer.ts';
export { MemorySink } from './memory-sink.ts';
