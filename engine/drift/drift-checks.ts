/**
 * Drift checks of flows: run one now (`check`), say what the last ones found (`status`), and keep
 * the schedule of every switched-on flow that has reference runs and a drift schedule in its
 * charter (`charter.drift`).
 *
 *   check(flow)  the live version (the pinned one of a switched-on flow, else the latest save)
 *                ─▶ shadowRun per reference (shadow-run.ts) ─▶ compareSteps (compare.ts)
 *                ─▶ result recorded (drift-store.ts) ─▶ alerts.driftChecked (kinds drift /
 *                drift-check-failed; the same drift again counts, never sends twice)
 *
 * Schedule: croner computes the times in the schedule's zone; one timer on the service's clock
 * for the soonest due check, waking at least every minute to read the wall clock (sleep, a closed
 * app and clock changes are seen). Times due in (last scheduled time, now]: one → that check;
 * several (the app was closed) → one check that catches them up (`missed`). The scheduled time is
 * recorded with the result, so a restart does not check it again. No flow with a schedule → no
 * timer at all. One check at a time per flow, one scheduled pass at a time.
 *
 * May import: `engine/model`, `engine/drift`, the flow and reference stores, the runner (through shadow-run.ts).
 */
import { Cron } from 'croner';
import type { Clock } from '../clock.ts';
import type { Flow } from '../model/flow.ts';
import { CharterSchema, type DriftSettings } from '../model/charter.ts';
import type { DriftCheckResult, DriftStatus } from '../model/drift.ts';
import type { ReferenceStore } from '../handover/reference-store.ts';
import type { HttpTransport } from '../runner/http-transport.ts';
import type { NodeRegistry } from '../runner/registry.ts';
import type { SecretResolver } from '../secrets.ts';
import { Serial } from '../serial.ts';
import { compareSteps } from './compare.ts';
import type { DriftStore } from './drift-store.ts';
import { shadowRun } from './shadow-run.ts';

/** The scheduler looks at the wall clock at least this often. */
export const DRIFT_WAKE_MS = 60_000;
/** Missed times counted at most (a schedule every minute, closed for a month). */
const MAX_MISSED_COUNTED = 10_000;

export interface DriftChecksOptions {
  /** The flow store: `runnable` gives a version validated with its steps' settings filled in. */
  flows: { runnable(id: string, version?: number): Promise<Flow> };
  references: ReferenceStore;
  store: DriftStore;
  registry: NodeRegistry;
  secrets: SecretResolver;
  http: HttpTransport;
  clock: Clock;
  /** Switched-on flows and their pinned versions (triggers/active.json). */
  active(): Promise<Record<string, { version?: number }>>;
  /** Where outcomes go (engine/alerts/alerts.ts). */
  alerts?: { driftChecked(check: { flowId: string; flowName: string; at: string; outcome: DriftCheckResult['outcome']; sentences: string[]; problem?: string }): Promise<void> };
  onChecked?: (result: DriftCheckResult) => void;
}

interface Planned {
  flowId: string;
  settings: DriftSettings;
  next: number;
}

