/**
 * Alert rules and grouping. One problem is one alert, keyed by flow + kind (+ step or trigger):
 *
 *   run-failed           a run of the flow failed (key per failing step); clears when a later run
 *                        of the flow succeeds
 *   needs-attention      a run stopped to ask a person; clears when no run of the flow waits so
 *   review-overdue       a review item is past its due time; clears when none of that step is
 *   trigger-failed       a trigger could not start or reports errors; clears when it is healthy
 *   trigger-silent       a trigger that beats on its own (schedule, polling: at least once a
 *                        minute) has not beaten for `silentAfterMs`; clears when it beats again
 *   metric-below-target  the charter's success metric misses its target over its window (read
 *                        through a MetricSource); clears when it meets it again
 *   drift                a drift check (engine/drift/) found the flow's answers changed from its
 *                        reference runs, the sentences as detail; each further check that still
 *                        finds drift counts, none sends; clears when a check finds none
 *   drift-check-failed   a drift check could not run (a server down, a credential missing);
 *                        clears when a check runs again
 *
 * Each alert counts its occurrences with first and last seen. It sends one message when it opens
 * and one when it clears, none for repeats; muting a flow or snoozing an alert stops the messages
 * while the counting goes on. State: <data>/alerts/alerts.json, replaced atomically on every
 * change, so grouping, mutes and snoozes survive restarts. Messages go through the outbox.
 *
 * Only runs of mode `run` count: replays and forks are a person trying something out.
 *
 * May import: `engine/model`, `node:*`, the outbox, the clock.
 */
import { readFile } from 'node:fs/promises';
import type { Clock } from '../clock.ts';
import type { Alert, AlertKind, AlertList } from '../model/alerts.ts';
import type { FlowTriggerStatus } from '../model/contract.ts';
import type { RunEvent } from '../model/events.ts';
import { CharterSchema, type Charter, type SuccessMetric } from '../model/charter.ts';
import { alertTargets } from './alert-routes.ts';
import { alertMessage, alertTitle, type AlertFacts } from './alert-text.ts';
import { replaceDurable } from '../storage/durable-file.ts';
import type { Outbox } from './outbox.ts';

export const DEFAULT_CHECK_EVERY_MS = 60_000;
export const DEFAULT_SILENT_AFTER_MS = 10 * 60_000;
/** Resolved alerts kept for the "recent" list. */
export const KEEP_RESOLVED = 200;
/** Members (runs, review items) an alert remembers; more only count. */
const MAX_MEMBERS = 1000;

/** The success metric of a flow over its window, as the charter's metric computation reads it. */
export interface MetricReading {
  value: number;
  target: number;
  /** Whether the value meets the target (for "lower is better" forms, at or below it). */
  met: boolean;
  windowDays: number;
  /** The value and target in words, e.g. "12 invoices a day, target 40". */
  summary?: string;
}

/** Where metric readings come from (engine/charter/metrics.ts, wired by the service). */
export interface MetricSource {
  /** The flow's metric over its window ending now; undefined when it cannot be measured yet (no runs). */
  read(flowId: string, metric: SuccessMetric, now: number): Promise<MetricReading | undefined>;
}

/** What alerts need of a flow: its name, its steps' names, its charter (who hears, how). */
export interface AlertFlow {
  id: string;
  name: string;
  nodes: Array<{ id: string; name?: string }>;
  charter?: Charter;
}

/**
 * A saved flow as alerts read it. Saved flows may have problems: a charter that does not pass its
 * schema is treated as absent (alerts then show in the app only), never as a reason to lose one.
 */
export function alertFlow(raw: Record<string, unknown>): AlertFlow {
  const charter = raw.charter === undefined ? undefined : CharterSchema.safeParse(raw.charter);
  const nodes = Array.isArray(raw.nodes) ? (raw.nodes as Array<Record<string, unknown>>).filter((n) => n && typeof n.id === 'string').map((n) => ({ id: n.id as string, ...(typeof n.name === 'string' ? { name: n.name } : {}) })) : [];
  return { id: String(raw.id ?? ''), name: typeof raw.name === 'string' && raw.name !== '' ? raw.name : String(raw.id ?? ''), nodes, ...(charter?.success ? { charter: charter.data } : {}) };
}

/** What alerts need to know about a run: the run index entry's fields. */
export interface AlertRunInfo {
  flowId: string;
  flowName: string;
  mode: string;
}

