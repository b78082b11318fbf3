/**
 * From a node type's config JSON Schema (with the field metadata the node kit puts there: title,
 * description, placeholder, showWhen, widget, optionLabels, advanced) to the list of fields the
 * inspector draws. Pure: no React, no DOM, so it is unit-tested on its own.
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  title?: string;
  description?: string;
  placeholder?: string;
  showWhen?: { field: string; is: unknown[] };
  widget?: string;
  optionLabels?: Record<string, string>;
  advanced?: boolean;
  itemTitle?: string;
}

export type FieldKind =
  | 'text' // plain text, no expressions
  | 'template' // text that may hold {{ expressions }}
  | 'multiline' // longer text that may hold {{ expressions }}
  | 'expression' // a bare jsonata expression
  | 'number'
  | 'number-or-expression'
  | 'select'
  | 'toggle'
  | 'credential'
  | 'key-value'
  | 'string-list'
  | 'object-list'
  | 'object'
  | 'http-body'
  | 'sql' // a SQL statement: code, no expressions
  | 'sql-parameters' // values for $1, $2… of the sibling `sql` field
  | 'email-addresses' // addresses separated by commas, may hold {{ expressions }}
  | 'any'; // any JSON value: edited as text, may hold {{ expressions }}

export interface FieldSpec {
  key: string;
  title: string;
  description: string;
  placeholder?: string;
  kind: FieldKind;
  /** Must be filled in: the schema requires it and there is no default. */
  required: boolean;
  /** May be left empty (neither required nor defaulted): marked "(optional)". */
  optional: boolean;
  advanced: boolean;
  options?: Array<{ value: string; label: string }>;
  default?: unknown;
  showWhen?: { field: string; is: unknown[] };
  min?: number;
  max?: number;
  integer?: boolean;
  /** For lists: what one entry is called ("Rule"). */
  itemTitle: string;
  /** For object lists and groups: the fields of one entry. */
  itemFields?: FieldSpec[];
}

const WIDGET_KINDS: Record<string, FieldKind> = {
  template: 'template',
  expression: 'expression',
  multiline: 'multiline',
  credential: 'credential',
  'key-value': 'key-value',
  'string-list': 'string-list',
  plain: 'text',
  'http-body': 'http-body',
  sql: 'sql',
  'sql-parameters': 'sql-parameters',
  'email-addresses': 'email-addresses',
};

/** `authHeaderName` → "Auth header name": only for node types that ship no metadata. */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function types(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type ? [schema.type] : [];
}

export function kindOf(schema: JsonSchema): FieldKind {
  if (schema.widget && WIDGET_KINDS[schema.widget]) return WIDGET_KINDS[schema.widget]!;
  if (Array.isArray(schema.enum)) return 'select';
  const t = types(schema);
  if (t.includes('boolean')) return 'toggle';
  if (t.includes('number') || t.includes('integer')) return 'number';
  if (t.includes('string')) return 'template';
  if (schema.anyOf) {
    const options = schema.anyOf.flatMap(types);
    if ((options.includes('number') || options.includes('integer')) && options.includes('string')) return 'number-or-expression';
    if (options.every((o) => o === 'string' || o === 'object')) return 'multiline';
  }
  if (t.includes('array')) {
    const items = schema.items ?? {};
    if (items.properties) return 'object-list';
    return 'string-list';
  }
  if (t.includes('object') && schema.properties) return 'object';
  return 'any';
}

export function fieldsOf(schema: JsonSchema): FieldSpec[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([key, prop]) => toField(key, prop, required.has(key)));
}