export class DriftChecks {
  private readonly serial = new Serial();
  private cancelTimer: (() => void) | undefined;
  private stopped = true;
  private planning: Promise<void> | undefined;
  private replanAgain = false;
  private readonly running = new Set<Promise<unknown>>();
  /** Stops checks in flight when the service closes: a stopped check is recorded nowhere (its steps did not run, which is not drift). */
  private abort = new AbortController();
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: DriftChecksOptions) {}

  /** Checks what is due and keeps the schedule from now on. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.abort = new AbortController();
    this.replan();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.noticeTimer) clearTimeout(this.noticeTimer);
    this.noticeTimer = undefined;
    this.abort.abort();
  }

  /**
   * A flow changed (saved, switched on or off — or a trigger fired: the same notice). Looked at
   * once a second at most, so a busy webhook does not re-read every flow per request.
   */
  flowsChanged(): void {
    if (this.stopped || this.noticeTimer) return;
    this.noticeTimer = setTimeout(() => {
      this.noticeTimer = undefined;
      this.replan();
    }, 1000);
    this.noticeTimer.unref?.();
  }

  /** Waits for the checks and the planning started so far (a change noticed but not yet looked at is looked at now). */
  async settled(): Promise<void> {
    if (this.noticeTimer) {
      clearTimeout(this.noticeTimer);
      this.noticeTimer = undefined;
      this.replan();
    }
    while (this.planning || this.running.size > 0) {
      await this.planning;
      await Promise.all([...this.running]);
    }
  }

  /** Something changed (a save, a flow switched on or off, a reference added): look again. Coalesced. */
  replan(): void {
    if (this.stopped) return;
    if (this.planning) {
      this.replanAgain = true;
      return;
    }
    this.planning = this.plan()
      .catch((error: unknown) => process.emitWarning(`Flowkeeper: the drift checks could not be scheduled: ${(error as Error).message}`))
      .finally(() => {
        this.planning = undefined;
        if (this.replanAgain) {
          this.replanAgain = false;
          this.replan();
        }
      });
  }

  /** Runs a check of the flow now and records it; the alerts hear of it. */
  check(flowId: string, by: DriftCheckResult['by'] = 'person', scheduled?: { for: string; missed: number }): Promise<DriftCheckResult> {
    const work = this.serial.run(flowId, () => this.checkNow(flowId, by, scheduled));
    this.running.add(work);
    void work.catch(() => undefined).finally(() => this.running.delete(work));
    return work;
  }

  async status(flowId: string): Promise<DriftStatus> {
    const file = await this.options.store.read(flowId);
    const refs = await this.options.references.list(flowId);
    const live = await this.liveFlow(flowId).catch(() => undefined);
    const settings = live ? driftSettingsOf(live.flow) : undefined;
    const active = (await this.options.active())[flowId] !== undefined;
    const status: DriftStatus = { flowId, references: refs.length, results: file.results };
    if (settings) status.schedule = { cron: settings.schedule, ...(settings.timeZone ? { timeZone: settings.timeZone } : {}), liveAi: settings.liveAi };
    const problem = settings ? cronProblem(settings) : undefined;
    if (!settings) status.note = 'No drift schedule is set: checks run only when asked (Check now, flowkeeper drift check).';
    else if (problem !== undefined) status.note = `The drift schedule “${settings.schedule}” cannot be read (${problem}), so no check is scheduled. Fix it in the flow's drift settings.`;
    else if (refs.length === 0) status.note = 'The flow has no reference runs yet, so there is nothing to compare with.';
    else if (!active) status.note = 'The flow is switched off: scheduled drift checks run only while it is on.';
    else {
      const next = nextTime(settings, Math.max(this.options.clock.now(), Date.parse(file.schedule?.lastScheduledFor ?? '') || 0));
      if (next !== undefined) status.nextCheckAt = new Date(next).toISOString();
    }
    return status;
  }

  private async liveFlow(flowId: string): Promise<{ flow: Flow; version: number }> {
    const pinned = (await this.options.active())[flowId]?.version;
    const flow = await this.options.flows.runnable(flowId, pinned);
    return { flow, version: flow.version };
  }

  private async checkNow(flowId: string, by: DriftCheckResult['by'], scheduled?: { for: string; missed: number }): Promise<DriftCheckResult> {
    const { clock } = this.options;
    const at = new Date(clock.now()).toISOString();
    const { flow } = await this.liveFlow(flowId);
    const settings = driftSettingsOf(flow);
    const liveAi = settings?.liveAi ?? false;
    const refs = await this.options.references.list(flowId);
    const result: DriftCheckResult = {
      flowId,
      flowVersion: flow.version,
      at,
      by,
      ...(scheduled ? { scheduledFor: scheduled.for, ...(scheduled.missed > 0 ? { missed: scheduled.missed } : {}) } : {}),
      liveAi,
      outcome: 'unchanged',
      sentences: [],
      references: [],
    };
    if (refs.length === 0) {
      result.outcome = 'no-references';
      result.problem = 'The flow has no reference runs yet: choose a finished run as a reference, or import a hand-over bundle that has some.';
      if (scheduled) await this.options.store.record(result);
      return result;
    }
    const problems: string[] = [];
    for (const ref of refs) {
      try {
        const signal = this.abort.signal;
        const shadow = await shadowRun({ registry: this.options.registry, secrets: this.options.secrets, http: this.options.http, clock }, flow, ref.run, { liveAi, signal });
        if (signal.aborted) throw new CheckStopped();
        // A step that got no answer cannot be judged, and neither can what it would have fed.
        const findings = shadow.unreachable.length > 0 ? [] : compareSteps(shadow.recorded, shadow.live).filter((f) => !shadow.notJudged.includes(f.nodeId));
        for (const u of shadow.unreachable) problems.push(`${u.stepName} got no answer (reference run ${ref.run.runId}): ${u.message}`);
        result.references.push({ runId: ref.run.runId, createdAt: ref.run.createdAt, findings, notes: shadow.notes, unreachable: shadow.unreachable });
      } catch (error) {
        if (error instanceof CheckStopped) throw error;
        problems.push(`The reference run ${ref.run.runId} could not be re-run: ${(error as Error).message}`);
        result.references.push({ runId: ref.run.runId, createdAt: ref.run.createdAt, findings: [], notes: [], unreachable: [] });
      }
    }
    result.sentences = [...new Set(result.references.flatMap((r) => r.findings.map((f) => f.sentence)))];
    if (problems.length > 0) result.problem = [...new Set(problems)].join('\n');
    result.outcome = result.sentences.length > 0 ? 'drift' : problems.length > 0 ? 'could-not-run' : 'unchanged';
    await this.options.store.record(result);
    await this.options.alerts?.driftChecked({ flowId, flowName: flow.name || flowId, at, outcome: result.outcome, sentences: result.sentences, ...(result.problem && result.outcome === 'could-not-run' ? { problem: result.problem } : {}) });
    this.options.onChecked?.(result);
    return result;
  }

  /** One pass: checks due now, then a timer for the next one (or none). */
  private async plan(): Promise<void> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const now = this.options.clock.now();
    const planned: Planned[] = [];
    for (const [flowId] of Object.entries(await this.options.active())) {
      let settings: DriftSettings | undefined;
      try {
        settings = driftSettingsOf((await this.liveFlow(flowId)).flow);
      } catch {
        continue; // a damaged or deleted flow: nothing to schedule (Check now says why)
      }
      if (!settings || cronProblem(settings) !== undefined) continue;
      if ((await this.options.references.list(flowId).catch(() => [])).length === 0) continue;
      let file = await this.options.store.read(flowId);
      const mark = file.schedule;
      if (!mark || mark.cron !== settings.schedule || mark.timeZone !== settings.timeZone) {
        // A new or changed schedule counts from now: nothing before it was missed.
        file = await this.options.store.update(flowId, (f) => {
          f.schedule = { cron: settings.schedule, ...(settings.timeZone ? { timeZone: settings.timeZone } : {}), since: new Date(now).toISOString() };
        });
      }
      const from = Math.max(Date.parse(file.schedule!.since), Date.parse(file.schedule!.lastScheduledFor ?? '') || 0);
      const due = dueTimes(settings, from, now);
      if (due.count > 0) {
        if (this.stopped) return;
        await this.check(flowId, 'schedule', { for: new Date(due.latest!).toISOString(), missed: due.count - 1 }).catch((error: unknown) => {
          if (!(error instanceof CheckStopped)) process.emitWarning(`Flowkeeper: the drift check of "${flowId}" failed: ${(error as Error).message}`);
        });
      }
      const next = nextTime(settings, Math.max(now, due.latest ?? 0));
      if (next !== undefined) planned.push({ flowId, settings, next });
    }
    if (this.stopped || planned.length === 0) return;
    const soonest = Math.min(...planned.map((p) => p.next));
    const wait = Math.max(0, Math.min(DRIFT_WAKE_MS, soonest - this.options.clock.now()));
    this.cancelTimer = this.options.clock.setTimer(wait, () => {
      this.cancelTimer = undefined;
      this.replan();
    });
  }
}

