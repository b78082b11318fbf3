/**
 * What the compare canvas draws for two versions of a flow, decided from `diffFlows`' answer
 * (engine/model/flow-diff.ts, the same one `flows.diff` gives): the newer version's steps, each
 * marked added / changed / moved / unchanged, plus the removed steps as ghosts where they were,
 * and the connections of both versions marked added / removed / unchanged. Pure — no React, no
 * stores — so which step gets which mark and where a ghost goes are unit-tested.
 *
 * A move alone is never a change (the diff keeps moves apart): such a step is marked "moved",
 * drawn like an unchanged one with a quiet note.
 */
import type { Edge, Flow, FlowNode } from '../../engine/model/flow.ts';
import type { EdgeRef, FlowDiff } from '../../engine/model/flow-diff.ts';

export type NodeMark = 'added' | 'removed' | 'changed' | 'moved' | 'same';
export type EdgeMark = 'added' | 'removed' | 'same';

export interface MarkedNode {
  node: FlowNode;
  mark: NodeMark;
  /** Where it is drawn: its own position, or for a ghost the nearest free place to where it was. */
  position: { x: number; y: number };
  /** Changed steps: how many fields differ. */
  changedFields: number;
}

export interface MarkedEdge {
  /** Unique on the canvas (an edge removed and one added between the same steps differ by port). */
  id: string;
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
  mark: EdgeMark;
}

export interface DiffPicture {
  nodes: MarkedNode[];
  edges: MarkedEdge[];
}

/** The size a card takes on the canvas when laying out ghosts (editor.css: 220 px wide; most cards are under 110 px high). */
export const CARD_BOX = { width: 220, height: 110 };
const GAP = 20;

const edgeKey = (e: Pick<EdgeRef, 'source' | 'sourcePort' | 'target' | 'targetPort'>) => `${e.source}:${e.sourcePort}->${e.target}:${e.targetPort}`;
const refOf = (e: Edge): EdgeRef => ({ source: e.source, sourcePort: e.sourcePort ?? 'out', target: e.target, targetPort: e.targetPort ?? 'in' });

/** The marks for the newer version's steps and the ghosts of the removed ones. */
export function diffPicture(older: Pick<Flow, 'nodes' | 'edges'>, newer: Pick<Flow, 'nodes' | 'edges'>, diff: FlowDiff): DiffPicture {
  const added = new Set(diff.nodesAdded.map((n) => n.nodeId));
  const removed = new Set(diff.nodesRemoved.map((n) => n.nodeId));
  const changed = new Map(diff.nodesChanged.map((n) => [n.nodeId, n.changes.length]));
  const moved = new Set(diff.nodesMoved.map((n) => n.nodeId));

  const nodes: MarkedNode[] = newer.nodes.map((node) => {
    const mark: NodeMark = added.has(node.id) ? 'added' : changed.has(node.id) ? 'changed' : moved.has(node.id) ? 'moved' : 'same';
    return { node, mark, position: node.position, changedFields: changed.get(node.id) ?? 0 };
  });
  const ghosts = older.nodes.filter((n) => removed.has(n.id));
  const placed = placeGhosts(
    nodes.map((n) => n.position),
    ghosts.map((g) => g.position),
  );
  ghosts.forEach((node, i) => nodes.push({ node, mark: 'removed', position: placed[i]!, changedFields: 0 }));

  const addedEdges = new Set(diff.edgesAdded.map(edgeKey));
  const removedEdges = new Set(diff.edgesRemoved.map(edgeKey));
  const edges: MarkedEdge[] = [];
  const seen = new Set<string>();
  for (const e of newer.edges.map(refOf)) {
    const key = edgeKey(e);
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push({ id: `now:${key}`, ...e, mark: addedEdges.has(key) ? 'added' : 'same' });
  }
  for (const e of older.edges.map(refOf)) {
    const key = edgeKey(e);
    if (!removedEdges.has(key) || seen.has(key)) continue;
    seen.add(key);
    edges.push({ id: `was:${key}`, ...e, mark: 'removed' });
  }
  return { nodes, edges };
}

const overlaps = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.abs(a.x - b.x) < CARD_BOX.width + GAP && Math.abs(a.y - b.y) < CARD_BOX.height + GAP;

/**
 * Ghost positions: where each removed step was, unless a step of the newer version (or a ghost
 * already placed) now sits there — then the nearest free place below it, so a ghost never hides
 * a live step and reads as "this was here".
 */
export function placeGhosts(taken: ReadonlyArray<{ x: number; y: number }>, wanted: ReadonlyArray<{ x: number; y: number }>): Array<{ x: number; y: number }> {
  const occupied = [...taken];
  return wanted.map((at) => {
    let spot = { ...at };
    // Downwards in card-height steps; a flow has far fewer than 1,000 steps stacked in one column.
    for (let i = 0; i < 1000 && occupied.some((o) => overlaps(o, spot)); i++) spot = { x: at.x, y: at.y + (i + 1) * (CARD_BOX.height + GAP) };
    occupied.push(spot);
    return spot;
  });
}

/** The word every mark carries on the card, so a mark never relies on colour alone. */
export const MARK_LABEL: Record<NodeMark, string> = {
  added: 'Added',
  removed: 'Removed',
  changed: 'Changed',
  moved: 'Moved',
  same: '',
};

/** A small sign before the word (also not colour): + added, − removed, ✎ changed. */
export const MARK_SIGN: Record<NodeMark, string> = {
  added: '+',
  removed: '−',
  changed: '✎',
  moved: '↔',
  same: '',
};
