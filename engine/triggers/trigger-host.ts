/**
 * The trigger host: keeps the triggers of switched-on ("active") flows subscribed while a service
 * runs (the desktop app, `flowkeeper serve`), and turns what they emit into runs on the run queue.
 *
 *   activate / save / service start ──▶ subscribe(ctx, emit) for every trigger node with `subscribe`
 *   deactivate / save / delete / close ─▶ dispose
 *   emit(items, { dedupeKey }) ──▶ intake journal (fsynced, group commit) ──▶ queue.enqueue(start)
 *
 * `emit` resolves once the event is in the journal on disk, so a trigger acknowledges its source
 * (or advances its position) only after the run's start is durable; a crash between the journal
 * and the trace is repaired at the next start, which starts the journalled run under the same id.
 * A dedupe key seen before (journal, also across restarts) starts nothing and answers the earlier
 * run's id. One process per data folder runs triggers (triggers/host.lock): a second app or
 * `serve` on the same folder leaves them to the first, and says so in the status.
 *
 * May import: the rest of `engine/`.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError, type FlowTriggerStatus, type TriggerHealth } from '../model/contract.ts';

import type { Flow, Item } from '../model/flow.ts';
import type { AnyNodeDefinition, TriggerContext, TriggerDispose, TriggerEmit, TriggerEmitResult } from '../model/node-kit.ts';
import { validateFlow } from '../model/validate.ts';
import type { Clock } from '../clock.ts';
import { newRunId } from '../engine.ts';
import type { RunQueue, StartJob } from '../queue/run-queue.ts';
import { fetchTransport, type HttpTransport } from '../runner/http-transport.ts';
import type { NodeRegistry } from '../runner/registry.ts';
import type { SecretResolver } from '../secrets.ts';
import { Serial } from '../serial.ts';
import type { DataDir } from '../storage/open-data-dir.ts';
import { FileRunLeases, RunLockedError, RunNotFoundError, TraceQuarantinedError, type RunClaim } from '../trace/index.ts';
import { ActiveFlows } from './active-flows.ts';
import { TriggerJournal, type JournalEntry, type JournalPosition, type JournalRecord } from './trigger-journal.ts';
import { FileTriggerState, triggerStateFile } from './trigger-state.ts';
import { IntakeBusyError } from './intake-busy.ts';
import { PositionQueue } from './position-queue.ts';
import { WebhookIntake } from './webhook-intake.ts';

/** Dedupe keys remembered per trigger (and journal entries kept per trigger at compaction). */
export const DEDUPE_WINDOW = 1000;
/**
 * Trigger-started runs executing at once; the rest wait their turn (already durable in the
 * journal). Keeps a burst of webhook requests from starving the intake of CPU and disk.
 */
export const TRIGGER_RUN_CONCURRENCY = 4;
/**
 * Trigger-started runs started at once while the intake is under pressure (INTAKE_PRESSURE_IN_FLIGHT
 * events waiting for the journal, seen less than INTAKE_BUSY_WINDOW_MS ago): the intake comes first — every 2xx rests on the journal
 * alone, and the runs, each a few ms of the same main thread, are worked off once the burst is
 * over. Runs someone waits for ("answer with the flow's result") are not held back.
 */
export const TRIGGER_RUN_CONCURRENCY_WHILE_BUSY = 1;
/**
 * The share of the time backlog runs may take while the intake is under pressure: after such a
 * run took d ms, the next starts d × (1 − share) / share ms after it ended (measured on the
 * injected clock). One run slot back to back took half the main thread and halved the intake
 * (bench figure 7); at a tenth the backlog still moves during a long burst, and the intake keeps
 * the rest.
 */
export const RUN_SHARE_WHILE_BUSY = 0.1;
/** How long after the intake was last seen under pressure it counts as busy (on the injected clock). */
export const INTAKE_BUSY_WINDOW_MS = 20;
/**
 * Events waiting for the journal at once from which the intake counts as under pressure: a
 * steady stream well within capacity rarely has more than one or two in flight, a burst has
 * one per connection — only then does the pool hold back (a steady stream keeps all its slots).
 */
export const INTAKE_PRESSURE_IN_FLIGHT = 4;
/**
 * Accepted events waiting to start, above which emits are refused (the webhook answers 429 and
 * the sender retries later — many senders never retry, so taking the event is better while it
 * is safe). A waiting event is held as its journal position (16 bytes in PositionQueue, whatever
 * the payload), so the cap bounds memory to ~3 MB (2.5 MB measured); the journal holds the events themselves on disk
 * (~360 bytes a small one: ~73 MB at the cap, measured), and a restart starts them from there.
 */
export const TRIGGER_BACKLOG_LIMIT = 200_000;
/**
 * A fire changes a trigger's health (last fired, count) but tells the app (`flows.changed`, which
 * the flows list, the tray and the flow page follow) at most this often per flow: the first fire
 * at once, the last of a burst when the time is up. A busy webhook fires thousands of times a
 * second; a notice each would flood the window with messages and the tray with recounts.
 */
export const FIRED_NOTICE_MS = 1000;
/** Seconds a sender refused because of the backlog is asked to wait (429 Retry-After). */
const BUSY_RETRY_AFTER_S = 1;
/** A stale-but-young run lock (run-lock.ts counts an unreadable one as held for 2 s): wait, retry. */
const LOCKED_RETRY_MS = 2500;
const LOCKED_RETRIES = 5;

