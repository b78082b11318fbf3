/**
 * The service behind every door: the API contract (engine/model/contract.ts) on a data folder.
 * This file only composes; each part has a room of its own:
 *
 *   storage/open-data-dir.ts   builds the stores (flows, traces, vault, settings) — injected here
 *   queue/in-process-queue.ts  executes runs (jobs start / resume / fork) on the engine
 *   service/event-hub.ts       events to every door's subscribers
 *   service/run-supervisor.ts  resume-at-start, job failures as events, orderly close
 *   service/run-projections.ts run detail and AI spend
 *   service/handlers/*.ts      one file per API group
 *   inbox/inbox-index.ts       open review items, derived from traces (loaded before resuming)
 *   scheduler/review-timers.ts reminders, escalations and time-outs of reviews (durable timers)
 *   alerts/alerts.ts           grouped alerts from run events and health checks; alerts/outbox.ts
 *                              sends their messages (recorded, retried)
 *   drift/drift-checks.ts      drift checks of flows against their reference runs, on the charter's schedule
 *
 * Lifecycle: `createService()` opens the folder and, unless `resumeOnStart: false`, resumes
 * interrupted runs in the background. `activeRunCount()` says (cheaply, no I/O) how many runs
 * are executing here now — e.g. to ask before quitting. `close()` accepts no more work and stops
 * active runs at a safe point: no new step starts, steps in progress finish, and the trace records
 * the run as stopped for shutdown, so the next start resumes it; it waits at most `graceMs`
 * (default 5 s) — a step still working then is left as it is and its run resumes at the next
 * start too. `close({ cancelRuns: true })` cancels them instead (recorded as cancelled).
 *
 * May import: the rest of `engine/`. Never imported by `engine/model`, `nodes/` or the renderer.
 */
import type { ApiEvent, FlowTriggerStatus } from '../model/contract.ts';
import type { ApiService, ServiceHandlers } from '../dispatch.ts';
import { Engine } from '../engine.ts';
import type { HttpTransport } from '../runner/http-transport.ts';
import type { NodeRegistry } from '../runner/registry.ts';
import type { KeychainBackend } from '../vault.ts';
import { openDataDir, type DataDir } from '../storage/open-data-dir.ts';
import { InProcessRunQueue } from '../queue/in-process-queue.ts';
import type { CloseOptions, RunQueue } from '../queue/run-queue.ts';
import { EventHub } from './event-hub.ts';
import { RunSupervisor } from './run-supervisor.ts';
import { RunProjections } from './run-projections.ts';
import type { ServiceContext } from './service-context.ts';
import { flowHandlers } from './handlers/flows.ts';
import { defaultTemplatesDir } from '../templates.ts';
import { runHandlers } from './handlers/runs.ts';
import { pinHandlers } from './handlers/pins.ts';
import { traceHandlers } from './handlers/traces.ts';
import { inboxHandlers } from './handlers/inbox.ts';
import { credentialHandlers } from './handlers/credentials.ts';
import { catalogHandlers } from './handlers/catalog.ts';
import { settingsHandlers } from './handlers/settings.ts';
import { triggerHandlers } from './handlers/triggers.ts';
import { charterHandlers, readableFlow } from './handlers/charter.ts';
import { runIndexMetricSource } from '../charter/metric-source.ts';
import { dashboardHandlers } from './handlers/dashboard.ts';
import { TriggerHost } from '../triggers/trigger-host.ts';
import { InboxIndex, runListerOf } from '../inbox/inbox-index.ts';
import { ReviewTimers } from '../scheduler/review-timers.ts';
import { systemClock, type Clock } from '../clock.ts';
import { mkdir } from 'node:fs/promises';
import { FileRunLeases, RunLockedError, type RunClaim } from '../trace/index.ts';
import { Alerts, alertFlow, type MetricSource } from '../alerts/alerts.ts';
import { Outbox } from '../alerts/outbox.ts';
import { channelSender } from '../alerts/channels.ts';
import { alertHandlers } from './handlers/alerts.ts';
import { handoverHandlers } from './handlers/handover.ts';
import { ReviewReminders } from '../alerts/review-reminders.ts';
import { reviewItemLink } from '../alerts/review-link.ts';
import { DriftChecks } from '../drift/drift-checks.ts';
import { DriftStore } from '../drift/drift-store.ts';
import { ActiveFlows } from '../triggers/active-flows.ts';
import { fetchTransport } from '../runner/http-transport.ts';
import { referenceHandlers } from './handlers/references.ts';
import { driftHandlers } from './handlers/drift.ts';

