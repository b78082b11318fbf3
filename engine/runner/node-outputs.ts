/** The runner's check of what a node type returned, before anything downstream or in the trace sees it. */
import type { FlowNode, Item } from '../model/flow.ts';
import { NodeError, type AnyNodeDefinition, type PortItems } from '../model/node-kit.ts';

/** Guards the runner against a node type returning something other than lists of JSON objects. */
export function checkOutputs(produced: unknown, allowed: readonly string[], node: FlowNode, def: AnyNodeDefinition): PortItems {
  if (typeof produced !== 'object' || produced === null || Array.isArray(produced)) {
    throw new NodeError({ message: `Node type "${def.type}" returned no port map.`, code: 'INTERNAL_OUTPUT', retryable: false });
  }
  const result: PortItems = {};
  for (const [port, items] of Object.entries(produced as Record<string, unknown>)) {
    if (!allowed.includes(port)) {
      throw new NodeError({ message: `Node "${node.name ?? node.id}" sent items to "${port}", which is not one of its outputs (${[...allowed].join(', ')}).`, code: 'INTERNAL_OUTPUT', retryable: false });
    }
    if (!Array.isArray(items)) {
      throw new NodeError({ message: `Node "${node.name ?? node.id}" sent something other than a list of items to "${port}".`, code: 'INTERNAL_OUTPUT', retryable: false });
    }
    result[port] = items.map((v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Item) : { value: v }));
  }
  // What later nodes, resume and replay see is exactly what the trace holds: plain JSON.
  return JSON.parse(JSON.stringify(result)) as PortItems;
}
