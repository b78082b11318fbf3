/**
 * TraceStore: the only place that knows traces are files. Today: JSONL files in the data folder,
 *
 *   <dataDir>/runs/<runId>.jsonl     one append-only trace per run
 *   <dataDir>/runs/<runId>.lock      held while a process executes the run
 *   <dataDir>/blobs/<ab>/<sha256>.json  large payloads, content-addressed
 *   <dataDir>/quarantine/            damaged traces, moved aside with a note
 *
 * A later worker mode can put another implementation behind the same interface.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, writeFile, truncate, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BlobRef, RunEventBody, RunEvent, TraceHeader } from '../model/events.ts';
import { isBlobRef } from '../model/events.ts';
import { reduceRun, type RunState } from '../model/run-state.ts';
import { runItemFailures } from '../model/item-failures.ts';
import { summarizeInput } from '../model/input-summary.ts';
import type { Redactor } from './redactor.ts';
import { parseTraceText, TraceDamagedError, type ParsedTrace } from './trace-reader.ts';
import { TraceWriter, type Durability } from './trace-writer.ts';
import { claimRun, type RunClaim } from './run-lock.ts';

/** Payloads larger than this (serialized) go to a side file. */
export const BLOB_THRESHOLD_BYTES = 64 * 1024;

export interface EventSink {
  append(body: RunEventBody): RunEvent;
  appendDurable(body: RunEventBody): Promise<RunEvent>;
  sync(): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly lastSeq: number;
}

export interface LoadedTrace extends ParsedTrace {
  location: string;
}

export interface RunSummary {
  runId: string;
  flowId: string;
  flowName: string;
  flowVersion: number;
  status: RunState['status'];
  createdAt: string;
  updatedAt: string;
  location: string;
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
}

export interface QuarantineNotice {
  runId: string;
  /** Where the file is now (unchanged when it was not moved). */
  movedTo: string;
  moved: boolean;
  reason: string;
}

export interface WriterOptions {
  durability: Durability;
  redactor: Redactor;
}

export interface TraceStore {
  create(header: TraceHeader, options: WriterOptions): Promise<EventSink>;
  /** Opens an unfinished run for appending. A torn last line is cut off first. */
  reopen(runId: string, options: WriterOptions): Promise<{ trace: LoadedTrace; sink: EventSink }>;
  /** By run id or by a path to a trace file. Damaged traces are quarantined and rethrown. */
  load(runIdOrPath: string): Promise<LoadedTrace>;
  list(): Promise<{ runs: RunSummary[]; quarantined: QuarantineNotice[] }>;
  claim(runId: string): Promise<RunClaim>;
  /** Returns the value itself, or a reference to a side file when it is large. */
  putPayload<T>(value: T, redactor?: Redactor): Promise<T | BlobRef>;
  getPayload<T>(value: T | BlobRef): Promise<T>;
  /** Where a person finds the run's trace (a file path today). */
  locate(runId: string): string;
}

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
  constructor(readonly runId: string, readonly location: string) {
    super(`There is no run "${runId}" (looked for ${location}). List runs with "flowkeeper runs".`);
    this.name = 'RunNotFoundError';
  }
}

const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$/;

export class FileTraceStore implements TraceStore {
  readonly runsDir: string;
  readonly blobsDir: string;
  readonly quarantineDir: string;

  constructor(readonly dataDir: string) {
    this.runsDir = join(dataDir, 'runs');
    this.blobsDir = join(dataDir, 'blobs');
    this.quarantineDir = join(dataDir, 'quarantine');
  }

  locate(runId: string): string {
    if (!RUN_ID_RE.test(runId)) throw new Error(`"${runId}" is not a valid run id.`);
    return join(this.runsDir, `${runId}.jsonl`);
  }

  async create(header: TraceHeader, options: WriterOptions): Promise<EventSink> {
    await mkdir(this.runsDir, { recursive: true });
    const path = this.locate(header.runId);
    const file = await open(path, 'wx');
    await file.write(options.redactor.stringify(header) + '\n');
    await file.datasync();
    await fsyncDir(this.runsDir);
    return new TraceWriter(file, path, { ...options, nextSeq: 1 });
  }

  async reopen(runId: string, options: WriterOptions): Promise<{ trace: LoadedTrace; sink: EventSink }> {
    const trace = await this.load(runId);
    const path = trace.location;
    if (trace.tornTail) await truncate(path, trace.intactBytes);
    const file = await open(path, 'a');
    if (trace.missingFinalNewline) await file.write('\n');
    const last = trace.events.length > 0 ? trace.events[trace.events.length - 1]!.seq : 0;
    return { trace, sink: new TraceWriter(file, path, { ...options, nextSeq: last + 1 }) };
  }