/** The service closed while a check ran. */
export class CheckStopped extends Error {
  constructor() {
    super('The drift check was stopped because Flowkeeper is closing; it runs again at the next start when it is due.');
  }
}

/** The charter's drift settings of a flow, when valid. */
export function driftSettingsOf(flow: Flow): DriftSettings | undefined {
  const parsed = CharterSchema.safeParse(flow.charter ?? {});
  return parsed.success ? parsed.data.drift : undefined;
}

/** What is wrong with a drift schedule, in words; undefined when croner reads it. */
export function cronProblem(settings: Pick<DriftSettings, 'schedule' | 'timeZone'>): string | undefined {
  try {
    new Cron(settings.schedule, { paused: true, ...(settings.timeZone ? { timezone: settings.timeZone } : {}) });
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
}

function cronOf(settings: DriftSettings): Cron {
  return new Cron(settings.schedule, { paused: true, ...(settings.timeZone ? { timezone: settings.timeZone } : {}) });
}

/** The first scheduled time after `afterMs`. */
export function nextTime(settings: DriftSettings, afterMs: number): number | undefined {
  const next = cronOf(settings).nextRun(new Date(afterMs));
  return next ? next.getTime() : undefined;
}

/** Scheduled times in (fromMs, nowMs]: how many and the latest. */
export function dueTimes(settings: DriftSettings, fromMs: number, nowMs: number): { count: number; latest?: number } {
  const cron = cronOf(settings);
  let count = 0;
  let latest: number | undefined;
  let cursor = new Date(fromMs);
  while (count < MAX_MISSED_COUNTED) {
    const next = cron.nextRun(cursor);
    if (!next || next.getTime() > nowMs) break;
    count++;
    latest = next.getTime();
    cursor = next;
  }
  return latest === undefined ? { count } : { count, latest };
}