function toField(key: string, prop: JsonSchema, required: boolean): FieldSpec {
  const kind = kindOf(prop);
  const spec: FieldSpec = {
    key,
    title: prop.title ?? humanize(key),
    description: prop.description ?? '',
    kind,
    // A field with a default is filled in for the person: neither a must nor "optional".
    required: required && prop.default === undefined,
    // A credential's need depends on other settings (sign-in, provider); validation says when.
    optional: !required && prop.default === undefined && kind !== 'credential',
    advanced: prop.advanced === true,
    itemTitle: prop.itemTitle ?? 'Entry',
  };
  if (prop.placeholder !== undefined) spec.placeholder = prop.placeholder;
  if (prop.default !== undefined) spec.default = prop.default;
  if (prop.showWhen) spec.showWhen = prop.showWhen;
  if (Array.isArray(prop.enum)) spec.options = prop.enum.map((v) => ({ value: String(v), label: prop.optionLabels?.[String(v)] ?? String(v) }));
  const numeric = kind === 'number' ? prop : prop.anyOf?.find((o) => types(o).some((t) => t === 'number' || t === 'integer'));
  if (numeric) {
    if (numeric.minimum !== undefined) spec.min = numeric.minimum;
    if (numeric.maximum !== undefined) spec.max = numeric.maximum;
    if (types(numeric).includes('integer')) spec.integer = true;
  }
  if (kind === 'object-list' || kind === 'key-value') spec.itemFields = fieldsOf(prop.items ?? {});
  if (kind === 'object') spec.itemFields = fieldsOf(prop);
  return spec;
}

/** Whether a field is shown for the current values of its siblings. */
export function isVisible(field: FieldSpec, values: Record<string, unknown>, siblings: readonly FieldSpec[]): boolean {
  if (!field.showWhen) return true;
  const other = siblings.find((f) => f.key === field.showWhen!.field);
  const current = values[field.showWhen.field] ?? other?.default;
  return field.showWhen.is.some((v) => v === current);
}

/** A fresh entry for a list of objects: every field at its default. */
export function newEntry(fields: readonly FieldSpec[]): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.default !== undefined) entry[f.key] = structuredClone(f.default);
    else if (f.required) entry[f.key] = f.kind === 'number' ? 0 : f.kind === 'toggle' ? false : '';
  }
  return entry;
}

export interface ProblemLike {
  path: string;
  message: string;
  severity?: 'error' | 'warning';
}

export interface ProblemPlacement<P extends ProblemLike> {
  /** Problems of one config field, by its key (e.g. `url`, `headers`). */
  byField: Map<string, Array<P & { detail: string }>>;
  /** The node's name or notes. */
  name: P[];
  /** Problems that belong to no single field (shown only at the top). */
  general: P[];
}

/**
 * Sorts problems onto fields: `nodes[3].config.headers[0].name` → field `headers` (detail
 * `headers[0].name`); `nodes[3].name` → the name; anything else stays with the node.
 */
export function placeProblems<P extends ProblemLike>(problems: readonly P[]): ProblemPlacement<P> {
  const placement: ProblemPlacement<P> = { byField: new Map(), name: [], general: [] };
  for (const problem of problems) {
    const config = /(?:^|\.)config(?:\.([A-Za-z0-9_$-]+)((?:\.|\[).*)?)?$/.exec(problem.path);
    if (config && config[1]) {
      const list = placement.byField.get(config[1]) ?? [];
      list.push({ ...problem, detail: `${config[1]}${config[2] ?? ''}` });
      placement.byField.set(config[1], list);
    } else if (/(?:^|\.)name$/.test(problem.path)) placement.name.push(problem);
    else placement.general.push(problem);
  }
  return placement;
}

/** "headers[1].name" → "entry 2, Name" using the field's entry titles. */
export function describeDetail(field: FieldSpec, detail: string): string {
  const m = /^[^[.]+\[(\d+)\](?:\.([A-Za-z0-9_]+))?/.exec(detail);
  if (!m) return '';
  const entry = `entry ${Number(m[1]) + 1}`;
  const sub = m[2] ? field.itemFields?.find((f) => f.key === m[2])?.title ?? humanize(m[2]) : undefined;
  return sub ? `${entry}, ${sub}` : entry;
}
