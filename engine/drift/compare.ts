/**
 * The drift comparison: what a step did in a reference run against what it does now (a shadow
 * run), judged by rules a person can read, each giving one sentence. Pure (no I/O, no clock).
 *
 * Compared: shapes (which fields there are), types (text, number, list, …), status codes of
 * answers, the number of items, categorical values (an AI step's labels, the path items take out
 * of a branching step) and errors. Not compared: the values themselves — ids, timestamps and
 * dates change on every call and are not drift. A masked value («masked n», from a hand-over
 * bundle) says nothing about its type or value, so it is never compared.
 *
 * May import: `engine/model` only.
 */

/** What one step did, in the reference or in the shadow run. */
export interface StepObservation {
  nodeId: string;
  name: string;
  /** `absent`: the step did not run at all (not reached). */
  status: 'succeeded' | 'failed' | 'skipped' | 'absent' | 'other';
  error?: { message: string; code?: string };
  /** Items per output port. */
  outputs?: Record<string, unknown[]>;
  /** Answers of calls to the outside world (the live ones, in a shadow run), by call key. */
  answers: AnswerObservation[];
  /** Field paths (in the items) whose values are categories: an AI step's label, a choice field. */
  labelFields?: string[];
}

export interface AnswerObservation {
  /** `item/kind#call`, the same for the recorded and the live call. */
  key: string;
  kind: string;
  itemIndex: number;
  result?: unknown;
  error?: { message: string; code?: string };
}

export type DriftRule = 'field-gone' | 'field-new' | 'type-changed' | 'status-changed' | 'count-changed' | 'labels-moved' | 'error-new' | 'step-not-run' | 'error-path';

export interface DriftFinding {
  nodeId: string;
  stepName: string;
  rule: DriftRule;
  /** One sentence a person understands, e.g. "`customer.email` is gone from Fetch customer's answer." */
  sentence: string;
  path?: string;
}

export interface CompareOptions {
  /** Percentage points a label's share must move by to count (default 20). */
  labelShiftPoints?: number;
  /** An item count must change by this factor (×/÷) and by at least `countMinChange` items (defaults 2 and 2). */
  countFactor?: number;
  countMinChange?: number;
  /** At most this many sentences per step; the rest are counted in one more (default 12). */
  maxPerStep?: number;
}

const MASK = /^«masked \d+»$/;
const SHAPE_RULES: ReadonlySet<DriftRule> = new Set(['field-gone', 'field-new', 'type-changed']);

/** A path without a prefix a later step may have added or dropped (`body.customer.email` and `customer.email` are one field). */
function lastSegments(path: string): string {
  return path.split('.').slice(-2).join('.');
}
const ERROR_PORT = 'error';

/** Compares every step of the reference with the same step now. */
export function compareSteps(recorded: readonly StepObservation[], live: readonly StepObservation[], options: CompareOptions = {}): DriftFinding[] {
  const now = new Map(live.map((s) => [s.nodeId, s]));
  const out: DriftFinding[] = [];
  // A field gone from an answer is gone from every step the items pass through after it: said once, where it starts.
  const said = new Set<string>();
  for (const before of recorded) {
    const after = now.get(before.nodeId) ?? { nodeId: before.nodeId, name: before.name, status: 'absent' as const, answers: [] };
    for (const finding of compareStep(before, after, options)) {
      const shape = finding.path !== undefined && SHAPE_RULES.has(finding.rule) ? `${finding.rule}:${lastSegments(finding.path)}` : undefined;
      if (shape !== undefined && said.has(shape)) continue;
      if (shape !== undefined) said.add(shape);
      out.push(finding);
    }
  }
  return out;
}

