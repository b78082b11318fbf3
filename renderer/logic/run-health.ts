/**
 * What a step and a run look like at a glance: the badge's words and colour, and the facts after
 * it. Derived from the run's status as well as the step's own, because a step's last event alone
 * misleads: a step still "running" in a run that stopped for a decision is waiting, one in a
 * cancelled run was stopped, and a step whose items all left on the error path "finished" without
 * anything succeeding. Pure, unit-tested in test/renderer/run-health.test.ts.
 */
import { runItemFailures, stepItemFailures, type StepItemFailures } from '../../engine/model/item-failures.ts';
import { describePorts, formatDuration, isFinalStatus, nodeStatusLabel, nodeStatusTone, plural, runStatusLabel, runStatusTone, type Tone } from './format.ts';

export interface StepStateInput {
  status: string;
  attempt: number;
  outputs?: unknown;
  error?: { code: string; message: string };
  routedToErrorPort?: boolean;
  startedAt?: string;
  finishedAt?: string;
}

export interface StepLook {
  /** The badge: "Done", "Done · 4 of 4 items failed", "Stopped", "Waiting for your decision". */
  label: string;
  tone: Tone;
  /** What the badge stands for, for `data-state` and tests. */
  state: 'not-run' | 'waiting' | 'running' | 'retrying' | 'paused' | 'done' | 'done-with-failures' | 'failed' | 'stopped' | 'skipped';
  /** Facts after the badge, each a complete phrase, joined with " · " (never a dangling one). */
  facts: string[];
  failures?: StepItemFailures;
}

/** "4 of 4 items failed", "1 of 300 items failed". */
export function failedItemsText(f: { failed: number; total: number }): string {
  return `${f.failed.toLocaleString('en-US')} of ${plural(f.total, 'item')} failed`;
}

function took(state: StepStateInput): string {
  return state.startedAt && state.finishedAt ? formatDuration(Date.parse(state.finishedAt) - Date.parse(state.startedAt)) : '';
}

export function describeStep(nodeId: string, state: StepStateInput | undefined, runStatus: string): StepLook {
  const runActive = runStatus === 'running';
  if (!state || state.status === 'pending') {
    if (runActive) return { label: 'Waiting', tone: 'neutral', state: 'waiting', facts: ['not started yet'] };
    if (runStatus === 'needs-attention' || runStatus === 'paused') return { label: 'Not run yet', tone: 'neutral', state: 'waiting', facts: ['runs after the decision'] };
    return { label: 'Not run', tone: 'neutral', state: 'not-run', facts: ['did not run'] };
  }
  const duration = took(state);
  const attempt = state.attempt > 1 ? [`attempt ${state.attempt}`] : [];
  const outputs = state.outputs !== undefined ? [describePorts(state.outputs)] : [];

  if (state.status === 'running' || state.status === 'retrying') {
    // The run's status wins: a step cannot be running in a run that is not.
    if (runStatus === 'needs-attention') return { label: 'Waiting for your decision', tone: 'warning', state: 'waiting', facts: ['stopped mid-way; see the question above', ...attempt] };
    if (runStatus === 'paused') return { label: 'Paused', tone: 'neutral', state: 'paused', facts: ['continues when the run does', ...attempt] };
    if (isFinalStatus(runStatus)) return { label: 'Stopped', tone: 'neutral', state: 'stopped', facts: ['stopped before it finished', ...attempt] };
    if (state.status === 'retrying') return { label: nodeStatusLabel('retrying'), tone: nodeStatusTone('retrying'), state: 'retrying', facts: [...attempt] };
    return { label: nodeStatusLabel('running'), tone: nodeStatusTone('running'), state: 'running', facts: [...attempt] };
  }
  if (state.status === 'failed' && state.error?.code === 'CANCELLED') {
    return { label: 'Stopped', tone: 'neutral', state: 'stopped', facts: [duration ? `stopped after ${duration}` : 'stopped before it finished', ...attempt] };
  }
  const failures = stepItemFailures(nodeId, state.outputs);
  if (state.status === 'succeeded' || (state.status === 'failed' && state.routedToErrorPort === true)) {
    const facts = [...outputs, ...(duration ? [duration] : []), ...attempt];
    if (failures) return { label: `Done · ${failedItemsText(failures)}`, tone: 'warning', state: 'done-with-failures', facts, failures };
    return { label: nodeStatusLabel('succeeded'), tone: nodeStatusTone('succeeded'), state: 'done', facts };
  }
  if (state.status === 'skipped') return { label: nodeStatusLabel('skipped'), tone: nodeStatusTone('skipped'), state: 'skipped', facts: ['nothing reached it'] };
  const facts = [...outputs.filter((o) => o !== 'no items'), ...(duration ? [duration] : []), ...attempt];
  return { label: nodeStatusLabel('failed'), tone: nodeStatusTone('failed'), state: 'failed', facts, ...(failures ? { failures } : {}) };
}

export interface RunLook {
  label: string;
  tone: Tone;
  /** A sentence for a finished run with failed items: "4 of 4 items failed at “Classify email”." */
  note?: string;
}

type FailedStep = { nodeId: string; name?: string; failed: number; total: number };

/** Plain words for the steps with failed items: at most two named, then "and N more steps". */
export function failedItemsNote(steps: readonly FailedStep[]): string {
  const named = steps.slice(0, 2).map((s) => `${failedItemsText(s)} at “${s.name ?? s.nodeId}”`);
  const more = steps.length > 2 ? ` and at ${plural(steps.length - 2, 'more step')}` : '';
  return `${named.join('; ')}${more}.`;
}

/**
 * A run's badge. A run that finished with items on an error path is "Succeeded with failed items"
 * (warning), never a plain green "Succeeded"; every other status keeps its usual words.
 */
export function describeRun(status: string, failedSteps: readonly FailedStep[] | undefined): RunLook {
  if (status === 'succeeded' && failedSteps && failedSteps.length > 0) {
    return { label: 'Succeeded with failed items', tone: 'warning', note: failedItemsNote(failedSteps) };
  }
  return { label: runStatusLabel(status), tone: runStatusTone(status) };
}

/** The failed steps of a run detail, in the flow's order, with their names. */
export function detailFailedSteps(nodes: Readonly<Record<string, { outputs?: unknown } | undefined>>, names: ReadonlyMap<string, string>): FailedStep[] {
  const failures = runItemFailures(nodes, [...names.keys()]);
  return (failures?.steps ?? []).map((s) => ({ ...s, name: names.get(s.nodeId) ?? s.nodeId }));
}
