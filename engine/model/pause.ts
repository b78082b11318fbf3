/**
 * One model of a paused run: whatever a run waits for — a person's decision after an
 * interruption ("needs attention") today, a review decision with human review next, a timer
 * later — is a Pause: why, what it waits for, who may answer, the choices, and when it is due.
 * The run-state reducer builds it from the trace; the run detail in the API and the CLI show it.
 *
 * Imports nothing of the repo outside engine/model.
 */
import type { CallKey } from './events.ts';
import { currentAssignee, OUTCOME_LABELS, type ReviewRecord } from './review.ts';

/** Why the run waits: an interruption a person must answer, or review steps waiting for decisions. */
export type PauseKind = 'needs-attention' | 'review';

export interface PauseChoice {
  /** What is sent back (`--choice send-again`). */
  id: string;
  /** Plain words for a button. */
  label: string;
}

export interface Pause {
  kind: PauseKind;
  /** The step the run stopped at. */
  nodeId: string;
  /** Plain words: why the run waits. */
  reason: string;
  /** What the run waits for: a person's decision (a timer later). */
  waitsFor: 'decision';
  /** Who may answer: anyone who can open the run, or the people named. */
  answeredBy: { anyone: true } | { people: string[] };
  choices: PauseChoice[];
  /** When the pause times out (ISO time), if it does. */
  dueAt?: string;
  /** The recorded outside call the question is about (needs-attention after an interruption). */
  call?: CallKey;
  /** Review: the inbox ids of the items still waiting for a decision. */
  requests?: string[];
}

/** Plain labels for the needs-attention choices; an unknown id is shown as it is. */
const ATTENTION_LABELS: Record<string, string> = {
  'send-again': 'Send it again',
  'skip-item': 'Skip this item',
  'mark-done': 'It went out: mark it done',
  cancel: 'Cancel the run',
};

/** The pause a `run.needs-attention` event describes. */
export function attentionPause(event: { nodeId: string; reason: string; choices: string[]; call?: CallKey }): Pause {
  const pause: Pause = {
    kind: 'needs-attention',
    nodeId: event.nodeId,
    reason: event.reason,
    waitsFor: 'decision',
    answeredBy: { anyone: true },
    choices: event.choices.map((id) => ({ id, label: ATTENTION_LABELS[id] ?? id })),
  };
  if (event.call !== undefined) pause.call = event.call;
  return pause;
}

export function choiceIds(pause: Pause): string[] {
  return pause.choices.map((c) => c.id);
}

/** "Choose send-again, skip-item or cancel." */
export function chooseHint(pause: Pause): string {
  const ids = choiceIds(pause);
  const list = ids.length <= 1 ? ids.join('') : `${ids.slice(0, -1).join(', ')} or ${ids[ids.length - 1]!}`;
  return `Choose ${list}.`;
}

/**
 * The pause of a run whose review step waits: the open reviews of that step (the earliest due
 * time, everyone asked, the step's outcomes). Undefined when nothing is open.
 */
export function reviewPause(nodeId: string, open: readonly ReviewRecord[]): Pause | undefined {
  if (open.length === 0) return undefined;
  const first = open[0]!;
  const people = [...new Set(open.map((r) => currentAssignee(r)).filter((a): a is string => a !== undefined && a !== ''))];
  const due = open.map((r) => r.request.dueAt).filter((d): d is string => d !== undefined).sort()[0];
  const pause: Pause = {
    kind: 'review',
    nodeId,
    reason: open.length === 1 ? `Waiting for a review: ${first.request.title}` : `Waiting for ${open.length} reviews: ${first.request.title} and more`,
    waitsFor: 'decision',
    answeredBy: people.length === open.length && people.length > 0 ? { people } : { anyone: true },
    choices: first.request.outcomes.map((o) => ({ id: o.id, label: o.label || OUTCOME_LABELS[o.id] || o.id })),
    requests: open.map((r) => r.requestId),
  };
  if (due !== undefined) pause.dueAt = due;
  return pause;
}