export interface ServiceOptions {
  dataDir: string;
  registry: NodeRegistry;
  keychain?: KeychainBackend;
  http?: HttpTransport;
  /** Continue interrupted runs when the service starts (default true). */
  resumeOnStart?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where the flow templates live (default: the `examples` folder beside the engine). */
  templatesDir?: string;
  /** Time for runs, triggers and review timers (default: the system clock; a FakeClock in tests). */
  clock?: Clock;
  /** Run the triggers of active flows here (default true). */
  triggers?: boolean;
  /** The trigger host's backlog cap and run pool size (defaults in trigger-host.ts; tests and benches set them). */
  triggerLimits?: { backlogLimit?: number; runConcurrency?: number };
  /** How often review timers compare the wall clock with due times at most (default a minute). */
  reviewTimerStepMs?: number;
  /** How often alerts look at trigger health, overdue reviews and metrics (default a minute). */
  alertCheckEveryMs?: number;
  /** Whose timers pace those looks (default the real clock, never holding the process open; see engine/alerts/alerts.ts). */
  alertTicker?: Clock;
  /** Where alerts read a flow's success metric (default: the charter's metric over the run index). */
  metrics?: MetricSource;
}

export interface FlowkeeperService extends ApiService {
  /** The stores on the data folder (read-only use by doors and tests). */
  readonly data: DataDir;
  /** How many runs execute in this service right now. */
  activeRunCount(): number;
  /** Waits for work the service started (resumes at start, runs in progress). */
  idle(): Promise<void>;
  /** See the header: stop at a safe point within `graceMs`, or `cancelRuns`. */
  close(options?: CloseOptions): Promise<void>;
  /** The web bridge's address (`http://host:port`, no key), so alert messages can link to it. */
  setPublicAddress(origin: string | undefined): void;
}

