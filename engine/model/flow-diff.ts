/**
 * What changed between two saved versions of a flow: steps added / removed / changed (field by
 * field, before and after), steps moved on the canvas (counted apart: a move is not a change of
 * behaviour), connections added / removed, charter and settings changes. Pure — no node:*, no DOM
 * — so the engine (`flows.diff`, the one-line summary in `flows.versions`), the CLI and the
 * canvas (drawing the comparison) share one answer.
 *
 * It reads the stored JSON, not a validated flow: a version saved with problems (work in progress)
 * still compares. Each part that is valid on its own (a step, the settings, the charter) gets its
 * defaults first — and, given the node catalog, each step's config its node's defaults — so a
 * hand-written file and the editor's save of the same flow compare equal.
 * Values missing on one side are absent (`before` / `after` left out).
 */
import type { z } from 'zod';
import { CharterSchema } from './charter.ts';
import { FlowNodeSchema, FlowSettingsSchema } from './flow.ts';
import type { NodeCatalog } from './validate.ts';

/** One changed value: `path` is dotted from the thing that changed ("config.url", "owner.name"). */
export interface FlowFieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface NodeRef {
  nodeId: string;
  /** The step's name as a person sees it (its `name`, else its id). */
  name: string;
  type: string;
}

export interface NodeChange extends NodeRef {
  /** Everything but the position, field by field. */
  changes: FlowFieldChange[];
}

export interface NodeMove extends NodeRef {
  before: { x: number; y: number };
  after: { x: number; y: number };
}

export interface EdgeRef {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

export interface FlowDiff {
  nodesAdded: NodeRef[];
  nodesRemoved: NodeRef[];
  nodesChanged: NodeChange[];
  nodesMoved: NodeMove[];
  edgesAdded: EdgeRef[];
  edgesRemoved: EdgeRef[];
  /** The flow's own fields: name, description, owner. */
  flow: FlowFieldChange[];
  /** Charter fields ("owner.name", "metric.target", "alerts.email.to", "waivers.review-step"). */
  charter: FlowFieldChange[];
  settings: FlowFieldChange[];
  /** Nothing differs but, perhaps, positions. */
  identical: boolean;
}

type Obj = Record<string, unknown>;

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): Obj[] => (Array.isArray(value) ? value.filter(isObj) : []);

/** Stable JSON (sorted keys), so `{a,b}` and `{b,a}` compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObj(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

/** Leaf-by-leaf differences; lists are compared whole (a list of headers is one value to a person). */
function fieldChanges(before: unknown, after: unknown, prefix = ''): FlowFieldChange[] {
  if (same(before, after)) return [];
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => fieldChanges(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  return [{ path: prefix, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) }];
}

function nodeRef(node: Obj): NodeRef {
  const id = String(node.id ?? '');
  const name = typeof node.name === 'string' && node.name.trim() !== '' ? node.name : id;
  return { nodeId: id, name, type: String(node.type ?? '') };
}

function position(node: Obj): { x: number; y: number } {
  const p = isObj(node.position) ? node.position : {};
  return { x: typeof p.x === 'number' ? p.x : 0, y: typeof p.y === 'number' ? p.y : 0 };
}

function edgeRef(edge: Obj): EdgeRef {
  return { source: String(edge.source ?? ''), sourcePort: String(edge.sourcePort ?? 'out'), target: String(edge.target ?? ''), targetPort: String(edge.targetPort ?? 'in') };
}

const edgeKey = (e: EdgeRef) => `${e.source}:${e.sourcePort}->${e.target}:${e.targetPort}`;

/** Waivers are keyed by the check they waive, so adding one reads as one change, not a shifted list. */
function charterForDiff(charter: unknown): Obj {
  if (!isObj(charter)) return {};
  const { waivers, ...rest } = charter;
  const byCheck: Obj = {};
  for (const waiver of list(waivers)) byCheck[String(waiver.check ?? '')] = waiver;
  return Object.keys(byCheck).length > 0 ? { ...rest, waivers: byCheck } : rest;
}

