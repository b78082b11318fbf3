/**
 * The canvas: the flow's steps as cards and its edges, with minimap, controls and zoom-to-fit.
 * React Flow is controlled from the editor store; positions move live during a drag and become
 * one undo step at its end. Deletion goes through our own key handling (editor-view) so removing
 * nodes with their edges is one step too.
 */
import {
  Background,
  Controls,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStoreApi,
  type Connection,
  type Edge as RfEdge,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type PointerEvent } from 'react';
import type { Edge, FlowNode } from '../../engine/model/flow.ts';
import { isBlobRef } from '../../engine/model/events.ts';
import { useShallow } from 'zustand/react/shallow';
import { cardContent, cardRun, problemsOf } from './card-content.ts';
import { cardBox } from './card-layout.ts';
import { useCatalog } from './catalog-store.ts';
import { addNode, connect } from './editor-actions.ts';
import { useEditor } from './editor-store.ts';
import { FlowMinimap } from './flow-minimap.tsx';
import { edgeId, outputPorts } from './graph-logic.ts';
import { NodeCard, type CardNode } from './node-card.tsx';
import { PALETTE_MIME } from './palette.tsx';
import { usePins } from './pin-store.ts';
import { useRunView } from './run-view-store.ts';
import { useEditorUi } from './ui-store.ts';

const NODE_TYPES = { card: NodeCard };
/*
 * Props React Flow copies into its store are module constants: StoreUpdater sets each one whose
 * identity changed since the last render, and every store update runs the selectors of all 1,000
 * node and edge wrappers. An inline `fitViewOptions` object made every render
 * during a drag (one per mouse move) a second full store update (bench figure 9).
 */
const FIT_VIEW_OPTIONS = { maxZoom: 1.1, padding: 0.2 };
const MULTI_SELECTION_KEYS = ['Meta', 'Control'];
const PRO_OPTIONS = { hideAttribution: true };

export type Sizes = ReadonlyMap<string, { width: number; height: number }>;

type Cache = WeakMap<FlowNode, CardNode>;
type Counts = Record<string, string>;
/** React Flow's own record of each node, with the size it measured (`store.nodeLookup`). */
type Measured = ReadonlyMap<string, { measured?: { width?: number; height?: number } }>;
const NOTHING_MEASURED: Measured = new Map();

/**
 * The canvas with its own React Flow store, created with the flow's nodes and edges: React Flow
 * then mounts the 1,000 cards in the same commit as their container. (A provider created empty
 * above the canvas received them one render later, and React inserted each card into the mounted
 * list separately, looking up its DOM sibling each time.)
 */
export function Canvas({ readOnly, onSizes }: { readOnly: boolean; onSizes(sizes: Sizes): void }) {
  const [cache] = useState<Cache>(() => new WeakMap());
  const [initial] = useState(() => {
    const flow = useEditor.getState().flow;
    const ui = useEditorUi.getState();
    return { nodes: toCards(flow?.nodes, flow?.edges, ui.selected, NOTHING_MEASURED, readOnly, cache), edges: toEdges(flow?.edges, ui.selectedEdges, edgeCounts(useRunView.getState().state?.nodes)) };
  });
  return (
    <ReactFlowProvider initialNodes={initial.nodes} initialEdges={initial.edges}>
      <CanvasFlow readOnly={readOnly} onSizes={onSizes} cache={cache} />
    </ReactFlowProvider>
  );
}

/**
 * React Flow nodes for the flow's steps, each reused while its step and selection stay the same.
 * A measured size does not make a new node: React Flow records what it measures on its own node
 * and keeps that node while we hand it the same object, so the size is written into our object in
 * place (onNodesChange). Measuring the 1,000 cards then re-renders no
 * node wrapper (bench figure 9: new objects for the sizes were a second render of every node
 * before the canvas showed). A card made anew (its step changed, or its selection) takes the size
 * React Flow measured, so it stays shown and keeps its edges' handle positions. A card not measured
 * yet gets the size and handles it will have (initialBox), so it is shown with its edges at once.
 */
