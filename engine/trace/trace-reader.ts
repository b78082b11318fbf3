/**
 * Reads a trace file. A torn end (the process died mid-write: a cut last line, or whole lines of
 * a write batch whose sealing line never reached the disk) is tolerated and reported; any other
 * damage raises TraceDamagedError, which the store turns into a quarantine.
 */
import { readFile } from 'node:fs/promises';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type RunEvent, type TraceHeader } from '../model/events.ts';
import { chainHash, chainSeed, HASH_CHAIN, unsealLine } from './hash-chain.ts';

export interface ParsedTrace {
  header: TraceHeader;
  events: RunEvent[];
  /** Byte length of the intact part; anything after it is a torn line. */
  intactBytes: number;
  /**
   * Set when the end of the file was cut short and ignored: a torn last line, and/or
   * `unsealedLines` whole lines of a write batch whose sealing line never reached the disk.
   */
  tornTail?: { bytes: number; unsealedLines?: number };
  /** The last line is whole JSON but has no newline yet. */
  missingFinalNewline: boolean;
  /** Whether every line was checked against the hash chain (false: written before hash chains). */
  chained: boolean;
  /** The last intact line's hash, where appending continues the chain. */
  lastHash?: string;
}

export class TraceDamagedError extends Error {
  constructor(
    readonly location: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`The trace ${location} is damaged at line ${line}: ${reason}.`);
    this.name = 'TraceDamagedError';
  }
}

export function parseTraceText(text: string, location: string): ParsedTrace {
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  if (endsWithNewline) lines.pop();
  if (lines.length === 0) throw new TraceDamagedError(location, 1, 'the file is empty (no header line)');

  let offset = 0;
  let header: TraceHeader | undefined;
  const events: RunEvent[] = [];
  let tornTail: ParsedTrace['tornTail'];
  let missingFinalNewline = false;

  let chain: string | undefined;
  // A chained trace is checked one write batch at a time (see hash-chain.ts): lines without `h`
  // wait here, with their bytes, until the line that seals them.
  let batch: Array<{ line: number; value: unknown; bytes: number }> = [];
  let batchText = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const isLast = i === lines.length - 1;
    const lineBytes = Buffer.byteLength(line) + (isLast && !endsWithNewline ? 0 : 1);
    const { body, h } = i === 0 ? { body: line, h: undefined } : unsealLine(line);
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      if (isLast && !endsWithNewline && header) {
        tornTail = { bytes: lineBytes };
        break;
      }
      throw new TraceDamagedError(location, i + 1, line.trim() === '' ? 'an empty line' : 'a line that is not valid JSON');
    }
    if (i === 0) {
      header = checkHeader(value, location);
      if (header.hashChain === HASH_CHAIN) chain = chainSeed(line);
      // The marker belongs to the file format; callers see the header the engine wrote (`chained` says it).
      delete header.hashChain;
    } else if (chain === undefined) {
      addEvent(events, value, i + 1, location);
    } else {
      if (h === undefined) {
        // Inside a batch: sealed by a later line.
        batch.push({ line: i + 1, value, bytes: lineBytes });
        batchText += `${line}\n`;
        continue;
      }
      const first = batch.length > 0 ? batch[0]!.line : i + 1;
      if (chainHash(chain, batchText + body) !== h) {
        throw new TraceDamagedError(
          location,
          first,
          first === i + 1
            ? 'a line whose hash does not follow from the line before it (this line was changed, or a line before it was changed, removed or moved)'
            : `a line whose hash does not follow from the line before it (lines ${first}–${i + 1} were written together and are sealed by the hash on line ${i + 1}: one of them was changed, or a line before them was changed, removed or moved)`,
        );
      }
      chain = h;
      for (const held of batch) {
        addEvent(events, held.value, held.line, location);
        offset += held.bytes;
      }
      addEvent(events, value, i + 1, location);
      batch = [];
      batchText = '';
    }
    if (isLast && !endsWithNewline) missingFinalNewline = true;
    offset += lineBytes;
  }
  if (batch.length > 0) {
    // Lines of a batch whose seal never reached the disk: the process stopped mid-write. Like a
    // torn line they are not part of the run; resume cuts them off and writes them again.
    const unsealed = batch.reduce((sum, held) => sum + held.bytes, 0);
    tornTail = { bytes: unsealed + (tornTail?.bytes ?? 0), unsealedLines: batch.length };
    missingFinalNewline = false;
  }
  if (!header) throw new TraceDamagedError(location, 1, 'the header line is cut short');
  const parsed: ParsedTrace = { header, events, intactBytes: offset, missingFinalNewline, chained: chain !== undefined };
  if (chain !== undefined) parsed.lastHash = chain;
  if (tornTail) parsed.tornTail = tornTail;
  return parsed;
}

function addEvent(events: RunEvent[], value: unknown, line: number, location: string): void {
  const event = value as RunEvent;
  if (typeof event !== 'object' || event === null || typeof event.type !== 'string' || typeof event.seq !== 'number') {
    throw new TraceDamagedError(location, line, 'a line that is not a run event');
  }
  const previous = events.length > 0 ? events[events.length - 1]!.seq : 0;
  if (event.seq !== previous + 1) {
    throw new TraceDamagedError(location, line, `event number ${event.seq} follows ${previous} (lines are missing or out of order)`);
  }
  events.push(event);
}

/** The header line's value as a header, or TraceDamagedError (also used by the quick scan, trace-scan.ts). */
export function checkHeader(value: unknown, location: string): TraceHeader {
  const h = value as Partial<TraceHeader> | null;
  if (typeof h !== 'object' || h === null || h.kind !== 'header' || h.format !== TRACE_FORMAT) {
    throw new TraceDamagedError(location, 1, 'the first line is not a Flowkeeper trace header');
  }
  if (typeof h.formatVersion !== 'number' || h.formatVersion > TRACE_FORMAT_VERSION) {
    throw new TraceDamagedError(location, 1, `trace format ${String(h.formatVersion)} is newer than this Flowkeeper reads (${TRACE_FORMAT_VERSION}); update Flowkeeper`);
  }
  if (h.hashChain !== undefined && h.hashChain !== HASH_CHAIN) {
    throw new TraceDamagedError(location, 1, `the header names a hash chain "${String(h.hashChain)}" this Flowkeeper does not know; update Flowkeeper`);
  }
  if (typeof h.runId !== 'string' || typeof h.flowId !== 'string') {
    throw new TraceDamagedError(location, 1, 'the header has no run id or flow id');
  }
  return h as TraceHeader;
}

export async function readTraceFile(path: string): Promise<ParsedTrace> {
  const text = await readFile(path, 'utf8');
  return parseTraceText(text, path);
}
