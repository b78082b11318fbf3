/**
 * The canvas figure's flow (bench/figures/canvas.ts): a manual trigger and `count - 1` transform
 * steps in a grid, chained, plus one side edge so edges = nodes. Shared by the editor's flow
 * and the bare @xyflow/react page, so both draw the same graph at the same positions.
 */
export interface BenchNode {
  id: string;
  type: string;
  name: string;
  position: { x: number; y: number };
  config?: Record<string, unknown>;
}

export function benchGraph(count: number): { nodes: BenchNode[]; edges: Array<{ source: string; target: string }> } {
  const columns = Math.ceil(Math.sqrt(count * 1.6));
  const nodes: BenchNode[] = [];
  for (let i = 0; i < count; i++) {
    const position = { x: (i % columns) * 280, y: Math.floor(i / columns) * 160 };
    nodes.push(
      i === 0
        ? { id: 'start', type: 'trigger.manual', name: 'Start', position }
        : { id: `step-${i}`, type: 'transform.jsonata', name: `Step ${i}`, position, config: { expression: `{ "step": ${i}, "name": name }` } },
    );
  }
  const edges = nodes.slice(1).map((n, i) => ({ source: nodes[i]!.id, target: n.id }));
  if (count > 2) edges.push({ source: nodes[0]!.id, target: nodes[2]!.id });
  return { nodes, edges };
}
