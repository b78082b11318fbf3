import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../engine/model/events.ts';
import { summarizeInput } from '../../engine/model/input-summary.ts';
import { firstItems, groupCalls } from '../../renderer/logic/outside-calls.ts';
import { describeOrigin, pageRange } from '../../renderer/logic/run-origin.ts';

const ts = (ms: number) => new Date(Date.UTC(2026, 0, 1, 9, 0, 0, ms)).toISOString();
const names = new Map([
  ['fetch', 'Fetch invoices'],
  ['approve', 'Approve invoice'],
]);

function callEvents(): RunEvent[] {
  const out: unknown[] = [];
  let seq = 0;
  out.push({ seq: ++seq, ts: ts(seq), type: 'external.intent', nodeId: 'fetch', attempt: 1, itemIndex: -1, kind: 'secret:demo-api', call: 0, effects: 'pure', request: null });
  out.push({ seq: ++seq, ts: ts(seq), type: 'external.result', nodeId: 'fetch', attempt: 1, itemIndex: -1, kind: 'secret:demo-api', call: 0, result: '[redacted]' });
  for (let i = 0; i < 30; i++) {
    out.push({ seq: ++seq, ts: ts(seq), type: 'external.intent', nodeId: 'approve', attempt: 1, itemIndex: i, kind: 'http', call: 0, effects: 'write', request: { method: 'POST', url: `http://api.test/approve/${i}` } });
    out.push(
      i === 3
        ? { seq: ++seq, ts: ts(seq), type: 'external.result', nodeId: 'approve', attempt: 1, itemIndex: i, kind: 'http', call: 0, error: { message: 'Could not reach http://api.test/approve/3: ECONNREFUSED.', code: 'NETWORK', retryable: true } }
        : { seq: ++seq, ts: ts(seq), type: 'external.result', nodeId: 'approve', attempt: 1, itemIndex: i, kind: 'http', call: 0, result: { status: 201 } },
    );
  }
  return out as RunEvent[];
}

describe('outside calls, grouped', () => {
  it('joins what went out and what came back, by step in flow order and by item from 1', () => {
    const steps = groupCalls(callEvents(), names);
    expect(steps.map((s) => [s.name, s.calls, s.failed, s.items.length])).toEqual([
      ['Fetch invoices', 1, 0, 1],
      ['Approve invoice', 30, 1, 30],
    ]);
    expect(steps[0]!.items[0]).toMatchObject({ label: 'For the whole step', calls: [{ text: 'Read the credential “demo-api”', failed: false }] });
    expect(steps[1]!.items[0]).toMatchObject({ label: 'Item 1', calls: [{ text: 'Web request: POST http://api.test/approve/0 → answer 201' }] });
    expect(steps[1]!.items[3]!.calls[0]).toMatchObject({ failed: true, text: 'Web request: POST http://api.test/approve/3 failed: Nothing answered at api.test (connection refused).' });
  });

  it('filters by step and by failure', () => {
    expect(groupCalls(callEvents(), names, { nodeId: 'fetch' }).map((s) => s.nodeId)).toEqual(['fetch']);
    const failed = groupCalls(callEvents(), names, { onlyFailed: true });
    expect(failed).toHaveLength(1);
    expect(failed[0]!.items.map((i) => i.label)).toEqual(['Item 4']);
  });

  it('pages by items across steps', () => {
    const steps = groupCalls(callEvents(), names);
    const page = firstItems(steps, 25);
    expect(page).toMatchObject({ shownItems: 25, totalItems: 31 });
    expect(page.steps.map((s) => s.items.length)).toEqual([1, 24]);
    expect(firstItems(steps, 100).shownItems).toBe(31);
  });
});

describe('what started a run', () => {
  it('says how, who and with what', () => {
    expect(describeOrigin({ mode: 'run', startedBy: 'app', startedByName: 'Ana', inputSummary: 'vendor: Paper & Co' })).toEqual({ how: 'Started in the app by Ana', input: 'vendor: Paper & Co' });
    expect(describeOrigin({ mode: 'run', startedBy: 'cli' })).toEqual({ how: 'Started from the command line', input: 'no input' });
    expect(describeOrigin({ mode: 'fork', startedBy: 'app' }).how).toBe('Re-run from a step');
    expect(pageRange(1, 50, 50)).toBe('Runs 51–100');
  });

  it('sums up an input in a line', () => {
    expect(summarizeInput({ apiBase: 'http://127.0.0.1:4010', autoApproveLimit: 500, note: '', tags: ['a', 'b'], extra: { a: 1 } })).toBe('apiBase: http://127.0.0.1:4010 · autoApproveLimit: 500 · tags: 2 entries · 1 more field');
    expect(summarizeInput({})).toBeUndefined();
    expect(summarizeInput({ body: 'x'.repeat(100) })).toBe(`body: ${'x'.repeat(39)}…`);
    expect(summarizeInput({ $blob: 'ab', bytes: 2048 })).toBe('a large input (2 KB)');
  });
});
