/** Graph helpers over a validated flow: who feeds whom, in file order (deterministic). */
import type { Edge, Flow, FlowNode } from '../model/flow.ts';

export interface FlowGraph {
  nodes: Map<string, FlowNode>;
  incoming: Map<string, Edge[]>;
  outgoing: Map<string, Edge[]>;
}

export function buildGraph(flow: Flow): FlowGraph {
  const nodes = new Map(flow.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, Edge[]>(flow.nodes.map((n) => [n.id, []]));
  const outgoing = new Map<string, Edge[]>(flow.nodes.map((n) => [n.id, []]));
  for (const edge of flow.edges) {
    incoming.get(edge.target)?.push(edge);
    outgoing.get(edge.source)?.push(edge);
  }
  return { nodes, incoming, outgoing };
}

export function predecessors(graph: FlowGraph, nodeId: string): string[] {
  return [...new Set((graph.incoming.get(nodeId) ?? []).map((e) => e.source))];
}

/** The node and everything reachable from it. */
export function downstreamOf(graph: FlowGraph, nodeId: string): Set<string> {
  const seen = new Set<string>([nodeId]);
  const queue = [nodeId];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const edge of graph.outgoing.get(id) ?? []) {
      if (!seen.has(edge.target)) {
        seen.add(edge.target);
        queue.push(edge.target);
      }
    }
  }
  return seen;
}

/** Everything the node depends on, transitively (not the node itself). */
export function upstreamOf(graph: FlowGraph, nodeId: string): Set<string> {
  const seen = new Set<string>();
  const queue = [nodeId];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const edge of graph.incoming.get(id) ?? []) {
      if (!seen.has(edge.source)) {
        seen.add(edge.source);
        queue.push(edge.source);
      }
    }
  }
  return seen;
}

export function isPortConnected(graph: FlowGraph, nodeId: string, port: string): boolean {
  return (graph.outgoing.get(nodeId) ?? []).some((e) => e.sourcePort === port);
}
