import { describe, expect, it, vi } from 'vitest';
import type { ApiEvent, ApiReply, InboxItem, MethodName, Settings } from '../../engine/model/contract.ts';
import { startNotifications, type OsNotification } from '../../electron/notifications.ts';

function item(id: string, title = `Review ${id}`, assignee?: string): InboxItem {
  return {
    id,
    runId: 'run-1',
    flowId: 'invoice-triage',
    flowName: 'Invoice triage',
    nodeId: 'review',
    stepName: 'Review',
    itemIndex: 0,
    title,
    createdAt: '2026-11-22T00:00:00Z',
    outcomes: ['approve', 'reject'],
    overdue: false,
    approvals: { needed: 1, given: [] },
    ...(assignee ? { assignee } : {}),
  };
}

function harness(initialInbox: InboxItem[] = []) {
  let inbox = initialInbox;
  let runExtra: Record<string, unknown> = {};
  let settings: Settings = { reviewerName: '', llmPrices: {}, llmDevCache: false, reviewerGroups: {}, notifications: { inbox: true, failedRuns: true }, reviewerEmails: {}, reminderCredential: '' };
  const listeners = new Set<(event: ApiEvent) => void>();
  const shown: OsNotification[] = [];
  const focusWindow = vi.fn();
  const call = vi.fn(async (method: MethodName, args: unknown): Promise<ApiReply> => {
    if (method === 'inbox.list') return { ok: true, result: inbox };
    if (method === 'settings.get') return { ok: true, result: settings };
    if (method === 'runs.get') return { ok: true, result: { runId: (args as { runId: string }).runId, flowName: 'Invoice triage', errorInfo: { message: 'HTTP 500 from the accounting API', code: 'HTTP_500', retryable: true }, ...runExtra } };
    return { ok: false, error: { code: 'UNEXPECTED', message: method } };
  });
  const notifier = startNotifications({ call, subscribe: (l) => (listeners.add(l), () => listeners.delete(l)), show: (n) => shown.push(n), focusWindow, log: () => {} });
  return {
    notifier,
    shown,
    call,
    focusWindow,
    listeners,
    emit: async (event: ApiEvent) => {
      for (const listener of listeners) listener(event);
      await notifier.idle();
    },
    setInbox: (items: InboxItem[]) => (inbox = items),
    setRun: (extra: Record<string, unknown>) => (runExtra = extra),
    setSettings: (next: Partial<Settings['notifications']>) => (settings = { ...settings, notifications: { ...settings.notifications, ...next } }),
    setPerson: (reviewerName: string, reviewerGroups: Record<string, string[]> = {}) => (settings = { ...settings, reviewerName, reviewerGroups }),
  };
}

