/**
 * Editing actions the canvas, the palette, the keyboard and the menus share. Each is one undo
 * step (one `commit`). Pure rules live in graph-logic.ts; this file applies them to the stores.
 */
import type { ELK as ElkApi, ElkNode } from 'elkjs/lib/elk-api.js';
import type { Edge, Flow, FlowNode } from '../../engine/model/flow.ts';
import { useCatalog } from './catalog-store.ts';
import { useEditor } from './editor-store.ts';
import { connectionProblem, copySelection, defaultConfig, edgeId, parseClipboard, remapPaste, uniqueNodeId, type Clipboard, type ConnectionAttempt } from './graph-logic.ts';
import { useEditorUi } from './ui-store.ts';

/** Where a node added "after the selected one" goes. */
const STEP_X = 260;

export function addNode(type: string, position?: { x: number; y: number }): string | undefined {
  const flow = useEditor.getState().flow;
  const info = useCatalog.getState().byType.get(type);
  if (!flow || !info) return undefined;
  const id = uniqueNodeId(info.title, new Set(flow.nodes.map((n) => n.id)));
  const after = flow.nodes.find((n) => n.id === useEditorUi.getState().selected[0]);
  const at = position ?? (after ? { x: after.position.x + STEP_X, y: after.position.y } : nextFreeSpot(flow));
  const node: FlowNode = { id, type, version: info.version, name: info.title, position: { x: Math.round(at.x), y: Math.round(at.y) }, config: defaultConfig(info) };
  const edges: Edge[] = [];
  // Clicking an entry with a step selected wires it after that step, when that is allowed.
  if (!position && after && info.inputs.length > 0) {
    const attempt = { source: after.id, sourcePort: 'out', target: id, targetPort: info.inputs[0]! };
    if (!connectionProblem({ ...flow, nodes: [...flow.nodes, node] }, useCatalog.getState().byType, attempt)) edges.push({ ...attempt, id: edgeId(attempt) });
  }
  useEditor.getState().commit((f) => ({ ...f, nodes: [...f.nodes, node], edges: [...f.edges, ...edges] }));
  useEditorUi.getState().select([id]);
  return id;
}

function nextFreeSpot(flow: Flow): { x: number; y: number } {
  if (flow.nodes.length === 0) return { x: 0, y: 0 };
  const right = Math.max(...flow.nodes.map((n) => n.position.x));
  const top = Math.min(...flow.nodes.map((n) => n.position.y));
  return { x: right + STEP_X, y: top };
}

/** Adds the edge, or says why not (and returns the reason). */
export function connect(attempt: ConnectionAttempt): string | undefined {
  const flow = useEditor.getState().flow;
  if (!flow) return 'No flow is open.';
  const problem = connectionProblem(flow, useCatalog.getState().byType, attempt);
  useEditorUi.getState().say(problem);
  if (problem) return problem;
  useEditor.getState().commit((f) => ({ ...f, edges: [...f.edges, { ...attempt, id: edgeId(attempt) }] }));
  return undefined;
}

/** Removes steps (with their connections) and connections, as one undo step. */
export function removeSelection(nodeIds: readonly string[], edgeIds: readonly string[]): void {
  if (nodeIds.length === 0 && edgeIds.length === 0) return;
  const gone = new Set(nodeIds);
  const goneEdges = new Set(edgeIds);
  useEditor.getState().commit((f) => ({
    ...f,
    nodes: f.nodes.filter((n) => !gone.has(n.id)),
    edges: f.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target) && !goneEdges.has(e.id ?? edgeId(e))),
  }));
  useEditorUi.getState().select([]);
  useEditorUi.getState().selectEdges([]);
}

/** The clipboard as the page keeps it; the system clipboard gets a copy so another window can paste. */
let clipboard: Clipboard | undefined;

export function copyNodes(ids: readonly string[]): boolean {
  const flow = useEditor.getState().flow;
  if (!flow || ids.length === 0) return false;
  clipboard = copySelection(flow, new Set(ids));
  void navigator.clipboard?.writeText(JSON.stringify(clipboard)).catch(() => undefined);
  return true;
}

