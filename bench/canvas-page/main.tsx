/**
 * The canvas figure's baseline (bench/figures/canvas.ts): a bare @xyflow/react page with default
 * nodes, the same 1,000 nodes and 1,000 edges at the same positions as the editor's flow, the
 * state held the way the React Flow docs show (useNodesState). Built by the bench with vite into a
 * temp folder; `window.benchShow(count)` renders it (the bench times from that call).
 */
import { ReactFlow, useEdgesState, useNodesState, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { createRoot } from 'react-dom/client';
import { benchGraph } from '../lib/canvas-graph.ts';

function Bare({ count }: { count: number }) {
  const graph = benchGraph(count);
  const [nodes, , onNodesChange] = useNodesState<Node>(graph.nodes.map((n) => ({ id: n.id, position: n.position, data: { label: n.name } })));
  const [edges, , onEdgesChange] = useEdgesState<Edge>(graph.edges.map((e) => ({ id: `${e.source}->${e.target}`, source: e.source, target: e.target })));
  return <ReactFlow nodes={nodes} edges={edges} onNodesChange={onNodesChange} onEdgesChange={onEdgesChange} fitView fitViewOptions={{ maxZoom: 1.1, padding: 0.2 }} minZoom={0.1} />;
}

(window as unknown as { benchShow(count: number): void }).benchShow = (count) => {
  createRoot(document.getElementById('root')!).render(<Bare count={count} />);
};