  async load(runIdOrPath: string): Promise<LoadedTrace> {
    const path = runIdOrPath.endsWith('.jsonl') || runIdOrPath.includes('/') ? runIdOrPath : this.locate(runIdOrPath);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new RunNotFoundError(runIdOrPath, path);
      throw error;
    }
    try {
      return { ...parseTraceText(text, path), location: path };
    } catch (error) {
      if (error instanceof TraceDamagedError) throw new TraceQuarantinedError(await this.quarantine(path, error));
      throw error;
    }
  }

  async list(): Promise<{ runs: RunSummary[]; quarantined: QuarantineNotice[] }> {
    let names: string[];
    try {
      names = await readdir(this.runsDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], quarantined: [] };
      throw error;
    }
    const runs: RunSummary[] = [];
    const quarantined: QuarantineNotice[] = [];
    for (const name of names.filter((n) => n.endsWith('.jsonl')).sort()) {
      try {
        runs.push(summarize(await this.load(join(this.runsDir, name))));
      } catch (error) {
        if (error instanceof TraceQuarantinedError) quarantined.push(error.notice);
        else throw error;
      }
    }
    runs.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return { runs, quarantined };
  }

  async claim(runId: string): Promise<RunClaim> {
    const tracePath = this.locate(runId); // validates the id
    await mkdir(this.runsDir, { recursive: true });
    return claimRun(runId, tracePath.replace(/\.jsonl$/, '.lock'));
  }

  async putPayload<T>(value: T, redactor?: Redactor): Promise<T | BlobRef> {
    const text = redactor ? redactor.stringify(value) : JSON.stringify(value);
    if (text === undefined || text.length < BLOB_THRESHOLD_BYTES) return value;
    const hash = createHash('sha256').update(text).digest('hex');
    const dir = join(this.blobsDir, hash.slice(0, 2));
    const path = join(dir, `${hash}.json`);
    const exists = await stat(path).then(() => true, () => false);
    if (!exists) {
      await mkdir(dir, { recursive: true });
      // Write aside and rename, fsynced: the event that points here may be synced right after.
      const tmp = `${path}.${randomUUID()}.tmp`;
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(text);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      await fsyncDir(dir);
    }
    return { $blob: hash, bytes: Buffer.byteLength(text) };
  }

  async getPayload<T>(value: T | BlobRef): Promise<T> {
    if (!isBlobRef(value)) return value;
    if (!/^[0-9a-f]{64}$/.test(value.$blob)) throw new Error(`Invalid blob reference "${value.$blob}".`);
    const path = join(this.blobsDir, value.$blob.slice(0, 2), `${value.$blob}.json`);
    try {
      return JSON.parse(await readFile(path, 'utf8')) as T;
    } catch (error) {
      throw new Error(`A large value of this run is stored in ${path}, but it could not be read (${(error as Error).message}). Was the blobs folder moved or cleaned?`);
    }
  }

  private async quarantine(path: string, damage: TraceDamagedError): Promise<QuarantineNotice> {
    const runId = basename(path, '.jsonl');
    // Only our own run files are moved; a file the person pointed at elsewhere stays put.
    if (resolve(dirname(path)) !== resolve(this.runsDir)) return { runId, movedTo: path, moved: false, reason: `line ${damage.line}: ${damage.reason}` };
    await mkdir(this.quarantineDir, { recursive: true });
    const movedTo = join(this.quarantineDir, `${runId}.${Date.now()}.jsonl`);
    const reason = `line ${damage.line}: ${damage.reason}`;
    try {
      await rename(path, movedTo);
      await writeFile(`${movedTo}.reason.txt`, `${damage.message}\nQuarantined at ${new Date().toISOString()}.\n`);
    } catch {
      // Read-only or foreign file: report it, leave it where it is.
      return { runId, movedTo: path, moved: false, reason };
    }
    return { runId, movedTo, moved: true, reason };
  }
}

export function summarize(trace: LoadedTrace): RunSummary {
  const state = reduceRun(trace.header, trace.events);
  const summary: RunSummary = {
    runId: state.runId,
    flowId: state.flowId,
    flowName: state.flowName,
    flowVersion: state.flowVersion,
    status: state.status,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    location: trace.location,
    mode: trace.header.mode,
  };
  if (trace.header.parentRunId !== undefined) summary.parentRunId = trace.header.parentRunId;
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

async function fsyncDir(dir: string): Promise<void> {
  // Makes the new file's directory entry durable; not supported on every platform.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort (e.g. Windows) */
  }
}
