/**
 * The inbox through the API: a run paused at review is listed (from the index, filtered and
 * sorted), shown with its data and the AI answer, decided (the run finishes on the matching port
 * with the corrected value), and refuses second, foreign and late decisions with plain errors.
 * The index is rebuilt from traces when missing or damaged.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createService, Engine, FileTraceStore, inProcessApi, invalidateInboxIndex, type FlowkeeperApi, type FlowkeeperService } from '../../../engine/index.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

export const reviewFlow = (id = 'invoices', review: Record<string, unknown> = {}) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id,
  name: 'Invoices',
  settings: { concurrency: 4 },
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {} },
    { id: 'classify', name: 'Classify', type: 'transform.set', config: { fields: [{ name: 'category', value: '{{ amount > 100 ? "large" : "small" }}' }] } },
    {
      id: 'check',
      name: 'Check invoice',
      type: 'human.review',
      config: { title: 'Invoice {{ number }}', body: 'From {{ supplier }}', aiAnswer: 'category', fields: [{ name: 'amount', type: 'number', label: 'Amount' }], ...review },
    },
    { id: 'pay', type: 'transform.set', config: { fields: [{ name: 'paid', value: true }] } },
    { id: 'refuse', type: 'transform.set', config: { fields: [{ name: 'refused', value: true }] } },
  ],
  edges: [
    { source: 'start', sourcePort: 'out', target: 'classify', targetPort: 'in' },
    { source: 'classify', sourcePort: 'out', target: 'check', targetPort: 'in' },
    { source: 'check', sourcePort: 'approve', target: 'pay', targetPort: 'in' },
    { source: 'check', sourcePort: 'edit', target: 'pay', targetPort: 'in' },
    { source: 'check', sourcePort: 'reject', target: 'refuse', targetPort: 'in' },
  ],
});

async function open(dir: string): Promise<{ service: FlowkeeperService; api: FlowkeeperApi }> {
  const service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
  cleanups.push(() => service.close());
  return { service, api: inProcessApi(service) };
}

/** Starts a run and waits until its review items are in the inbox. */
async function startAndPause(service: FlowkeeperService, api: FlowkeeperApi, flowId: string, input: unknown): Promise<string> {
  const { runId } = await api.runs.start({ flowId, input });
  await service.idle();
  return runId;
}