export interface TriggerHostOptions {
  data: DataDir;
  registry: NodeRegistry;
  queue: RunQueue;
  clock: Clock;
  secrets: SecretResolver;
  /** Told when a trigger's health changed (the service turns it into a `flows.changed` notice). */
  onChange?: (flowId: string) => void;
  /** How triggers call the outside world (polling); default: fetch. */
  http?: HttpTransport;
  /** A finished run's status and outputs (for "respond with the flow's result"). */
  runDetail?: (runId: string) => Promise<{ status: string; outputs?: unknown }>;
  /** Accepted events waiting to start above which emits are refused; default TRIGGER_BACKLOG_LIMIT (tests lower it). */
  backlogLimit?: number;
  /** Trigger-started runs executing at once; default TRIGGER_RUN_CONCURRENCY (a kill test sets 0: nothing starts). */
  runConcurrency?: number;
}

interface LiveTrigger {
  key: string;
  nodeId: string;
  def: AnyNodeDefinition;
  health: TriggerHealth;
  abort: AbortController;
  dispose?: TriggerDispose;
  /** Webhook routes this trigger mounted (unmounted with it). */
  unmount: Array<() => Promise<void>>;
  /** What its events waiting as positions share (made at the first emit). */
  source?: EventSource;
}

interface FlowSubscription {
  flow: Flow;
  /** The version it was switched on at; absent when it follows the latest save. */
  pinned?: number;
  triggers: LiveTrigger[];
  /** Why nothing listens although the flow is on (problems in the saved flow…). */
  note?: string;
}

/** Where an accepted event came from: shared by every event of one subscription (see PositionQueue). */
interface EventSource {
  flow: Flow;
  startedBy: string;
}

/**
 * A run waiting for a slot as an object: one whose result someone waits for (its journal
 * position), or a job (a retried start). The backlog's other events wait as positions
 * in `positions` and get no object until they launch.
 */
interface Waiting {
  runId: string;
  source?: EventSource;
  at?: JournalPosition;
  job?: StartJob;
  /** Taken out of its queue (its entry in the other queue is then skipped). */
  launched?: boolean;
  /** Someone waits for its result: started ahead of the backlog, never held back. */
  urgent?: boolean;
}

/** First in, first out, without Array.shift's copying (the backlog can hold tens of thousands). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

interface Seen {
  runId: string;
  durable: Promise<void>;
}

/** Whether a flow can be switched on: runnable, with at least one trigger that fires by itself. */
export function selfFiringTriggers(flow: Flow, registry: NodeRegistry): Array<{ nodeId: string; def: AnyNodeDefinition }> {
  return flow.nodes.flatMap((n) => {
    const def = registry.get(n.type);
    return def?.subscribe ? [{ nodeId: n.id, def }] : [];
  });
}

export function notActivatable(flow: Flow): ApiError {
  return new ApiError({
    code: 'FLOW_HAS_NO_TRIGGER',
    message: `The flow "${flow.name}" only starts by hand, so there is nothing to switch on.`,
    hint: 'Add a trigger that fires by itself (for example "On a schedule"), save, and switch the flow on again.',
  });
}

export class TriggerHost {
  private readonly active: ActiveFlows;
  private readonly journal: TriggerJournal;
  private readonly subscriptions = new Map<string, FlowSubscription>();
  private readonly seen = new Map<string, Map<string, Seen>>();
  private readonly serial = new Serial();
  private lock: RunClaim | undefined;
  /** Set when another process runs the triggers of this data folder. */
  private elsewhere: string | undefined;
  private closed = false;
  private started: Promise<void> | undefined;
  private watcher: FSWatcher | undefined;
  private flowsWatcher: FSWatcher | undefined;
  private running = 0;
  /** Retries waiting for their timer (see retryLater). */
  private waiting = 0;
  /** Accepted events waiting to start, as journal positions (the bulk of a burst). */
  private readonly positions = new PositionQueue<EventSource>();
  /** Jobs waiting to start: retried starts (a run lock left by a process that died). */
  private readonly jobs = new Fifo<Waiting>();
  /** Waiting runs someone awaits the result of (a hurried job is also still in `jobs`, skipped there once launched). */
  private readonly urgent = new Fifo<Waiting>();
  /** Monotonic ms before which no backlog run starts while the intake is busy (RUN_SHARE_WHILE_BUSY). */
  private nextBusyStartAt = Number.NEGATIVE_INFINITY;
  /** When the intake was last seen under pressure (monotonic clock ms): the pool yields to it for a moment after. */
  private lastPressureAt = Number.NEGATIVE_INFINITY;
  /** Accepted events whose journal line is not yet acknowledged. */
  private inFlight = 0;
  /** Cancels the timer set to refill the pool once the intake has been free of pressure for INTAKE_BUSY_WINDOW_MS. */
  private quietTimer: (() => void) | undefined;
  /** Entries in `jobs` already launched from `urgent` (skipped when reached; not counted as waiting). */
  private launchedAhead = 0;
  /** Trigger-started runs waiting as objects (urgent, jobs) or running here; not those waiting as positions. */
  private readonly pendingRuns = new Map<string, Waiting>();
  /** Who waits for one of those to settle ("answer with the flow's result"); made only when asked. */
  private readonly settleWaiters = new Map<string, Array<() => void>>();
  /** Trigger-started runs whose start met a run lock left by a process that died (retried). */
  private readonly lockedOut = new Map<string, number>();
  private readonly stopOutcomes: () => void;
  /** Webhook listeners, shared by the routes of every active flow. */
  readonly intake = new WebhookIntake();
  /** When each flow's last fire was told (monotonic ms), and the notice due, if one is (see FIRED_NOTICE_MS). */
  private readonly firedNotices = new Map<string, { at: number; cancel?: () => void }>();

