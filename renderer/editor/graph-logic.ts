/**
 * Pure editing rules of the canvas, kept apart from React and the stores so each has a test:
 * readable unique ids, which connections are allowed (and why not), default settings from a
 * node type's JSON Schema, and copy/paste with remapped ids.
 */
import type { NodeTypeInfo } from '../../engine/model/contract.ts';
import type { Edge, Flow, FlowNode } from '../../engine/model/flow.ts';

/** `http.request` → `http-request`, `http-request-2`, … — ids people can read in expressions. */
export function uniqueNodeId(base: string, taken: ReadonlySet<string>): string {
  let stem = base.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(stem)) stem = `step-${stem}`.replace(/-+$/, '');
  stem = stem.slice(0, 56);
  if (!taken.has(stem)) return stem;
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Default settings for a new node: each property's `default` from the config JSON Schema. */
export function defaultConfig(info: NodeTypeInfo | undefined): Record<string, unknown> {
  const properties = (info?.configSchema as { properties?: Record<string, { default?: unknown }> } | undefined)?.properties ?? {};
  const config: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(properties)) {
    if (prop && typeof prop === 'object' && 'default' in prop) config[key] = structuredClone(prop.default);
  }
  return config;
}

export function inputPorts(info: NodeTypeInfo | undefined): string[] {
  return info ? info.inputs : ['in'];
}

/**
 * Output ports for a node, `error` always among them. Switch-like nodes derive ports from their
 * settings (each rule's port, plus `fallback`), so those come from the config, not the catalogue.
 */
export function outputPorts(info: NodeTypeInfo | undefined, node: FlowNode, edges: readonly Edge[]): string[] {
  if (!info?.dynamicOutputs) return info ? info.outputs : ['out', 'error'];
  const ports = new Set<string>();
  const config = node.config as { rules?: Array<{ port?: unknown }>; fallback?: unknown };
  if (Array.isArray(config.rules)) for (const rule of config.rules) if (typeof rule?.port === 'string' && rule.port) ports.add(rule.port);
  if (config.fallback === true) ports.add('fallback');
  if (ports.size === 0) for (const p of info.outputs) ports.add(p);
  // Ports already wired stay visible, so an edge never points at nothing.
  for (const e of edges) if (e.source === node.id) ports.add(e.sourcePort);
  ports.add('error');
  return [...ports];
}

/** Would an edge source → target close a loop? (Flows are acyclic: a run must end.) */
export function makesCycle(edges: readonly Pick<Edge, 'source' | 'target'>[], source: string, target: string): boolean {
  if (source === target) return true;
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const seen = new Set<string>();
  const stack = [target];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === source) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}

export interface ConnectionAttempt {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

/** Why a connection is refused, in plain words, or undefined when it is fine. */
export function connectionProblem(flow: Flow, catalog: ReadonlyMap<string, NodeTypeInfo>, c: ConnectionAttempt): string | undefined {
  const from = flow.nodes.find((n) => n.id === c.source);
  const to = flow.nodes.find((n) => n.id === c.target);
  if (!from || !to) return 'One of these steps no longer exists.';
  const fromName = from.name || from.id;
  const toName = to.name || to.id;
  if (!outputPorts(catalog.get(from.type), from, flow.edges).includes(c.sourcePort)) return `“${fromName}” has no output called “${c.sourcePort}”.`;
  const inputs = inputPorts(catalog.get(to.type));
  if (inputs.length === 0) return `“${toName}” starts a flow, so nothing can lead into it.`;
  if (!inputs.includes(c.targetPort)) return `“${toName}” has no input called “${c.targetPort}”.`;
  if (c.source === c.target) return 'A step cannot lead into itself.';
  if (flow.edges.some((e) => e.source === c.source && e.sourcePort === c.sourcePort && e.target === c.target && e.targetPort === c.targetPort)) return 'These two steps are already connected this way.';
  if (makesCycle(flow.edges, c.source, c.target)) return `That would make a loop: “${toName}” already leads back to “${fromName}”. Flows run from start to end, so loops are not allowed.`;
  return undefined;
}

export function edgeId(e: Pick<Edge, 'source' | 'sourcePort' | 'target' | 'targetPort'>): string {
  return `${e.source}:${e.sourcePort}->${e.target}:${e.targetPort}`;
}

/** What the clipboard holds: some nodes and the edges between them. */
export interface Clipboard {
  kind: 'flowkeeper/nodes';
  nodes: FlowNode[];
  edges: Edge[];
}

export function copySelection(flow: Flow, ids: ReadonlySet<string>): Clipboard {
  return {
    kind: 'flowkeeper/nodes',
    nodes: flow.nodes.filter((n) => ids.has(n.id)).map((n) => structuredClone(n)),
    edges: flow.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map((e) => structuredClone(e)),
  };
}

/**
 * Pasted nodes get fresh ids (so pasting into the same or another flow never collides), moved by
 * `offset`; edges between them follow. Returns the new nodes and edges to add.
 */
export function remapPaste(clip: Clipboard, taken: ReadonlySet<string>, offset: { x: number; y: number }): { nodes: FlowNode[]; edges: Edge[] } {
  const used = new Set(taken);
  const ids = new Map<string, string>();
  const nodes = clip.nodes.map((n) => {
    const id = uniqueNodeId(n.id.replace(/-\d+$/, ''), used);
    used.add(id);
    ids.set(n.id, id);
    return { ...structuredClone(n), id, position: { x: n.position.x + offset.x, y: n.position.y + offset.y } };
  });
  const edges = clip.edges.flatMap((e) => {
    const source = ids.get(e.source);
    const target = ids.get(e.target);
    if (!source || !target) return [];
    const next: Edge = { source, sourcePort: e.sourcePort, target, targetPort: e.targetPort };
    return [{ ...next, id: edgeId(next) }];
  });
  return { nodes, edges };
}

export function parseClipboard(text: string): Clipboard | undefined {
  try {
    const value = JSON.parse(text) as Partial<Clipboard>;
    if (value?.kind === 'flowkeeper/nodes' && Array.isArray(value.nodes) && Array.isArray(value.edges)) return value as Clipboard;
  } catch {
    /* not ours */
  }
  return undefined;
}

/** One line that says what a node is set to do, for its card (shared with the runbook, so it lives in engine/model). */
export { configSummary } from '../../engine/model/config-summary.ts';
