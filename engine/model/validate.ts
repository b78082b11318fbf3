/**
 * Flow validation: every problem at once, each with a JSON path and plain words.
 * Pure (no node:*), so the editor can show the same messages as the CLI.
 */
import { z } from 'zod';
import { EdgeSchema, FlowNodeSchema, FlowSchema, type Edge, type Flow, type FlowNode } from './flow.ts';
import { expressionProblems } from './expression-check.ts';
import { migrateFlow } from './migrations.ts';
import { reachableNodeIds } from './reachability.ts';
import { outputPortsOf, portsOf, type AnyNodeDefinition } from './node-kit.ts';

/** The flow's own fields; nodes and edges are checked one by one. */
const FlowShellSchema = FlowSchema.extend({ nodes: z.array(z.unknown()).max(5000), edges: z.array(z.unknown()).max(20_000) });

function idOf(value: unknown): string | undefined {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}

export interface Problem {
  /** JSON path into the flow file, e.g. `nodes[2].config.url`; `$` for the whole file. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
  nodeId?: string;
}

/** What validation needs from a node registry. */
export interface NodeCatalog {
  get(type: string): AnyNodeDefinition | undefined;
  types(): string[];
}

export const LIMITS = {
  fileBytes: 20 * 1024 * 1024,
  stringChars: 256 * 1024,
  depth: 64,
} as const;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type ValidationResult =
  | { ok: true; flow: Flow; problems: Problem[]; migratedFrom?: number }
  | { ok: false; problems: Problem[] };

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || '$';
}

/** Turns zod issues into plain sentences a non-programmer can act on. */
export function zodProblems(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = [], nodeId?: string): Problem[] {
  return error.issues.map((issue) => {
    const path = formatPath([...prefix, ...issue.path]);
    const field = issue.path.length > 0 ? `"${String(issue.path[issue.path.length - 1])}"` : 'this value';
    let message = issue.message;
    if (issue.code === 'invalid_type') {
      message =
        issue.input === undefined
          ? `${field} is required (expected ${issue.expected}).`
          : `${field} should be ${article(issue.expected)}, not ${describe(issue.input)}.`;
    } else if (issue.code === 'unrecognized_keys') {
      message = `Unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}. Check the spelling or remove ${issue.keys.length > 1 ? 'them' : 'it'}.`;
    } else if (issue.code === 'invalid_value') {
      message = `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.`;
    } else if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) === 1) {
      // An emptied required text field (the editor's most common case): say so in words.
      message = `${field} is empty. Fill it in.`;
    } else if (issue.code === 'too_big' || issue.code === 'too_small' || issue.code === 'invalid_format') {
      message = `${field}: ${issue.message}.`;
    }
    const problem: Problem = { path, message, severity: 'error' };
    if (nodeId !== undefined) problem.nodeId = nodeId;
    return problem;
  });
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  return `${article(typeof value)}`;
}

/** Rejects prototype-polluting keys, deep nesting and huge strings before anything else reads the value. */
export function scanUnsafe(value: unknown, path: Array<string | number> = [], depth = 0, problems: Problem[] = []): Problem[] {
  if (problems.length >= 50) return problems;
  if (depth > LIMITS.depth) {
    problems.push({ path: formatPath(path), message: `Nested more than ${LIMITS.depth} levels deep. Flatten this value.`, severity: 'error' });
    return problems;
  }
  if (typeof value === 'string') {
    if (value.length > LIMITS.stringChars) {
      problems.push({
        path: formatPath(path),
        message: `This text is ${value.length.toLocaleString('en')} characters; the limit is ${LIMITS.stringChars.toLocaleString('en')}. Keep large data outside the flow and fetch it at run time.`,
        severity: 'error',
      });
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => scanUnsafe(v, [...path, i], depth + 1, problems));
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) {
        problems.push({ path: formatPath([...path, key]), message: `The key "${key}" is not allowed (it could change how the program behaves). Rename it.`, severity: 'error' });
        continue;
      }
      scanUnsafe((value as Record<string, unknown>)[key], [...path, key], depth + 1, problems);
    }
  }
  return problems;
}

