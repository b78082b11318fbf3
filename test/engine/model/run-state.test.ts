import { describe, expect, it } from 'vitest';
import { callKeyString, TRACE_FORMAT, TRACE_FORMAT_VERSION, type CallKey, type RunEvent, type RunEventBody, type TraceHeader } from '../../../engine/model/events.ts';
import type { NodeErrorInfo } from '../../../engine/model/node-kit.ts';
import { applyEvent, initialRunState, isNodeDone, reduceRun } from '../../../engine/model/run-state.ts';

const header: TraceHeader = {
  kind: 'header',
  format: TRACE_FORMAT,
  formatVersion: TRACE_FORMAT_VERSION,
  runId: 'run-1',
  flowId: 'flow-1',
  flowName: 'Invoices',
  flowVersion: 7,
  flowHash: 'a'.repeat(64),
  flow: { $blob: '0'.repeat(64), bytes: 1 },
  input: {},
  createdAt: '2026-03-01T10:00:00.000Z',
  mode: 'run',
};

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

/** Numbers hand-written event bodies 1, 2, 3... one second apart. */
function events(...bodies: RunEventBody[]): RunEvent[] {
  return bodies.map((body, i) => ({ seq: i + 1, ts: new Date(T0 + (i + 1) * 1000).toISOString(), ...body }) as RunEvent);
}

const ts = (seq: number) => new Date(T0 + seq * 1000).toISOString();
const failure: NodeErrorInfo = { message: 'Server error 503', code: 'HTTP_STATUS', retryable: true, status: 503 };
const key: CallKey = { nodeId: 'send', attempt: 1, itemIndex: 2, kind: 'http', call: 0 };

describe('initialRunState', () => {
  it('starts running with the header facts and nothing else', () => {
    const state = initialRunState({ ...header, parentRunId: 'run-0' });
    expect(state).toMatchObject({ runId: 'run-1', flowId: 'flow-1', flowName: 'Invoices', flowVersion: 7, status: 'running', createdAt: header.createdAt, updatedAt: header.createdAt, lastSeq: 0, nodes: {}, parentRunId: 'run-0' });
    expect(state.calls.size).toBe(0);
    expect(state.resolutions.size).toBe(0);
    expect(initialRunState(header)).not.toHaveProperty('parentRunId');
  });
});