/** Pastes what was copied (from this flow or another), with fresh ids, as one undo step. */
export async function pasteNodes(text?: string): Promise<string[]> {
  const fromSystem = text ?? (await navigator.clipboard?.readText().catch(() => undefined));
  const clip = (fromSystem ? parseClipboard(fromSystem) : undefined) ?? clipboard;
  const flow = useEditor.getState().flow;
  if (!clip || !flow) return [];
  const pasted = remapPaste(clip, new Set(flow.nodes.map((n) => n.id)), { x: 40, y: 60 });
  useEditor.getState().commit((f) => ({ ...f, nodes: [...f.nodes, ...pasted.nodes], edges: [...f.edges, ...pasted.edges] }));
  const ids = pasted.nodes.map((n) => n.id);
  useEditorUi.getState().select(ids);
  clipboard = { kind: 'flowkeeper/nodes', nodes: pasted.nodes, edges: pasted.edges };
  return ids;
}

export function duplicateNodes(ids: readonly string[]): void {
  const flow = useEditor.getState().flow;
  if (!flow || ids.length === 0) return;
  const pasted = remapPaste(copySelection(flow, new Set(ids)), new Set(flow.nodes.map((n) => n.id)), { x: 40, y: 60 });
  useEditor.getState().commit((f) => ({ ...f, nodes: [...f.nodes, ...pasted.nodes], edges: [...f.edges, ...pasted.edges] }));
  useEditorUi.getState().select(pasted.nodes.map((n) => n.id));
}

/** Moves the selected nodes by a step (keyboard), as one undo step. */
export function nudge(ids: readonly string[], dx: number, dy: number): void {
  if (ids.length === 0) return;
  const moving = new Set(ids);
  useEditor.getState().commit((f) => ({ ...f, nodes: f.nodes.map((n) => (moving.has(n.id) ? { ...n, position: { x: n.position.x + dx, y: n.position.y + dy } } : n)) }));
}

type ElkConstructor = new () => ElkApi;

/** Arranges the flow left to right with elkjs (loaded on first use), as one undo step. */
export async function autoLayout(sizes: ReadonlyMap<string, { width: number; height: number }>): Promise<void> {
  const flow = useEditor.getState().flow;
  if (!flow || flow.nodes.length === 0) return;
  // elkjs is CommonJS: its constructor is the module's default, one level down under Node-style resolution.
  const mod = (await import('elkjs/lib/elk.bundled.js')) as unknown as { default: ElkConstructor | { default: ElkConstructor } };
  const ELK = 'default' in mod.default ? mod.default.default : mod.default;
  const elk = new ELK();
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.spacing.nodeNode': '40', 'elk.layered.spacing.nodeNodeBetweenLayers': '80' },
    children: flow.nodes.map((n) => ({ id: n.id, width: sizes.get(n.id)?.width ?? 220, height: sizes.get(n.id)?.height ?? 90 })),
    edges: flow.edges.map((e, i) => ({ id: `e${i}`, sources: [e.source], targets: [e.target] })),
  });
  const at = new Map((graph.children ?? []).map((c: ElkNode) => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]));
  useEditor.getState().commit((f) => ({ ...f, nodes: f.nodes.map((n) => ({ ...n, position: at.get(n.id) ?? n.position })) }));
}

/** Keeps the selection to steps that exist (an undo may remove a selected step); returns the stop function. */
export function startSelectionPruning(): () => void {
  return useEditor.subscribe((state, before) => {
    if (state.flow?.nodes === before.flow?.nodes && state.flow?.edges === before.flow?.edges) return;
    const ui = useEditorUi.getState();
    const nodes = new Set(state.flow?.nodes.map((n) => n.id));
    const edges = new Set(state.flow?.edges.map((e) => e.id ?? edgeId(e)));
    const keep = ui.selected.filter((id) => nodes.has(id));
    if (keep.length !== ui.selected.length) ui.select(keep);
    const keepEdges = ui.selectedEdges.filter((id) => edges.has(id));
    if (keepEdges.length !== ui.selectedEdges.length) ui.selectEdges(keepEdges);
  });
}
