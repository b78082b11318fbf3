/**
 * What a step's card on the canvas shows, as plain data: its name, badge, type line, summary,
 * first problem, progress, notes and ports. One function decides it for the card itself
 * (node-card.tsx renders it) and for the size the card is given before React Flow has measured it
 * (card-layout.ts), so the two cannot drift apart. Pure: no DOM, no stores.
 */
import type { NodeTypeInfo } from '../../engine/model/contract.ts';
import type { FlowNode } from '../../engine/model/flow.ts';
import type { Problem } from '../../engine/model/validate.ts';
import { configSummary, inputPorts } from './graph-logic.ts';
import type { RunViewStore } from './run-view-store.ts';
import { nodeStatusLabel, nodeVisualStatus, type NodeVisualStatus } from './run-status.ts';

export interface CardProblems {
  errors: string[];
  warnings: string[];
}
const NO_PROBLEMS: CardProblems = { errors: [], warnings: [] };
let problemsFor: readonly Problem[] | undefined;
let problemsIndex = new Map<string, CardProblems>();
/**
 * Problems by node, indexed once per problems list (the store keeps the list until the next
 * save), so each card's selector is a lookup returning the same object: with 1,000 cards a drag
 * neither filters the list 1,000 times per frame nor re-renders a card whose problems did not change.
 */
export function problemsOf(problems: readonly Problem[], nodeId: string): CardProblems {
  if (problems !== problemsFor) {
    problemsFor = problems;
    problemsIndex = new Map();
    for (const p of problems) {
      if (!p.nodeId) continue;
      const entry = problemsIndex.get(p.nodeId) ?? { errors: [], warnings: [] };
      (p.severity === 'error' ? entry.errors : entry.warnings).push(p.message);
      problemsIndex.set(p.nodeId, entry);
    }
  }
  return problemsIndex.get(nodeId) ?? NO_PROBLEMS;
}

/** A step's part of the run shown (flat, so a card can select it with useShallow). */
export interface CardRun {
  status: NodeVisualStatus | undefined;
  done: number;
  total: number;
  reused: boolean;
  pinnedInRun: boolean;
  replay: boolean | undefined;
}

export function cardRun(s: Pick<RunViewStore, 'state' | 'progress' | 'replay'>, nodeId: string): CardRun {
  const state = s.state?.nodes[nodeId];
  const progress = s.progress[nodeId];
  return { status: s.state ? nodeVisualStatus(state, s.state.status) : undefined, done: progress?.done ?? 0, total: progress?.total ?? 0, reused: Boolean(state?.reusedFrom), pinnedInRun: Boolean(state?.pinnedFrom), replay: s.replay?.[nodeId] };
}

/** A line of text on the card below its head, with its class in editor.css. */
export interface CardLine {
  className: string;
  text: string;
}

export interface CardContent {
  /** The step's whole name (tooltips, handle titles). */
  title: string;
  /** The name as shown: capped at TEXT_MAX characters (it wraps, at most three lines). */
  shown: string;
  badge: (CardLine & { tooltip?: string }) | undefined;
  /** The step type's title, when the name is not already it (or "Unknown step type"). */
  type: string | undefined;
  summary: string | undefined;
  /** The first error (or warning) in words, when no run is shown; at most two lines. */
  message: CardLine | undefined;
  progress: { done: number; total: number } | undefined;
  notes: CardLine[];
  inputs: string[];
  /** Output ports in order, with the label its row shows (none for a lone `out`). */
  outputs: Array<{ port: string; label: string | undefined }>;
}

/** A longer name or summary is cut with an ellipsis on the card (it wraps instead); the name is whole in its tooltip. */
const TEXT_MAX = 60;
const clip = (text: string) => (text.length > TEXT_MAX ? `${text.slice(0, TEXT_MAX - 1)}…` : text);

export function cardContent(node: FlowNode, info: NodeTypeInfo | undefined, outputs: readonly string[], problems: CardProblems, run: CardRun, pinned: boolean): CardContent {
  const title = node.name || info?.title || node.type;
  const { errors, warnings } = problems;
  const badge = run.status
    ? { className: `node-badge status-${run.pinnedInRun ? 'pinned' : run.status}`, text: run.pinnedInRun ? 'Pinned data' : nodeStatusLabel(run.status) }
    : errors.length > 0
      ? { className: 'node-badge status-problem', text: errors.length === 1 ? '1 problem' : `${errors.length} problems`, tooltip: errors.join('\n') }
      : warnings.length > 0
        ? { className: 'node-badge status-warning', text: warnings.length === 1 ? '1 warning' : `${warnings.length} warnings`, tooltip: warnings.join('\n') }
        : undefined;
  const notes: CardLine[] = [];
  if (run.pinnedInRun) notes.push({ className: 'node-card-note node-card-pinned', text: 'Did not run: used pinned test data' });
  else if (pinned) notes.push({ className: 'node-card-note node-card-pinned', text: 'Pinned test data (test runs skip this step)' });
  if (run.reused) notes.push({ className: 'node-card-note', text: 'Result reused from the earlier run' });
  if (run.replay === false) notes.push({ className: 'node-card-note node-card-diff', text: 'Different on replay — see the panel' });
  else if (run.replay === true) notes.push({ className: 'node-card-note', text: 'Same on replay' });
  const summary = clip(configSummary(node));
  return {
    title,
    shown: clip(title),
    badge,
    type: !info ? `Unknown step type “${node.type}”` : title !== info.title ? info.title : undefined,
    summary: summary || undefined,
    message: run.status ? undefined : errors.length > 0 ? { className: 'node-card-problem', text: errors[0]! } : warnings.length > 0 ? { className: 'node-card-warning', text: warnings[0]! } : undefined,
    progress: run.status === 'running' && run.total > 1 ? { done: run.done, total: run.total } : undefined,
    notes,
    inputs: inputPorts(info),
    outputs: outputs.map((port) => ({ port, label: outputs.length > 1 || port !== 'out' ? (port === 'error' ? 'on error' : port) : undefined })),
  };
}