describe('node statuses', () => {
  it('tracks a node from running to succeeded', () => {
    const list = events(
      { type: 'run.started', input: {} },
      { type: 'node.started', nodeId: 'fetch', attempt: 1, inputCounts: { in: 1 } },
    );
    const state = reduceRun(header, list);
    expect(state.nodes.fetch).toEqual({ status: 'running', attempt: 1, startedAt: ts(2) });
    expect(isNodeDone(state.nodes.fetch)).toBe(false);

    applyEvent(state, { seq: 3, ts: ts(3), type: 'node.succeeded', nodeId: 'fetch', attempt: 1, outputs: { out: [{ id: 1 }] }, durationMs: 12 });
    expect(state.nodes.fetch).toMatchObject({ status: 'succeeded', attempt: 1, outputs: { out: [{ id: 1 }] }, finishedAt: ts(3) });
    expect(isNodeDone(state.nodes.fetch)).toBe(true);
    expect(state.lastSeq).toBe(3);
    expect(state.updatedAt).toBe(ts(3));
    expect(state.status).toBe('running');
  });

  it('marks a failure that will be retried as retrying, with the time of the next attempt', () => {
    const state = reduceRun(
      header,
      events(
        { type: 'node.started', nodeId: 'send', attempt: 1, inputCounts: { in: 1 } },
        { type: 'node.failed', nodeId: 'send', attempt: 1, error: failure, willRetry: true, routedToErrorPort: false, durationMs: 5 },
        { type: 'node.retrying', nodeId: 'send', attempt: 1, delayMs: 1500 },
      ),
    );
    const send = state.nodes.send!;
    expect(send.status).toBe('retrying');
    expect(send.error).toEqual(failure);
    expect(send.retryAt).toBe(T0 + 3000 + 1500);
    expect(isNodeDone(send)).toBe(false);
  });

  it('clears the old error when the next attempt starts and counts attempts', () => {
    const state = reduceRun(
      header,
      events(
        { type: 'node.started', nodeId: 'send', attempt: 1, inputCounts: { in: 1 } },
        { type: 'node.failed', nodeId: 'send', attempt: 1, error: failure, willRetry: true, routedToErrorPort: false, durationMs: 5 },
        { type: 'node.retrying', nodeId: 'send', attempt: 1, delayMs: 10 },
        { type: 'node.started', nodeId: 'send', attempt: 2, inputCounts: { in: 1 } },
      ),
    );
    expect(state.nodes.send).toMatchObject({ status: 'running', attempt: 2, startedAt: ts(4) });
    expect(state.nodes.send).not.toHaveProperty('error');

    applyEvent(state, { seq: 5, ts: ts(5), type: 'node.succeeded', nodeId: 'send', attempt: 2, outputs: { out: [] }, durationMs: 1 });
    expect(state.nodes.send).toMatchObject({ status: 'succeeded', attempt: 2 });
  });

  it('counts a failure routed to the error port as done, and an unrouted one as not', () => {
    const state = reduceRun(
      header,
      events(
        { type: 'node.failed', nodeId: 'routed', attempt: 3, error: { ...failure, retryable: false }, willRetry: false, routedToErrorPort: true, outputs: { error: [{ itemIndex: 0 }] }, durationMs: 1 },
        { type: 'node.failed', nodeId: 'stopped', attempt: 1, error: failure, willRetry: false, routedToErrorPort: false, durationMs: 1 },
      ),
    );
    expect(state.nodes.routed).toMatchObject({ status: 'failed', attempt: 3, routedToErrorPort: true, outputs: { error: [{ itemIndex: 0 }] }, finishedAt: ts(1) });
    expect(isNodeDone(state.nodes.routed)).toBe(true);
    expect(state.nodes.stopped).toMatchObject({ status: 'failed', routedToErrorPort: false, error: failure });
    expect(state.nodes.stopped).not.toHaveProperty('outputs');
    expect(isNodeDone(state.nodes.stopped)).toBe(false);
  });

  it('marks a skipped node as skipped and done', () => {
    const state = reduceRun(header, events({ type: 'node.skipped', nodeId: 'branch', reason: 'no input items' }));
    expect(state.nodes.branch).toEqual({ status: 'skipped', attempt: 0, finishedAt: ts(1) });
    expect(isNodeDone(state.nodes.branch)).toBe(true);
  });

  it('records a node reused from the parent run by a fork', () => {
    const state = reduceRun(header, events({ type: 'node.succeeded', nodeId: 'fetch', attempt: 1, outputs: { out: [] }, durationMs: 0, reusedFrom: 'run-0' }));
    expect(state.nodes.fetch!.reusedFrom).toBe('run-0');
  });

  it('does not count an unknown or pending node as done', () => {
    expect(isNodeDone(undefined)).toBe(false);
    expect(isNodeDone({ status: 'pending', attempt: 0 })).toBe(false);
    expect(isNodeDone({ status: 'running', attempt: 1 })).toBe(false);
    expect(isNodeDone({ status: 'retrying', attempt: 1 })).toBe(false);
    expect(isNodeDone({ status: 'failed', attempt: 1 })).toBe(false);
  });

  it('leaves node state alone for logs and per-item retries', () => {
    const state = reduceRun(
      header,
      events(
        { type: 'node.started', nodeId: 'send', attempt: 1, inputCounts: { in: 2 } },
        { type: 'node.log', nodeId: 'send', level: 'warn', message: 'slow' },
        { type: 'item.retrying', nodeId: 'send', attempt: 1, itemIndex: 1, itemAttempt: 2, delayMs: 100, error: failure },
      ),
    );
    expect(state.nodes.send).toEqual({ status: 'running', attempt: 1, startedAt: ts(1) });
    expect(state.lastSeq).toBe(3);
  });
});