  private readonly backlogLimit: number;
  private readonly runConcurrency: number;

  constructor(private readonly options: TriggerHostOptions) {
    this.backlogLimit = options.backlogLimit ?? TRIGGER_BACKLOG_LIMIT;
    this.runConcurrency = options.runConcurrency ?? TRIGGER_RUN_CONCURRENCY;
    this.active = new ActiveFlows(options.data.layout.triggers);
    this.journal = new TriggerJournal(join(options.data.layout.triggers, 'intake.jsonl'));
    // Reported before the job's settled promise resolves, so pump() sees the mark.
    this.stopOutcomes = options.queue.onOutcome((outcome) => {
      if (outcome.kind === 'start' && !outcome.ok && outcome.reason === 'owned-elsewhere' && this.pendingRuns.has(outcome.runId)) {
        this.lockedOut.set(outcome.runId, (this.lockedOut.get(outcome.runId) ?? 0) + 1);
      }
    });
  }

  /** Takes the host lock, starts journalled runs that never started, subscribes the active flows. */
  start(): Promise<void> {
    this.started ??= this.doStart();
    return this.started;
  }

  private async doStart(): Promise<void> {
    await mkdir(this.options.data.layout.triggers, { recursive: true });
    // `flowkeeper flows activate|deactivate` in another process changes active.json: follow it.
    this.watcher = watch(this.options.data.layout.triggers, (_event, name) => {
      if (name === 'active.json') void this.reconcile().catch(() => undefined);
    });
    this.watcher.on('error', () => undefined);
    this.watcher.unref();
    // A save by another process (`flowkeeper flows rollback`) reaches a flow that follows its saves too.
    await mkdir(this.options.data.flows.dir, { recursive: true });
    this.flowsWatcher = watch(this.options.data.flows.dir, (_event, name) => {
      const match = typeof name === 'string' ? /^([A-Za-z][A-Za-z0-9_-]*)\.json$/.exec(name) : null;
      if (match) void this.followSave(match[1]!).catch(() => undefined);
    });
    this.flowsWatcher.on('error', () => undefined);
    this.flowsWatcher.unref();
    const flows = await this.active.read();
    // Nothing on and nothing journalled: the lock is taken at the first activation instead.
    if (Object.keys(flows).length === 0 && !(await this.journal.hasEntries())) return;
    if (!(await this.takeLock())) return;
    // Read once the lock is ours: nobody appends any more.
    await this.recover(await this.journal.scan());
    for (const flowId of Object.keys(flows)) {
      if (this.closed) return;
      await this.serial.run(flowId, () => this.subscribeFlow(flowId));
    }
  }

  private locking: Promise<boolean> | undefined;

  /** One attempt at a time: two callers racing for the lock must not see each other as "another process". */
  private takeLock(): Promise<boolean> {
    if (this.lock) return Promise.resolve(true);
    if (this.elsewhere) return Promise.resolve(false);
    this.locking ??= this.claimLock().finally(() => (this.locking = undefined));
    return this.locking;
  }

  private async claimLock(): Promise<boolean> {
    try {
      const { triggers } = this.options.data.layout;
      // The run-lock rules (pid, boot, heartbeat, stale takeover) for one lock named `host`.
      this.lock = await new FileRunLeases(triggers).claim('host');
      return true;
    } catch (error) {
      if (!(error instanceof RunLockedError)) throw error;
      this.elsewhere = `Another Flowkeeper (process ${error.holder.pid} on ${error.holder.host}, since ${error.holder.since}) runs the triggers of this data folder; this one leaves them to it.`;
      return false;
    }
  }

