import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../engine/model/events.ts';
import { asRunEvents, buildTimeline, mergeEvents, nodeNames } from '../../renderer/logic/timeline.ts';

const flow = {
  nodes: [
    { id: 'start', name: 'Start triage' },
    { id: 'fetch', name: 'Fetch invoices' },
    { id: 'route', name: 'Small and known vendor?' },
    { id: 'approve', name: 'Approve invoice' },
    { id: 'noname', name: '' },
  ],
};
const names = nodeNames(flow);
const t = (ms: number) => new Date(Date.UTC(2026, 10, 22, 10, 0, 0, ms)).toISOString();
let seq = 0;
const ev = (ms: number, body: Record<string, unknown>): RunEvent => ({ seq: ++seq, ts: t(ms), ...body }) as RunEvent;
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ i }));

describe('timeline', () => {
  it('names nodes by their name, falling back to the id', () => {
    expect(names.get('fetch')).toBe('Fetch invoices');
    expect(names.get('noname')).toBe('noname');
    expect(nodeNames(null).size).toBe(0);
  });

  it('tells a finished run in plain sentences, without repeating "started" for finished steps', () => {
    seq = 0;
    const events = [
      ev(0, { type: 'run.started', input: {} }),
      ev(1, { type: 'node.started', nodeId: 'fetch', attempt: 1, inputCounts: { in: 1 } }),
      ev(50, { type: 'node.succeeded', nodeId: 'fetch', attempt: 1, outputs: { out: items(4), error: [] }, durationMs: 49 }),
      ev(51, { type: 'node.started', nodeId: 'route', attempt: 1, inputCounts: { in: 4 } }),
      ev(52, { type: 'node.succeeded', nodeId: 'route', attempt: 1, outputs: { true: items(2), false: items(2), error: [] }, durationMs: 1 }),
      ev(60, { type: 'run.finished', status: 'succeeded', outputs: {} }),
    ];
    const entries = buildTimeline(events, names);
    expect(entries.map((e) => e.text)).toEqual([
      'Run started',
      '“Fetch invoices” finished → 4 items',
      '“Small and known vendor?” finished → true: 2 items, false: 2 items',
      'Run succeeded',
    ]);
    expect(entries[1]).toMatchObject({ tone: 'success', note: '49 ms', nodeId: 'fetch', elapsedMs: 50 });
    expect(entries.at(-1)).toMatchObject({ tone: 'success', elapsedMs: 60 });
  });

  it('shows a step that is still running, and every start and outside call when verbose', () => {
    seq = 0;
    const events = [
      ev(0, { type: 'run.started', input: {} }),
      ev(1, { type: 'node.started', nodeId: 'approve', attempt: 1, inputCounts: { in: 2 } }),
      ev(2, { type: 'external.intent', nodeId: 'approve', attempt: 1, itemIndex: 0, kind: 'http', call: 0, effects: 'write', request: { method: 'POST', url: 'http://127.0.0.1/approvals' } }),
      ev(30, { type: 'external.result', nodeId: 'approve', attempt: 1, itemIndex: 0, kind: 'http', call: 0, result: { status: 201 } }),
    ];
    expect(buildTimeline(events, names).map((e) => e.text)).toEqual(['Run started', '“Approve invoice” started with 2 items']);
    expect(buildTimeline(events, names, { verbose: true }).map((e) => e.text)).toEqual([
      'Run started',
      '“Approve invoice” started with 2 items',
      '“Approve invoice” is sending a web request for item 1: POST http://127.0.0.1/approvals',
      '“Approve invoice”: web request for item 1 answer 201',
    ]);
  });

  it('explains failures, retries and decisions with what to do next, never a stack trace', () => {
    seq = 0;
    const error = { message: 'The server answered 503.\n    at fetch (node:internal/deps/undici:1:2)\n    at run (http-request.ts:80:5)', code: 'HTTP_STATUS', retryable: true, hint: 'Try again later.' };
    const events = [
      ev(0, { type: 'node.started', nodeId: 'fetch', attempt: 1, inputCounts: { in: 1 } }),
      ev(5, { type: 'node.failed', nodeId: 'fetch', attempt: 1, error, willRetry: true, routedToErrorPort: false, durationMs: 5 }),
      ev(6, { type: 'node.retrying', nodeId: 'fetch', attempt: 1, delayMs: 2000 }),
      ev(2010, { type: 'node.started', nodeId: 'fetch', attempt: 2, inputCounts: { in: 1 } }),
      ev(2020, { type: 'node.failed', nodeId: 'fetch', attempt: 2, error: { ...error, retryable: false }, willRetry: false, routedToErrorPort: false, durationMs: 10 }),
      ev(2021, { type: 'item.retrying', nodeId: 'approve', attempt: 1, itemIndex: 2, itemAttempt: 1, delayMs: 500, error }),
      ev(2022, { type: 'node.skipped', nodeId: 'route', reason: 'no items arrived on its inputs' }),
      ev(2023, { type: 'run.needs-attention', nodeId: 'approve', reason: 'It stopped while sending item 3.', choices: ['send-again', 'skip-item', 'cancel'] }),
      ev(2024, { type: 'run.attention-resolved', nodeId: 'approve', choice: 'skip-item', by: 'Ana' }),
      ev(2025, { type: 'run.resumed', reason: 'decision: skip-item', pid: 1 }),
      ev(2030, { type: 'run.finished', status: 'failed', outputs: {}, error: { ...error, nodeId: 'fetch' } }),
    ];
    const entries = buildTimeline(events, names);
    const text = entries.map((e) => [e.text, e.detail].filter(Boolean).join(' | '));
    expect(text).toEqual([
      '“Fetch invoices” failed: The server answered 503. | It will try again.',
      '“Fetch invoices” will try again in 2.0 s',
      '“Fetch invoices” failed: The server answered 503. | Try again later.',
      '“Approve invoice”: item 3 failed (The server answered 503.), trying again in 500 ms',
      '“Small and known vendor?” was skipped: no items arrived on its inputs',
      'Run stopped at “Approve invoice” and needs your decision | It stopped while sending item 3.',
      'Ana chose “Skip this item” for “Approve invoice”',
      'Run continued after the decision',
      'Run failed at “Fetch invoices”: The server answered 503. | Try again later.',
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/node:internal|http-request\.ts/);
    expect(entries[2]!.tone).toBe('danger');
  });

  it('describes re-used results, error paths and large outputs', () => {
    seq = 0;
    const entries = buildTimeline(
      [
        ev(0, { type: 'node.succeeded', nodeId: 'fetch', attempt: 1, outputs: { out: items(4) }, durationMs: 0, reusedFrom: 'run-1' }),
        ev(1, { type: 'node.failed', nodeId: 'approve', attempt: 1, error: { message: 'No.', code: 'X', retryable: false }, willRetry: false, routedToErrorPort: true, durationMs: 1 }),
        ev(2, { type: 'node.succeeded', nodeId: 'route', attempt: 1, outputs: { out: { $blob: 'abc', bytes: 200_000 } }, durationMs: 3 }),
      ],
      names,
    );
    expect(entries.map((e) => e.text)).toEqual([
      '“Fetch invoices” re-used its earlier result → 4 items',
      '“Approve invoice” failed: No.',
      '“Small and known vendor?” finished → a large list stored aside (195 KB)',
    ]);
    expect(entries[1]).toMatchObject({ tone: 'warning', detail: 'The items went on along its error path; the run carries on.' });
  });

  it('never shows pinned test data as having run', () => {
    seq = 0;
    const entries = buildTimeline([ev(0, { type: 'node.succeeded', nodeId: 'fetch', attempt: 1, outputs: { out: items(2) }, durationMs: 0, pinnedFrom: 'run-1' })], names);
    expect(entries.map((e) => e.text)).toEqual(['“Fetch invoices” did not run: it used pinned test data → 2 items']);
    expect(entries[0]!.tone).toBe('neutral');
  });

  it('keeps only event-shaped values and merges pages with live events by sequence', () => {
    seq = 0;
    const a = ev(0, { type: 'run.started', input: {} });
    const b = ev(1, { type: 'node.started', nodeId: 'fetch', attempt: 1, inputCounts: {} });
    const c = ev(2, { type: 'node.succeeded', nodeId: 'fetch', attempt: 1, outputs: {}, durationMs: 1 });
    expect(asRunEvents([{ kind: 'header' }, null, 'x', a, { type: 'header', seq: 0, ts: '' }])).toEqual([a]);
    const merged = mergeEvents([a, c], [b, c]);
    expect(merged.map((e) => e.seq)).toEqual([1, 2, 3]);
    const same = [a];
    expect(mergeEvents(same, [a])).toBe(same);
  });
});

describe('timeline words for outside calls', () => {
  const ts = (ms: number) => new Date(Date.UTC(2026, 0, 1, 9, 0, 0, ms)).toISOString();
  const names = new Map([['fetch', 'Fetch invoices']]);

  it('names a credential read plainly, with no "item 0"', () => {
    const events = [
      { seq: 1, ts: ts(5), type: 'run.started', input: {} },
      { seq: 2, ts: ts(6), type: 'external.intent', nodeId: 'fetch', attempt: 1, itemIndex: -1, kind: 'secret:demo-api', call: 0, effects: 'pure', request: null },
      { seq: 3, ts: ts(7), type: 'external.result', nodeId: 'fetch', attempt: 1, itemIndex: -1, kind: 'secret:demo-api', call: 0, result: '[redacted]' },
      { seq: 4, ts: ts(8), type: 'external.result', nodeId: 'fetch', attempt: 1, itemIndex: 0, kind: 'clock', call: 0, result: 1 },
    ] as unknown as RunEvent[];
    const text = buildTimeline(events, names, { verbose: true }).map((e) => e.text);
    expect(text).toEqual(['Run started', '“Fetch invoices” read the credential “demo-api”', '“Fetch invoices” read the clock for item 1']);
    expect(text.join('\n')).not.toMatch(/item 0|secret:/);
  });

  it('counts elapsed time from the run’s start, the header’s clock', () => {
    const events = [{ seq: 1, ts: ts(13), type: 'run.started', input: {} }, { seq: 2, ts: ts(220), type: 'run.finished', status: 'succeeded', outputs: {} }] as unknown as RunEvent[];
    expect(buildTimeline(events, names, { startedAt: ts(0) }).map((e) => e.elapsedMs)).toEqual([13, 220]);
  });

  it('tells a refused connection in words and a stopped step as stopped', () => {
    const events = [
      { seq: 1, ts: ts(1), type: 'external.result', nodeId: 'fetch', attempt: 1, itemIndex: 0, kind: 'http', call: 0, error: { message: 'Could not reach http://localhost:4020/x: ECONNREFUSED.', code: 'NETWORK', retryable: true } },
      { seq: 2, ts: ts(2), type: 'node.failed', nodeId: 'fetch', attempt: 1, error: { message: 'The run was cancelled.', code: 'CANCELLED', retryable: false }, willRetry: false, routedToErrorPort: false, durationMs: 1 },
    ] as unknown as RunEvent[];
    const entries = buildTimeline(events, names);
    expect(entries[0]).toMatchObject({ text: '“Fetch invoices”: the web request for item 1 failed: Nothing answered at localhost:4020 (connection refused).', detail: 'Could not reach http://localhost:4020/x: ECONNREFUSED.' });
    expect(entries[1]).toMatchObject({ text: '“Fetch invoices” was stopped', tone: 'neutral' });
  });

  it('shows who was asked to review, who decided what with the corrections and the comment, and items that went on one by one', () => {
    seq = 0;
    const review = 'Fetch invoices';
    const entries = buildTimeline(
      [
        ev(0, { type: 'review.requested', requestId: 'r:approve:0', nodeId: 'fetch', itemIndex: 0, request: { title: 'Invoice A-17', assignee: 'finance' }, item: {} }),
        ev(1, { type: 'run.paused', nodeId: 'fetch', reason: 'Waiting', requests: ['r:approve:0'] }),
        ev(2, { type: 'review.decided', requestId: 'r:approve:0', nodeId: 'fetch', itemIndex: 0, outcome: 'edit', by: 'Dana', comment: 'fixed', changes: [{ field: 'amount', from: 120, to: 99.5 }], values: {}, final: true }),
        ev(3, { type: 'review.emitted', requestId: 'r:approve:0', nodeId: 'fetch', itemIndex: 0, runId: 'r.approve.1' }),
        ev(4, { type: 'review.decided', requestId: 'r:approve:1', nodeId: 'fetch', itemIndex: 1, outcome: 'timeout', by: 'timer', changes: [], values: {}, final: true }),
      ],
      names,
    );
    expect(entries.map((e) => e.text)).toEqual([
      `“${review}” asked a person to review item 1: “Invoice A-17” (for finance)`,
      `Run waits for a person at “${review}”`,
      `Dana decided approve with changes for item 1 at “${review}”`,
      `Item 1 of “${review}” went on at once, in a run of its own`,
      `Nobody decided item 2 at “${review}” in time: it left through “timeout”`,
    ]);
    expect(entries[2]!.detail).toBe('amount: 120 → 99.5 · “fixed”');
  });
});
