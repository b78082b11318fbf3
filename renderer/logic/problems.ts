/**
 * Validation problems in plain words: where (the node by its name, then the setting) and what.
 * Paths come from the engine as `nodes[2].config.url`, `edges[0].target` or `$`.
 */

export interface ProblemLike {
  path: string;
  message: string;
  severity?: 'error' | 'warning';
  nodeId?: string;
}

export interface ProblemView {
  /** "Node “Fetch invoices”, setting config.url" — or "The whole file". */
  where: string;
  message: string;
  severity: 'error' | 'warning';
  path: string;
}

/** Reads a flow from its text, if it parses, to name nodes and connections in problems. */
export function flowForNames(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function listAt(flow: unknown, key: 'nodes' | 'edges'): unknown[] {
  const list = (flow as Record<string, unknown> | null | undefined)?.[key];
  return Array.isArray(list) ? list : [];
}

/** Where a problem is, for people. Keeps the raw path available beside it. */
export function describeProblemPath(path: string, flow?: unknown): string {
  if (path === '$' || path === '') return 'The whole file';
  const node = /^nodes\[(\d+)\](?:\.(.*))?$/.exec(path);
  if (node) {
    const index = Number(node[1]);
    const entry = listAt(flow, 'nodes')[index] as { name?: unknown; id?: unknown } | undefined;
    const label = typeof entry?.name === 'string' && entry.name !== '' ? `Node “${entry.name}”` : typeof entry?.id === 'string' ? `Node “${entry.id}”` : `Node ${index + 1}`;
    return node[2] ? `${label}, ${node[2]}` : label;
  }
  const edge = /^edges\[(\d+)\](?:\.(.*))?$/.exec(path);
  if (edge) {
    const index = Number(edge[1]);
    const entry = listAt(flow, 'edges')[index] as { source?: unknown; target?: unknown } | undefined;
    const label = typeof entry?.source === 'string' && typeof entry.target === 'string' ? `Connection ${entry.source} → ${entry.target}` : `Connection ${index + 1}`;
    return edge[2] ? `${label}, ${edge[2]}` : label;
  }
  if (path === 'nodes') return 'The list of nodes';
  if (path === 'edges') return 'The connections';
  return `Setting ${path}`;
}

/** Errors first, then warnings, each with a plain location. */
export function describeProblems(problems: readonly ProblemLike[], flow?: unknown): ProblemView[] {
  const views = problems.map((p) => ({ where: describeProblemPath(p.path, flow), message: p.message, severity: p.severity ?? 'error', path: p.path }));
  return [...views.filter((v) => v.severity === 'error'), ...views.filter((v) => v.severity !== 'error')];
}

/** "2 problems", "1 warning", "3 problems, 1 warning". */
export function problemCount(problems: readonly ProblemLike[]): string {
  const errors = problems.filter((p) => (p.severity ?? 'error') === 'error').length;
  const warnings = problems.length - errors;
  const parts: string[] = [];
  if (errors > 0) parts.push(`${errors} problem${errors === 1 ? '' : 's'}`);
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}