  /**
   * Journalled events whose run has no trace yet (a crash in between) start now, under their id.
   * They wait as positions like any accepted event (their inputs stay on disk until each starts),
   * after the journal is compacted, so a crash mid-burst restarts in bounded memory.
   */
  private async recover(records: JournalRecord[]): Promise<void> {
    const { data, registry } = this.options;
    const kept = new Map<string, JournalRecord[]>();
    for (const record of records) {
      const list = kept.get(record.trigger) ?? [];
      list.push(record);
      kept.set(record.trigger, list);
      if (record.dedupeKey !== undefined) this.remember(record.trigger, record.dedupeKey, { runId: record.runId, durable: Promise.resolve() });
    }
    // Entries whose run has no trace here yet: never compacted away (the journal is their only record).
    const traced = await this.tracedRuns(records);
    const untraced = records.filter((r) => !traced.has(r.runId));
    const window = new Set([...kept.values()].flatMap((list) => list.slice(-DEDUPE_WINDOW)));
    const untracedSet = new Set(untraced);
    const dropped = records.filter((r) => !window.has(r) && !untracedSet.has(r));
    let where = (record: JournalRecord): JournalPosition | undefined => record.position;
    if (dropped.length > 0) {
      // A journalled run's trace may have been written without an fsync of its own by a process
      // that was killed: make the traces whose entries are dropped durable first (cheap for the
      // many the kernel has written back already), so the journal never forgets a run whose trace
      // could still vanish with a power cut.
      await this.options.data.traces.syncRuns(dropped.map((r) => r.runId));
      const moved = await this.journal.rewriteKeeping(new Set(records.filter((r) => window.has(r) || untracedSet.has(r)).map((r) => r.position.offset)));
      where = (record) => moved.get(record.position.offset);
    }
    // One read and one check per flow version, not per entry: a crash mid-burst leaves thousands.
    const versions = new Map<string, Promise<Flow>>();
    const runnable = (flowId: string, version: number): Promise<Flow> => {
      const key = `${flowId}@${version}`;
      let flow = versions.get(key);
      if (!flow) {
        flow = data.flows.get(flowId, version).then((stored) => {
          const result = validateFlow(stored.flow, registry);
          if (!result.ok) throw new Error('that version of the flow has problems');
          return result.flow;
        });
        versions.set(key, flow);
      }
      return flow;
    };
    // One source per flow version and trigger, shared by its waiting positions (see PositionQueue).
    const sources = new Map<string, EventSource>();
    for (const record of untraced) {
      try {
        const flow = await runnable(record.flowId, record.flowVersion);
        const at = where(record);
        if (!at) throw new Error('its line was not found again after the journal was compacted');
        const key = `${record.flowId}@${record.flowVersion}/${record.trigger}`;
        let source = sources.get(key);
        if (!source) sources.set(key, (source = { flow, startedBy: `trigger:${record.trigger.split('/')[1] ?? ''}` }));
        this.positions.push(at, source);
      } catch (error) {
        // Kept in the journal: the event is not thrown away; it is retried at the next start.
        process.emitWarning(`Flowkeeper: the journalled trigger event for run ${record.runId} (flow ${record.flowId}) could not be started: ${(error as Error).message}`);
      }
    }
    this.pump();
  }

  /**
   * Which of these entries' runs have a trace that reads. Asked of the run index (opened and
   * reconciled with the traces: one listing and a stat per trace, re-reading only the traces that
   * changed since it last saw them; a damaged one is set aside by the store and not listed), not by
   * loading one trace per entry — after a burst the journal holds tens of thousands. Entries the
   * index does not list are checked one by one (a trace cut short in its header is quarantined
   * there and its event starts afresh); so is every entry if the index cannot be read.
   */
  private async tracedRuns(entries: readonly { runId: string }[]): Promise<Set<string>> {
    const { runIndex } = this.options.data;
    let indexed = false;
    try {
      await runIndex.ready();
      indexed = true;
    } catch {
      /* the index cannot be read: each trace is checked instead */
    }
    const traced = new Set<string>();
    for (const entry of entries) {
      if ((indexed && runIndex.has(entry.runId)) || (await this.hasTrace(entry.runId))) traced.add(entry.runId);
    }
    return traced;
  }

  /**
   * Whether the run's trace exists and reads. A trace cut short inside its header (the process
   * died while creating it) is moved to quarantine by the store, which frees the id: the
   * journalled event then starts afresh under it.
   */
  private async hasTrace(runId: string): Promise<boolean> {
    if (!(await exists(this.options.data.traces.locate(runId)))) return false;
    try {
      await this.options.data.traces.load(runId);
      return true;
    } catch (error) {
      if (error instanceof TraceQuarantinedError || error instanceof RunNotFoundError) return false;
      throw error;
    }
  }

  private remember(trigger: string, dedupeKey: string, seen: Seen): void {
    let map = this.seen.get(trigger);
    if (!map) this.seen.set(trigger, (map = new Map()));
    map.delete(dedupeKey);
    map.set(dedupeKey, seen);
    if (map.size > DEDUPE_WINDOW) map.delete(map.keys().next().value as string);
  }

  /**
   * Switches a flow on (stored in the data folder) and subscribes its triggers: of `version`
   * (pinned: later saves change nothing until it is switched on again), or of the latest save
   * (it then follows every save).
   */
  async activate(flowId: string, version?: number): Promise<FlowTriggerStatus> {
    await this.start();
    const flow = await this.options.data.flows.runnable(flowId, version);
    if (selfFiringTriggers(flow, this.options.registry).length === 0) throw notActivatable(flow);
    await this.active.set(flowId, true, new Date(this.options.clock.now()), version);
    await this.takeLock();
    // Already listening to what is wanted (switched on twice, or the file watcher was quicker): nothing to restart.
    await this.serial.run(flowId, () => (this.listensAsWanted(flowId, version) ? Promise.resolve() : this.subscribeFlow(flowId)));
    return (await this.status(flowId))[0]!;
  }

  /** Subscribed at the wanted pin (or following the latest, when none is wanted). */
  private listensAsWanted(flowId: string, pinned: number | undefined): boolean {
    const sub = this.subscriptions.get(flowId);
    return sub !== undefined && sub.pinned === pinned;
  }

  async deactivate(flowId: string): Promise<void> {
    await this.start();
    await this.active.set(flowId, false, new Date(this.options.clock.now()));
    await this.serial.run(flowId, () => this.unsubscribeFlow(flowId));
    this.options.onChange?.(flowId);
  }

