/**
 * A run's timeline in plain sentences, built from its trace events (`traces.events` and live
 * `run.event`s feed the same function). Never shows stack traces; outside calls only on request.
 */
import type { RunEvent } from '../../engine/model/events.ts';
import { OUTCOME_LABELS } from '../../engine/model/review.ts';
import { choiceLabel } from './attention.ts';
import { describePorts, formatDuration, runStatusLabel, type Tone } from './format.ts';
import { plainError, tidyEngineWords } from './plain-errors.ts';

export interface TimelineEntry {
  seq: number;
  ts: string;
  /** Milliseconds since the first event of the run. */
  elapsedMs: number;
  tone: Tone;
  text: string;
  /** A second line: what to do next, or the reason. */
  detail?: string;
  /** A short aside shown after the text, e.g. how long a step took. */
  note?: string;
  nodeId?: string;
}

export interface TimelineOptions {
  /**
   * Also show every call to the outside world (HTTP requests, clock, AI answers) and every
   * "started" line. Otherwise a step's "started" line shows only while it has not finished.
   */
  verbose?: boolean;
  /**
   * When the run started (`RunDetail.createdAt`): elapsed times count from it, the same clock as
   * the header's "Took", so the last line and the header agree. Default: the first event.
   */
  startedAt?: string;
}

/** Node names by id, from the flow as it ran (`RunDetail.flow`). */
export function nodeNames(flow: unknown): Map<string, string> {
  const names = new Map<string, string>();
  const nodes = (flow as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return names;
  for (const node of nodes) {
    const { id, name } = (node ?? {}) as { id?: unknown; name?: unknown };
    if (typeof id === 'string') names.set(id, typeof name === 'string' && name.trim() !== '' ? name : id);
  }
  return names;
}

/** Keeps only values shaped like run events (the header line and anything damaged are dropped). */
export function asRunEvents(values: readonly unknown[]): RunEvent[] {
  return values.filter((v): v is RunEvent => {
    const e = v as { type?: unknown; seq?: unknown; ts?: unknown } | null;
    return typeof e === 'object' && e !== null && typeof e.type === 'string' && typeof e.seq === 'number' && typeof e.ts === 'string' && e.type !== 'header';
  });
}

/** Adds events to a list kept in sequence order, ignoring ones already there (live + paged). */
export function mergeEvents(existing: readonly RunEvent[], incoming: readonly RunEvent[]): RunEvent[] {
  if (incoming.length === 0) return existing as RunEvent[];
  const seen = new Set(existing.map((e) => e.seq));
  const fresh = incoming.filter((e) => !seen.has(e.seq));
  if (fresh.length === 0) return existing as RunEvent[];
  const merged = [...existing, ...fresh];
  merged.sort((a, b) => a.seq - b.seq);
  return merged;
}

function itemCount(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + (Number.isFinite(n) ? n : 0), 0);
}

function itemsWord(n: number): string {
  return `${n} item${n === 1 ? '' : 's'}`;
}

export function requestSummary(request: unknown): string {
  const r = (request ?? {}) as { method?: unknown; url?: unknown; model?: unknown };
  if (typeof r.method === 'string' && typeof r.url === 'string') return `${r.method} ${r.url}`;
  if (typeof r.model === 'string') return `a question to ${r.model}`;
  return '';
}

export function resultSummary(result: unknown): string {
  const r = (result ?? {}) as { status?: unknown };
  return typeof r.status === 'number' ? `answer ${r.status}` : 'answered';
}

/** "for item 3", or nothing for a call the step made once for all items (index -1). */
function forItem(itemIndex: number): string {
  return itemIndex >= 0 ? ` for item ${itemIndex + 1}` : '';
}

/** A credential read (`secret:<id>`): its id, or undefined for any other kind. */
export function credentialOf(kind: string): string | undefined {
  return kind.startsWith('secret:') ? kind.slice('secret:'.length) : undefined;
}

export function callWord(kind: string): string {
  const credential = credentialOf(kind);
  if (credential !== undefined) return `reading of the credential “${credential}”`;
  switch (kind) {
    case 'http':
      return 'web request';
    case 'llm':
      return 'AI request';
    case 'clock':
      return 'clock reading';
    case 'random':
      return 'random number';
    default:
      return `${kind} call`;
  }
}