export async function createService(options: ServiceOptions): Promise<FlowkeeperService> {
  const clock = options.clock ?? systemClock;
  const data = await openDataDir(options.dataDir, { catalog: options.registry, ...(options.keychain ? { keychain: options.keychain } : {}), ...(options.env ? { env: options.env } : {}), now: () => clock.now() });
  const hub = new EventHub();
  const runs = await runListerOf(data.runIndex, data.layout.runIndex);
  const inbox = new InboxIndex({ dir: data.layout.inbox, traces: data.traces, ...(runs ? { runs } : {}) });
  await inbox.load();
  inbox.onChange(() => hub.emit({ type: 'inbox.changed' }));
  let publicAddress: string | undefined;
  // One process per data folder keeps the alerts (the run-lock rules: pid, boot, stale takeover),
  // so two apps on one folder never open or send an alert twice.
  const alertsOwner = await claimAlerts(data.layout.alerts);
  const alertFlowOf = async (flowId: string) => {
    const stored = await data.flows.get(flowId).catch(() => undefined);
    return stored ? alertFlow(stored.flow) : undefined;
  };
  const outbox = new Outbox({
    dir: data.layout.alerts,
    clock,
    deliver: channelSender({ secrets: data.vault, desktop: (notice) => hub.emit({ type: 'alerts.notify', ...notice }) }),
    onChange: () => hub.emit({ type: 'alerts.changed' }),
    readOnly: alertsOwner.claim === undefined,
  });
  await outbox.load();
  // Filled in below, once the trigger host exists (alerts ask it for trigger health).
  let triggerStatus: () => Promise<FlowTriggerStatus[]> = async () => [];
  const alerts = new Alerts({
    dir: data.layout.alerts,
    clock,
    outbox,
    flow: alertFlowOf,
    run: (runId) => data.runIndex.get(runId),
    triggerStatus: () => triggerStatus(),
    openReviews: () => inbox.all(),
    metrics:
      options.metrics ??
      runIndexMetricSource({
        entries: (flowId) => data.runIndex.list({ flowId }),
        flow: async (flowId) => {
          try {
            return readableFlow((await data.flows.get(flowId)).flow);
          } catch {
            return undefined; // deleted or unreadable: no reading, no alert
          }
        },
      }),
    publicAddress: () => publicAddress,
    reviewLink: reviewItemLink,
    ...(options.alertCheckEveryMs === undefined ? {} : { checkEveryMs: options.alertCheckEveryMs }),
    ticker: options.alertTicker ?? unrefTicker,
    onChange: () => hub.emit({ type: 'alerts.changed' }),
    ...(alertsOwner.elsewhere ? { elsewhere: alertsOwner.elsewhere } : {}),
  });
  await alerts.load();
  const reminders = new ReviewReminders({
    outbox,
    settings: () => data.settings.read(),
    item: (requestId) => inbox.get(requestId),
    run: (runId) => data.runIndex.get(runId),
    flow: (flowId) => alertFlowOf(flowId),
    itemLink: reviewItemLink,
    publicAddress: () => publicAddress,
  });
  /** Set by close() once the runs are stopped (or the grace period is over). */
  let closed = false;
  const engine = new Engine({
    clock,
    reviewerGroups: () => data.settings.current.reviewerGroups ?? {},
    store: data.traces,
    registry: options.registry,
    secrets: data.vault,
    ...(options.http ? { http: options.http } : {}),
    onEvent: (runId, event) => {
      // A run that outlives close() (a step still working after the grace period) writes only its
      // own trace: the inbox, alerts and reminders are closed, and writing their files now would
      // race whoever removes or copies the data folder once close() resolved. The next start
      // reads that run from its trace (run index, inbox) like any run it did not see. (No
      // runIndex.expect either: the closed index no longer hears the writer close it waits for.)
      if (closed) return hub.runEvent(runId, event);
      // The run index is written when the run's writer closes, just after this event: lists
      // asked for after the "changed" notice wait for it.
      if (event.type === 'run.finished' || event.type === 'run.needs-attention' || event.type === 'run.stopped') data.runIndex.expect(runId);
      hub.runEvent(runId, event);
      inbox.notice(runId, event);
      alerts.runEvent(runId, event);
      if (alertsOwner.claim) reminders.runEvent(runId, event);
    },
    devCacheDir: () => (data.settings.current.llmDevCache ? data.devCacheDir : undefined),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const queue: RunQueue = new InProcessRunQueue(engine);
  const supervisor = new RunSupervisor(queue, data.runIndex, hub);
  const projections = new RunProjections(data.traces, data.settings, data.runIndex);
  const triggers = new TriggerHost({ data, registry: options.registry, queue, clock, secrets: data.vault, onChange: (flowId) => hub.emit({ type: 'flows.changed', flowId }), runDetail: (runId) => projections.runDetail(runId), ...(options.http ? { http: options.http } : {}), ...options.triggerLimits });
  triggerStatus = () => triggers.status();
  const activeFlows = new ActiveFlows(data.layout.triggers);
  const drift = new DriftChecks({
    flows: data.flows,
    references: data.references,
    store: new DriftStore(data.layout.drift),
    registry: options.registry,
    secrets: data.vault,
    http: options.http ?? fetchTransport,
    clock,
    active: () => activeFlows.read(),
    // Only the process keeping the alerts raises them (a second app on the folder still checks when asked).
    ...(alertsOwner.claim ? { alerts } : {}),
  });
  const context: ServiceContext = { data, registry: options.registry, queue, hub, projections, templatesDir: options.templatesDir ?? defaultTemplatesDir(), triggers, inbox, clock, alerts, drift };
  const handlers: ServiceHandlers = {
    ...flowHandlers(context),
    ...triggerHandlers(context),
    ...runHandlers(context),
    ...pinHandlers(context),
    ...traceHandlers(context),
    ...inboxHandlers(context),
    ...credentialHandlers(context),
    ...catalogHandlers(context),
    ...settingsHandlers(context),
    ...charterHandlers(context),
    ...alertHandlers(context),
    ...handoverHandlers(context),
    ...dashboardHandlers(context),
    ...referenceHandlers(context),
    ...driftHandlers(context),
  };
  if (options.resumeOnStart !== false) supervisor.resumeInterrupted();
  // In the background, like resuming: a trigger slow to start must not hold up the app's window.
  const triggersStarted = options.triggers === false ? Promise.resolve() : triggers.start().catch((error: unknown) => process.emitWarning(`Flowkeeper: the triggers of active flows did not start: ${(error as Error).message}`));
  const timers = new ReviewTimers({ clock, inbox, queue, ...(options.reviewTimerStepMs === undefined ? {} : { maxWaitMs: options.reviewTimerStepMs }) });
  timers.start();
  alerts.start();
  // Scheduled drift checks run where the alerts are kept (one process per data folder); a save or a
  // flow switched on or off may change what is scheduled.
  if (alertsOwner.claim) {
    hub.subscribe((event) => {
      if (event.type === 'flows.changed') drift.flowsChanged();
    });
    drift.start();
  }
  return {
    data,
    handlers,
    subscribe: (listener: (event: ApiEvent) => void) => hub.subscribe(listener),
    activeRunCount: () => supervisor.activeRunCount(),
    idle: async () => {
      await triggersStarted;
      await triggers.drained();
      await supervisor.idle();
      // The inbox is part of the work: its entries reflect every run event seen so far.
      await inbox.settled();
      await alerts.settled();
      await reminders.settled();
      await drift.settled();
      await alerts.settled();
      await outbox.settled();
    },
    setPublicAddress: (origin) => {
      publicAddress = origin;
    },
    close: async (closeOptions?: CloseOptions) => {
      // Triggers and timers first: no new run starts while the running ones are brought to a safe point.
      timers.stop();
      alerts.stop();
      drift.stop();
      await triggers.close();
      data.vault.closeConnections();
      await supervisor.close(closeOptions);
      // Runs stopped or finished by now are recorded everywhere; later events are not (see onEvent).
      closed = true;
      await drift.settled();
      await inbox.close();
      await alerts.settled();
      await reminders.settled();
      await outbox.close();
      await alertsOwner.claim?.release();
      await data.runIndex.close();
      hub.clear();
    },
  };
}

/** Claims `<data>/alerts/owner.lock`, or says which process holds it. */
async function claimAlerts(dir: string): Promise<{ claim?: RunClaim; elsewhere?: string }> {
  await mkdir(dir, { recursive: true });
  try {
    return { claim: await new FileRunLeases(dir).claim('owner') };
  } catch (error) {
    if (!(error instanceof RunLockedError)) throw error;
    return { elsewhere: `Another Flowkeeper (process ${error.holder.pid} on ${error.holder.host}, since ${error.holder.since}) keeps the alerts of this data folder: they are raised and sent there, and problems of runs started here are not alerted.` };
  }
}

/** The real clock's timers, not keeping the process alive for a check (the service's close stops them anyway). */
const unrefTicker: Clock = {
  ...systemClock,
  setTimer(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};