describe('OS notifications', () => {
  it('notifies about new inbox items only, not those there at start', async () => {
    const h = harness([item('a')]);
    await h.notifier.ready;
    h.setInbox([item('a'), item('b', 'Approve invoice 17 from ACME')]);
    await h.emit({ type: 'inbox.changed' });
    expect(h.shown).toEqual([{ title: 'Waiting for your review', body: 'Approve invoice 17 from ACME', onClick: expect.any(Function) }]);
    h.shown[0]!.onClick!();
    expect(h.focusWindow).toHaveBeenLastCalledWith('#/inbox/b'); // the item itself
    await h.emit({ type: 'inbox.changed' });
    expect(h.shown).toHaveLength(1);

    h.setInbox([item('a'), item('b'), item('c'), item('d')]);
    await h.emit({ type: 'inbox.changed' });
    expect(h.shown[1]).toMatchObject({ title: '2 items wait for your review', body: 'Review c · Review d' });
    h.shown[1]!.onClick!();
    expect(h.focusWindow).toHaveBeenLastCalledWith('#/inbox');
  });

  it('notifies once about a failed run, with the flow name and the reason; clicking focuses the window', async () => {
    const h = harness();
    await h.emit({ type: 'runs.changed', runId: 'run-7', status: 'running' });
    await h.emit({ type: 'runs.changed', runId: 'run-7', status: 'failed' });
    await h.emit({ type: 'runs.changed', runId: 'run-7', status: 'failed' });
    expect(h.shown).toEqual([{ title: 'Run failed: Invoice triage', body: 'HTTP 500 from the accounting API', onClick: expect.any(Function) }]);
    h.shown[0]!.onClick!();
    expect(h.focusWindow).toHaveBeenCalledOnce();
    expect(h.focusWindow).toHaveBeenCalledWith('#/runs/run-7'); // opens the run, not just the window
  });

  it('leaves failed runs a trigger started to the grouped alerts (one notice per outage, not one per run)', async () => {
    const h = harness();
    h.setRun({ startedBy: 'trigger:every-hour' });
    await h.emit({ type: 'runs.changed', runId: 'run-8', status: 'failed' });
    expect(h.shown).toEqual([]);
    await h.emit({ type: 'alerts.notify', messageId: 'm-1', title: 'Invoice triage is failing', body: 'Failed 1 time since 09:12', link: '#/runs/run-8' });
    expect(h.shown).toMatchObject([{ title: 'Invoice triage is failing' }]);
  });

  it('a failed run a person started and the alert it opens are one notice, whichever comes first', async () => {
    const h = harness();
    await h.emit({ type: 'runs.changed', runId: 'run-9', status: 'failed' });
    await h.emit({ type: 'alerts.notify', messageId: 'm-2', title: 'Invoice triage is failing', body: 'Failed 1 time', link: '#/runs/run-9' });
    expect(h.shown.map((n) => n.title)).toEqual(['Run failed: Invoice triage']);
    await h.emit({ type: 'alerts.notify', messageId: 'm-3', title: 'Refunds is failing', body: 'Failed 1 time', link: '#/runs/run-10' });
    await h.emit({ type: 'runs.changed', runId: 'run-10', status: 'failed' });
    expect(h.shown.map((n) => n.title)).toEqual(['Run failed: Invoice triage', 'Refunds is failing']);
  });

  it('honours the settings, and does not replay what arrived while they were off', async () => {
    const h = harness();
    await h.notifier.ready;
    h.setSettings({ inbox: false, failedRuns: false });
    h.setInbox([item('a')]);
    await h.emit({ type: 'inbox.changed' });
    await h.emit({ type: 'runs.changed', runId: 'run-8', status: 'failed' });
    expect(h.shown).toEqual([]);
    expect(h.call).not.toHaveBeenCalledWith('runs.get', expect.anything());

    h.setSettings({ inbox: true });
    h.setInbox([item('a'), item('b')]);
    await h.emit({ type: 'inbox.changed' });
    expect(h.shown.map((n) => n.body)).toEqual(['Review b']);
  });

  it('notifies only about items assigned to the person named in Settings (directly, through a group, or to anyone)', async () => {
    const h = harness();
    await h.notifier.ready;
    h.setPerson('Dana', { finance: ['Dana', 'Ben'] });
    h.setInbox([item('a', 'For Ben', 'Ben')]);
    await h.emit({ type: 'inbox.changed' });
    expect(h.shown).toEqual([]);
    h.setInbox([item('a', 'For Ben', 'Ben'), item('b', 'For Dana', 'dana'), item('c', 'For finance', 'finance'), item('d', 'For anyone')]);
    await h.emit({ type: 'inbox.changed' });
    expect(h.shown).toEqual([{ title: '3 items wait for your review', body: 'For Dana · For finance · For anyone', onClick: expect.any(Function) }]);
  });

  it('shows the desktop channel of alerts and review reminders as they come (the engine grouped them already)', async () => {
    const h = harness();
    await h.notifier.ready;
    await h.emit({ type: 'alerts.notify', messageId: 'msg-1', title: 'Invoice sync failed', body: 'Invoice sync failed at "Post invoice".', link: '#/runs/run-1' });
    expect(h.shown).toEqual([{ title: 'Invoice sync failed', body: 'Invoice sync failed at "Post invoice".', onClick: expect.any(Function) }]);
    h.shown[0]!.onClick!();
    expect(h.focusWindow).toHaveBeenCalledWith('#/runs/run-1');
  });

  it('stops listening when disposed', async () => {
    const h = harness();
    h.notifier.dispose();
    expect(h.listeners.size).toBe(0);
  });
});
