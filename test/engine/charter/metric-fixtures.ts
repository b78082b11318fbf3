/**
 * Fixture traces for the success-metric tests: nine runs of one flow, written as trace files a
 * person could open (header + numbered events, times chosen by hand), so every figure of every
 * form can be worked out on paper. See metrics.test.ts for the sums.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Flow } from '../../../engine/model/flow.ts';
import { canonicalJson, sha256 } from '../../../engine/canonical-json.ts';

export const FLOW: Flow = {
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'replies',
  name: 'Replies',
  description: '',
  owner: '',
  version: 1,
  settings: { concurrency: 4 },
  nodes: [
    { id: 'clock', type: 'trigger.schedule', version: 1, position: { x: 0, y: 0 }, config: { cron: '0 * * * *', timezone: 'UTC' } },
    { id: 'check', type: 'human.review', version: 1, position: { x: 0, y: 0 }, config: {} },
    { id: 'send', type: 'transform.set', name: 'Send reply', version: 1, position: { x: 0, y: 0 }, config: {} },
  ],
  edges: [
    { source: 'clock', sourcePort: 'out', target: 'check', targetPort: 'in' },
    { source: 'check', sourcePort: 'approve', target: 'send', targetPort: 'in' },
  ],
};

/** "Now" for the tests: the 7-day window is 2026-12-01T12:00Z … 2026-12-08T12:00Z. */
export const NOW = Date.parse('2026-12-08T12:00:00Z');

type Body = Record<string, unknown> & { type: string };
interface FixtureRun {
  runId: string;
  createdAt: string;
  startedBy: string;
  mode?: 'run' | 'fork' | 'replay';
  /** Events after run.started, each at the run's start unless `at` is given; the last one's time is the end. */
  events: Array<Body & { at?: string }>;
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ n: i }));
const clock = (n: number): Body[] => [
  { type: 'node.started', nodeId: 'clock', attempt: 1, inputCounts: {} },
  { type: 'node.succeeded', nodeId: 'clock', attempt: 1, outputs: { out: items(n) }, durationMs: 1 },
  { type: 'node.started', nodeId: 'check', attempt: 1, inputCounts: { in: n } },
];
const request = (run: string, i: number): Body => ({ type: 'review.requested', requestId: `${run}:check:${i}`, nodeId: 'check', itemIndex: i, request: { title: 'Reply', outcomes: ['approve', 'edit', 'reject'] }, item: { n: i } });
const decide = (run: string, i: number, outcome: string, by = 'Ana', changes: unknown[] = []): Body => ({ type: 'review.decided', requestId: `${run}:check:${i}`, nodeId: 'check', itemIndex: i, outcome, by, changes, values: {}, final: true });
const send = (n: number): Body[] => [
  { type: 'node.succeeded', nodeId: 'check', attempt: 1, outputs: { approve: items(n) }, durationMs: 1 },
  { type: 'node.started', nodeId: 'send', attempt: 1, inputCounts: { in: n } },
  { type: 'node.succeeded', nodeId: 'send', attempt: 1, outputs: { out: items(n) }, durationMs: 1 },
];
const finished = (status: string, at: string): Body & { at: string } => ({ type: 'run.finished', status, outputs: {}, at });