  /** A saved flow that is on and follows its saves: its triggers restart with the new version (a pinned one keeps running its version). */
  async flowSaved(flowId: string): Promise<void> {
    await this.start();
    const on = (await this.active.read())[flowId];
    if (!on || on.version !== undefined) return;
    // Already at that version: the flows folder's watcher (followSave) was quicker.
    await this.serial.run(flowId, async () => ((await this.listensToLatest(flowId)) ? undefined : this.subscribeFlow(flowId)));
  }

  private async listensToLatest(flowId: string): Promise<boolean> {
    const sub = this.subscriptions.get(flowId);
    if (!sub || sub.pinned !== undefined) return false;
    const latest = await this.options.data.flows.get(flowId).then(({ flow }) => Number(flow.version ?? 1), () => undefined);
    return latest !== undefined && latest === sub.flow.version;
  }

  /** A flow file changed on disk: a flow that is on and follows its saves restarts if its version moved. */
  private async followSave(flowId: string): Promise<void> {
    if (this.closed) return;
    const on = (await this.active.read())[flowId];
    if (!on || on.version !== undefined || !this.subscriptions.has(flowId)) return;
    await this.serial.run(flowId, async () => {
      if (this.subscriptions.get(flowId)?.pinned === undefined && this.subscriptions.has(flowId) && !(await this.listensToLatest(flowId))) await this.subscribeFlow(flowId);
    });
  }

  /** A deleted flow is switched off (its runs and history stay). */
  async flowDeleted(flowId: string): Promise<void> {
    await this.start();
    await this.active.set(flowId, false, new Date(this.options.clock.now()));
    await this.serial.run(flowId, () => this.unsubscribeFlow(flowId));
  }

  /** Subscribes flows switched on elsewhere and stops those switched off (the CLI edits active.json). */
  private async reconcile(): Promise<void> {
    if (this.closed) return;
    const flows = await this.active.read();
    for (const [flowId, on] of Object.entries(flows)) {
      // Also a flow switched on again at another version (`flowkeeper flows activate --version`).
      if (this.listensAsWanted(flowId, on.version) || this.closed) continue;
      if (!(await this.takeLock())) return;
      await this.serial.run(flowId, () => (this.listensAsWanted(flowId, on.version) ? Promise.resolve() : this.subscribeFlow(flowId)));
    }
    for (const flowId of [...this.subscriptions.keys()]) {
      if (!(flowId in flows)) {
        await this.serial.run(flowId, () => this.unsubscribeFlow(flowId));
        this.options.onChange?.(flowId);
      }
    }
  }

  /** Health of every active flow's triggers (or one flow's). */
  async status(flowId?: string): Promise<FlowTriggerStatus[]> {
    const flows = await this.active.read();
    const ids = flowId === undefined ? Object.keys(flows).sort() : [flowId];
    return ids.map((id) => {
      const sub = this.subscriptions.get(id);
      const note = this.elsewhere ?? sub?.note;
      const listening = sub && sub.triggers.length > 0 ? sub.flow.version : undefined;
      return {
        flowId: id,
        active: id in flows,
        runsHere: this.elsewhere === undefined,
        ...(listening === undefined ? {} : { version: listening }),
        ...(flows[id]?.version === undefined ? {} : { pinned: true }),
        ...(note ? { note } : {}),
        triggers: sub ? sub.triggers.map((t) => ({ ...t.health })) : [],
      };
    });
  }

  /** Which flows are on (for the flows list). */
  async activeFlowIds(): Promise<Set<string>> {
    return new Set(Object.keys(await this.active.read()));
  }

  /** Which flows are on, each with its pinned version (absent: it follows the latest). */
  async activeVersions(): Promise<Map<string, { version?: number }>> {
    return new Map(Object.entries(await this.active.read()).map(([id, f]) => [id, f.version === undefined ? {} : { version: f.version }]));
  }

  private async subscribeFlow(flowId: string): Promise<void> {
    await this.unsubscribeFlow(flowId);
    if (this.closed || this.elsewhere) return;
    const { data, registry } = this.options;
    const pinned = (await this.active.read())[flowId]?.version;
    const pin = pinned === undefined ? {} : { pinned };
    let flow: Flow;
    try {
      flow = await data.flows.runnable(flowId, pinned);
    } catch (error) {
      const message = error instanceof ApiError ? `${error.message}${error.hint ? ` ${error.hint}` : ''}` : (error as Error).message;
      // The version that failed is kept, so a later look at the same file restarts nothing.
      const version = pinned ?? (await data.flows.get(flowId).then(({ flow }) => Number(flow.version ?? 1), () => undefined));
      this.subscriptions.set(flowId, { flow: { id: flowId, ...(version === undefined ? {} : { version }) } as Flow, ...pin, triggers: [], note: `Nothing listens: ${message}` });
      this.options.onChange?.(flowId);
      return;
    }
    const sub: FlowSubscription = { flow, ...pin, triggers: [] };
    this.subscriptions.set(flowId, sub);
    const found = selfFiringTriggers(flow, registry);
    if (found.length === 0) sub.note = 'Nothing listens: the flow has no trigger that fires by itself any more.';
    for (const { nodeId, def } of found) {
      const node = flow.nodes.find((n) => n.id === nodeId)!;
      const live: LiveTrigger = {
        key: `${flowId}/${nodeId}`,
        nodeId,
        def,
        abort: new AbortController(),
        unmount: [],
        health: { nodeId, type: def.type, title: node.name ?? def.title, state: 'starting', since: this.iso(), fired: 0 },
      };
      sub.triggers.push(live);
      try {
        const state = await FileTriggerState.open(triggerStateFile(data.layout.triggers, flowId, nodeId));
        const ctx = this.context(flow, live, node.config, state);
        live.dispose = await def.subscribe!(ctx, this.emitter(flow, live));
        if (live.abort.signal.aborted) await live.dispose();
        else this.setHealth(flowId, live, { state: 'listening', heartbeatAt: this.iso() });
      } catch (error) {
        this.setHealth(flowId, live, { state: 'failed', lastError: { message: (error as Error).message, at: this.iso() } });
      }
    }
    this.options.onChange?.(flowId);
  }