describe('inbox API', () => {
  it('lists, shows and decides; the run finishes with the corrected value; late and double decisions are refused', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const { service, api } = await open(dir);
    await api.flows.save({ flow: reviewFlow() });
    await api.settings.update({ reviewerName: 'Dana' });
    const changes: string[] = [];
    service.subscribe((e) => e.type === 'inbox.changed' && changes.push(e.type));
    const runId = await startAndPause(service, api, 'invoices', { number: 'A-1', supplier: 'ACME', amount: 120 });
    expect((await api.runs.get({ runId })).status).toBe('paused');
    expect(changes.length).toBeGreaterThan(0);

    const list = await api.inbox.list();
    expect(list).toHaveLength(1);
    const [item] = list;
    expect(item).toMatchObject({ id: `${runId}:check:0`, runId, flowId: 'invoices', flowName: 'Invoices', stepName: 'Check invoice', title: 'Invoice A-1', outcomes: ['approve', 'edit', 'reject'], overdue: false, approvals: { needed: 1, given: [] } });
    // The list entry is lean (what a row shows); the form to decide with comes with the detail.
    expect(Object.keys(item!)).not.toEqual(expect.arrayContaining(['values']));
    const detail = await api.inbox.get({ id: item!.id });
    expect(detail).toMatchObject({ body: 'From ACME', ai: { answer: 'large' }, item: { amount: 120, category: 'large' }, runStatus: 'paused', stepNames: { classify: 'Classify' } });
    expect(detail).toMatchObject({ values: { amount: 120 }, fields: [{ name: 'amount', type: 'number' }], choices: [{ id: 'approve', label: 'Approve' }, { id: 'edit' }, { id: 'reject' }], commentRequiredFor: ['reject'], forbidStarter: false });
    expect(detail.upstream.classify).toEqual([{ number: 'A-1', supplier: 'ACME', amount: 120, category: 'large' }]);
    await expect(api.runs.resume({ runId })).rejects.toMatchObject({ code: 'DECISION_NEEDED' });

    const decided = await api.inbox.decide({ id: item!.id, outcome: 'approve', edits: { amount: 99 } });
    expect(decided).toMatchObject({ ok: true, stillWaiting: false, decision: { outcome: 'edit', by: 'Dana', changes: [{ field: 'amount', from: 120, to: 99 }] } });
    await service.idle();
    const run = await api.runs.get({ runId });
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toMatchObject({ pay: { out: [{ amount: 99, paid: true, review: { outcome: 'edit', by: 'Dana' } }] } });
    expect(await api.inbox.list()).toEqual([]);
    expect(await api.inbox.history()).toMatchObject([{ id: item!.id, outcome: 'edit', by: 'Dana', changes: [{ field: 'amount', from: 120, to: 99 }] }]);

    await expect(api.inbox.decide({ id: item!.id, outcome: 'approve' })).rejects.toMatchObject({ code: 'RUN_FINISHED' });
    await expect(api.inbox.decide({ id: 'nope', outcome: 'approve' })).rejects.toMatchObject({ code: 'INBOX_ITEM_NOT_FOUND' });
  });

  it('filters by flow and assignee (groups from settings), sorts by due, and refuses someone else\'s item', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const { service, api } = await open(dir);
    await api.settings.update({ reviewerGroups: { finance: ['Ana', 'Ben'] } });
    await api.flows.save({ flow: reviewFlow('late', { assignee: 'finance', dueAfterHours: 48 }) });
    await api.flows.save({ flow: reviewFlow('soon', { assignee: 'Carl', dueAfterHours: 2 }) });
    await api.flows.save({ flow: reviewFlow('open', {}) });
    await startAndPause(service, api, 'late', { number: 'L', amount: 1 });
    await startAndPause(service, api, 'soon', { number: 'S', amount: 1 });
    await startAndPause(service, api, 'open', { number: 'O', amount: 1 });

    expect((await api.inbox.list()).map((i) => i.title)).toEqual(['Invoice S', 'Invoice L', 'Invoice O']);
    expect((await api.inbox.list({ flowId: 'late' })).map((i) => i.title)).toEqual(['Invoice L']);
    expect((await api.inbox.list({ assignee: 'ben' })).map((i) => i.title)).toEqual(['Invoice L', 'Invoice O']);
    expect((await api.inbox.list({ assignee: 'Carl' })).map((i) => i.title)).toEqual(['Invoice S', 'Invoice O']);
    expect((await api.inbox.list({ sort: 'created' })).map((i) => i.title)).toEqual(['Invoice L', 'Invoice S', 'Invoice O']);
    const late = (await api.inbox.list({ flowId: 'late' }))[0]!;
    await expect(api.inbox.decide({ id: late.id, outcome: 'approve', by: 'Carl' })).rejects.toMatchObject({ code: 'NOT_YOUR_ITEM', message: expect.stringContaining('assigned to finance') });
    await expect(api.inbox.decide({ id: late.id, outcome: 'reject', by: 'Ana' })).rejects.toMatchObject({ code: 'COMMENT_REQUIRED' });
    expect(await api.inbox.decide({ id: late.id, outcome: 'reject', by: 'Ana', comment: 'duplicate' })).toMatchObject({ ok: true, decision: { outcome: 'reject' } });
    await expect(api.inbox.decide({ id: late.id, outcome: 'approve', by: 'Ben' })).rejects.toMatchObject({ code: expect.stringMatching(/^(ALREADY_DECIDED|RUN_FINISHED)$/) });
  });

  it('a run waiting for review can be cancelled; its item leaves the inbox and a decision is then refused', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const { service, api } = await open(dir);
    await api.flows.save({ flow: reviewFlow() });
    const runId = await startAndPause(service, api, 'invoices', { number: 'C', amount: 1 });
    const [item] = await api.inbox.list();
    // A resume changes nothing while people are asked.
    await expect(api.runs.resume({ runId })).rejects.toMatchObject({ code: 'DECISION_NEEDED' });
    expect(await api.runs.cancel({ runId })).toEqual({ ok: true });
    await service.idle();
    expect((await api.runs.get({ runId })).status).toBe('cancelled');
    expect(await api.inbox.list()).toEqual([]);
    await expect(api.inbox.decide({ id: item!.id, outcome: 'approve', by: 'Ana' })).rejects.toMatchObject({ code: 'RUN_FINISHED', message: expect.stringContaining('was cancelled') });
    await expect(api.runs.cancel({ runId })).rejects.toMatchObject({ code: 'RUN_NOT_ACTIVE' });
  });

  it('agreement stats per review step: approved unedited, edited, rejected, auto-approved, median time to decision', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const { service, api } = await open(dir);
    await api.flows.save({ flow: reviewFlow('stats', { reviewIf: 'amount > 100' }) });
    await startAndPause(service, api, 'stats', { number: 'small', amount: 10 });
    for (const [number, amount] of [['same', 120], ['fixed', 130], ['no', 140]] as const) await startAndPause(service, api, 'stats', { number, amount });
    const byTitle = new Map((await api.inbox.list()).map((i) => [i.title, i.id]));
    await api.inbox.decide({ id: byTitle.get('Invoice same')!, outcome: 'approve', by: 'Ana' });
    await api.inbox.decide({ id: byTitle.get('Invoice fixed')!, outcome: 'approve', by: 'Ana', edits: { amount: 13 } });
    await api.inbox.decide({ id: byTitle.get('Invoice no')!, outcome: 'reject', by: 'Ana', comment: 'duplicate' });
    await service.idle();
    const [stats] = await api.inbox.stats({ flowId: 'stats' });
    expect(stats).toMatchObject({ nodeId: 'check', stepName: 'Check invoice', runs: 4, items: 4, approvedUnedited: 1, edited: 1, rejected: 1, autoApproved: 1, timedOut: 0, open: 0, shares: { approvedUnedited: 0.25, edited: 0.25, rejected: 0.25, autoApproved: 0.25 } });
    expect(stats!.medianDecisionMs).toBeGreaterThanOrEqual(0);
    expect(await api.inbox.stats({ flowId: 'stats', runs: 1 })).toMatchObject([{ runs: 1, items: 1 }]);
  });

  it('sees a decision another process made (it marks the index stale) without a restart', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const { service, api } = await open(dir);
    await api.flows.save({ flow: reviewFlow() });
    const runId = await startAndPause(service, api, 'invoices', { number: 'X', amount: 1 });
    const [item] = await api.inbox.list();
    // "The CLI": its own engine on the same folder, then the stale mark.
    const other = new Engine({ store: new FileTraceStore(dir), registry });
    const changed = new Promise<void>((resolve) => service.subscribe((e) => e.type === 'inbox.changed' && resolve()));
    expect((await other.answerReview(runId, { kind: 'decision', requestId: item!.id, outcome: 'approve', by: 'Ana' })).status).toBe('succeeded');
    await invalidateInboxIndex(join(dir, 'inbox'));
    await changed;
    expect(await api.inbox.list()).toEqual([]);
    expect((await api.inbox.history())[0]).toMatchObject({ id: item!.id, by: 'Ana' });
  });

  it('rebuilds the index from the traces when it is missing, damaged or was left in use', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const first = await open(dir);
    await first.api.flows.save({ flow: reviewFlow() });
    await startAndPause(first.service, first.api, 'invoices', { number: 'R', amount: 1 });
    const listed = await first.api.inbox.list();
    await first.service.close();
    const file = join(dir, 'inbox', 'index.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ format: 'flowkeeper/inbox-index', open: [{ id: listed[0]!.id }] });

    const clean = await open(dir);
    expect(await clean.api.inbox.list()).toEqual(listed);
    await clean.service.close();

    await writeFile(file, '{ not json');
    const damaged = await open(dir);
    expect(await damaged.api.inbox.list()).toEqual(listed);
    // Left in use (as after a crash): the marker is there, the file is not trusted.
    await writeFile(file, JSON.stringify({ format: 'flowkeeper/inbox-index', version: 1, open: [], decided: [] }));
    const crashed = await open(dir);
    expect(await crashed.api.inbox.list()).toEqual(listed);
  });
});