export const RUNS: FixtureRun[] = [
  // r1: 3 items, a person approves 2 unedited and edits 1; all 3 reach "send"; 120 s.
  { runId: 'r1', createdAt: '2026-12-02T09:00:00.000Z', startedBy: 'trigger:clock', events: [...clock(3), request('r1', 0), request('r1', 1), request('r1', 2), { type: 'run.paused', nodeId: 'check', reason: 'review', requests: [] }, decide('r1', 0, 'approve'), decide('r1', 1, 'approve'), decide('r1', 2, 'edit', 'Ana', [{ field: 'text', from: 'a', to: 'b' }]), { type: 'run.resumed', reason: 'decided', pid: 1 }, ...send(3), finished('succeeded', '2026-12-02T09:02:00.000Z')] },
  // r2: 2 items let through without a person ("review only if" said no); 30 s.
  { runId: 'r2', createdAt: '2026-12-03T10:00:00.000Z', startedBy: 'trigger:clock', events: [...clock(2), { type: 'review.auto-approved', nodeId: 'check', itemIndex: 0 }, { type: 'review.auto-approved', nodeId: 'check', itemIndex: 1 }, ...send(2), finished('succeeded', '2026-12-03T10:00:30.000Z')] },
  // r3: 1 item, nobody decides: the timer's timeout (no person); nothing reaches "send"; 300 s.
  { runId: 'r3', createdAt: '2026-12-05T08:00:00.000Z', startedBy: 'trigger:clock', events: [...clock(1), request('r3', 0), decide('r3', 0, 'timeout', 'timer'), finished('succeeded', '2026-12-05T08:05:00.000Z')] },
  // r4: failed — left out.
  { runId: 'r4', createdAt: '2026-12-06T08:00:00.000Z', startedBy: 'trigger:clock', events: [...clock(5), finished('failed', '2026-12-06T08:01:00.000Z')] },
  // r5: started by hand in the app — not production.
  { runId: 'r5', createdAt: '2026-12-06T09:00:00.000Z', startedBy: 'app', events: [...clock(9), ...send(9), finished('succeeded', '2026-12-06T09:00:10.000Z')] },
  // r6: a fork — not production.
  { runId: 'r6', createdAt: '2026-12-06T10:00:00.000Z', startedBy: 'trigger:clock', mode: 'fork', events: [...clock(9), ...send(9), finished('succeeded', '2026-12-06T10:00:10.000Z')] },
  // r7: production, but it finished before the window.
  { runId: 'r7', createdAt: '2026-11-30T10:00:00.000Z', startedBy: 'trigger:clock', events: [...clock(9), ...send(9), finished('succeeded', '2026-11-30T10:00:10.000Z')] },
  // r8: still running — left out (unfinished).
  { runId: 'r8', createdAt: '2026-12-08T11:00:00.000Z', startedBy: 'trigger:clock', events: [...clock(2)] },
  // r9: 4 items: approved with a change, rejected, approved, approved; 3 reach "send"; 600 s.
  { runId: 'r9', createdAt: '2026-12-07T23:00:00.000Z', startedBy: 'trigger:clock', events: [...clock(4), request('r9', 0), request('r9', 1), request('r9', 2), request('r9', 3), decide('r9', 0, 'approve', 'Ben', [{ field: 'text', from: 'a', to: 'c' }]), decide('r9', 1, 'reject', 'Ben'), decide('r9', 2, 'approve', 'Ben'), decide('r9', 3, 'approve', 'Ben'), ...send(3), finished('succeeded', '2026-12-07T23:10:00.000Z')] },
];

/** Writes the fixture traces into `<runsDir>/<runId>.jsonl`, every time moved by `shiftMs` (to put NOW at another instant). */
export async function writeFixtureTraces(runsDir: string, shiftMs = 0, runs: FixtureRun[] = RUNS): Promise<void> {
  await mkdir(runsDir, { recursive: true });
  const move = (iso: string) => new Date(Date.parse(iso) + shiftMs).toISOString();
  for (const original of runs) {
    const run = { ...original, createdAt: move(original.createdAt), events: original.events.map((e) => (e.at ? { ...e, at: move(e.at) } : e)) };
    const header = { kind: 'header', format: 'flowkeeper/trace', formatVersion: 1, runId: run.runId, flowId: FLOW.id, flowName: FLOW.name, flowVersion: 1, flowHash: sha256(canonicalJson(FLOW)), flow: FLOW, input: {}, createdAt: run.createdAt, mode: run.mode ?? 'run', startedBy: run.startedBy };
    const lines = [JSON.stringify(header)];
    let seq = 1;
    lines.push(JSON.stringify({ seq: seq++, ts: run.createdAt, type: 'run.started', input: {} }));
    for (const { at, ...body } of run.events) lines.push(JSON.stringify({ seq: seq++, ts: at ?? run.createdAt, ...body }));
    await writeFile(join(runsDir, `${run.runId}.jsonl`), `${lines.join('\n')}\n`);
  }
}
