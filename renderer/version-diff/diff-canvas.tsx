/**
 * The compare canvas: read-only @xyflow/react with cards of its own (`DiffCard`), so the
 * editor's canvas and node card (kept lean for 1,000-step flows, bench figure 9) stay as they
 * are. A card looks like the editor's (same `node-card` classes, icon, name, summary, ports) and
 * carries its mark as a word and a sign, never by colour alone: "+ Added", "− Removed" (a ghost
 * where it was, its name struck), "✎ Changed · 2 settings", "↔ Moved".
 */
import { Background, Controls, Handle, Position, ReactFlow, type Edge as RfEdge, type Node, type NodeProps } from '@xyflow/react';
import { memo, useMemo } from 'react';
import type { NodeTypeInfo } from '../../engine/model/contract.ts';
import type { Edge } from '../../engine/model/flow.ts';
import { configSummary, inputPorts, outputPorts } from '../editor/graph-logic.ts';
import { CardIcon } from '../editor/node-icon.tsx';
import { MARK_LABEL, MARK_SIGN, type DiffPicture, type EdgeMark, type MarkedNode } from './diff-marks.ts';

export type DiffCardNode = Node<{ marked: MarkedNode; info: NodeTypeInfo | undefined; outputs: string[]; inputs: string[]; olderVersion: number }, 'diff'>;

const NODE_TYPES = { diff: memo(DiffCard) };
const PORT_HALF = 5;
// As node-card.tsx: handles sit against the React Flow node, rows 16 px apart above 8 px padding.
const outputBottom = (fromLast: number) => 1 + 8 + fromLast * 16 + 7 - PORT_HALF;
const TEXT_MAX = 60;
const clip = (text: string) => (text.length > TEXT_MAX ? `${text.slice(0, TEXT_MAX - 1)}…` : text);

const EDGE_LABEL: Record<EdgeMark, string | undefined> = { added: '+ Added', removed: '− Removed', same: undefined };

export interface DiffCanvasProps {
  picture: DiffPicture;
  catalog: ReadonlyMap<string, NodeTypeInfo>;
  olderVersion: number;
  selected: string | undefined;
  onSelect(nodeId: string | undefined): void;
}

export function DiffCanvas({ picture, catalog, olderVersion, selected, onSelect }: DiffCanvasProps) {
  const nodes = useMemo<DiffCardNode[]>(() => {
    const wired: Edge[] = picture.edges.map((e) => ({ source: e.source, sourcePort: e.sourcePort, target: e.target, targetPort: e.targetPort }));
    return picture.nodes.map((marked) => {
      const info = catalog.get(marked.node.type);
      return {
        id: marked.node.id,
        type: 'diff',
        position: marked.position,
        data: { marked, info, outputs: outputPorts(info, marked.node, wired), inputs: inputPorts(info), olderVersion },
        selected: marked.node.id === selected,
        draggable: false,
        connectable: false,
        deletable: false,
        ariaLabel: `Step “${marked.node.name || info?.title || marked.node.id}”${marked.mark === 'same' ? '' : `: ${MARK_LABEL[marked.mark].toLowerCase()}${marked.mark === 'changed' ? `, ${marked.changedFields === 1 ? '1 setting' : `${marked.changedFields} settings`}` : ''}`}`,
        // Ghosts under the live steps when they touch.
        zIndex: marked.mark === 'removed' ? 0 : 1,
      };
    });
  }, [picture, catalog, olderVersion, selected]);
  const edges = useMemo<RfEdge[]>(() => {
    const names = new Map(picture.nodes.map((n) => [n.node.id, n.node.name || n.node.id]));
    return picture.edges.map((e) => {
        const label = EDGE_LABEL[e.mark];
        return {
          id: e.id,
          ariaLabel: `Connection from “${names.get(e.source) ?? e.source}”${e.sourcePort === 'error' ? ' (on error)' : ''} to “${names.get(e.target) ?? e.target}”${e.mark === 'same' ? '' : `: ${e.mark}`}`,
          source: e.source,
          sourceHandle: e.sourcePort,
          target: e.target,
          targetHandle: e.targetPort,
          deletable: false,
          selectable: false,
          className: [`diff-edge-${e.mark}`, e.sourcePort === 'error' ? 'edge-error' : ''].filter(Boolean).join(' '),
          ...(label ? { label, labelBgPadding: [6, 2] as [number, number], labelBgBorderRadius: 8 } : {}),
        };
      });
  }, [picture]);
  return (
    <div className="canvas diff-canvas" data-testid="diff-canvas">
      <ReactFlow<DiffCardNode, RfEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        deleteKeyCode={null}
        onNodeClick={(_, node) => onSelect(node.id)}
        onPaneClick={() => onSelect(undefined)}
        fitView
        fitViewOptions={{ maxZoom: 1.1, padding: 0.2 }}
        minZoom={0.1}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        {/* No minimap: compared flows are read at a glance, and at 800 px it would cover the cards. */}
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}

function DiffCard({ data, selected }: NodeProps<DiffCardNode>) {
  const { marked, info, outputs, inputs, olderVersion } = data;
  const { node, mark } = marked;
  const title = node.name || info?.title || node.type;
  const shown = clip(title);
  const summary = clip(configSummary(node));
  const badge = mark === 'same' ? undefined : `${MARK_SIGN[mark]} ${MARK_LABEL[mark]}${mark === 'changed' ? ` · ${marked.changedFields === 1 ? '1 setting' : `${marked.changedFields} settings`}` : ''}`;
  return (
    <div className={`node-card diff-card diff-${mark}${selected ? ' is-selected' : ''}`} data-node-id={node.id} data-diff={mark} title={info?.description}>
      {inputs.map((port, i) => (
        <Handle key={port} type="target" position={Position.Left} id={port} isConnectable={false} className="port port-in" style={{ top: `calc(${((i + 1) / (inputs.length + 1)) * 100}% - ${PORT_HALF}px)` }} />
      ))}
      {badge ? (
        <div className="diff-card-mark">
          <span className={`node-badge diff-badge diff-badge-${mark}`} data-testid="diff-badge">
            {badge}
          </span>
        </div>
      ) : null}
      <div className="node-card-head">
        <CardIcon name={info?.icon ?? ''} />
        {mark === 'removed' ? (
          <del className="node-card-name" title={shown !== title ? title : undefined}>
            {shown}
          </del>
        ) : (
          <span className="node-card-name" title={shown !== title ? title : undefined}>
            {shown}
          </span>
        )}
      </div>
      {!info ? <div className="node-card-type">Unknown step type “{node.type}”</div> : title !== info.title ? <div className="node-card-type">{info.title}</div> : null}
      {summary ? <div className="node-card-summary">{summary}</div> : null}
      {mark === 'removed' ? <div className="node-card-note diff-card-note">Only in version {olderVersion}: removed since</div> : null}
      <div className="node-ports-out">
        {outputs.map((port, i) => (
          <div key={port} className={`port-row${port === 'error' ? ' port-row-error' : ''}`}>
            {outputs.length > 1 || port !== 'out' ? <span className="port-label">{port === 'error' ? 'on error' : port}</span> : null}
            <Handle type="source" position={Position.Right} id={port} isConnectable={false} className={`port port-out${port === 'error' ? ' port-error' : ''}`} style={{ bottom: `${outputBottom(outputs.length - 1 - i)}px` }} />
          </div>
        ))}
      </div>
    </div>
  );
}
