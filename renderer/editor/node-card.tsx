/**
 * A step on the canvas: icon, name, one line of what it is set to do, a badge (problems, or its
 * state in the run shown), and its ports named as the catalogue says (the `error` port in red).
 * Memoized and subscribed to its own slices of the stores, so moving one node re-renders one card.
 */
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo, useMemo, type CSSProperties } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlowNode } from '../../engine/model/flow.ts';
import { cardContent, cardRun, problemsOf } from './card-content.ts';
import { useCardFacts } from './card-facts-store.ts';
import { useCatalog } from './catalog-store.ts';
import { outputPorts } from './graph-logic.ts';
import { cardIconStyle } from './node-icon.tsx';
import { usePins } from './pin-store.ts';
import { useRunView } from './run-view-store.ts';

export type CardNode = Node<{ node: FlowNode }, 'card'>;

/*
 * Few elements per card: each one is styled, laid out and painted 1,000 times when the canvas
 * opens (bench figure 9). So the icon is the name's background image, a port's label is its row's
 * own text and the output rows are the card's children, not wrapped in a column. What the card
 * shows is decided in card-content.ts, which card-layout.ts also reads to size the card before it
 * is drawn.
 *
 * Port handles are placed against the React Flow node (the positioned wrapper), not against the
 * card or a port row: with 1,000 cards every positioned box and every transformed one is a layer
 * Chromium hit-tests on each pointer move and a paint chunk it re-layerizes on each pan or drag
 * frame (see docs/architecture.md, "What keeps the canvas fast"). So the card and its port rows
 * are not positioned, and a handle is offset with top/bottom instead of React Flow's
 * translate(-50%, -50%): editor.css computes the offsets from the card's box model and the
 * handle's place given here (`--port-at`, `--port-from-last`).
 */
const portAt = (i: number, count: number) => ({ '--port-at': (i + 1) / (count + 1) }) as CSSProperties;
const portFromLast = (fromLast: number) => ({ '--port-from-last': fromLast }) as CSSProperties;

function NodeCardImpl({ data, selected }: NodeProps<CardNode>) {
  const { node } = data;
  const info = useCatalog((s) => s.byType.get(node.type));
  // Only a node with outputs from its config (a switch) depends on the edges; the others never re-render for them.
  const edges = useCardFacts((s) => (info?.dynamicOutputs ? s.edges : undefined));
  const outputs = useMemo(() => outputPorts(info, node, edges ?? []), [info, node, edges]);
  // Errors stop the flow from running; warnings (e.g. "not connected: it will not run") do not, so they look different.
  const problems = useCardFacts((s) => problemsOf(s.problems, node.id));
  const run = useRunView(useShallow((s) => cardRun(s, node.id)));
  const pinned = usePins((s) => s.byNode[node.id] !== undefined);
  const c = cardContent(node, info, outputs, problems, run, pinned);
  return (
    <div className={`node-card${selected ? ' is-selected' : ''}${run.status ? ` run-${run.status}` : ''}`} data-node-id={node.id} data-status={run.status ?? 'none'} data-pinned={pinned || run.pinnedInRun ? 'true' : undefined} title={info?.description}>
      {c.inputs.map((port, i) => (
        <Handle key={port} type="target" position={Position.Left} id={port} className="port port-in" style={portAt(i, c.inputs.length)} title={`Input “${port}” of ${c.title}`} />
      ))}
      <div className="node-card-head">
        <span className="node-card-name" style={cardIconStyle(info?.icon ?? '')} title={c.shown !== c.title ? c.title : undefined}>
          {c.shown}
        </span>
        {c.badge ? (
          <span className={c.badge.className} title={c.badge.tooltip}>
            {c.badge.text}
          </span>
        ) : null}
      </div>
      {c.type ? <div className="node-card-type">{c.type}</div> : null}
      {c.summary ? <div className="node-card-summary">{c.summary}</div> : null}
      {c.message ? <div className={c.message.className}>{c.message.text}</div> : null}
      {c.progress ? (
        <div className="node-progress" aria-label={`${c.progress.done} of ${c.progress.total} items`}>
          <div className="node-progress-bar" style={{ width: `${(c.progress.done / c.progress.total) * 100}%` }} />
          <span>
            {c.progress.done} of {c.progress.total}
          </span>
        </div>
      ) : null}
      {c.notes.map((note) => (
        <div key={note.text} className={note.className}>
          {note.text}
        </div>
      ))}
      {c.outputs.map(({ port, label }, i) => (
        <div key={port} className={`port-row${i === 0 ? ' port-row-first' : ''}${port === 'error' ? ' port-row-error' : ''}`}>
          {label ?? null}
          <Handle type="source" position={Position.Right} id={port} className={`port port-out${port === 'error' ? ' port-error' : ''}`} style={portFromLast(c.outputs.length - 1 - i)} title={`Output “${port}” of ${c.title}`} />
        </div>
      ))}
    </div>
  );
}

export const NodeCard = memo(NodeCardImpl);
