/**
 * One model of a paused run: whatever a run waits for — a person's decision after an
 * interruption ("needs attention") today, a review decision with human review next, a timer
 * later — is a Pause: why, what it waits for, who may answer, the choices, and when it is due.
 * The run-state reducer builds it from the trace; the run detail in the API and the CLI show it.
 *
 * Imports nothing of the repo outside engine/model.
 */
import type { CallKey } from './events.ts';

/** Why the run waits. `review` arrives with the review node; timers will add `timer`. */
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
