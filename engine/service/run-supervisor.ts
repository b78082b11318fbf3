/**
 * Watches over the runs this service executes (through the run queue): resumes interrupted runs
 * at start, turns job failures into events, and closes in order (stop at a safe point, bounded).
 */
import { DecisionRefused } from '../model/review.ts';
import type { CloseOptions, RunQueue } from '../queue/run-queue.ts';
import type { TraceStore } from '../trace/trace-store.ts';
import type { EventHub } from './event-hub.ts';

export class RunSupervisor {
  private background: Promise<unknown> = Promise.resolve();
  private closing = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly queue: RunQueue,
    private readonly traces: TraceStore,
    private readonly hub: EventHub,
  ) {
    this.unsubscribe = queue.onOutcome((outcome) => {
      if (outcome.ok || outcome.reason === 'owned-elsewhere') return;
      // A refused decision is answered to whoever decided; the run itself is unchanged.
      if (outcome.error instanceof DecisionRefused) return;
      hub.emit({ type: 'runs.changed', runId: outcome.runId, status: 'failed' });
      // The trace holds the story; a failure to even start is reported on the run's channel.
      hub.emit({ type: 'run.event', runId: outcome.runId, event: { seq: 0, ts: new Date().toISOString(), type: 'node.log', nodeId: '', level: 'warn', message: outcome.message } });
    });
  }

  /**
   * Resumes interrupted runs in the background, one after another; returns at once. Each is a
   * queued job like any run, so it can be followed and cancelled; runs another process owns are
   * left to it.
   */
  resumeInterrupted(): void {
    this.background = (async () => {
      const { runs } = await this.traces.list();
      for (const run of runs.filter((r) => r.status === 'running')) {
        if (this.closing) break;
        if (this.queue.enqueue({ kind: 'resume', runId: run.runId })) await this.queue.settled(run.runId);
      }
    })().catch(() => undefined);
  }

  activeRunCount(): number {
    return this.queue.activeCount();
  }

  /** Waits for work started by the service (tests, orderly shutdown). */
  async idle(): Promise<void> {
    await this.background;
    await this.queue.idle();
  }

  async close(options: CloseOptions = {}): Promise<void> {
    this.closing = true;
    await this.queue.close(options);
    this.unsubscribe();
  }
}