describe('attention', () => {
  it('needs attention, then returns to running and stores the choice under the call key', () => {
    const state = reduceRun(
      header,
      events(
        { type: 'node.started', nodeId: 'send', attempt: 1, inputCounts: { in: 3 } },
        { type: 'run.needs-attention', nodeId: 'send', call: key, reason: 'The email may have gone out.', choices: ['mark-done', 'send-again', 'cancel'] },
      ),
    );
    expect(state.status).toBe('needs-attention');
    expect(state.attention).toEqual({ nodeId: 'send', call: key, reason: 'The email may have gone out.', choices: ['mark-done', 'send-again', 'cancel'] });

    applyEvent(state, { seq: 3, ts: ts(3), type: 'run.attention-resolved', nodeId: 'send', choice: 'mark-done', by: 'ada', call: key });
    expect(state.status).toBe('running');
    expect(state.attention).toBeUndefined();
    expect(state.resolutions.get(callKeyString(key))).toBe('mark-done');
    expect(state.resolutions.get('send#1/2/http#0')).toBe('mark-done');
    expect(state.resolutions.size).toBe(1);
  });

  it('stores a choice without a call under the node id', () => {
    const state = reduceRun(
      header,
      events(
        { type: 'run.needs-attention', nodeId: 'review', reason: 'Approve?', choices: ['approve', 'reject'] },
        { type: 'run.attention-resolved', nodeId: 'review', choice: 'approve', by: 'ada' },
      ),
    );
    expect(state.resolutions.get('review')).toBe('approve');
    expect(state.status).toBe('running');
  });

  it('returns to running when a run waiting for attention is resumed', () => {
    const state = reduceRun(
      header,
      events({ type: 'run.needs-attention', nodeId: 'review', reason: 'Approve?', choices: ['approve'] }, { type: 'run.resumed', reason: 'resume', pid: 1 }),
    );
    expect(state.status).toBe('running');
  });
});

describe('run.finished', () => {
  it('sets the final status and outputs', () => {
    const state = reduceRun(header, events({ type: 'run.started', input: {} }, { type: 'run.finished', status: 'succeeded', outputs: { done: { out: [{ ok: true }] } } }));
    expect(state.status).toBe('succeeded');
    expect(state.outputs).toEqual({ done: { out: [{ ok: true }] } });
    expect(state.error).toBeUndefined();
  });

  it('keeps the error of a failed run', () => {
    const error = { message: 'Server error 503', code: 'HTTP_STATUS', retryable: true, nodeId: 'send' };
    const state = reduceRun(header, events({ type: 'run.finished', status: 'failed', outputs: {}, error }));
    expect(state.status).toBe('failed');
    expect(state.error).toEqual(error);
    expect(state.outputs).toEqual({});
  });

  it('does not turn a finished run back to running on resume', () => {
    const state = reduceRun(header, events({ type: 'run.finished', status: 'cancelled', outputs: {} }, { type: 'run.resumed', reason: 'again', pid: 2 }));
    expect(state.status).toBe('cancelled');
  });
});

describe('external calls', () => {
  it('records an intent, then its result, under the call key', () => {
    const state = reduceRun(
      header,
      events({ type: 'external.intent', ...key, effects: 'write', request: { method: 'POST', url: 'https://example.com' }, idempotencyKey: 'inv-7' }),
    );
    const id = callKeyString(key);
    expect(state.calls.get(id)).toEqual({ key, effects: 'write', request: { method: 'POST', url: 'https://example.com' }, idempotencyKey: 'inv-7', hasResult: false });

    applyEvent(state, { seq: 2, ts: ts(2), type: 'external.result', ...key, result: { status: 201 } });
    expect(state.calls.get(id)).toEqual({ key, effects: 'write', request: { method: 'POST', url: 'https://example.com' }, idempotencyKey: 'inv-7', hasResult: true, result: { status: 201 } });
    expect(state.calls.size).toBe(1);
  });

  it('records a failed call and keeps calls of other items apart', () => {
    const other: CallKey = { ...key, itemIndex: 3 };
    const state = reduceRun(
      header,
      events(
        { type: 'external.intent', ...key, effects: 'read', request: 'a' },
        { type: 'external.intent', ...other, effects: 'read', request: 'b' },
        { type: 'external.result', ...other, error: failure },
      ),
    );
    expect(state.calls.get(callKeyString(key))).toMatchObject({ hasResult: false, request: 'a' });
    expect(state.calls.get(callKeyString(other))).toMatchObject({ hasResult: true, request: 'b', error: failure });
    expect(state.calls.get(callKeyString(other))).not.toHaveProperty('result');
  });

  it('records a result that arrives without an intent', () => {
    const state = reduceRun(header, events({ type: 'external.result', ...key, kind: 'clock', result: 1234 }));
    expect(state.calls.get(callKeyString({ ...key, kind: 'clock' }))).toEqual({ key: { ...key, kind: 'clock' }, hasResult: true, result: 1234 });
  });
});
