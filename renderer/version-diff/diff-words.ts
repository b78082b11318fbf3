/**
 * The compare panel's list of changes in words: per step what was added, removed or changed
 * field by field (`before → after`, with the settings' own titles from the catalogue, long
 * values shortened and kept whole for "Show all"), connections by the steps' names, the flow's
 * own fields, the charter and the settings. Pure, unit-tested; the panel only draws it.
 */
import type { NodeTypeInfo } from '../../engine/model/contract.ts';
import type { Flow } from '../../engine/model/flow.ts';
import type { EdgeRef, FlowDiff, FlowFieldChange } from '../../engine/model/flow-diff.ts';

export interface ValueText {
  /** At most SHORT_MAX characters. */
  short: string;
  /** The whole value (pretty JSON for lists and objects). */
  full: string;
  /** `short` leaves something out. */
  cut: boolean;
}

export interface FieldLine {
  label: string;
  before: ValueText;
  after: ValueText;
}

export type EntryKind = 'step-added' | 'step-removed' | 'step-changed' | 'connection-added' | 'connection-removed' | 'flow' | 'charter' | 'settings';

export interface ChangeEntry {
  key: string;
  kind: EntryKind;
  /** "Added step “Tag”", "Connected “Fetch” → “Tag”", "Owner › Name". */
  title: string;
  /** A step to show on the canvas when the entry is clicked (for a connection: its target). */
  nodeId?: string;
  /** The step's type in words ("HTTP request"). */
  typeTitle?: string;
  fields: FieldLine[];
}

export interface ChangeGroup {
  title: string;
  entries: ChangeEntry[];
}

export const SHORT_MAX = 80;

type Catalog = ReadonlyMap<string, Pick<NodeTypeInfo, 'title' | 'configSchema'>>;
type Named = Pick<Flow, 'nodes'>;

