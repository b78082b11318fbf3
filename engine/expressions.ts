/**
 * `{{ jsonata }}` templates inside config values.
 *
 * - A string that is exactly one `{{ … }}` keeps the expression's type (number, object, list).
 * - Otherwise each `{{ … }}` is replaced by its text.
 * - `$` is the current item. Bindings: `$input` (the run input), `$nodes.<id>` (items a finished
 *   upstream node put on its first output), `$itemIndex`, `$runId`, `$flowId`.
 * - `$now()`, `$millis()` and `$random()` are rebound to the node context so their values are
 *   recorded in the trace and replay reproduces them.
 */
import jsonata from 'jsonata';
import { NodeError } from './model/node-kit.ts';
import { LinearRegExp, UnsupportedPatternError } from './model/linear-regex.ts';
import { parseTemplate } from './model/template.ts';
import { evaluationGuard, GUARD_BINDING, installGuard } from './expression-guard.ts';

export { parseTemplate };

export interface ExpressionScope {
  item: unknown;
  bindings: Record<string, unknown>;
  /** Recorded clock and randomness; omitted in static previews. */
  clock?: { now(): Promise<number>; random(): Promise<number> };
  /** The node's signal: an aborted (timed-out, cancelled) node stops its expression at once. */
  signal?: AbortSignal;
}

const compiled = new Map<string, jsonata.Expression>();
const EXPRESSION_TIMEOUT_MS = 2000;
const MAX_CACHE = 5000;

export function hasTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasTemplate);
  return false;
}

function compile(expression: string, where?: string): jsonata.Expression {
  let expr = compiled.get(expression);
  if (!expr) {
    try {
      // RegexEngine: `/pattern/` literals match in linear time (see model/linear-regex.ts).
      expr = jsonata(expression, { timeout: EXPRESSION_TIMEOUT_MS, RegexEngine: LinearRegExp as unknown as RegExpConstructor });
    } catch (error) {
      throw expressionError(expression, error, where);
    }
    installGuard(expr);
    if (compiled.size > MAX_CACHE) compiled.clear();
    compiled.set(expression, expr);
  }
  return expr;
}

function expressionError(expression: string, error: unknown, where?: string): NodeError {
  if (error instanceof NodeError) return error;
  const e = error as { message?: string; position?: number; token?: string; code?: string };
  if (e.code === 'D1012') {
    return new NodeError({
      message: `The expression "${expression}"${where ? ` in ${where}` : ''} was stopped by the ${EXPRESSION_TIMEOUT_MS / 1000} s expression timeout: it ran longer than that.`,
      code: 'EXPRESSION',
      retryable: false,
      hint: 'Simplify the expression (a loop over a very long list, or a pattern over a very long text).',
      details: { expression, jsonataCode: 'D1012' },
    });
  }
  if (error instanceof UnsupportedPatternError) {
    return new NodeError({
      message: `The expression "${expression}"${where ? ` in ${where}` : ''} cannot run: ${error.message}.`,
      code: 'EXPRESSION',
      retryable: false,
      hint: 'Rewrite the pattern without look-ahead, look-behind or back-references.',
      details: { expression },
    });
  }
  const at = typeof e.position === 'number' ? ` (near character ${e.position})` : '';
  return new NodeError({
    message: `The expression "${expression}"${where ? ` in ${where}` : ''} could not be evaluated: ${e.message ?? String(error)}${at}.`,
    code: 'EXPRESSION',
    retryable: false,
    hint: 'Check the expression in the node settings; the preview shows what it sees.',
    details: { expression, ...(e.code ? { jsonataCode: e.code } : {}) },
  });
}

/** Evaluates a bare jsonata expression against the scope. */
export async function evaluateExpression(expression: string, scope: ExpressionScope, where?: string): Promise<unknown> {
  const expr = compile(expression, where);
  const bindings: Record<string, unknown> = { ...scope.bindings };
  if (scope.clock) {
    const clock = scope.clock;
    // Same signatures as jsonata's own, with values from the recorded clock and randomness.
    bindings.now = async (picture?: string, timezone?: string) => formatMillis(await clock.now(), picture, timezone);
    bindings.millis = async () => clock.now();
    bindings.random = async () => clock.random();
    bindings.shuffle = async (list: unknown) => {
      if (list === undefined) return undefined;
      const out = Array.isArray(list) ? [...(list as unknown[])] : [list];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor((await clock.random()) * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    };
  }
  bindings[GUARD_BINDING] = evaluationGuard(scope.signal, where ? `${where}` : 'an expression');
  try {
    const result: unknown = await expr.evaluate(scope.item, bindings);
    return normalize(result);
  } catch (error) {
    throw expressionError(expression, error, where);
  }
}

const fromMillis = jsonata('$fromMillis($ms, $picture, $timezone)');

/** `$now(picture, timezone)` as jsonata formats it, for a given instant. */
async function formatMillis(ms: number, picture?: string, timezone?: string): Promise<string> {
  if (picture === undefined && timezone === undefined) return new Date(ms).toISOString();
  return String(await fromMillis.evaluate({}, { ms, picture, timezone }));
}

/** jsonata returns sequences with extra flags and may return undefined; make plain JSON. */
function normalize(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'function') return undefined;
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const n = normalize(v);
      if (n !== undefined) out[k] = n;
    }
    return out;
  }
  return value;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Evaluates one template string. */
export async function evaluateTemplate(template: string, scope: ExpressionScope, where?: string): Promise<unknown> {
  if (!template.includes('{{')) return template;
  const parts = parseTemplate(template);
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only && 'expr' in only) return evaluateExpression(only.expr, scope, where);
  let out = '';
  for (const part of parts) {
    out += 'text' in part ? part.text : stringify(await evaluateExpression(part.expr, scope, where));
  }
  return out;
}

/** Deep-evaluates templates inside any JSON value; `path` names the field in errors. */
export async function evaluateDeep(value: unknown, scope: ExpressionScope, path = 'config'): Promise<unknown> {
  if (typeof value === 'string') return evaluateTemplate(value, scope, path);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(await evaluateDeep(value[i], scope, `${path}[${i}]`));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    if (!hasTemplate(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await evaluateDeep(v, scope, `${path}.${k}`);
    return out;
  }
  return value;
}
