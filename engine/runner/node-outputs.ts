/** The runner's check of what a node type returned, before anything downstream or in the trace sees it. */
import type { FlowNode, Item } from '../model/flow.ts';
import { NodeError, type AnyNodeDefinition, type PortItems } from '../model/node-kit.ts';

/**
 * Guards the runner against a node type returning something other than lists of JSON objects.
 * Returns the checked outputs and the length of their JSON text, which tells the runner whether
 * they can go inline into the trace without asking the store (see `payloadOf` in run-node.ts).
 */
export function checkOutputs(produced: unknown, allowed: readonly string[], node: FlowNode, def: AnyNodeDefinition): { result: PortItems; jsonLength: number } {
  if (typeof produced !== 'object' || produced === null || Array.isArray(produced)) {
    throw new NodeError({ message: `Node type "${def.type}" returned no port map.`, code: 'INTERNAL_OUTPUT', retryable: false });
  }
  const result: PortItems = {};
  const ports = produced as Record<string, unknown>;
  for (const port in ports) {
    if (!Object.hasOwn(ports, port)) continue;
    const items = ports[port];
    if (!allowed.includes(port)) {
      throw new NodeError({ message: `Node "${node.name ?? node.id}" sent items to "${port}", which is not one of its outputs (${[...allowed].join(', ')}).`, code: 'INTERNAL_OUTPUT', retryable: false });
    }
    if (!Array.isArray(items)) {
      throw new NodeError({ message: `Node "${node.name ?? node.id}" sent something other than a list of items to "${port}".`, code: 'INTERNAL_OUTPUT', retryable: false });
    }
    result[port] = items.every(isItem) ? (items as Item[]) : items.map((v: unknown) => (isItem(v) ? v : { value: v }));
  }
  // What later nodes, resume and replay see is exactly what the trace holds: plain JSON.
  const text = JSON.stringify(result);
  return { result: JSON.parse(text) as PortItems, jsonLength: text.length };
}

function isItem(v: unknown): v is Item {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
