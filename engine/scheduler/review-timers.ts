/**
 * Durable review timers: reminders, escalations and time-outs of open review items. Nothing is
 * kept here that the traces do not hold: the due times are in each `review.requested`, what
 * already fired is in the trace (`review.reminded`, `review.escalated`, `review.decided`), and the
 * inbox index carries both, so the timers are re-armed at every start without reading a trace.
 *
 * Firing is a `review-timer` job on the run queue. The job re-checks the trace under the run's
 * lease, so a timer fires once (a second firing — after a restart, or in another process — finds
 * it recorded and does nothing), never early, and a decision and a time-out arriving together
 * resolve to exactly one: the first to reach the trace.
 *
 * Waiting is on the injected Clock, in steps of at most `maxWaitMs` (default a minute), each
 * step comparing the wall clock with the due times: after a machine sleeps past a due time (or
 * its clock jumps), the timer fires within one step of waking.
 *
 * May import: `engine/model`, the inbox index, the run queue, the clock.
 */
import type { Clock } from '../clock.ts';
import { pendingTimers, type StoredInboxItem } from '../inbox/inbox-entries.ts';
import type { InboxIndex } from '../inbox/inbox-index.ts';
import type { RunQueue } from '../queue/run-queue.ts';

export const DEFAULT_MAX_WAIT_MS = 60_000;

type TimerKind = 'remind' | 'escalate' | 'due';

export interface ReviewTimersOptions {
  clock: Clock;
  inbox: InboxIndex;
  queue: RunQueue;
  maxWaitMs?: number;
}

export class ReviewTimers {
  private cancelTick: (() => void) | undefined;
  private stopped = true;
  /** Timer jobs handed to the queue and not yet answered, by `${id}/${kind}`. */
  private readonly inFlight = new Set<string>();
  /** Fired and answered: not fired again by this process (the trace guards across processes). */
  private readonly fired = new Set<string>();
  private unsubscribe: Array<() => void> = [];

  constructor(private readonly options: ReviewTimersOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe.push(
      this.options.inbox.onChange(() => this.schedule()),
      this.options.queue.onOutcome((outcome) => {
        if (outcome.kind !== 'review-timer') return;
        for (const key of [...this.inFlight]) {
          if (key.startsWith(`${outcome.runId}:`)) {
            this.inFlight.delete(key);
            // A job that could not run (another process owns the run) is tried again later.
            if (outcome.ok) this.fired.add(key);
          }
        }
        this.schedule();
      }),
    );
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTick?.();
    this.cancelTick = undefined;
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  /** Fires what is due now, then waits for the next due time (at most maxWaitMs). */
  private tick(): void {
    if (this.stopped) return;
    const now = this.options.clock.now();
    let next = Infinity;
    for (const item of this.options.inbox.all()) {
      const due = this.dueTimer(item, now);
      if (due) this.fire(item, due);
      next = Math.min(next, this.nextTime(item, now));
    }
    // Nothing is due at any time: no timer (a new or changed item re-arms through onChange).
    if (next === Infinity) return;
    this.arm(next - now);
  }

  private schedule(): void {
    if (this.stopped) return;
    // Re-evaluated on the next turn so a burst of changes costs one scan.
    this.arm(0);
  }

  private arm(delayMs: number): void {
    this.cancelTick?.();
    const wait = Math.max(0, Math.min(delayMs, this.options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS));
    this.cancelTick = this.options.clock.setTimer(wait, () => {
      this.cancelTick = undefined;
      this.tick();
    });
  }

  /**
   * The one timer of an item to fire now: a time-out makes the others moot; an escalation comes
   * before a reminder (which then goes to the new assignee, if still due).
   */
  private dueTimer(item: StoredInboxItem, now: number): TimerKind | undefined {
    const timers = pendingTimers(item);
    const candidates: Array<[TimerKind, string | undefined]> = [
      ['due', timers.timeoutAt],
      ['escalate', timers.escalateAt],
      ['remind', timers.remindAt],
    ];
    for (const [kind, at] of candidates) {
      if (at === undefined || Date.parse(at) > now) continue;
      const key = `${item.id}/${kind}`;
      if (this.inFlight.has(key) || this.fired.has(key)) continue;
      return kind;
    }
    return undefined;
  }

  private nextTime(item: StoredInboxItem, now: number): number {
    const timers = pendingTimers(item);
    let next = Infinity;
    for (const at of [timers.timeoutAt, timers.escalateAt, timers.remindAt]) {
      if (at === undefined) continue;
      const t = Date.parse(at);
      if (t > now) next = Math.min(next, t);
    }
    return next;
  }

  private fire(item: StoredInboxItem, kind: TimerKind): void {
    const key = `${item.id}/${kind}`;
    // One job per run at a time: a busy run (a decision being recorded) is tried on the next tick.
    if (this.options.queue.enqueue({ kind: 'review-timer', runId: item.runId, requestId: item.id, timer: kind })) this.inFlight.add(key);
  }
}