function toCards(flowNodes: readonly FlowNode[] | undefined, flowEdges: readonly Edge[] | undefined, selected: readonly string[], lookup: Measured, readOnly: boolean, cache: Cache): CardNode[] {
  const chosen = new Set(selected);
  return (flowNodes ?? []).map((n) => {
    const hit = cache.get(n);
    if (hit && hit.selected === chosen.has(n.id)) return hit;
    const size = lookup.get(n.id)?.measured;
    const measured = size?.width !== undefined && size.height !== undefined ? { width: size.width, height: size.height } : undefined;
    // The card's props keep their identity when only the selection changes, so the memoized card does not re-render.
    const card: CardNode = { id: n.id, type: 'card', position: n.position, data: hit ? hit.data : { node: n }, selected: chosen.has(n.id), ...(measured ? { measured } : initialBox(n, flowEdges ?? [])), draggable: !readOnly, connectable: !readOnly, deletable: false };
    cache.set(n, card);
    return card;
  });
}

/**
 * The size and port handles a card will have, computed from what it shows (card-layout.ts), for
 * React Flow to show it and draw its edges before measuring it: without them each of the 1,000
 * cards was laid out hidden, measured, then styled and laid out again to be shown (bench figure 9).
 * React Flow measures the card when it mounts all the same and then uses what it measured.
 */
function initialBox(n: FlowNode, flowEdges: readonly Edge[]): Pick<CardNode, 'initialWidth' | 'initialHeight' | 'handles'> {
  const info = useCatalog.getState().byType.get(n.type);
  const content = cardContent(n, info, outputPorts(info, n, flowEdges), problemsOf(useEditor.getState().problems, n.id), cardRun(useRunView.getState(), n.id), usePins.getState().byNode[n.id] !== undefined);
  const box = cardBox(content);
  return box ? { initialWidth: box.width, initialHeight: box.height, handles: box.handles } : {};
}

function toEdges(flowEdges: readonly Edge[] | undefined, selectedEdges: readonly string[], counts: Counts): RfEdge[] {
  const chosen = new Set(selectedEdges);
  return (flowEdges ?? []).map((e) => {
    const id = e.id ?? edgeId(e);
    const count = counts[`${e.source}:${e.sourcePort}`];
    return {
      id,
      source: e.source,
      sourceHandle: e.sourcePort,
      target: e.target,
      targetHandle: e.targetPort,
      selected: chosen.has(id),
      deletable: false,
      className: e.sourcePort === 'error' ? 'edge-error' : undefined,
      ...(count !== undefined ? { label: count, labelBgPadding: [6, 2] as [number, number], labelBgBorderRadius: 8 } : {}),
    };
  });
}

/**
 * The flow's steps for the canvas, through React state rather than a store selector: a zustand
 * selector (useSyncExternalStore) renders synchronously inside the event that changed the store,
 * so during a drag each mouse move rendered the canvas and React Flow's update of its 1,000 nodes
 * before the browser could draw the frame, and a frame took two (bench figure 9: drag p95). A
 * state update from the mouse move is scheduled by React like any other — as React Flow's own
 * useNodesState, which the bare page uses — and frames keep coming while it renders.
 */
function useFlowNodes(): readonly FlowNode[] | undefined {
  const [nodes, setNodes] = useState(() => useEditor.getState().flow?.nodes);
  useEffect(() => {
    // A change between the first render and this subscription is not missed.
    setNodes(useEditor.getState().flow?.nodes);
    return useEditor.subscribe((s) => setNodes(s.flow?.nodes));
  }, []);
  return nodes;
}

