/**
 * A quick read of a trace for derived views that are rebuilt from traces (the inbox index): the
 * header and only the events of the wanted types. Most lines are never parsed: the writer puts
 * `seq`, `ts` and `type` first on every line, so the type is read from the line's start, and only
 * wanted lines (and any line not in that shape) go through JSON.parse.
 *
 * What it does not check, on purpose: the hash chain and the flow's hash. Those are `load`'s job,
 * and every use of a run that acts on it (a decision, a resume, `inbox.get`) loads it in full, so
 * a changed trace is still found and set aside then. What it does keep from the full reader: a
 * line that is not JSON is damage (the caller falls back to `load`, which quarantines), a torn
 * last line is ignored, and so are the lines of a write batch whose seal never reached the disk
 * (they are not part of the run, see hash-chain.ts).
 *
 * May import: `engine/model`, the reader's header check and the chain's line format.
 */
import type { RunEvent, TraceHeader } from '../model/events.ts';
import { HASH_CHAIN, unsealLine } from './hash-chain.ts';
import { checkHeader, TraceDamagedError } from './trace-reader.ts';

export interface ScannedTrace {
  header: TraceHeader;
  /** The wanted events, in trace order (not every sequence number: the others were skipped). */
  events: RunEvent[];
}

/** `{"seq":12,"ts":"…","type":"review.requested"` — how the trace writer starts every event line. */
const LINE_START = /^\{"seq":\d+,"ts":"[^"\\]*","type":"([^"\\]+)"/;

export function scanTraceText(text: string, location: string, wanted: (type: string) => boolean): ScannedTrace {
  const endsWithNewline = text.endsWith('\n');
  const lines = text.split('\n');
  if (endsWithNewline) lines.pop();
  if (lines.length === 0 || lines[0]!.trim() === '') throw new TraceDamagedError(location, 1, 'the file is empty (no header line)');
  let headerValue: unknown;
  try {
    headerValue = JSON.parse(lines[0]!);
  } catch {
    throw new TraceDamagedError(location, 1, lines.length === 1 && !endsWithNewline ? 'the header line is cut short' : 'a line that is not valid JSON');
  }
  const header = checkHeader(headerValue, location);
  const chained = header.hashChain === HASH_CHAIN;
  delete header.hashChain;

  // A chained trace ends at its last sealed line: lines after it are a batch cut short.
  let end = lines.length;
  if (chained) {
    end = 1;
    for (let i = lines.length - 1; i > 0; i--) {
      if (unsealLine(lines[i]!).h !== undefined) {
        end = i + 1;
        break;
      }
    }
  }
  const events: RunEvent[] = [];
  for (let i = 1; i < end; i++) {
    const line = lines[i]!;
    const start = LINE_START.exec(line);
    if (start && !wanted(start[1]!)) continue;
    let value: RunEvent;
    try {
      value = JSON.parse(chained ? unsealLine(line).body : line) as RunEvent;
    } catch {
      if (i === lines.length - 1 && !endsWithNewline) break; // a torn last line
      throw new TraceDamagedError(location, i + 1, line.trim() === '' ? 'an empty line' : 'a line that is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || typeof value.type !== 'string' || typeof value.seq !== 'number') {
      throw new TraceDamagedError(location, i + 1, 'a line that is not a run event');
    }
    if (start || wanted(value.type)) events.push(value);
  }
  return { header, events };
}