/** An open review item, as the inbox index has it. */
export interface AlertReviewItem {
  id: string;
  runId: string;
  flowId: string;
  flowName: string;
  nodeId: string;
  stepName: string;
  dueAt?: string;
}

export interface AlertsOptions {
  dir: string;
  clock: Clock;
  outbox: Outbox;
  flow(flowId: string): Promise<AlertFlow | undefined>;
  run(runId: string): Promise<AlertRunInfo | undefined>;
  /** Trigger health of the active flows (triggers.status). */
  triggerStatus(): Promise<FlowTriggerStatus[]>;
  openReviews(): AlertReviewItem[];
  metrics?: MetricSource;
  /** The app link of one inbox item (the inbox's own, once it has one). */
  reviewLink?: (itemId: string) => string;
  /** The web bridge's address (`http://host:port`), once `serve` listens. */
  publicAddress?: () => string | undefined;
  checkEveryMs?: number;
  /**
   * Whose timers pace the checks (default `clock`). The service paces them on the real clock, so
   * a test driving its fake clock timer by timer never meets a check it did not ask for; what a
   * check compares (due times, heartbeats) is always read from `clock`.
   */
  ticker?: Clock;
  silentAfterMs?: number;
  onChange?: () => void;
  /**
   * Set when another process keeps this data folder's alerts (it holds `<data>/alerts/owner.lock`):
   * this one raises, checks and changes nothing, so no alert is opened or sent twice.
   */
  elsewhere?: string;
}

interface AlertRecord {
  key: string;
  flowId: string;
  flowName: string;
  kind: AlertKind;
  stepId?: string;
  stepName?: string;
  title: string;
  detail?: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  state: 'open' | 'resolved';
  resolvedAt?: string;
  resolvedBy?: string;
  runId?: string;
  link: string;
  snoozedUntil?: string;
  /** Runs or review items behind an alert that clears when they are gone. */
  members?: string[];
  /** The cause last counted (an error time, a heartbeat, a metric value): the same cause again is not a new occurrence. */
  cause?: string;
  messageIds: string[];
}

interface AlertFile {
  v: 1;
  alerts: AlertRecord[];
  mutes: Record<string, { since: string; flowName: string }>;
}

interface Observation {
  flowId: string;
  kind: AlertKind;
  stepId?: string;
  detail?: string;
  runId?: string;
  link: string;
  member?: string;
  cause?: string;
}

export function alertKey(flowId: string, kind: AlertKind, stepId?: string): string {
  return stepId ? `${flowId}/${kind}/${stepId}` : `${flowId}/${kind}`;
}

/** Mute or snooze asked of a process that does not keep the alerts. */
export class AlertsElsewhere extends Error {}

export class AlertNotFound extends Error {
  constructor(readonly key: string) {
    super(`There is no open alert "${key}".`);
  }
}

export class Alerts {
  private state: AlertFile = { v: 1, alerts: [], mutes: {} };
  private serial: Promise<unknown> = Promise.resolve();
  /** Changes waiting in `serial`, and whether a repeat changed the state without writing it yet. */
  private queued = 0;
  private dirty = false;
  private cancelTick: (() => void) | undefined;
  private stopped = true;
  /** Heartbeats seen per trigger (this process): a trigger that beat twice beats on its own. */
  private readonly beats = new Map<string, { last: string; beating: boolean }>();
  readonly file: string;

