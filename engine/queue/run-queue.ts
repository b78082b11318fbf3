/**
 * The run queue seam: every request to execute a run (start, resume, fork; `decide` with human
 * review) is a job put on a RunQueue. The service never calls the engine to run anything itself.
 *
 * Jobs are plain JSON (no functions, no signals, no class instances), so a later worker mode can
 * carry them over an existing queue engine (BullMQ on Redis) to another process, which claims
 * the run through the run lease and executes it there. See docs/architecture.md, "Run queue".
 *
 * May import: `engine/model` (types) only.
 */
import type { Flow } from '../model/flow.ts';
import type { DemoOrigin, RunEvent, TraceHeader } from '../model/events.ts';

/** Start a new run of a flow (the flow itself travels, so the worker runs what was asked for). */
export interface StartJob {
  kind: 'start';
  runId: string;
  flow: Flow;
  input: unknown;
  startedBy: string;
  /** The person who asked for it, when the door knows (the app's reviewer name). */
  startedByName?: string;
  /** Pinned test data to use instead of running those nodes (editor test runs only; engine/pins.ts). */
  pinned?: Record<string, { runId: string; outputs: Record<string, unknown[]> }>;
  /**
   * The start is already durable in the trigger host's intake journal (which starts it again under
   * the same id after a crash), so the trace is created without its own fsyncs.
   */
  journalled?: true;
  /**
   * A demo run (engine/demo/): answered from the recorded run `origin.runId`. A run of this
   * machine is read from the trace store where the job runs; a stored reference or a bundle's
   * travels with the job (`recording`, values inline).
   */
  demo?: { origin: DemoOrigin; recording?: { header: TraceHeader; events: RunEvent[] } };
}

/** Continue an unfinished run from its trace; `choice` answers a needs-attention question. */
export interface ResumeJob {
  kind: 'resume';
  runId: string;
  choice?: string;
  by?: string;
}

/** A new run (`runId`) re-using a parent run's results upstream of `fromNodeId`. */
export interface ForkJob {
  kind: 'fork';
  runId: string;
  parentRunId: string;
  fromNodeId: string;
  /** A changed flow to run instead of the parent's. */
  flow?: Flow;
  startedBy: string;
}

/**
 * A person's decision on a review (`by` decided `outcome`, with corrected fields and a comment),
 * or one of a review's timers falling due. A job like a resume, so any worker can answer it:
 * it is checked against the trace under the run's lease, so the first durable answer wins.
 */
export interface DecideJob {
  kind: 'decide';
  runId: string;
  requestId: string;
  outcome: string;
  by: string;
  comment?: string;
  edits?: Record<string, unknown>;
}

export interface ReviewTimerJob {
  kind: 'review-timer';
  runId: string;
  requestId: string;
  timer: 'remind' | 'escalate' | 'due';
}

/** Cancel a run that waits for people (paused at review); recorded as cancelled by `by`. */
export interface CancelWaitingJob {
  kind: 'cancel-waiting';
  runId: string;
  by: string;
}

/** Every job kind. */
export type RunJob = StartJob | ResumeJob | ForkJob | DecideJob | ReviewTimerJob | CancelWaitingJob;
export type RunJobKind = RunJob['kind'];

/** What happened to a job, for whoever follows the queue (the service turns it into events). */
export type JobOutcome =
  | { runId: string; kind: RunJobKind; ok: true; status: 'succeeded' | 'failed' | 'cancelled' | 'needs-attention' | 'stopped' | 'paused' }
  /** Another process owns the run: not a failure of the run, just not ours to run. */
  | { runId: string; kind: RunJobKind; ok: false; reason: 'owned-elsewhere'; message: string }
  /** The job could not even run (damaged trace, missing flow…); the trace, if any, is untouched. */
  | { runId: string; kind: RunJobKind; ok: false; reason: 'error'; message: string; error: unknown };

export interface CloseOptions {
  /** Cancel active runs (recorded as cancelled) instead of stopping them for shutdown. */
  cancelRuns?: boolean;
  /** How long to wait for active runs to reach a safe point (ms). */
  graceMs?: number;
}

export interface RunQueue {
  /**
   * Accepts a job. False when this run already has a job in progress (one job per run at a
   * time) or the queue is closed. Acceptance is decided before the first await, so two requests
   * for the same run cannot both be accepted.
   */
  enqueue(job: RunJob): boolean;
  /** Cancels the run's job (recorded in the trace); resolves once it stopped. False if none was active. */
  cancel(runId: string): Promise<boolean>;
  isActive(runId: string): boolean;
  /** How many runs have a job in progress (cheap: no I/O). */
  activeCount(): number;
  /** Resolves when the run has no job in progress. */
  settled(runId: string): Promise<void>;
  /** Resolves when no job is in progress. */
  idle(): Promise<void>;
  onOutcome(listener: (outcome: JobOutcome) => void): () => void;
  /**
   * Accepts no more jobs; stops active runs at a safe point (recorded as stopped for shutdown,
   * resumed at the next start), waiting at most `graceMs`; or cancels them (`cancelRuns`).
   */
  close(options?: CloseOptions): Promise<void>;
}
