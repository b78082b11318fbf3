/** What a node receives: the items on its input ports, gathered from the outputs of the nodes feeding it. */
import type { FlowNode, Item } from '../model/flow.ts';
import { portsOf, type AnyNodeDefinition, type PortItems } from '../model/node-kit.ts';
import { upstreamOf, type FlowGraph } from './graph.ts';
import type { NodeRegistry } from './registry.ts';

/** Items per input port; an entry node (nothing feeds it) gets the run input on its first port. */
export function collectInputs(graph: FlowGraph, node: FlowNode, def: AnyNodeDefinition, outputs: Map<string, PortItems>, input: unknown): PortItems {
  const incoming = graph.incoming.get(node.id) ?? [];
  const ports = portsOf(def.inputs, node.config);
  const inputs: PortItems = {};
  for (const p of ports) inputs[p] = [];
  if (incoming.length === 0) {
    inputs[ports[0] ?? 'in'] = runInputItems(input);
    return inputs;
  }
  for (const edge of incoming) {
    const items = outputs.get(edge.source)?.[edge.sourcePort] ?? [];
    (inputs[edge.targetPort] ??= []).push(...items);
  }
  return inputs;
}

/** The run input as items: a list stays a list, anything else becomes one item. */
export function runInputItems(input: unknown): Item[] {
  const list = Array.isArray(input) ? input : [input ?? {}];
  return list.map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Item) : { value: v }));
}

/**
 * The `nodes` binding of expressions: the main output of every node this one depends on. Only
 * those: anything else may or may not be done yet, which would make expressions (and therefore
 * replay) depend on timing. Built once, on first use.
 */
export function lazyUpstreamView(graph: FlowGraph, registry: NodeRegistry, nodeId: string, outputs: ReadonlyMap<string, PortItems>): () => Record<string, Item[]> {
  let view: Record<string, Item[]> | undefined;
  return () => {
    if (view) return view;
    view = {};
    for (const id of upstreamOf(graph, nodeId)) {
      const produced = outputs.get(id);
      if (!produced) continue;
      const upstreamNode = graph.nodes.get(id);
      const upstreamDef = upstreamNode && registry.get(upstreamNode.type);
      const main = upstreamDef ? portsOf(upstreamDef.outputs, upstreamNode.config)[0] : undefined;
      view[id] = (main && produced[main]) || Object.values(produced)[0] || [];
    }
    return view;
  };
}