/** The value with its schema's defaults when it is valid; as it is otherwise. */
function withDefaults(schema: z.ZodType, value: unknown): unknown {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : value;
}

function normalised(flow: Obj, catalog: Pick<NodeCatalog, 'get'> | undefined): Obj {
  const node = (raw: Obj): unknown => {
    const withNodeDefaults = withDefaults(FlowNodeSchema, raw);
    const def = catalog?.get(String(raw.type));
    if (!def || !isObj(withNodeDefaults)) return withNodeDefaults;
    return { ...withNodeDefaults, config: withDefaults(def.config, withNodeDefaults.config) };
  };
  return {
    ...flow,
    nodes: list(flow.nodes).map(node),
    settings: withDefaults(FlowSettingsSchema, flow.settings ?? {}),
    // No charter reads as an empty one: the editor's first save of a charter with nothing filled in changes nothing.
    charter: withDefaults(CharterSchema, flow.charter ?? {}),
  };
}

/** The differences from `older` to `newer`; `catalog` (the node registry) fills in config defaults. */
export function diffFlows(older: Obj, newer: Obj, catalog?: Pick<NodeCatalog, 'get'>): FlowDiff {
  const [before, after] = [normalised(older, catalog), normalised(newer, catalog)];
  const oldNodes = new Map(list(before.nodes).map((n) => [String(n.id), n]));
  const newNodes = new Map(list(after.nodes).map((n) => [String(n.id), n]));
  const nodesAdded: NodeRef[] = [];
  const nodesRemoved: NodeRef[] = [];
  const nodesChanged: NodeChange[] = [];
  const nodesMoved: NodeMove[] = [];
  for (const [id, node] of newNodes) {
    const old = oldNodes.get(id);
    if (!old) {
      nodesAdded.push(nodeRef(node));
      continue;
    }
    const { position: _p1, ...oldRest } = old;
    const { position: _p2, ...newRest } = node;
    const changes = fieldChanges(oldRest, newRest);
    if (changes.length > 0) nodesChanged.push({ ...nodeRef(node), changes });
    const [from, to] = [position(old), position(node)];
    if (from.x !== to.x || from.y !== to.y) nodesMoved.push({ ...nodeRef(node), before: from, after: to });
  }
  for (const [id, node] of oldNodes) if (!newNodes.has(id)) nodesRemoved.push(nodeRef(node));

  const oldEdges = new Map(list(before.edges).map((e) => [edgeKey(edgeRef(e)), edgeRef(e)]));
  const newEdges = new Map(list(after.edges).map((e) => [edgeKey(edgeRef(e)), edgeRef(e)]));
  const edgesAdded = [...newEdges].filter(([k]) => !oldEdges.has(k)).map(([, e]) => e);
  const edgesRemoved = [...oldEdges].filter(([k]) => !newEdges.has(k)).map(([, e]) => e);

  const own = (f: Obj) => ({ name: f.name, description: f.description ?? '', owner: f.owner ?? '' });
  const flow = fieldChanges(own(before), own(after));
  const charter = fieldChanges(charterForDiff(before.charter), charterForDiff(after.charter));
  const settings = fieldChanges(before.settings ?? {}, after.settings ?? {});
  const identical = [nodesAdded, nodesRemoved, nodesChanged, edgesAdded, edgesRemoved, flow, charter, settings].every((l) => l.length === 0);
  return { nodesAdded, nodesRemoved, nodesChanged, nodesMoved, edgesAdded, edgesRemoved, flow, charter, settings, identical };
}

// ---------------------------------------------------------------------------------------------
// In plain words

const steps = (n: number) => `${n} ${n === 1 ? 'step' : 'steps'}`;
const quoted = (names: string[], max = 2) => {
  const shown = names.slice(0, max).map((n) => `“${n}”`);
  return names.length > max ? `${shown.join(', ')} and ${names.length - max} more` : shown.join(', ');
};