/** One entry per event worth showing, in order. */
export function buildTimeline(events: readonly RunEvent[], names: ReadonlyMap<string, string>, options: TimelineOptions = {}): TimelineEntry[] {
  const origin = options.startedAt ? Date.parse(options.startedAt) : NaN;
  const first = Number.isFinite(origin) ? origin : events[0] ? Date.parse(events[0].ts) : 0;
  const name = (id: string) => `“${names.get(id) ?? id}”`;
  const verbose = options.verbose === true;
  // Steps with a result (or a stop) after their start: their "started" line adds nothing.
  const settled = new Set<string>();
  if (!verbose) {
    for (const e of events) {
      if (e.type === 'node.succeeded' || e.type === 'node.failed') settled.add(`${e.nodeId}#${e.attempt}`);
    }
  }
  const entries: TimelineEntry[] = [];
  for (const event of events) {
    if (event.type === 'node.started' && settled.has(`${event.nodeId}#${event.attempt}`)) continue;
    const described = describe(event, name, verbose);
    if (!described) continue;
    const entry: TimelineEntry = { seq: event.seq, ts: event.ts, elapsedMs: Math.max(0, Date.parse(event.ts) - first || 0), ...described };
    if ('nodeId' in event && typeof event.nodeId === 'string') entry.nodeId = event.nodeId;
    entries.push(entry);
  }
  return entries;
}

type Described = { tone: Tone; text: string; detail?: string; note?: string };

function withDetail(tone: Tone, text: string, detail: string | undefined): Described {
  return detail ? { tone, text, detail } : { tone, text };
}