  private async unsubscribeFlow(flowId: string): Promise<void> {
    const sub = this.subscriptions.get(flowId);
    if (!sub) return;
    this.subscriptions.delete(flowId);
    for (const live of sub.triggers) {
      live.abort.abort();
      // Routes first: no request reaches a trigger that is being stopped.
      for (const unmount of live.unmount.splice(0)) await unmount().catch(() => undefined);
      try {
        await live.dispose?.();
      } catch {
        /* a trigger that fails to stop is stopped as far as we are concerned: its emits are refused */
      }
    }
  }

  private context(flow: Flow, live: LiveTrigger, config: unknown, state: FileTriggerState): TriggerContext<unknown> {
    const { clock, secrets } = this.options;
    return {
      flowId: flow.id,
      nodeId: live.nodeId,
      config,
      clock,
      state,
      signal: live.abort.signal,
      log: {
        info: (message) => this.setHealth(flow.id, live, { lastMessage: message, heartbeatAt: this.iso() }),
        warn: (message) => this.setHealth(flow.id, live, { lastError: { message, at: this.iso() } }),
      },
      secret: (id, options) => secrets.get(id, options?.rejectedToken === undefined ? undefined : { rejected: options.rejectedToken }),
      heartbeat: () => this.setHealth(flow.id, live, { heartbeatAt: this.iso() }, false),
      reportError: (message) => this.setHealth(flow.id, live, { lastError: { message, at: this.iso() } }),
      listen: async (route, handle) => {
        if (live.abort.signal.aborted) throw new Error('The trigger was stopped.');
        const unmount = await this.intake.mount(route, handle);
        if (live.abort.signal.aborted) return void (await unmount());
        live.unmount.push(unmount);
      },
      http: (request) => (this.options.http ?? fetchTransport)(request, live.abort.signal),
      runResult: async (runId) => {
        this.hurry(runId);
        await this.settledHere(runId);
        const detail = await (this.options.runDetail ?? (() => Promise.reject(new Error('Run results are not available here.'))))(runId);
        return { status: detail.status, outputs: (detail.outputs ?? {}) as Record<string, unknown> };
      },
    };
  }

  private emitter(flow: Flow, live: LiveTrigger): TriggerEmit {
    return async (items: Item[], options = {}): Promise<TriggerEmitResult> => {
      if (live.abort.signal.aborted || this.closed) {
        throw new Error(this.closed ? 'Flowkeeper is closing; the event was not taken.' : 'The flow was switched off or changed; the event was not taken.');
      }
      if (!Array.isArray(items)) throw new TypeError('emit(items): items must be a list of JSON objects.');
      if (this.waitingCount() >= this.backlogLimit) throw new IntakeBusyError(`${this.waitingCount()} accepted events are still waiting to start; try again shortly.`, BUSY_RETRY_AFTER_S);
      const { dedupeKey, awaitResult } = options;
      if (dedupeKey !== undefined) {
        const prior = this.seen.get(live.key)?.get(dedupeKey);
        if (prior) {
          await prior.durable;
          return { runId: prior.runId, duplicate: true };
        }
      }
      const runId = newRunId(new Date(this.options.clock.now()));
      const entry: JournalEntry = { trigger: live.key, runId, flowId: flow.id, flowVersion: flow.version, input: items, at: this.iso(), ...(dedupeKey === undefined ? {} : { dedupeKey }) };
      // Many events taken at once (not ones refused above: then draining the backlog matters more) hold the pool back a moment.
      if (++this.inFlight >= INTAKE_PRESSURE_IN_FLIGHT) this.lastPressureAt = this.options.clock.monotonic();
      const written = this.journal.append(entry);
      const durable = written.then(() => undefined);
      // Awaited only by a duplicate arriving meanwhile; a failed write is reported below, not as an unhandled rejection.
      durable.catch(() => undefined);
      if (dedupeKey !== undefined) this.remember(live.key, dedupeKey, { runId, durable });
      let at: JournalPosition;
      try {
        at = await written.finally(() => this.inFlight--);
      } catch (error) {
        if (dedupeKey !== undefined) this.seen.get(live.key)?.delete(dedupeKey);
        this.setHealth(flow.id, live, { lastError: { message: `An event could not be recorded: ${(error as Error).message}`, at: this.iso() } });
        throw error;
      }
      // A closed queue (shutdown) is fine: the journalled event starts at the next start.
      // Held as its journal position while it waits; the input is read back when it starts.
      live.source ??= { flow, startedBy: `trigger:${live.nodeId}` };
      if (awaitResult) this.hurryNew({ runId, source: live.source, at });
      else {
        this.positions.push(at, live.source);
        this.pump();
      }
      const now = this.iso();
      this.setHealth(flow.id, live, { lastFiredAt: now, lastRunId: runId, fired: live.health.fired + 1, heartbeatAt: now }, false);
      this.noticeFired(flow.id);
      return { runId, duplicate: false };
    };
  }