/** One line for a version list: "added 2 steps, changed “Fetch invoices”, charter: owner". */
export function summarizeDiff(diff: FlowDiff): string {
  const parts: string[] = [];
  if (diff.nodesAdded.length > 0) parts.push(diff.nodesAdded.length <= 2 ? `added ${quoted(diff.nodesAdded.map((n) => n.name))}` : `added ${steps(diff.nodesAdded.length)}`);
  if (diff.nodesRemoved.length > 0) parts.push(diff.nodesRemoved.length <= 2 ? `removed ${quoted(diff.nodesRemoved.map((n) => n.name))}` : `removed ${steps(diff.nodesRemoved.length)}`);
  if (diff.nodesChanged.length > 0) parts.push(`changed ${quoted(diff.nodesChanged.map((n) => n.name))}`);
  const connections = diff.edgesAdded.length + diff.edgesRemoved.length;
  if (connections > 0) parts.push(`${connections} ${connections === 1 ? 'connection' : 'connections'} changed`);
  for (const c of diff.flow) parts.push(c.path === 'name' ? 'renamed the flow' : `new ${c.path}`);
  if (diff.charter.length > 0) parts.push(`charter: ${[...new Set(diff.charter.map((c) => charterTopic(c.path)))].join(', ')}`);
  if (diff.settings.length > 0) parts.push('settings changed');
  if (parts.length === 0) return diff.nodesMoved.length > 0 ? `moved ${steps(diff.nodesMoved.length)} on the canvas` : 'no changes';
  if (diff.nodesMoved.length > 0) parts.push(`moved ${steps(diff.nodesMoved.length)}`);
  return parts.join(', ');
}

const CHARTER_TOPICS: Record<string, string> = {
  owner: 'owner',
  backupOwner: 'backup owner',
  metric: 'success metric',
  alerts: 'alert route',
  waivers: 'waivers',
  mustNever: 'what it must never do',
  reviewers: 'reviewers',
  handedOver: 'handed over',
};
const charterTopic = (path: string) => CHARTER_TOPICS[path.split('.')[0] ?? ''] ?? path;

/** A value as a person reads it: short, and "(not set)" for nothing. */
export function showValue(value: unknown): string {
  if (value === undefined || value === null || value === '') return '(not set)';
  const text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

const changeLine = (c: FlowFieldChange) => `${c.path}: ${showValue(c.before)} → ${showValue(c.after)}`;

/** The whole comparison in plain words, one line each (the CLI prints it; a screen reader can too). */
export function describeDiff(diff: FlowDiff): string[] {
  const lines: string[] = [];
  for (const n of diff.nodesAdded) lines.push(`Added step “${n.name}” (${n.type}).`);
  for (const n of diff.nodesRemoved) lines.push(`Removed step “${n.name}” (${n.type}).`);
  for (const n of diff.nodesChanged) {
    lines.push(`Changed step “${n.name}”:`);
    for (const c of n.changes) lines.push(`  ${changeLine(c)}`);
  }
  const edge = (e: EdgeRef) => `${e.source}${e.sourcePort === 'out' ? '' : ` (${e.sourcePort})`} → ${e.target}${e.targetPort === 'in' ? '' : ` (${e.targetPort})`}`;
  for (const e of diff.edgesAdded) lines.push(`Connected ${edge(e)}.`);
  for (const e of diff.edgesRemoved) lines.push(`Disconnected ${edge(e)}.`);
  for (const c of diff.flow) lines.push(`Flow ${changeLine(c)}`);
  for (const c of diff.charter) lines.push(`Charter ${charterTopic(c.path)} — ${changeLine(c)}`);
  for (const c of diff.settings) lines.push(`Settings ${changeLine(c)}`);
  if (diff.nodesMoved.length > 0) lines.push(`Moved ${steps(diff.nodesMoved.length)} on the canvas (${quoted(diff.nodesMoved.map((n) => n.name), 3)}).`);
  if (lines.length === 0) lines.push('The two versions are the same.');
  return lines;
}
