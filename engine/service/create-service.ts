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
import type { ApiEvent } from '../model/contract.ts';
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
import { charterHandlers } from './handlers/charter.ts';
import { dashboardHandlers } from './handlers/dashboard.ts';
import { TriggerHost } from '../triggers/trigger-host.ts';
import { InboxIndex } from '../inbox/inbox-index.ts';
import { ReviewTimers } from '../scheduler/review-timers.ts';
import { systemClock, type Clock } from '../clock.ts';

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
  /** How often review timers compare the wall clock with due times at most (default a minute). */
  reviewTimerStepMs?: number;
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
}

export async function createService(options: ServiceOptions): Promise<FlowkeeperService> {
  const data = await openDataDir(options.dataDir, { catalog: options.registry, ...(options.keychain ? { keychain: options.keychain } : {}), ...(options.env ? { env: options.env } : {}) });
  const hub = new EventHub();
  const clock = options.clock ?? systemClock;
  const inbox = new InboxIndex({ dir: data.layout.inbox, traces: data.traces });
  await inbox.load();
  inbox.onChange(() => hub.emit({ type: 'inbox.changed' }));
  const engine = new Engine({
    clock,
    reviewerGroups: () => data.settings.current.reviewerGroups ?? {},
    store: data.traces,
    registry: options.registry,
    secrets: data.vault,
    ...(options.http ? { http: options.http } : {}),
    onEvent: (runId, event) => {
      // The run index is written when the run's writer closes, just after this event: lists
      // asked for after the "changed" notice wait for it.
      if (event.type === 'run.finished' || event.type === 'run.needs-attention' || event.type === 'run.stopped') data.runIndex.expect(runId);
      hub.runEvent(runId, event);
      inbox.notice(runId, event);
    },
    devCacheDir: () => (data.settings.current.llmDevCache ? data.devCacheDir : undefined),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const queue: RunQueue = new InProcessRunQueue(engine);
  const supervisor = new RunSupervisor(queue, data.runIndex, hub);
  const projections = new RunProjections(data.traces, data.settings, data.runIndex);
  const triggers = new TriggerHost({ data, registry: options.registry, queue, clock, secrets: data.vault, onChange: (flowId) => hub.emit({ type: 'flows.changed', flowId }), runDetail: (runId) => projections.runDetail(runId), ...(options.http ? { http: options.http } : {}) });
  const context: ServiceContext = { data, registry: options.registry, queue, hub, projections, templatesDir: options.templatesDir ?? defaultTemplatesDir(), triggers, inbox, clock };
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
    ...dashboardHandlers(context),
  };
  if (options.resumeOnStart !== false) supervisor.resumeInterrupted();
  // In the background, like resuming: a trigger slow to start must not hold up the app's window.
  const triggersStarted = options.triggers === false ? Promise.resolve() : triggers.start().catch((error: unknown) => process.emitWarning(`Flowkeeper: the triggers of active flows did not start: ${(error as Error).message}`));
  const timers = new ReviewTimers({ clock, inbox, queue, ...(options.reviewTimerStepMs === undefined ? {} : { maxWaitMs: options.reviewTimerStepMs }) });
  timers.start();
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
    },
    close: async (closeOptions?: CloseOptions) => {
      // Triggers and timers first: no new run starts while the running ones are brought to a safe point.
      timers.stop();
      await triggers.close();
      await supervisor.close(closeOptions);
      await inbox.close();
      data.runIndex.close();
      hub.clear();
    },
  };
}
