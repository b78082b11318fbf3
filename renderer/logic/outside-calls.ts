/**
 * "Show every outside call" for runs of any size: one line per call (what went out and what came
 * back, joined), grouped by step and then by item, filterable by step and by "failed only", and
 * shown a page of items at a time — a 300-item run is a list to browse, not one 25,000-pixel page.
 * Pure, unit-tested in test/renderer/outside-calls.test.ts.
 */
import type { RunEvent } from '../../engine/model/events.ts';
import { callWord, credentialOf, requestSummary, resultSummary } from './timeline.ts';
import { plainError } from './plain-errors.ts';

export interface CallLine {
  key: string;
  seq: number;
  ts: string;
  text: string;
  failed: boolean;
  /** The original error words when the line tells them plainly. */
  technical?: string;
}

export interface ItemCalls {
  /** -1: calls the step made once, for all its items (a credential, the clock). */
  itemIndex: number;
  label: string;
  calls: CallLine[];
  failed: number;
}

export interface StepCalls {
  nodeId: string;
  name: string;
  items: ItemCalls[];
  calls: number;
  failed: number;
}

export interface CallFilter {
  nodeId?: string;
  onlyFailed?: boolean;
}

function lineFor(kind: string, request: unknown, result: { done: boolean; value?: unknown; error?: { message: string; code?: string } }, attempt: number): Pick<CallLine, 'text' | 'failed' | 'technical'> {
  const credential = credentialOf(kind);
  const again = attempt > 1 ? ` (attempt ${attempt})` : '';
  if (result.error) {
    const plain = plainError(result.error);
    const what = credential !== undefined ? `Could not read the credential “${credential}”` : `${capital(callWord(kind))}${describeRequest(request)} failed`;
    return { text: `${what}${again}: ${plain.sentence}`, failed: true, ...(plain.technical ? { technical: plain.technical } : {}) };
  }
  if (credential !== undefined) return { text: `Read the credential “${credential}”${again}`, failed: false };
  if (kind === 'clock') return { text: `Read the clock${again}`, failed: false };
  if (kind === 'random') return { text: `Drew a random number${again}`, failed: false };
  const answer = result.done ? `→ ${resultSummary(result.value)}` : '→ no answer recorded';
  return { text: `${capital(callWord(kind))}${describeRequest(request)} ${answer}${again}`, failed: false };
}

function describeRequest(request: unknown): string {
  const what = requestSummary(request);
  return what ? `: ${what}` : '';
}

function capital(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** Every outside call of the run, grouped by step (in `names` order) and item (in order). */
export function groupCalls(events: readonly RunEvent[], names: ReadonlyMap<string, string>, filter: CallFilter = {}): StepCalls[] {
  type Pending = { seq: number; ts: string; nodeId: string; itemIndex: number; kind: string; attempt: number; request?: unknown; done: boolean; value?: unknown; error?: { message: string; code?: string } };
  const calls = new Map<string, Pending>();
  for (const e of events) {
    if (e.type !== 'external.intent' && e.type !== 'external.result') continue;
    const key = `${e.nodeId}#${e.attempt}/${e.itemIndex}/${e.kind}/${e.call}`;
    const entry = calls.get(key) ?? { seq: e.seq, ts: e.ts, nodeId: e.nodeId, itemIndex: e.itemIndex, kind: e.kind, attempt: e.attempt, done: false };
    if (e.type === 'external.intent') entry.request = e.request;
    else {
      entry.done = true;
      if ('result' in e) entry.value = e.result;
      if (e.error) entry.error = e.error;
    }
    calls.set(key, entry);
  }
  const steps = new Map<string, Map<number, CallLine[]>>();
  for (const [key, c] of calls) {
    if (filter.nodeId && c.nodeId !== filter.nodeId) continue;
    const line: CallLine = { key, seq: c.seq, ts: c.ts, ...lineFor(c.kind, c.request, c, c.attempt) };
    if (filter.onlyFailed && !line.failed) continue;
    const items = steps.get(c.nodeId) ?? new Map<number, CallLine[]>();
    items.set(c.itemIndex, [...(items.get(c.itemIndex) ?? []), line]);
    steps.set(c.nodeId, items);
  }
  const order = [...names.keys(), ...[...steps.keys()].filter((id) => !names.has(id))];
  const out: StepCalls[] = [];
  for (const nodeId of order) {
    const items = steps.get(nodeId);
    if (!items) continue;
    const grouped = [...items.entries()]
      .sort(([a], [b]) => a - b)
      .map(([itemIndex, lines]) => ({
        itemIndex,
        label: itemIndex >= 0 ? `Item ${itemIndex + 1}` : 'For the whole step',
        calls: lines.sort((a, b) => a.seq - b.seq),
        failed: lines.filter((l) => l.failed).length,
      }));
    out.push({ nodeId, name: names.get(nodeId) ?? nodeId, items: grouped, calls: grouped.reduce((n, g) => n + g.calls.length, 0), failed: grouped.reduce((n, g) => n + g.failed, 0) });
  }
  return out;
}

/** The first `limit` item groups across steps (steps cut to what fits), and how many are left. */
export function firstItems(steps: readonly StepCalls[], limit: number): { steps: StepCalls[]; shownItems: number; totalItems: number } {
  const totalItems = steps.reduce((n, s) => n + s.items.length, 0);
  const shown: StepCalls[] = [];
  let left = limit;
  for (const step of steps) {
    if (left <= 0) break;
    const items = step.items.slice(0, left);
    left -= items.length;
    shown.push({ ...step, items });
  }
  return { steps: shown, shownItems: Math.min(limit, totalItems), totalItems };
}