/** Parses flow JSON text; reports the line and column of a syntax error. */
export function parseFlowText(text: string): { ok: true; value: unknown } | { ok: false; problems: Problem[] } {
  if (text.length > LIMITS.fileBytes) {
    return { ok: false, problems: [{ path: '$', message: `The file is larger than ${LIMITS.fileBytes / 1024 / 1024} MB. A flow file holds the flow, not its data.`, severity: 'error' }] };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    let where = '';
    if (at?.[1]) {
      const pos = Number(at[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      const column = pos - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${column}`;
    }
    return {
      ok: false,
      problems: [{ path: '$', message: `This is not valid JSON${where}: ${message}. Check for a missing comma, quote or bracket.`, severity: 'error' }],
    };
  }
}

function closest(name: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const option of options) {
    const score = editDistance(name.toLowerCase(), option.toLowerCase());
    if (score < bestScore) {
      bestScore = score;
      best = option;
    }
  }
  return bestScore <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}

/** Finds one cycle (as node ids) if the edges contain any. */
export function findCycle(nodeIds: string[], edges: ReadonlyArray<{ source: string; target: string }>): string[] | undefined {
  const next = new Map<string, string[]>(nodeIds.map((id) => [id, []]));
  for (const e of edges) next.get(e.source)?.push(e.target);
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 1);
    stack.push(id);
    for (const target of next.get(id) ?? []) {
      const s = state.get(target);
      if (s === 1) return [...stack.slice(stack.indexOf(target)), target];
      if (s === undefined) {
        const found = visit(target);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 2);
    return undefined;
  };
  for (const id of nodeIds) {
    if (!state.has(id)) {
      const found = visit(id);
      if (found) return found;
    }
  }
  return undefined;
}

/** Migrates node configs saved by older node versions. Mutates the flow's node entries. */
function migrateNodes(nodes: Array<{ index: number; node: FlowNode }>, catalog: NodeCatalog, problems: Problem[]): void {
  nodes.forEach(({ index: i, node: n }) => {
    const def = catalog.get(n.type);
    if (!def || n.version === def.version) return;
    if (n.version > def.version) {
      problems.push({
        path: formatPath(['nodes', i, 'version']),
        message: `Node "${n.name ?? n.id}" was made with a newer version (${n.version}) of "${def.title}" than this Flowkeeper has (${def.version}). Update Flowkeeper.`,
        severity: 'error',
        nodeId: n.id,
      });
      return;
    }
    let config = n.config;
    for (let v = n.version; v < def.version; v++) {
      const step = def.migrations?.[v - 1];
      if (!step) {
        problems.push({ path: formatPath(['nodes', i, 'version']), message: `No upgrade from version ${v} of "${def.title}".`, severity: 'error', nodeId: n.id });
        return;
      }
      config = step(config);
    }
    n.config = config;
    n.version = def.version;
  });
}

export interface ValidateOptions {
  /**
   * Parse every expression (default true). Only tests turn this off, to build flows that reach
   * the runner's own guard against broken expressions (as a flow from an API caller could).
   */
  expressions?: boolean;
}

/** Validates a parsed flow value against the format and the node catalog. */
export function validateFlow(raw: unknown, catalog: NodeCatalog, options: ValidateOptions = {}): ValidationResult {
  const checkExpressions = options.expressions !== false;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problems: [{ path: '$', message: 'A flow file must contain one JSON object.', severity: 'error' }] };
  }
  const unsafe = scanUnsafe(raw);
  if (unsafe.length > 0) return { ok: false, problems: unsafe };

  const migrated = migrateFlow(raw as Record<string, unknown>);
  if (!migrated.ok) return { ok: false, problems: [{ path: 'formatVersion', message: migrated.message, severity: 'error' }] };

  // The flow's own fields first, then each node and edge on its own, so one bad entry does not
  // hide the problems of the others.
  const problems: Problem[] = [];
  const shell = FlowShellSchema.safeParse(migrated.flow, { reportInput: true });
  if (!shell.success) problems.push(...zodProblems(shell.error));
  const rawFlow = migrated.flow as { nodes?: unknown; edges?: unknown };
  const nodes: Array<{ index: number; node: FlowNode }> = [];
  (Array.isArray(rawFlow.nodes) ? rawFlow.nodes : []).forEach((value: unknown, index) => {
    const result = FlowNodeSchema.safeParse(value, { reportInput: true });
    if (result.success) nodes.push({ index, node: result.data });
    else problems.push(...zodProblems(result.error, ['nodes', index], idOf(value)));
  });
  const edges: Array<{ index: number; edge: Edge }> = [];
  (Array.isArray(rawFlow.edges) ? rawFlow.edges : []).forEach((value: unknown, index) => {
    const result = EdgeSchema.safeParse(value, { reportInput: true });
    if (result.success) edges.push({ index, edge: result.data });
    else problems.push(...zodProblems(result.error, ['edges', index]));
  });
  migrateNodes(nodes, catalog, problems);

  const nodesById = new Map<string, { index: number; def: AnyNodeDefinition | undefined; config: unknown; configOk: boolean }>();
  for (const { index, node: n } of nodes) {
    if (nodesById.has(n.id)) {
      problems.push({ path: formatPath(['nodes', index, 'id']), message: `Two nodes share the id "${n.id}". Give each node its own id.`, severity: 'error', nodeId: n.id });
      continue;
    }
    const def = catalog.get(n.type);
    let config: unknown = n.config;
    let configOk = false;
    if (!def) {
      const suggestion = closest(n.type, catalog.types());
      problems.push({
        path: formatPath(['nodes', index, 'type']),
        message: `Unknown node type "${n.type}"${suggestion ? ` — did you mean "${suggestion}"?` : '.'} This Flowkeeper knows: ${catalog.types().join(', ')}.`,
        severity: 'error',
        nodeId: n.id,
      });
    } else {
      const result = def.config.safeParse(n.config, { reportInput: true });
      if (result.success) {
        config = result.data;
        configOk = true;
        n.config = result.data as Record<string, unknown>;
        if (checkExpressions) problems.push(...expressionProblems(result.data, def.expressionFields ?? [], { nodeId: n.id, nodeName: n.name ?? n.id, path: ['nodes', index, 'config'], format: formatPath }));
      } else {
        problems.push(...zodProblems(result.error, ['nodes', index, 'config'], n.id));
      }
    }
    if (checkExpressions && n.retry?.retryIf !== undefined) {
      problems.push(...expressionProblems(n.retry, ['retryIf'], { nodeId: n.id, nodeName: n.name ?? n.id, path: ['nodes', index, 'retry'], format: formatPath }));
    }
    nodesById.set(n.id, { index, def, config, configOk });
  }

  const seenEdges = new Set<string>();
  for (const { index, edge: e } of edges) {
    const base = ['edges', index];
    const source = nodesById.get(e.source);
    const target = nodesById.get(e.target);
    if (!source) problems.push({ path: formatPath([...base, 'source']), message: `This connection starts at node "${e.source}", which is not in the flow. Remove the connection or add the node.`, severity: 'error' });
    if (!target) problems.push({ path: formatPath([...base, 'target']), message: `This connection ends at node "${e.target}", which is not in the flow. Remove the connection or add the node.`, severity: 'error' });
    // Ports depend on a node's settings; when those are invalid, its ports cannot be known.
    if (source?.def && source.configOk) {
      const ports = outputPortsOf(source.def, source.config);
      if (!ports.includes(e.sourcePort)) {
        problems.push({ path: formatPath([...base, 'sourcePort']), message: `Node "${e.source}" has no output "${e.sourcePort}". Its outputs are: ${ports.join(', ')}.`, severity: 'error', nodeId: e.source });
      }
    }
    if (target?.def && target.configOk) {
      const ports = portsOf(target.def.inputs, target.config);
      if (!ports.includes(e.targetPort)) {
        const message = ports.length === 0
          ? `Node "${e.target}" is a trigger and cannot receive connections. Connect it to something downstream instead.`
          : `Node "${e.target}" has no input "${e.targetPort}". Its inputs are: ${ports.join(', ')}.`;
        problems.push({ path: formatPath([...base, 'targetPort']), message, severity: 'error', nodeId: e.target });
      }
    }
    const key = `${e.source}.${e.sourcePort}->${e.target}.${e.targetPort}`;
    if (seenEdges.has(key)) problems.push({ path: formatPath(base), message: 'This connection is listed twice. Remove one.', severity: 'warning' });
    seenEdges.add(key);
  }

  const cycle = findCycle([...nodesById.keys()], edges.map(({ edge }) => edge).filter((e) => nodesById.has(e.source) && nodesById.has(e.target)));
  if (cycle) {
    problems.push({ path: 'edges', message: `The connections form a loop: ${cycle.join(' → ')}. Flows run from triggers forward; remove one connection of the loop.`, severity: 'error' });
  }

  if (nodes.length > 0 && ![...nodesById.values()].some((n) => n.def?.trigger)) {
    problems.push({ path: 'nodes', message: 'This flow has no trigger, so it can only be started by hand with an input. Add a trigger node to say what starts it.', severity: 'warning' });
  } else if (!problems.some((p) => p.severity === 'error')) {
    // Only for an otherwise sound graph: with a loop or broken connections, "reachable" means little.
    problems.push(...unreachableProblems(nodes, nodesById, edges));
  }

  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0 || !shell.success) return { ok: false, problems };
  const flow: Flow = { ...shell.data, nodes: nodes.map(({ node }) => node), edges: edges.map(({ edge }) => edge) };
  return migrated.migratedFrom === undefined ? { ok: true, flow, problems } : { ok: true, flow, problems, migratedFrom: migrated.migratedFrom };
}

/** A warning for every step no connection leads to from a trigger: the runner skips those. */
function unreachableProblems(
  nodes: ReadonlyArray<{ index: number; node: FlowNode }>,
  nodesById: ReadonlyMap<string, { index: number; def: AnyNodeDefinition | undefined }>,
  edges: ReadonlyArray<{ edge: Edge }>,
): Problem[] {
  // Only nodes that made it into nodesById (no duplicates); an unknown type is already an error.
  const known = nodes.filter(({ index, node }) => nodesById.get(node.id)?.index === index).map(({ node }) => node);
  const reachable = reachableNodeIds(known, edges.map(({ edge }) => edge), (n) => nodesById.get(n.id)?.def?.trigger === true);
  return nodes
    .filter(({ node }) => !reachable.has(node.id) && nodesById.get(node.id)?.def !== undefined)
    .map(({ index, node }) => ({
      path: formatPath(['nodes', index]),
      message: `Step "${node.name ?? node.id}" is not connected: it will not run. Connect it to a step that comes after the trigger, or remove it.`,
      severity: 'warning' as const,
      nodeId: node.id,
    }));
}

/** Convenience for text input (files, imports). */
export function validateFlowText(text: string, catalog: NodeCatalog): ValidationResult {
  const parsed = parseFlowText(text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  return validateFlow(parsed.value, catalog);
}
