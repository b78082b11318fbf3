/**
 * A step on the canvas: icon, name, one line of what it is set to do, a badge (problems, or its
 * state in the run shown), and its ports named as the catalogue says (the `error` port in red).
 * Memoized and subscribed to its own slices of the stores, so moving one node re-renders one card.
 */
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlowNode } from '../../engine/model/flow.ts';
import type { Problem } from '../../engine/model/validate.ts';
import { useCatalog } from './catalog-store.ts';
import { useEditor } from './editor-store.ts';
import { configSummary, inputPorts, outputPorts } from './graph-logic.ts';
import { cardIconStyle } from './node-icon.tsx';
import { usePins } from './pin-store.ts';
import { useRunView } from './run-view-store.ts';
import { nodeStatusLabel, nodeVisualStatus } from './run-status.ts';

export type CardNode = Node<{ node: FlowNode }, 'card'>;

interface CardProblems {
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
function problemsOf(problems: readonly Problem[], nodeId: string): CardProblems {
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

/*
 * Few elements per card: each one is styled, laid out and painted 1,000 times when the canvas
 * opens (bench figure 9). So the icon is the name's background image, a port's label is its row's
 * own text and the output rows are the card's children, not wrapped in a column.
 *
 * Port handles are placed against the React Flow node (the positioned wrapper), not against the
 * card or a port row: with 1,000 cards every positioned box and every transformed one is a layer
 * Chromium hit-tests on each pointer move and a paint chunk it re-layerizes on each pan or drag
 * frame (see docs/architecture.md, "What keeps the canvas fast"). So the card and its port rows
 * are not positioned, and a handle is offset with top/bottom instead of React Flow's
 * translate(-50%, -50%). The numbers follow editor.css: a 10 px handle, port rows 14 px high
 * 2 px apart, above the card's 8 px bottom padding and 1 px border.
 */
const PORT_HALF = 5;
/** A longer name or summary is cut with an ellipsis on the card (it wraps: at most three lines); the name is whole in its tooltip. */
const TEXT_MAX = 60;
const clip = (text: string) => (text.length > TEXT_MAX ? `${text.slice(0, TEXT_MAX - 1)}…` : text);
const outputBottom = (fromLast: number) => 1 + 8 + fromLast * 16 + 7 - PORT_HALF;

function NodeCardImpl({ data, selected }: NodeProps<CardNode>) {
  const { node } = data;
  const info = useCatalog((s) => s.byType.get(node.type));
  // Only a node with outputs from its config (a switch) depends on the edges; the others never re-render for them.
  const edges = useEditor((s) => (info?.dynamicOutputs ? s.flow?.edges : undefined));
  const outputs = useMemo(() => outputPorts(info, node, edges ?? []), [info, node, edges]);
  // Errors stop the flow from running; warnings (e.g. "not connected: it will not run") do not, so they look different.
  const { errors: problems, warnings } = useEditor((s) => problemsOf(s.problems, node.id));
  const run = useRunView(
    useShallow((s) => {
      const state = s.state?.nodes[node.id];
      const progress = s.progress[node.id];
      return { status: s.state ? nodeVisualStatus(state, s.state.status) : undefined, done: progress?.done ?? 0, total: progress?.total ?? 0, reused: Boolean(state?.reusedFrom), pinnedInRun: Boolean(state?.pinnedFrom), replay: s.replay?.[node.id] };
    }),
  );
  const pinned = usePins((s) => s.byNode[node.id] !== undefined);
  const inputs = inputPorts(info);
  const summary = clip(configSummary(node));
  const title = node.name || info?.title || node.type;
  const shown = clip(title);
  return (
    <div className={`node-card${selected ? ' is-selected' : ''}${run.status ? ` run-${run.status}` : ''}`} data-node-id={node.id} data-status={run.status ?? 'none'} data-pinned={pinned || run.pinnedInRun ? 'true' : undefined} title={info?.description}>
      {inputs.map((port, i) => (
        <Handle key={port} type="target" position={Position.Left} id={port} className="port port-in" style={{ top: `calc(${((i + 1) / (inputs.length + 1)) * 100}% - ${PORT_HALF}px)` }} title={`Input “${port}” of ${title}`} />
      ))}
      <div className="node-card-head">
        <span className="node-card-name" style={cardIconStyle(info?.icon ?? '')} title={shown !== title ? title : undefined}>
          {shown}
        </span>
        {run.status ? (
          <span className={`node-badge status-${run.pinnedInRun ? 'pinned' : run.status}`}>{run.pinnedInRun ? 'Pinned data' : nodeStatusLabel(run.status)}</span>
        ) : problems.length > 0 ? (
          <span className="node-badge status-problem" title={problems.join('\n')}>
            {problems.length === 1 ? '1 problem' : `${problems.length} problems`}
          </span>
        ) : warnings.length > 0 ? (
          <span className="node-badge status-warning" title={warnings.join('\n')}>
            {warnings.length === 1 ? '1 warning' : `${warnings.length} warnings`}
          </span>
        ) : null}
      </div>
      {!info ? <div className="node-card-type">Unknown step type “{node.type}”</div> : title !== info.title ? <div className="node-card-type">{info.title}</div> : null}
      {summary ? <div className="node-card-summary">{summary}</div> : null}
      {!run.status && problems.length > 0 ? <div className="node-card-problem">{problems[0]}</div> : !run.status && warnings.length > 0 ? <div className="node-card-warning">{warnings[0]}</div> : null}
      {run.status === 'running' && run.total > 1 ? (
        <div className="node-progress" aria-label={`${run.done} of ${run.total} items`}>
          <div className="node-progress-bar" style={{ width: `${(run.done / run.total) * 100}%` }} />
          <span>
            {run.done} of {run.total}
          </span>
        </div>
      ) : null}
      {run.pinnedInRun ? (
        <div className="node-card-note node-card-pinned">Did not run: used pinned test data</div>
      ) : pinned ? (
        <div className="node-card-note node-card-pinned">Pinned test data (test runs skip this step)</div>
      ) : null}
      {run.reused ? <div className="node-card-note">Result reused from the earlier run</div> : null}
      {run.replay === false ? <div className="node-card-note node-card-diff">Different on replay — see the panel</div> : run.replay === true ? <div className="node-card-note">Same on replay</div> : null}
      {outputs.map((port, i) => (
        <div key={port} className={`port-row${i === 0 ? ' port-row-first' : ''}${port === 'error' ? ' port-row-error' : ''}`}>
          {outputs.length > 1 || port !== 'out' ? (port === 'error' ? 'on error' : port) : null}
          <Handle type="source" position={Position.Right} id={port} className={`port port-out${port === 'error' ? ' port-error' : ''}`} style={{ bottom: `${outputBottom(outputs.length - 1 - i)}px` }} title={`Output “${port}” of ${title}`} />
        </div>
      ))}
    </div>
  );
}

export const NodeCard = memo(NodeCardImpl);