  constructor(private readonly options: AlertsOptions) {
    this.file = `${options.dir}/alerts.json`;
  }

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as AlertFile;
      this.state = { v: 1, alerts: parsed.alerts ?? [], mutes: parsed.mutes ?? {} };
    } catch {
      // Alerts are a record of notices, not a source of truth: start over, and say so.
      process.emitWarning(`Flowkeeper: ${this.file} could not be read; alerts start afresh (open problems are raised again when next seen).`);
    }
  }

  /** Checks triggers, overdue reviews and metrics now and then every `checkEveryMs`. */
  start(): void {
    if (!this.stopped || this.options.elsewhere) return;
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      void this.check().finally(() => {
        if (!this.stopped) this.cancelTick = (this.options.ticker ?? this.options.clock).setTimer(this.options.checkEveryMs ?? DEFAULT_CHECK_EVERY_MS, tick);
      });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTick?.();
    this.cancelTick = undefined;
  }

  /** Resolves when every event and check handed in so far is recorded. */
  async settled(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.serial;
      await seen;
    } while (seen !== this.serial);
  }

  /** A run event from the engine (through the service's event hub). */
  runEvent(runId: string, event: RunEvent): void {
    if (this.options.elsewhere) return;
    if (event.type !== 'run.finished' && event.type !== 'run.needs-attention' && event.type !== 'run.attention-resolved') return;
    this.enqueue(async () => {
      const run = await this.options.run(runId);
      if (!run || run.mode !== 'run') return;
      const link = `#/runs/${encodeURIComponent(runId)}`;
      if (event.type === 'run.needs-attention') {
        await this.raise({ flowId: run.flowId, kind: 'needs-attention', stepId: event.nodeId, detail: event.reason, runId, link, member: runId }, run.flowName);
        return;
      }
      // The run no longer waits for a person, whichever way it went on.
      for (const alert of this.open(run.flowId, 'needs-attention')) await this.removeMember(alert, runId, 'the run was answered');
      if (event.type !== 'run.finished') return;
      if (event.status === 'failed') {
        await this.raise({ flowId: run.flowId, kind: 'run-failed', ...(event.error?.nodeId ? { stepId: event.error.nodeId } : {}), ...(event.error?.message ? { detail: event.error.message } : {}), runId, link }, run.flowName);
      } else if (event.status === 'succeeded') {
        for (const alert of this.open(run.flowId, 'run-failed')) await this.resolve(alert, 'the next run succeeded', runId);
      }
    });
  }

  /** One pass over what is watched by looking: triggers, overdue reviews, metrics. */
  check(): Promise<void> {
    if (this.options.elsewhere) return Promise.resolve();
    return this.enqueue(async () => {
      const now = this.options.clock.now();
      // A deleted flow's problems end with it (nothing would ever clear them otherwise).
      const openFlows = new Set(this.state.alerts.filter((a) => a.state === 'open').map((a) => a.flowId));
      for (const flowId of openFlows) {
        if (await this.options.flow(flowId)) continue;
        for (const alert of this.state.alerts.filter((a) => a.state === 'open' && a.flowId === flowId)) await this.resolve(alert, 'the flow was deleted');
      }
      await this.checkReviews(now);
      await this.checkTriggers(now).catch((error: unknown) => process.emitWarning(`Flowkeeper: trigger health could not be checked for alerts: ${(error as Error).message}`));
      if (this.options.metrics) await this.checkMetrics(now);
    });
  }

  /** The outcome of one drift check (engine/drift/drift-checks.ts). */
  driftChecked(check: { flowId: string; flowName: string; at: string; outcome: 'unchanged' | 'drift' | 'could-not-run' | 'no-references'; sentences: string[]; problem?: string }): Promise<void> {
    if (this.options.elsewhere) return Promise.resolve();
    return this.enqueue(async () => {
      const link = `#/flows/${encodeURIComponent(check.flowId)}/overview`;
      if (check.outcome === 'no-references') return;
      if (check.outcome === 'could-not-run') {
        await this.raise({ flowId: check.flowId, kind: 'drift-check-failed', detail: check.problem ?? 'The check could not run.', link, cause: check.at }, check.flowName);
        return;
      }
      for (const alert of this.open(check.flowId, 'drift-check-failed')) await this.resolve(alert, 'the drift check ran again');
      if (check.outcome === 'unchanged') {
        for (const alert of this.open(check.flowId, 'drift')) await this.resolve(alert, 'a drift check found the answers as in the reference again');
        return;
      }
      // Each check still finding drift counts (cause: its time); only the first one sends.
      const shown = check.sentences.slice(0, 20);
      const detail = [`A drift check found ${check.sentences.length === 1 ? 'this change' : `${check.sentences.length} changes`} from the reference runs:`, ...shown.map((s) => `- ${s}`), ...(check.sentences.length > shown.length ? [`- …and ${check.sentences.length - shown.length} more (see the flow page).`] : [])].join('\n');
      await this.raise({ flowId: check.flowId, kind: 'drift', detail, link, cause: check.at }, check.flowName);
    });
  }

  mute(flowId: string): Promise<void> {
    if (this.options.elsewhere) return Promise.reject(new AlertsElsewhere(this.options.elsewhere));
    return this.enqueue(async () => {
      if (this.state.mutes[flowId]) return;
      const flow = await this.options.flow(flowId);
      this.state.mutes[flowId] = { since: this.iso(), flowName: flow?.name ?? flowId };
      await this.save();
    });
  }

  unmute(flowId: string): Promise<void> {
    if (this.options.elsewhere) return Promise.reject(new AlertsElsewhere(this.options.elsewhere));
    return this.enqueue(async () => {
      if (!this.state.mutes[flowId]) return;
      delete this.state.mutes[flowId];
      await this.save();
    });
  }

  /** Stops the messages of one open alert until `until` (ISO); `undefined` ends the snooze. */
  snooze(key: string, until: string | undefined): Promise<void> {
    if (this.options.elsewhere) return Promise.reject(new AlertsElsewhere(this.options.elsewhere));
    return this.enqueue(async () => {
      const alert = this.state.alerts.find((a) => a.key === key && a.state === 'open');
      if (!alert) throw new AlertNotFound(key);
      if (until === undefined) delete alert.snoozedUntil;
      else alert.snoozedUntil = until;
      await this.save();
    });
  }

  /** Why this process does not keep the alerts (another one does), if so. */
  get elsewhere(): string | undefined {
    return this.options.elsewhere;
  }

  isMuted(flowId: string): boolean {
    return this.state.mutes[flowId] !== undefined;
  }

  list(recentLimit = 50): AlertList {
    const address = this.options.publicAddress?.();
    const show = (a: AlertRecord): Alert => {
      const { members: _m, cause: _c, messageIds, ...rest } = a;
      return {
        ...rest,
        ...(address ? { url: `${address}/${a.link}` } : {}),
        muted: this.isMuted(a.flowId),
        deliveries: messageIds.map((id) => this.options.outbox.get(id)).filter((m) => m !== undefined).map((m) => this.options.outbox.delivery(m)),
      };
    };
    const open = this.state.alerts.filter((a) => a.state === 'open').sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
    const recent = this.state.alerts.filter((a) => a.state === 'resolved').sort((a, b) => (b.resolvedAt ?? '').localeCompare(a.resolvedAt ?? '')).slice(0, recentLimit);
    const failedDeliveries = this.options.outbox
      .all()
      .filter((m) => m.status === 'failed')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, 50)
      .map((m) => this.options.outbox.delivery(m));
    const reminders = this.options.outbox
      .all()
      .filter((m) => m.purpose === 'reminder' || m.purpose === 'escalation')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, 50)
      .map((m) => this.options.outbox.delivery(m));
    return {
      open: open.map(show),
      recent: recent.map(show),
      muted: Object.entries(this.state.mutes).map(([flowId, m]) => ({ flowId, flowName: m.flowName, since: m.since })),
      failedDeliveries,
      reminders,
    };
  }

  private open(flowId: string, kind: AlertKind): AlertRecord[] {
    return this.state.alerts.filter((a) => a.state === 'open' && a.flowId === flowId && a.kind === kind);
  }

  private async checkReviews(now: number): Promise<void> {
    const overdue = new Map<string, AlertReviewItem[]>();
    for (const item of this.options.openReviews()) {
      if (item.dueAt === undefined || Date.parse(item.dueAt) > now) continue;
      const key = alertKey(item.flowId, 'review-overdue', item.nodeId);
      overdue.set(key, [...(overdue.get(key) ?? []), item]);
    }
    for (const alert of this.state.alerts.filter((a) => a.state === 'open' && a.kind === 'review-overdue')) {
      const still = new Set((overdue.get(alert.key) ?? []).map((i) => i.id));
      for (const member of [...(alert.members ?? [])]) if (!still.has(member)) await this.removeMember(alert, member, 'the overdue reviews were decided');
    }
    const link = (id: string) => this.options.reviewLink?.(id) ?? '#/inbox';
    for (const items of overdue.values()) {
      for (const item of items) {
        await this.raise({ flowId: item.flowId, kind: 'review-overdue', stepId: item.nodeId, detail: `"${item.stepName}" has been waiting for a decision since its due time ${item.dueAt}.`, runId: item.runId, link: link(item.id), member: item.id }, item.flowName);
      }
    }
  }

  private async checkTriggers(now: number): Promise<void> {
    const healthy = new Set<string>();
    const watched = new Set<string>();
    for (const flow of await this.options.triggerStatus()) {
      if (!flow.active || !flow.runsHere) continue;
      for (const t of flow.triggers) {
        const failedKey = alertKey(flow.flowId, 'trigger-failed', t.nodeId);
        const silentKey = alertKey(flow.flowId, 'trigger-silent', t.nodeId);
        watched.add(failedKey).add(silentKey);
        // Failing: it could not start, or its latest error came after its latest run and is either
        // newer than its heartbeat or recent (a trigger that beats before each try, then fails,
        // must not look healthy between the two). A run started since the error clears it at once.
        const quietMs = this.options.silentAfterMs ?? DEFAULT_SILENT_AFTER_MS;
        const error = t.lastError;
        const erroring = t.state === 'failed' || (error !== undefined && error.at >= (t.lastFiredAt ?? '') && (error.at >= (t.heartbeatAt ?? '') || now - Date.parse(error.at) < quietMs));
        if (erroring) {
          await this.raise({ flowId: flow.flowId, kind: 'trigger-failed', stepId: t.nodeId, detail: t.lastError?.message ?? t.lastMessage ?? 'It could not start.', link: `#/flows/${encodeURIComponent(flow.flowId)}`, cause: t.lastError?.at ?? t.since }, undefined, t.title);
        } else if (t.state === 'listening') {
          healthy.add(failedKey);
        }
        const beat = this.beats.get(silentKey);
        if (t.heartbeatAt !== undefined && beat?.last !== t.heartbeatAt) this.beats.set(silentKey, { last: t.heartbeatAt, beating: beat !== undefined });
        const seen = this.beats.get(silentKey);
        const silentFor = t.heartbeatAt === undefined ? 0 : now - Date.parse(t.heartbeatAt);
        if (seen?.beating && t.state === 'listening' && silentFor > quietMs) {
          await this.raise({ flowId: flow.flowId, kind: 'trigger-silent', stepId: t.nodeId, detail: `Its last sign of life was at ${t.heartbeatAt}${t.lastFiredAt ? `; it last started a run at ${t.lastFiredAt}` : ''}. Scheduled starts may have been missed.`, link: `#/flows/${encodeURIComponent(flow.flowId)}`, cause: t.heartbeatAt! }, undefined, t.title);
        } else if (silentFor <= quietMs) {
          healthy.add(silentKey);
        }
      }
    }
    for (const alert of this.state.alerts.filter((a) => a.state === 'open' && (a.kind === 'trigger-failed' || a.kind === 'trigger-silent'))) {
      if (healthy.has(alert.key)) await this.resolve(alert, alert.kind === 'trigger-silent' ? 'the trigger is alive again' : 'the trigger is healthy again');
      else if (!watched.has(alert.key)) await this.resolve(alert, 'the flow was switched off');
    }
  }

  private async checkMetrics(now: number): Promise<void> {
    const flowIds = new Set((await this.options.triggerStatus().catch(() => [])).filter((f) => f.active).map((f) => f.flowId));
    for (const alert of this.state.alerts.filter((a) => a.state === 'open' && a.kind === 'metric-below-target')) flowIds.add(alert.flowId);
    for (const flowId of flowIds) {
      const flow = await this.options.flow(flowId);
      if (!flow?.charter?.metric) continue;
      let reading: MetricReading | undefined;
      try {
        reading = await this.options.metrics!.read(flowId, flow.charter.metric, now);
      } catch (error) {
        process.emitWarning(`Flowkeeper: the success metric of "${flow.name}" could not be read for alerts: ${(error as Error).message}`);
        continue;
      }
      if (!reading) continue;
      const key = alertKey(flowId, 'metric-below-target');
      if (reading.met) {
        const alert = this.state.alerts.find((a) => a.key === key && a.state === 'open');
        if (alert) await this.resolve(alert, 'the success metric meets its target again');
        continue;
      }
      const summary = reading.summary ?? `${round(reading.value)} against a target of ${round(reading.target)}`;
      await this.raise({ flowId, kind: 'metric-below-target', detail: `Over the last ${reading.windowDays} day${reading.windowDays === 1 ? '' : 's'}: ${summary}.`, link: `#/flows/${encodeURIComponent(flowId)}`, cause: String(round(reading.value)) }, flow.name);
    }
  }

  /** Counts an occurrence: opens the alert (one message) or adds to the open one (no message). */
  private async raise(o: Observation, flowName?: string, stepTitle?: string): Promise<void> {
    const key = alertKey(o.flowId, o.kind, o.stepId);
    const existing = this.state.alerts.find((a) => a.key === key && a.state === 'open');
    const now = this.iso();
    if (existing) {
      if (o.member !== undefined && existing.members?.includes(o.member)) return;
      if (o.member === undefined && o.cause !== undefined && existing.cause === o.cause) return;
      existing.count++;
      existing.lastSeen = now;
      if (o.detail !== undefined) existing.detail = o.detail;
      if (o.runId !== undefined) existing.runId = o.runId;
      existing.link = o.link;
      if (o.cause !== undefined) existing.cause = o.cause;
      if (o.member !== undefined) existing.members = [...(existing.members ?? []), o.member].slice(-MAX_MEMBERS);
      // A repeat sends nothing: written once the queue of changes is drained (a burst of 1,000
      // failing runs is one write, not 1,000); a crash meanwhile loses counts, never an alert.
      this.dirty = true;
      return;
    }
    const flow = await this.options.flow(o.flowId);
    const name = flow?.name ?? flowName ?? o.flowId;
    const node = o.stepId ? flow?.nodes.find((n) => n.id === o.stepId) : undefined;
    const stepName = stepTitle ?? (o.stepId ? (node?.name ?? o.stepId) : undefined);
    const alert: AlertRecord = {
      key,
      flowId: o.flowId,
      flowName: name,
      kind: o.kind,
      ...(o.stepId ? { stepId: o.stepId } : {}),
      ...(stepName ? { stepName } : {}),
      title: alertTitle(o.kind, name, stepName),
      ...(o.detail !== undefined ? { detail: o.detail } : {}),
      count: 1,
      firstSeen: now,
      lastSeen: now,
      state: 'open',
      ...(o.runId ? { runId: o.runId } : {}),
      link: o.link,
      ...(o.member !== undefined ? { members: [o.member] } : {}),
      ...(o.cause !== undefined ? { cause: o.cause } : {}),
      messageIds: [],
    };
    this.state.alerts.push(alert);
    await this.send(alert, 'opened', flow);
    await this.save();
  }

  private async removeMember(alert: AlertRecord, member: string, why: string): Promise<void> {
    if (!alert.members?.includes(member)) return;
    alert.members = alert.members.filter((m) => m !== member);
    if (alert.members.length === 0) await this.resolve(alert, why);
    else await this.save();
  }

  /** Clears an open alert: one recovery message. */
  private async resolve(alert: AlertRecord, why: string, runId?: string): Promise<void> {
    if (alert.state !== 'open') return;
    alert.state = 'resolved';
    alert.resolvedAt = this.iso();
    alert.resolvedBy = why;
    if (runId) {
      alert.runId = runId;
      alert.link = `#/runs/${encodeURIComponent(runId)}`;
    }
    delete alert.members;
    await this.send(alert, 'recovered', await this.options.flow(alert.flowId));
    const resolved = this.state.alerts.filter((a) => a.state === 'resolved');
    if (resolved.length > KEEP_RESOLVED) {
      const drop = new Set(resolved.sort((a, b) => (a.resolvedAt ?? '').localeCompare(b.resolvedAt ?? '')).slice(0, resolved.length - KEEP_RESOLVED));
      this.state.alerts = this.state.alerts.filter((a) => !drop.has(a));
    }
    await this.save();
  }

  private async send(alert: AlertRecord, purpose: 'opened' | 'recovered', flow: AlertFlow | undefined): Promise<void> {
    // Muted and snoozed alerts are still counted and listed; only the messages stay back.
    if (this.isMuted(alert.flowId)) return;
    if (alert.snoozedUntil !== undefined && Date.parse(alert.snoozedUntil) > this.options.clock.now()) return;
    const address = this.options.publicAddress?.();
    const facts: AlertFacts = { ...alert, ...(address ? { url: `${address}/${alert.link}` } : {}) };
    const content = alertMessage(facts, purpose);
    for (const target of alertTargets(flow)) {
      const message = await this.options.outbox.enqueue({ purpose, target, content, alertKey: alert.key, flowId: alert.flowId });
      alert.messageIds.push(message.id);
    }
  }

  private async save(): Promise<void> {
    this.dirty = false;
    await replaceDurable(this.file, `${JSON.stringify(this.state)}\n`);
    this.options.onChange?.();
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    this.queued++;
    const next = this.serial.then(work).finally(async () => {
      this.queued--;
      if (this.queued === 0 && this.dirty) await this.save();
    });
    this.serial = next.catch((error: unknown) => {
      if (!(error instanceof AlertNotFound) && !(error instanceof AlertsElsewhere)) process.emitWarning(`Flowkeeper: an alert could not be recorded: ${(error as Error).message}`);
    });
    return next;
  }

  private iso(): string {
    return new Date(this.options.clock.now()).toISOString();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
