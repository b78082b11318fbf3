/**
 * Which steps a run can reach. On a canvas people drop steps before wiring them; a step that no
 * connection leads to from the flow's trigger must not run (it could call a live system), and
 * validation warns about it. Pure, so the runner, validation and the editor agree.
 *
 * A flow with no trigger at all (started by hand with an input) keeps the older rule: every step
 * without incoming connections is an entry, so nothing is unreachable.
 */
import type { Flow, FlowNode } from './flow.ts';

export function reachableNodeIds<N extends { id: string }>(
  nodes: ReadonlyArray<N>,
  edges: ReadonlyArray<{ source: string; target: string }>,
  isTrigger: (node: N) => boolean,
): Set<string> {
  const roots = nodes.filter(isTrigger).map((n) => n.id);
  if (roots.length === 0) return new Set(nodes.map((n) => n.id));
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.source);
    if (list) list.push(e.target);
    else next.set(e.source, [e.target]);
  }
  const seen = new Set(roots);
  const queue = [...roots];
  while (queue.length > 0) {
    for (const target of next.get(queue.pop()!) ?? []) {
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return seen;
}

/** The flow without the steps its trigger cannot reach (and their connections); the same flow object when all are reachable. */
export function pruneUnreachable(flow: Flow, isTrigger: (node: FlowNode) => boolean): Flow {
  const reachable = reachableNodeIds(flow.nodes, flow.edges, isTrigger);
  if (reachable.size === flow.nodes.length) return flow;
  return {
    ...flow,
    nodes: flow.nodes.filter((n) => reachable.has(n.id)),
    edges: flow.edges.filter((e) => reachable.has(e.source) && reachable.has(e.target)),
  };
}
