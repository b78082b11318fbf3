/**
 * Today's RunQueue: jobs run in this process, right away, on the engine. Each active run has a
 * cancel signal (runs.cancel, recorded as cancelled) and a stop signal (shutdown: no new step
 * starts, the run is recorded as stopped and resumes at the next start).
 */
import type { Engine, RunOutcome } from '../engine.ts';
import type { PortItems } from '../model/node-kit.ts';
import { prepareFork } from '../replay.ts';
import { demoFromRun } from '../demo/demo-reference.ts';
import type { AttentionChoice } from '../runner/call-recorder.ts';
import { RunLockedError } from '../trace/index.ts';
import type { CloseOptions, JobOutcome, RunJob, RunQueue } from './run-queue.ts';

/** How long close() waits for runs to reach a safe point unless told otherwise. */
export const DEFAULT_GRACE_MS = 5000;

interface ActiveJob {
  job: RunJob;
  cancel: AbortController;
  stop: AbortController;
  done: Promise<void>;
}

export class InProcessRunQueue implements RunQueue {
  private readonly active = new Map<string, ActiveJob>();
  private readonly listeners = new Set<(outcome: JobOutcome) => void>();
  private closed = false;

  constructor(private readonly engine: Engine) {}

  enqueue(job: RunJob): boolean {
    if (this.closed || this.active.has(job.runId)) return false;
    const entry: ActiveJob = { job, cancel: new AbortController(), stop: new AbortController(), done: Promise.resolve() };
    this.active.set(job.runId, entry);
    entry.done = Promise.resolve()
      .then(() => this.execute(job, entry.cancel.signal, entry.stop.signal))
      .then(
        (outcome): JobOutcome => ({ runId: job.runId, kind: job.kind, ok: true, status: outcome.status }),
        (error: unknown): JobOutcome =>
          error instanceof RunLockedError
            ? { runId: job.runId, kind: job.kind, ok: false, reason: 'owned-elsewhere', message: error.message }
            : { runId: job.runId, kind: job.kind, ok: false, reason: 'error', message: error instanceof Error ? error.message : String(error), error },
      )
      .then((outcome) => {
        if (this.active.get(job.runId) === entry) this.active.delete(job.runId);
        this.report(outcome);
      });
    return true;
  }

  private async execute(job: RunJob, signal: AbortSignal, stop: AbortSignal): Promise<RunOutcome> {
    switch (job.kind) {
      case 'start':
        return this.engine.startRun(job.flow, {
          runId: job.runId,
          input: job.input,
          startedBy: job.startedBy,
          ...(job.startedByName ? { startedByName: job.startedByName } : {}),
          ...(job.journalled ? { journalled: true } : {}),
          ...(job.pinned ? { pinned: new Map(Object.entries(job.pinned) as Array<[string, { runId: string; outputs: PortItems }]>) } : {}),
          ...(job.demo ? { demo: job.demo.recording ? { trace: job.demo.recording, origin: job.demo.origin } : await demoFromRun(this.engine.store, job.demo.origin.runId) } : {}),
          signal,
          stop,
        });
      case 'resume':
        return this.engine.resume(job.runId, { signal, stop, ...(job.choice === undefined ? {} : { choice: job.choice as AttentionChoice, by: job.by ?? 'unknown' }) });
      case 'fork': {
        const plan = await prepareFork(this.engine.store, job.parentRunId, job.fromNodeId, { runId: job.runId, startedBy: job.startedBy, ...(job.flow === undefined ? {} : { flow: job.flow }) });
        return this.engine.startRun(plan.flow, { ...plan.start, signal, stop });
      }
      case 'decide': {
        const { kind: _kind, runId, requestId, ...answer } = job;
        return this.engine.answerReview(runId, { kind: 'decision', requestId, ...answer }, { signal, stop });
      }
      case 'cancel-waiting': {
        const cancelled = await this.engine.cancelWaiting(job.runId, job.by);
        return { runId: job.runId, status: cancelled ? 'cancelled' : 'paused', outputs: {} };
      }
      case 'review-timer':
        return this.engine.answerReview(job.runId, { kind: 'timer', requestId: job.requestId, timer: job.timer }, { signal, stop });
    }
  }

  private report(outcome: JobOutcome): void {
    for (const listener of this.listeners) {
      try {
        listener(outcome);
      } catch {
        /* a broken listener must not break the queue */
      }
    }
  }

  async cancel(runId: string): Promise<boolean> {
    const entry = this.active.get(runId);
    if (!entry) return false;
    entry.cancel.abort();
    await entry.done;
    return true;
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  activeCount(): number {
    return this.active.size;
  }

  async settled(runId: string): Promise<void> {
    await this.active.get(runId)?.done;
  }

  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((a) => a.done));
  }

  onOutcome(listener: (outcome: JobOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(options: CloseOptions = {}): Promise<void> {
    this.closed = true;
    const entries = [...this.active.values()];
    if (options.cancelRuns) {
      for (const entry of entries) entry.cancel.abort();
      await Promise.all(entries.map((e) => e.done));
      return;
    }
    for (const entry of entries) entry.stop.abort();
    // Bounded: a step that is still working after the grace period is left as it is; if the
    // process ends now the run is interrupted, and its trace lets the next start resume it.
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.graceMs ?? DEFAULT_GRACE_MS);
      timer.unref();
    });
    try {
      await Promise.race([Promise.all(entries.map((e) => e.done)), grace]);
    } finally {
      clearTimeout(timer);
    }
  }
}