function CanvasFlow({ readOnly, onSizes, cache }: { readOnly: boolean; onSizes(sizes: Sizes): void; cache: Cache }) {
  const flowNodes = useFlowNodes();
  const flowEdges = useEditor((s) => s.flow?.edges);
  const selected = useEditorUi((s) => s.selected);
  const selectedEdges = useEditorUi((s) => s.selectedEdges);
  const counts = useRunView(useShallow((s) => edgeCounts(s.state?.nodes)));
  // The measured sizes for auto-layout, kept without a render (see toCards).
  const sizes = useRef(new Map<string, { width: number; height: number }>());
  const store = useStoreApi<CardNode, RfEdge>();
  const { screenToFlowPosition } = useReactFlow();
  // Fit the view to a flow that opens with steps; an empty one stays at 100 % so the first
  // dropped step lands where it was dropped instead of the view jumping to it.
  const [fitOnOpen] = useState(() => (useEditor.getState().flow?.nodes.length ?? 0) > 0);

  const nodes = useMemo(() => toCards(flowNodes, useEditor.getState().flow?.edges, selected, store.getState().nodeLookup, readOnly, cache), [flowNodes, selected, store, readOnly, cache]);
  const edges = useMemo(() => toEdges(flowEdges, selectedEdges, counts), [flowEdges, selectedEdges, counts]);

  const onNodesChange = useCallback(
    (changes: NodeChange<CardNode>[]) => {
      const positions = new Map<string, { x: number; y: number }>();
      let dragging = false;
      let moved = false;
      let sized = false;
      let selection: Set<string> | undefined;
      for (const c of changes) {
        if (c.type === 'position') {
          moved = true;
          if (c.position) positions.set(c.id, c.position);
          if (c.dragging) dragging = true;
        } else if (c.type === 'dimensions' && c.dimensions) {
          const size = { width: c.dimensions.width, height: c.dimensions.height };
          sizes.current.set(c.id, size);
          // Our node object carries the size too, in place (toCards).
          const card = store.getState().nodeLookup.get(c.id)?.internals.userNode;
          if (card) card.measured = size;
          sized = true;
        } else if (c.type === 'select') {
          selection ??= new Set(useEditorUi.getState().selected);
          if (c.selected) selection.add(c.id);
          else selection.delete(c.id);
        }
      }
      if (sized) {
        onSizes(sizes.current);
        // React Flow told its store before this callback; once more so what reads our node objects sees the sizes.
        store.setState({});
      }
      if (selection) useEditorUi.getState().select([...selection]);
      if (moved && !readOnly) {
        if (positions.size > 0) useEditor.getState().moveLive(positions);
        if (!dragging) useEditor.getState().endDrag();
      }
    },
    [readOnly, onSizes, store],
  );

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    let selection: Set<string> | undefined;
    for (const c of changes) {
      if (c.type !== 'select') continue;
      selection ??= new Set(useEditorUi.getState().selectedEdges);
      if (c.selected) selection.add(c.id);
      else selection.delete(c.id);
    }
    if (selection) useEditorUi.getState().selectEdges([...selection]);
  }, []);

  const onConnect = useCallback((c: Connection) => {
    connect({ source: c.source, sourcePort: c.sourceHandle ?? 'out', target: c.target, targetPort: c.targetHandle ?? 'in' });
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(PALETTE_MIME);
      if (!type || readOnly) return;
      event.preventDefault();
      // The drop point is where the card's top-left goes, a little up-left so it lands under the pointer.
      const at = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      addNode(type, { x: at.x - 20, y: at.y - 20 });
    },
    [screenToFlowPosition, readOnly],
  );

  return (
    <div className="canvas" onPointerDownCapture={capturePointer} onDragOver={(e) => (e.dataTransfer.types.includes(PALETTE_MIME) ? (e.preventDefault(), (e.dataTransfer.dropEffect = 'move')) : undefined)} onDrop={onDrop} data-testid="canvas">
      <ReactFlow<CardNode, RfEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={MULTI_SELECTION_KEYS}
        fitView={fitOnOpen}
        fitViewOptions={FIT_VIEW_OPTIONS}
        minZoom={0.1}
        proOptions={PRO_OPTIONS}
      >
        <Background gap={20} />
        <FlowMinimap width={150} height={100} ariaLabel="Overview of the flow" />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}

/**
 * A drag on the empty background (a pan) keeps the pointer on the background, and a drag of a
 * card on that card (its React Flow node): with the pointer captured, Chromium does not hit-test
 * the 1,000 cards and edges under it on every move, which was the largest cost of a pan frame and
 * a large one of a drag frame (bench figure 9). Clicks (they reach the node, which selects),
 * box selection and the keyboard are unchanged; a press on a port handle is not captured, as
 * drawing a connection looks for the handle under the pointer.
 */
function capturePointer(event: PointerEvent<HTMLDivElement>): void {
  if (event.button !== 0) return;
  const target = event.target as Element;
  const holder = target.classList.contains('react-flow__pane') ? target : target.closest('.react-flow__handle') ? null : target.closest('.react-flow__node');
  if (holder && typeof holder.setPointerCapture === 'function') holder.setPointerCapture(event.pointerId);
}

/** Items on each output port of each node, as edge labels (`source:port` → "3 items"). */
function edgeCounts(nodes: Record<string, { outputs?: Record<string, unknown> }> | undefined): Counts {
  const counts: Counts = {};
  for (const [id, n] of Object.entries(nodes ?? {})) {
    for (const [port, items] of Object.entries(n.outputs ?? {})) {
      if (Array.isArray(items)) counts[`${id}:${port}`] = items.length === 1 ? '1 item' : `${items.length} items`;
      else if (isBlobRef(items)) counts[`${id}:${port}`] = 'many items';
    }
  }
  return counts;
}