  /** An event whose sender waits for its run's result (emit's `awaitResult`): ahead of the backlog. */
  private hurryNew(waiting: Waiting): void {
    waiting.urgent = true;
    this.pendingRuns.set(waiting.runId, waiting);
    this.urgent.push(waiting);
    this.pump();
  }

  /** A run whose result someone waits for starts ahead of the backlog, at full concurrency. */
  private hurry(runId: string): void {
    const waiting = this.pendingRuns.get(runId);
    if (!waiting || waiting.launched || waiting.urgent) return;
    waiting.urgent = true;
    this.urgent.push(waiting);
    this.pump();
  }

  /**
   * Resolves once this trigger-started run has settled here. A run emitted without `awaitResult`
   * may still wait as a position (no lookup by id there): its settle is waited for, unless it
   * turns out to have a trace already (running or finished: the queue says when it settles).
   */
  private async settledHere(runId: string): Promise<void> {
    let resolve!: () => void;
    const settled = new Promise<void>((r) => (resolve = r));
    // Registered before anything is awaited, so a settle meanwhile is not missed.
    this.settleWaiters.set(runId, [...(this.settleWaiters.get(runId) ?? []), resolve]);
    if (this.pendingRuns.has(runId)) return settled;
    if (this.positions.length > 0 && !this.options.queue.isActive(runId) && !(await this.hasTrace(runId).catch(() => false))) return settled;
    const others = (this.settleWaiters.get(runId) ?? []).filter((w) => w !== resolve);
    if (others.length > 0) this.settleWaiters.set(runId, others);
    else this.settleWaiters.delete(runId);
    await this.options.queue.settled(runId);
  }

  private settle(runId: string): void {
    this.pendingRuns.delete(runId);
    const waiters = this.settleWaiters.get(runId);
    this.settleWaiters.delete(runId);
    for (const resolve of waiters ?? []) resolve();
  }

  private pump(): void {
    while (this.running < this.runConcurrency && this.urgent.length > 0) this.take(this.urgent);
    const now = this.options.clock.monotonic();
    const busy = now - this.lastPressureAt < INTAKE_BUSY_WINDOW_MS;
    if (!busy) {
      while (this.running < this.runConcurrency && this.waitingCount() > 0) this.takeBacklog(false);
    } else if (this.running < Math.min(this.runConcurrency, TRIGGER_RUN_CONCURRENCY_WHILE_BUSY) && now >= this.nextBusyStartAt && this.waitingCount() > 0) {
      this.takeBacklog(true);
    }
    // Held back for the intake: look again when the next busy start is due or the pressure has
    // been gone for the window, whichever comes first.
    if (busy && !this.quietTimer && !this.closed && this.running < this.runConcurrency && this.waitingCount() > 0) {
      const due = Math.min(this.lastPressureAt + INTAKE_BUSY_WINDOW_MS, Math.max(this.nextBusyStartAt, now));
      this.quietTimer = this.options.clock.setTimer(Math.max(1, due - now), () => {
        this.quietTimer = undefined;
        this.pump();
      });
    }
  }

  /** Accepted events still waiting to start. */
  private waitingCount(): number {
    return this.jobs.length - this.launchedAhead + this.positions.length;
  }

  /** Launches the oldest waiting job (retried starts first), else the oldest waiting position. */
  private takeBacklog(whileBusy: boolean): void {
    if (this.jobs.length > 0) return this.take(this.jobs, whileBusy);
    const { at, source } = this.positions.shift()!;
    this.running++;
    void this.launch({ runId: '', at, source, launched: true }, whileBusy);
  }

  /** Launches the queue's next waiting run, unless it was launched already from the other queue. */
  private take(queue: Fifo<Waiting>, whileBusy = false): void {
    const waiting = queue.shift()!;
    if (waiting.launched) {
      if (queue === this.jobs) this.launchedAhead--;
      return;
    }
    waiting.launched = true;
    // A hurried job is still in `jobs` too: skipped there when reached.
    if (queue === this.urgent && waiting.job) this.launchedAhead++;
    this.running++;
    void this.launch(waiting, whileBusy);
  }

