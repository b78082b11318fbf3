/**
 * Items that left a step along its `error` path. A step whose items all failed still "finishes"
 * (the run goes on along the error path), so without this count a run of failures looks like a
 * success. Pure: the run summary (engine) and the run views (renderer) use the same counting.
 */

/** Per-step failure count: `failed` of `total` items the step handled went out on `error`. */
export interface StepItemFailures {
  nodeId: string;
  failed: number;
  total: number;
}

/** Over a whole run: the steps with failed items, in the order given, and the sums. */
export interface RunItemFailures {
  steps: StepItemFailures[];
  failed: number;
}

function count(items: unknown): number | undefined {
  return Array.isArray(items) ? items.length : undefined;
}

/**
 * Failed items of one step, from its outputs by port. `undefined` when nothing failed or the
 * `error` list was stored aside (large payloads are a reference, not a list): unknown is not zero,
 * and callers with the loaded outputs (run detail) count them exactly.
 */
export function stepItemFailures(nodeId: string, outputs: unknown): StepItemFailures | undefined {
  if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) return undefined;
  const ports = outputs as Record<string, unknown>;
  const failed = count(ports.error);
  if (failed === undefined || failed === 0) return undefined;
  // Every item a step handles leaves on exactly one port, so the ports add up to what came in.
  let total = 0;
  for (const items of Object.values(ports)) total += count(items) ?? 0;
  return { nodeId, failed, total: Math.max(total, failed) };
}

/** Every step's failed items, for a map of node states that carry `outputs`. */
export function runItemFailures(nodes: Readonly<Record<string, { outputs?: unknown } | undefined>>, order?: readonly string[]): RunItemFailures | undefined {
  const ids = order ? [...order, ...Object.keys(nodes).filter((id) => !order.includes(id))] : Object.keys(nodes);
  const steps: StepItemFailures[] = [];
  for (const id of ids) {
    const found = stepItemFailures(id, nodes[id]?.outputs);
    if (found) steps.push(found);
  }
  if (steps.length === 0) return undefined;
  return { steps, failed: steps.reduce((sum, s) => sum + s.failed, 0) };
}