/** camelCase or kebab-case key → "Max attempts". */
export function humanize(key: string): string {
  if (/^\d+$/.test(key)) return `entry ${Number(key) + 1}`;
  const words = key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Headers, query parameters, "Set fields": `[{ name, value }]`, shown as `name = value` lines. */
const isNameValueList = (value: unknown): value is Array<{ name: string; value: unknown }> =>
  Array.isArray(value) && value.length > 0 && value.every((p) => typeof p === 'object' && p !== null && typeof (p as { name?: unknown }).name === 'string' && Object.keys(p).every((k) => k === 'name' || k === 'value'));

/** A value as a person reads it; `(not set)` for nothing. */
export function valueText(value: unknown): ValueText {
  let full: string;
  if (value === undefined || value === null || value === '') full = '(not set)';
  else if (typeof value === 'string') full = `“${value}”`;
  else if (typeof value === 'boolean') full = value ? 'Yes' : 'No';
  else if (typeof value === 'number') full = String(value);
  else if (Array.isArray(value) && value.length === 0) full = '(empty list)';
  else if (isNameValueList(value)) full = value.map((p) => `${p.name} = ${typeof p.value === 'string' ? p.value : JSON.stringify(p.value)}`).join('\n');
  else full = JSON.stringify(value, null, 2);
  const structured = typeof value === 'object' && value !== null && (full.startsWith('[') || full.startsWith('{'));
  const flat = structured ? JSON.stringify(value) : isNameValueList(value) ? full.split('\n').join('; ') : full.replace(/\s+/g, ' ');
  const cut = flat.length > SHORT_MAX;
  return { short: cut ? `${flat.slice(0, SHORT_MAX - 1)}…` : flat, full, cut: cut || flat !== full };
}

/** "config.url" → the URL field's title in the catalogue; "retry.maxAttempts" → "Retry › Max attempts". */
export function stepFieldLabel(path: string, info: Pick<NodeTypeInfo, 'configSchema'> | undefined): string {
  const parts = path.split('.');
  if (parts[0] === 'config' && parts.length > 1) {
    const properties = (info?.configSchema as { properties?: Record<string, { title?: unknown }> } | undefined)?.properties;
    const title = properties?.[parts[1]!]?.title;
    const head = typeof title === 'string' && title.trim() !== '' ? title : humanize(parts[1]!);
    return [head, ...parts.slice(2).map(humanize)].join(' › ');
  }
  if (parts[0] === 'name' && parts.length === 1) return 'Name';
  if (parts[0] === 'type') return 'Step type';
  return parts.map(humanize).join(' › ');
}

const CHARTER_HEADS: Record<string, string> = {
  owner: 'Owner',
  backupOwner: 'Backup owner',
  metric: 'Success metric',
  alerts: 'Alert route',
  waivers: 'Waived check',
  mustNever: 'What it must never do',
  reviewers: 'Reviewers',
  handedOver: 'Handed over',
};

/** A charter's hand-overs (`charter.handedOver`) as people read them: "Ana → Carla (2026-12-01)". */
function handOverText(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const person = (p: unknown) => (typeof p === 'object' && p !== null && typeof (p as { name?: unknown }).name === 'string' ? (p as { name: string }).name || '(nobody)' : '(nobody)');
  return value.map((h: { from?: unknown; to?: unknown; at?: unknown }) => `${person(h.from)} → ${person(h.to)}${typeof h.at === 'string' ? ` (${h.at.slice(0, 10)})` : ''}`).join('; ');
}

export function charterFieldLabel(path: string): string {
  const [head = '', ...rest] = path.split('.');
  // A waiver is keyed by the check it waives: "waivers.review-step.reason" → "Waived check › review-step › Reason".
  if (head === 'waivers') return ['Waived check', ...(rest[0] ? [rest[0]] : []), ...rest.slice(1).map(humanize)].join(' › ');
  return [CHARTER_HEADS[head] ?? humanize(head), ...rest.map(humanize)].join(' › ');
}

const FLOW_FIELDS: Record<string, string> = { name: 'Flow name', description: 'Description', owner: 'Owner (in the flow’s details)' };

const line = (label: string, c: FlowFieldChange): FieldLine => ({ label, before: valueText(c.before), after: valueText(c.after) });

function nameOf(id: string, flows: Named[]): string {
  for (const flow of flows) {
    const node = flow.nodes.find((n) => n.id === id);
    if (node) return node.name?.trim() ? node.name : id;
  }
  return id;
}

/** "“Check” (on error) → “Tell the team”": the ports only when they are not the plain ones. */
export function connectionWords(e: EdgeRef, flows: Named[]): string {
  const from = `“${nameOf(e.source, flows)}”${e.sourcePort === 'out' ? '' : ` (${e.sourcePort === 'error' ? 'on error' : e.sourcePort})`}`;
  const to = `“${nameOf(e.target, flows)}”${e.targetPort === 'in' ? '' : ` (${e.targetPort})`}`;
  return `${from} → ${to}`;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const blank = (v: unknown): boolean => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.values(v).every(blank));

/** An object that appeared or went away as one value, opened into its fields ("owner" → "owner.name", "owner.email"). */
function leaves(c: FlowFieldChange): FlowFieldChange[] {
  const one = c.before === undefined ? c.after : c.after === undefined ? c.before : undefined;
  if (!isPlainObject(one)) return [c];
  return Object.keys(one).flatMap((key) =>
    leaves({ path: `${c.path}.${key}`, ...(c.before === undefined ? {} : { before: one[key] }), ...(c.after === undefined ? {} : { after: one[key] }) }),
  );
}

/**
 * The diff as a person reads it: a part that appeared whole (a charter added with an owner) is
 * listed field by field, and "changes" from nothing to an empty value are dropped — the
 * charter's schema fills in empty defaults (no backup owner yet, no waivers), which `diffFlows`
 * reports as absent → empty, and both read "(not set)". A step left with no change is no longer
 * marked changed.
 */
export function withoutEmptyChanges<D extends FlowDiff>(diff: D): D {
  const keep = (changes: FlowFieldChange[]) => changes.flatMap(leaves).filter((c) => !(blank(c.before) && blank(c.after)));
  const nodesChanged = diff.nodesChanged.map((n) => ({ ...n, changes: keep(n.changes) })).filter((n) => n.changes.length > 0);
  const [flow, charter, settings] = [keep(diff.flow), keep(diff.charter), keep(diff.settings)];
  const identical = [diff.nodesAdded, diff.nodesRemoved, nodesChanged, diff.edgesAdded, diff.edgesRemoved, flow, charter, settings].every((l) => l.length === 0);
  return { ...diff, nodesChanged, flow, charter, settings, identical };
}

/** The whole list, grouped; empty groups are left out. */
export function changeGroups(diff: FlowDiff, older: Named, newer: Named, catalog: Catalog): ChangeGroup[] {
  const typeTitle = (type: string) => catalog.get(type)?.title ?? type;
  const steps: ChangeEntry[] = [
    ...diff.nodesAdded.map((n): ChangeEntry => ({ key: `added:${n.nodeId}`, kind: 'step-added', title: `Added “${n.name}”`, nodeId: n.nodeId, typeTitle: typeTitle(n.type), fields: [] })),
    ...diff.nodesRemoved.map((n): ChangeEntry => ({ key: `removed:${n.nodeId}`, kind: 'step-removed', title: `Removed “${n.name}”`, nodeId: n.nodeId, typeTitle: typeTitle(n.type), fields: [] })),
    ...diff.nodesChanged.map(
      (n): ChangeEntry => ({
        key: `changed:${n.nodeId}`,
        kind: 'step-changed',
        title: `Changed “${n.name}”`,
        nodeId: n.nodeId,
        typeTitle: typeTitle(n.type),
        fields: n.changes.map((c) => line(stepFieldLabel(c.path, catalog.get(n.type)), c)),
      }),
    ),
  ];
  const flows = [newer, older];
  const connections: ChangeEntry[] = [
    ...diff.edgesAdded.map((e): ChangeEntry => ({ key: `edge+:${e.source}:${e.sourcePort}:${e.target}:${e.targetPort}`, kind: 'connection-added', title: `Connected ${connectionWords(e, flows)}`, nodeId: e.target, fields: [] })),
    ...diff.edgesRemoved.map((e): ChangeEntry => ({ key: `edge-:${e.source}:${e.sourcePort}:${e.target}:${e.targetPort}`, kind: 'connection-removed', title: `Disconnected ${connectionWords(e, flows)}`, nodeId: e.target, fields: [] })),
  ];
  const fieldEntries = (kind: 'flow' | 'charter' | 'settings', changes: FlowFieldChange[], label: (path: string) => string): ChangeEntry[] =>
    changes.map((c) => ({ key: `${kind}:${c.path}`, kind, title: label(c.path), fields: [line(label(c.path), c)] }));
  const groups: ChangeGroup[] = [
    { title: 'Steps', entries: steps },
    { title: 'Connections', entries: connections },
    { title: 'The flow', entries: fieldEntries('flow', diff.flow, (p) => FLOW_FIELDS[p] ?? humanize(p)) },
    { title: 'Charter', entries: fieldEntries('charter', diff.charter.map((c) => (c.path === 'handedOver' ? { path: c.path, ...('before' in c ? { before: handOverText(c.before) } : {}), ...('after' in c ? { after: handOverText(c.after) } : {}) } : c)), charterFieldLabel) },
    { title: 'Settings', entries: fieldEntries('settings', diff.settings, (p) => p.split('.').map(humanize).join(' › ')) },
  ];
  return groups.filter((g) => g.entries.length > 0);
}

/** The panel's first line: "3 steps changed, 1 added, 1 removed · 2 connections · charter". */
export function diffHeadline(diff: FlowDiff): string {
  if (diff.identical) return diff.nodesMoved.length > 0 ? 'The same flow: only where steps sit on the canvas moved.' : 'The two versions are the same.';
  const parts: string[] = [];
  const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  if (diff.nodesAdded.length) parts.push(`${n(diff.nodesAdded.length, 'step', 'steps')} added`);
  if (diff.nodesRemoved.length) parts.push(`${n(diff.nodesRemoved.length, 'step', 'steps')} removed`);
  if (diff.nodesChanged.length) parts.push(`${n(diff.nodesChanged.length, 'step', 'steps')} changed`);
  const edges = diff.edgesAdded.length + diff.edgesRemoved.length;
  if (edges) parts.push(`${n(edges, 'connection', 'connections')} changed`);
  if (diff.flow.length) parts.push('the flow’s own details');
  if (diff.charter.length) parts.push(`${n(diff.charter.length, 'charter field', 'charter fields')}`);
  if (diff.settings.length) parts.push(`${n(diff.settings.length, 'setting', 'settings')}`);
  return `${parts.join(', ')}.`;
}