  /**
   * The waiting event's job (read back from the journal), on the queue; the slot is freed when it
   * settles. A run launched while the intake is busy sets when the next may start (RUN_SHARE_WHILE_BUSY).
   */
  private async launch(waiting: Waiting, whileBusy: boolean): Promise<void> {
    const startedAt = this.options.clock.monotonic();
    let job: StartJob;
    try {
      job = waiting.job ?? (await this.jobAt(waiting));
    } catch (error) {
      // Still in the journal: started at the next start (recover), never dropped without a word.
      const which = waiting.runId ? `for run ${waiting.runId}` : `at byte ${waiting.at?.offset ?? 0} of the intake journal`;
      if (!this.closed) process.emitWarning(`Flowkeeper: the accepted trigger event ${which} could not be read back from the intake journal: ${(error as Error).message}. It starts at the next start.`);
      this.running--;
      if (waiting.runId) this.settle(waiting.runId);
      this.pump();
      return;
    }
    if (!waiting.runId) {
      waiting.runId = job.runId;
      this.pendingRuns.set(job.runId, waiting);
    }
    if (!this.options.queue.enqueue(job)) {
      this.running--;
      this.settle(job.runId);
      this.pump();
      return;
    }
    await this.options.queue.settled(job.runId);
    this.running--;
    if (whileBusy) {
      const ended = this.options.clock.monotonic();
      this.nextBusyStartAt = ended + ((ended - startedAt) * (1 - RUN_SHARE_WHILE_BUSY)) / RUN_SHARE_WHILE_BUSY;
    }
    const attempts = this.lockedOut.get(job.runId);
    if (attempts !== undefined && attempts <= LOCKED_RETRIES && !this.closed) this.retryLater(job);
    else {
      this.lockedOut.delete(job.runId);
      this.settle(job.runId);
    }
    this.pump();
  }

  private async jobAt(waiting: Waiting): Promise<StartJob> {
    const entry = await this.journal.readAt(waiting.at!);
    const { flow, startedBy } = waiting.source!;
    if (waiting.runId ? entry.runId !== waiting.runId : entry.flowId !== flow.id) {
      throw new Error(`the journal holds run ${entry.runId} of flow ${entry.flowId} where ${waiting.runId ? `run ${waiting.runId}` : `an event of flow ${flow.id}`} was written`);
    }
    return { kind: 'start', runId: entry.runId, flow, input: entry.input, startedBy, journalled: true };
  }

  /**
   * A process that died between claiming a run and creating its trace leaves an empty lock that
   * counts as held for a moment (run-lock.ts); the event is ours (journalled here), so its start
   * is tried again shortly — unless a trace appeared meanwhile.
   */
  private retryLater(job: StartJob): void {
    this.waiting++;
    this.options.clock.setTimer(LOCKED_RETRY_MS, () => {
      void (async () => {
        try {
          if (!this.closed && !(await this.hasTrace(job.runId))) {
            const again: Waiting = { runId: job.runId, job };
            this.pendingRuns.set(job.runId, again);
            this.jobs.push(again);
            // Someone already waits for its result: it goes ahead again.
            if (this.settleWaiters.has(job.runId)) this.hurry(job.runId);
            this.pump();
            return;
          }
          this.lockedOut.delete(job.runId);
          this.settle(job.runId);
        } finally {
          this.waiting--;
        }
      })();
    });
  }

  /** Resolves when every accepted event has started and its run settled (tests, benches). */
  async drained(): Promise<void> {
    // A pool of 0 (tests of the window before any run starts) never drains: nothing to wait for.
    if (this.runConcurrency === 0) return;
    while (this.running > 0 || this.waitingCount() > 0 || this.waiting > 0) {
      await this.options.queue.idle();
      // Nothing on the queue yet (an event being read back from the journal, a retry's timer): a
      // short wait, never a spin that would starve the very I/O being waited for.
      if (this.running > 0 || this.waitingCount() > 0 || this.waiting > 0) await new Promise((resolve) => setTimeout(resolve, this.waiting > 0 && this.running === 0 ? 50 : 5));
    }
  }

  private setHealth(flowId: string, live: LiveTrigger, change: Partial<TriggerHealth>, notify = true): void {
    live.health = { ...live.health, ...change, ...(change.state ? { since: this.iso() } : {}) };
    if (notify) this.options.onChange?.(flowId);
  }

  /** Tells the app a flow fired: now if it was not told within FIRED_NOTICE_MS, else once that time is up. */
  private noticeFired(flowId: string): void {
    const { clock } = this.options;
    const now = clock.monotonic();
    const told = this.firedNotices.get(flowId);
    if (told?.cancel) return;
    if (!told || now - told.at >= FIRED_NOTICE_MS) {
      this.firedNotices.set(flowId, { at: now });
      this.options.onChange?.(flowId);
      return;
    }
    told.cancel = clock.setTimer(told.at + FIRED_NOTICE_MS - now, () => {
      this.firedNotices.set(flowId, { at: clock.monotonic() });
      if (!this.closed) this.options.onChange?.(flowId);
    });
  }

  private iso(): string {
    return new Date(this.options.clock.now()).toISOString();
  }

  /** Disposes every subscription, then lets the lock go. Emits after this are refused. */
  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.flowsWatcher?.close();
    this.stopOutcomes();
    await this.started?.catch(() => undefined);
    for (const flowId of [...this.subscriptions.keys()]) await this.serial.run(flowId, () => this.unsubscribeFlow(flowId));
    await this.intake.close();
    // Events still waiting to start stay in the journal and start at the next start.
    this.quietTimer?.();
    this.quietTimer = undefined;
    for (const told of this.firedNotices.values()) told.cancel?.();
    this.firedNotices.clear();
    this.positions.clear();
    this.jobs.clear();
    this.urgent.clear();
    this.launchedAhead = 0;
    for (const runId of [...this.pendingRuns.keys()]) this.settle(runId);
    await this.journal.close();
    await this.lock?.release();
    this.lock = undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