/** The findings of one step, most telling first: errors, status codes, shapes, counts, labels. */
export function compareStep(before: StepObservation, after: StepObservation, options: CompareOptions = {}): DriftFinding[] {
  const name = before.name || before.nodeId;
  const findings: DriftFinding[] = [];
  const add = (rule: DriftRule, sentence: string, path?: string) => findings.push({ nodeId: before.nodeId, stepName: name, rule, sentence, ...(path === undefined ? {} : { path }) });

  if (before.status === 'succeeded' && after.status === 'failed') {
    add('error-new', `${name} failed where it succeeded before: ${after.error?.message ?? 'no reason given'}`);
  } else if (before.status === 'succeeded' && (after.status === 'absent' || after.status === 'skipped')) {
    add('step-not-run', `${name} did not run this time; it ran in the reference.`);
  }

  // Answers of calls made live: status codes and shapes.
  const afterAnswers = new Map(after.answers.map((a) => [a.key, a]));
  let answerShapesCompared = false;
  for (const a of before.answers) {
    const b = afterAnswers.get(a.key);
    if (!b) continue;
    answerShapesCompared = true;
    const where = before.answers.length > 1 ? `${name}'s answer for item ${a.itemIndex + 1}` : `${name}'s answer`;
    if (a.error === undefined && b.error !== undefined && !isHttpAnswer(b.result)) {
      add('error-new', `${where} is now an error where there was none: ${b.error.message}`);
      continue;
    }
    const statusBefore = httpStatus(a.result);
    const statusAfter = httpStatus(b.result);
    if (statusBefore !== undefined && statusAfter !== undefined && statusBefore !== statusAfter) add('status-changed', `${where} status changed from ${statusBefore} to ${statusAfter}.`);
    const bodyBefore = answerBody(a.result);
    const bodyAfter = answerBody(b.result);
    // A status change explains a different body (an error page); its shape is not news on top.
    if (statusBefore !== undefined && statusBefore !== statusAfter) continue;
    for (const f of shapeFindings(shapeOf([bodyBefore]), shapeOf([bodyAfter]), where)) add(f.rule, f.sentence, f.path);
  }

  // Outputs: only steps that ran both times.
  if (before.status === 'succeeded' && after.status === 'succeeded' && before.outputs && after.outputs) {
    const ports = [...new Set([...Object.keys(before.outputs), ...Object.keys(after.outputs)])].sort();
    const countOf = (o: Record<string, unknown[]>, p: string) => o[p]?.length ?? 0;
    const totalBefore = ports.filter((p) => p !== ERROR_PORT).reduce((n, p) => n + countOf(before.outputs!, p), 0);
    const totalAfter = ports.filter((p) => p !== ERROR_PORT).reduce((n, p) => n + countOf(after.outputs!, p), 0);
    const errorsBefore = countOf(before.outputs, ERROR_PORT);
    const errorsAfter = countOf(after.outputs, ERROR_PORT);
    if (errorsBefore === 0 && errorsAfter > 0) add('error-path', `${plural(errorsAfter, 'item')} of ${name} went to its error path; none did in the reference.`);
    if (countChangedALot(totalBefore, totalAfter, options)) add('count-changed', `${name} put out ${plural(totalAfter, 'item')} where it put out ${totalBefore} in the reference.`);
    // The output's shape: skipped when the step's own answers were compared (they explain it).
    if (!answerShapesCompared) {
      for (const port of ports.filter((p) => p !== ERROR_PORT)) {
        const a = before.outputs[port] ?? [];
        const b = after.outputs[port] ?? [];
        if (a.length === 0 || b.length === 0) continue;
        const where = ports.filter((p) => p !== ERROR_PORT).length > 1 ? `${name}'s output “${port}”` : `${name}'s output`;
        for (const f of shapeFindings(shapeOf(a), shapeOf(b), where)) add(f.rule, f.sentence, f.path);
      }
    }
    // Where items go: a branching step's ports are its categories.
    const branches = ports.filter((p) => p !== ERROR_PORT);
    if (branches.length > 1) {
      const shares = (o: Record<string, unknown[]>, total: number) => new Map(branches.map((p) => [p, total === 0 ? 0 : countOf(o, p) / total]));
      for (const s of labelShifts(shares(before.outputs, totalBefore), shares(after.outputs, totalAfter), options)) add('labels-moved', `Items taking the path “${s.label}” of ${name} went from ${pct(s.before)} to ${pct(s.after)}.`);
    }
    for (const field of before.labelFields ?? []) {
      const a = labelShares(Object.values(before.outputs).flat(), field, before.outputs[ERROR_PORT]);
      const b = labelShares(Object.values(after.outputs).flat(), field, after.outputs[ERROR_PORT]);
      if (a.size === 0 || b.size === 0) continue;
      for (const s of labelShifts(a, b, options)) add('labels-moved', `‘${s.label}’ went from ${pct(s.before)} to ${pct(s.after)} of ${name}'s items (${field}).`, field);
    }
  }

  const max = options.maxPerStep ?? 12;
  if (findings.length <= max) return findings;
  const kept = findings.slice(0, max - 1);
  kept.push({ nodeId: before.nodeId, stepName: name, rule: findings[max - 1]!.rule, sentence: `…and ${findings.length - max + 1} more changes at ${name}.` });
  return kept;
}

// ---------------------------------------------------------------------------------------------
// Shapes

export type ValueType = 'text' | 'number' | 'true/false' | 'list' | 'object';

/** Per field path, the types its values had (empty values — null — add none). */
export type Shape = Map<string, Set<ValueType>>;

/**
 * The fields of some values, as paths: `customer.email`, `lines[].sku` (every item of a list
 * merged). A masked value adds its path with no type: the field is there, its type unknown.
 */
export function shapeOf(values: readonly unknown[]): Shape {
  const shape: Shape = new Map();
  const visit = (value: unknown, path: string) => {
    if (path !== '' && !shape.has(path)) shape.set(path, new Set());
    if (value === null || value === undefined) return;
    if (typeof value === 'string' && MASK.test(value)) return;
    const type = typeOf(value);
    if (path !== '') shape.get(path)!.add(type);
    if (type === 'list') for (const item of value as unknown[]) visit(item, `${path}[]`);
    else if (type === 'object') for (const [k, v] of Object.entries(value as Record<string, unknown>)) visit(v, path === '' ? k : `${path}.${k}`);
  };
  for (const v of values) visit(v, '');
  return shape;
}