function describe(event: RunEvent, name: (id: string) => string, verbose: boolean): Described | undefined {
  switch (event.type) {
    case 'run.started':
      return { tone: 'neutral', text: 'Run started' };
    case 'run.resumed':
      return event.reason.startsWith('decision:')
        ? { tone: 'neutral', text: 'Run continued after the decision' }
        : { tone: 'neutral', text: 'Run continued after an interruption' };
    case 'node.started': {
      const n = itemCount(event.inputCounts);
      const again = event.attempt > 1 ? ` again (attempt ${event.attempt})` : '';
      return { tone: 'neutral', text: `${name(event.nodeId)} started${again}${n > 0 ? ` with ${itemsWord(n)}` : ''}` };
    }
    case 'node.succeeded':
      if (event.pinnedFrom) return { tone: 'neutral', text: `${name(event.nodeId)} did not run: it used pinned test data → ${describePorts(event.outputs)}` };
      if (event.reusedFrom) return { tone: 'success', text: `${name(event.nodeId)} re-used its earlier result → ${describePorts(event.outputs)}` };
      return { tone: 'success', text: `${name(event.nodeId)} finished → ${describePorts(event.outputs)}`, note: formatDuration(event.durationMs) };
    case 'node.failed': {
      if (event.error.code === 'CANCELLED') return { tone: 'neutral', text: `${name(event.nodeId)} was stopped` };
      const message = plainError(event.error).sentence;
      if (event.willRetry) return { tone: 'warning', text: `${name(event.nodeId)} failed: ${message}`, detail: 'It will try again.' };
      if (event.routedToErrorPort) return withDetail('warning', `${name(event.nodeId)} failed: ${message}`, 'The items went on along its error path; the run carries on.');
      return withDetail('danger', `${name(event.nodeId)} failed: ${message}`, event.error.hint);
    }
    case 'node.retrying':
      return { tone: 'warning', text: `${name(event.nodeId)} will try again in ${formatDuration(event.delayMs)}` };
    case 'item.retrying':
      return { tone: 'warning', text: `${name(event.nodeId)}: item ${event.itemIndex + 1} failed (${plainError(event.error).sentence}), trying again in ${formatDuration(event.delayMs)}` };
    case 'node.skipped':
      return { tone: 'neutral', text: `${name(event.nodeId)} was skipped: ${event.reason}` };
    case 'node.log':
      return { tone: event.level === 'warn' ? 'warning' : 'neutral', text: `${name(event.nodeId)}${event.level === 'warn' ? ' warns' : ' says'}: ${event.message}` };
    case 'external.intent': {
      // Reading a credential, the clock or a random number sends nothing: only the result counts.
      if (!verbose || event.kind === 'clock' || event.kind === 'random' || credentialOf(event.kind) !== undefined) return undefined;
      const what = requestSummary(event.request);
      return { tone: 'neutral', text: `${name(event.nodeId)} is sending a ${callWord(event.kind)}${forItem(event.itemIndex)}${what ? `: ${what}` : ''}` };
    }
    case 'external.result': {
      const credential = credentialOf(event.kind);
      if (event.error) {
        const what = credential !== undefined ? `could not read the credential “${credential}”${forItem(event.itemIndex)}` : `the ${callWord(event.kind)}${forItem(event.itemIndex)} failed`;
        const text = plainError(event.error);
        return withDetail('warning', `${name(event.nodeId)}: ${what}: ${text.sentence}`, text.technical);
      }
      if (!verbose) return undefined;
      if (credential !== undefined) return { tone: 'neutral', text: `${name(event.nodeId)} read the credential “${credential}”${forItem(event.itemIndex)}` };
      if (event.kind === 'clock') return { tone: 'neutral', text: `${name(event.nodeId)} read the clock${forItem(event.itemIndex)}` };
      if (event.kind === 'random') return { tone: 'neutral', text: `${name(event.nodeId)} drew a random number${forItem(event.itemIndex)}` };
      return { tone: 'neutral', text: `${name(event.nodeId)}: ${callWord(event.kind)}${forItem(event.itemIndex)} ${resultSummary(event.result)}` };
    }
    // Human review: who was asked, who decided what (with the corrections and the comment).
    case 'review.requested':
      return { tone: 'neutral', text: `${name(event.nodeId)} asked a person to review item ${event.itemIndex + 1}: “${event.request.title}”${event.request.assignee ? ` (for ${event.request.assignee})` : ''}` };
    case 'review.decided': {
      const outcome = (OUTCOME_LABELS[event.outcome] ?? event.outcome).toLowerCase();
      const text =
        event.by === 'timer'
          ? `Nobody decided item ${event.itemIndex + 1} at ${name(event.nodeId)} in time: it left through “timeout”`
          : `${event.by} decided ${outcome} for item ${event.itemIndex + 1} at ${name(event.nodeId)}${event.final ? '' : ' (more approvals needed)'}`;
      const changes = event.changes.map((c) => `${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`);
      const detail = [...changes, ...(event.comment ? [`“${event.comment}”`] : [])].join(' · ');
      return withDetail(event.outcome === 'reject' || event.by === 'timer' ? 'warning' : 'success', text, detail || undefined);
    }
    case 'review.emitted':
      return { tone: 'neutral', text: `Item ${event.itemIndex + 1} of ${name(event.nodeId)} went on at once, in a run of its own` };
    case 'review.reminded':
      return { tone: 'neutral', text: `Reminder sent${event.assignee ? ` to ${event.assignee}` : ''}` };
    case 'review.escalated':
      return { tone: 'warning', text: `Nobody decided in time at ${name(event.nodeId)}: handed to ${event.to}` };
    case 'run.paused':
      return { tone: 'neutral', text: `Run waits for a person at ${name(event.nodeId)}` };
    case 'run.needs-attention':
      return { tone: 'warning', text: `Run stopped at ${name(event.nodeId)} and needs your decision`, detail: tidyEngineWords(event.reason) };
    case 'run.attention-resolved':
      return { tone: 'neutral', text: `${event.by || 'Someone'} chose “${choiceLabel(event.choice)}” for ${name(event.nodeId)}` };
    case 'run.finished': {
      const tone: Tone = event.status === 'succeeded' ? 'success' : event.status === 'failed' ? 'danger' : 'neutral';
      if (!event.error) return { tone, text: `Run ${runStatusLabel(event.status).toLowerCase()}` };
      const where = event.error.nodeId ? ` at ${name(event.error.nodeId)}` : '';
      const message = plainError(event.error).sentence;
      return withDetail(tone, `Run ${runStatusLabel(event.status).toLowerCase()}${message.includes(name(event.error.nodeId ?? '')) ? '' : where}: ${message}`, event.error.hint);
    }
    default:
      return undefined;
  }
}
