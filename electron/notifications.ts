/**
 * OS notifications for what needs a person: new inbox items assigned to the user (the name in
 * Settings, directly or through a settings group, or to anyone) and failed runs, each honouring its
 * switch in the settings (`settings.notifications.inbox` / `.failedRuns`); and the desktop channel
 * of alerts and review reminders (`alerts.notify`, already grouped, muted and snoozed by the engine). Listens to the
 * service's events and asks the API for details; showing is injected (electron's Notification
 * in main.ts, a recorder in tests).
 */
import type { ApiEvent, ApiReply, InboxItem, MethodName, RunDetail, Settings } from '../engine/model/contract.ts';
import { mayDecide } from '../engine/model/review.ts';

export interface OsNotification {
  title: string;
  body: string;
  onClick?: () => void;
}

export interface NotifierDeps {
  call(method: MethodName, args: unknown): Promise<ApiReply>;
  subscribe(listener: (event: ApiEvent) => void): () => void;
  show(notification: OsNotification): void;
  /** Brings the window forward when a notification is clicked, at the notice's place in the app (a `#/…` route) when it has one. */
  focusWindow(link?: string): void;
  log?: (message: string) => void;
}

export interface Notifier {
  /** Resolves when the inbox items present at start are known (they do not notify). */
  ready: Promise<void>;
  /** Resolves when every event received so far has been handled. */
  idle(): Promise<void>;
  dispose(): void;
}

export function startNotifications(deps: NotifierDeps): Notifier {
  const log = deps.log ?? ((message: string) => console.warn(`[flowkeeper] ${message}`));
  const seenInbox = new Set<string>();
  const reportedRuns = new Set<string>();
  /** Runs a notice was shown for, by either path: one failure is one notice, never two. */
  const toldRuns = new Set<string>();
  const runOfLink = (link: string | undefined) => (link?.startsWith('#/runs/') ? decodeURIComponent(link.slice('#/runs/'.length)) : undefined);
  let disposed = false;

  const result = async <T>(method: MethodName, args: unknown): Promise<T | undefined> => {
    const reply = await deps.call(method, args);
    if (reply.ok) return reply.result as T;
    log(`Notifications: ${method} failed: ${reply.error.message}`);
    return undefined;
  };
  // Clicking a notice opens what it is about: the run, the inbox item, the flow.
  const show = (title: string, body: string, link?: string) => deps.show({ title, body, onClick: () => (link === undefined ? deps.focusWindow() : deps.focusWindow(link)) });

  const onInboxChanged = async () => {
    const [settings, items] = await Promise.all([result<Settings>('settings.get', {}), result<InboxItem[]>('inbox.list', {})]);
    if (!items) return;
    const fresh = items.filter((item) => !seenInbox.has(item.id));
    for (const item of fresh) seenInbox.add(item.id);
    // Turning the switch on later must not replay everything that arrived meanwhile: ids are
    // remembered either way.
    if (fresh.length === 0 || settings?.notifications.inbox === false) return;
    // Items for someone else are theirs to hear about (their own link, their own app).
    const mine = fresh.filter((item) => mayDecide(settings?.reviewerName ?? '', item.assignee, settings?.reviewerGroups ?? {}));
    if (mine.length === 0) return;
    if (mine.length === 1) show('Waiting for your review', mine[0]!.title, `#/inbox/${encodeURIComponent(mine[0]!.id)}`);
    else show(`${mine.length} items wait for your review`, mine.map((item) => item.title).slice(0, 3).join(' · '), '#/inbox');
  };

  const onRunChanged = async (runId: string) => {
    if (reportedRuns.has(runId)) return;
    reportedRuns.add(runId);
    const settings = await result<Settings>('settings.get', {});
    if (settings?.notifications.failedRuns === false) return;
    const run = await result<RunDetail>('runs.get', { runId });
    // A run a trigger started is the alerts' business: grouped there, so fifty failures of one
    // outage are one notice (alerts.notify below), not fifty. Runs a person started are told here.
    if (run?.startedBy?.startsWith('trigger:')) return;
    if (toldRuns.has(runId)) return; // the alert about this very run was shown already
    toldRuns.add(runId);
    const name = run?.flowName ?? runId;
    const reason = run?.errorInfo?.message ?? run?.error ?? 'Open the run to see what went wrong.';
    show(`Run failed: ${name}`, reason, `#/runs/${encodeURIComponent(runId)}`);
  };

  // Events are handled one after another, so two quick inbox changes never notify twice.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (task: () => Promise<void>) => {
    queue = queue.then(task).catch((error: unknown) => log(`Notifications: ${String(error)}`));
  };

  const ready = (async () => {
    const items = await result<InboxItem[]>('inbox.list', {});
    for (const item of items ?? []) seenInbox.add(item.id);
  })().catch((error: unknown) => log(`Notifications: ${String(error)}`));
  queue = ready;

  const unsubscribe = deps.subscribe((event) => {
    if (disposed) return;
    if (event.type === 'inbox.changed') enqueue(onInboxChanged);
    else if (event.type === 'runs.changed' && event.status === 'failed') enqueue(() => onRunChanged(event.runId));
    // Alerts (opened, recovered) and review reminders the engine addressed to this computer (engine/alerts/).
    else if (event.type === 'alerts.notify')
      enqueue(async () => {
        // An alert opened by a run the person was already told about (a run they started) adds nothing.
        const runId = runOfLink(event.link);
        if (runId !== undefined) {
          if (toldRuns.has(runId)) return;
          toldRuns.add(runId);
        }
        show(event.title, event.body, event.link);
      });
  });

  return {
    ready,
    idle: () => queue,
    dispose() {
      disposed = true;
      unsubscribe();
    },
  };
}