function typeOf(value: unknown): ValueType {
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
    case 'bigint':
      return 'number';
    case 'boolean':
      return 'true/false';
    default:
      return 'object';
  }
}

/** Gone, new and changed fields between two shapes; below a gone, new or retyped field nothing more is said. */
export function shapeFindings(before: Shape, after: Shape, where: string): Array<{ rule: DriftRule; sentence: string; path: string }> {
  const out: Array<{ rule: DriftRule; sentence: string; path: string }> = [];
  const covered: string[] = [];
  const under = (path: string) => covered.some((c) => path.startsWith(`${c}.`) || path.startsWith(`${c}[]`));
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
  for (const path of paths) {
    if (under(path)) continue;
    const a = before.get(path);
    const b = after.get(path);
    if (a && !b) {
      out.push({ rule: 'field-gone', sentence: `\`${path}\` is gone from ${where}.`, path });
      covered.push(path);
    } else if (!a && b) {
      out.push({ rule: 'field-new', sentence: `\`${path}\` is new in ${where}.`, path });
      covered.push(path);
    } else if (a && b && a.size > 0 && b.size > 0 && !sameSet(a, b)) {
      out.push({ rule: 'type-changed', sentence: `\`${path}\` in ${where} changed from ${typeWords(a)} to ${typeWords(b)}.`, path });
      covered.push(path);
    }
  }
  return out;
}

function depth(path: string): number {
  return path.split(/\.|\[\]/).length;
}

function sameSet<T>(a: Set<T>, b: Set<T>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function typeWords(types: Set<ValueType>): string {
  return [...types].sort().join(' or ');
}

// ---------------------------------------------------------------------------------------------
// Counts and categories

export function countChangedALot(before: number, after: number, options: CompareOptions = {}): boolean {
  if (before === after) return false;
  const factor = options.countFactor ?? 2;
  const min = options.countMinChange ?? 2;
  if (before === 0 || after === 0) return Math.abs(after - before) >= 1;
  const ratio = after > before ? after / before : before / after;
  return ratio >= factor && Math.abs(after - before) >= min;
}

/** Share (0–1) of each value of `field` among items (error items and masked values left out). */
export function labelShares(items: readonly unknown[], field: string, errorItems: readonly unknown[] = []): Map<string, number> {
  const skip = new Set(errorItems);
  const counts = new Map<string, number>();
  let total = 0;
  for (const item of items) {
    if (skip.has(item)) continue;
    const value = valueAt(item, field);
    if (value === undefined || value === null || typeof value === 'object') continue;
    const label = String(value);
    if (MASK.test(label)) continue;
    counts.set(label, (counts.get(label) ?? 0) + 1);
    total++;
  }
  return new Map([...counts].map(([label, n]) => [label, n / total]));
}

/** Labels whose share moved by at least the threshold, biggest move first. */
export function labelShifts(before: Map<string, number>, after: Map<string, number>, options: CompareOptions = {}): Array<{ label: string; before: number; after: number }> {
  const threshold = (options.labelShiftPoints ?? 20) / 100;
  const out: Array<{ label: string; before: number; after: number }> = [];
  for (const label of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(label) ?? 0;
    const b = after.get(label) ?? 0;
    if (Math.abs(b - a) >= threshold - 1e-9) out.push({ label, before: a, after: b });
  }
  return out.sort((x, y) => Math.abs(y.after - y.before) - Math.abs(x.after - x.before) || x.label.localeCompare(y.label));
}

/** A value at a dot path; items often wrap what a step produced (`answer.label`), so a path not at the top is looked for one level down. */
function valueAt(item: unknown, path: string): unknown {
  const direct = walk(item, path);
  if (direct !== undefined || item === null || typeof item !== 'object') return direct;
  for (const v of Object.values(item as Record<string, unknown>)) {
    const nested = walk(v, path);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

function walk(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function isHttpAnswer(value: unknown): boolean {
  return value !== null && typeof value === 'object' && typeof (value as { status?: unknown }).status === 'number' && 'headers' in (value as object);
}

/** What an answer says: an HTTP answer's body (its text read as JSON when it is JSON), else the result itself. */
export function answerBody(value: unknown): unknown {
  if (!isHttpAnswer(value)) return value;
  const body = (value as { body?: unknown }).body;
  if (typeof body !== 'string') return body;
  const text = body.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return body;
  }
}

function httpStatus(value: unknown): number | undefined {
  return isHttpAnswer(value) ? (value as { status: number }).status : undefined;
}

function pct(share: number): string {
  return `${Math.round(share * 100)} %`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
