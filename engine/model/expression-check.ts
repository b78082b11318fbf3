/**
 * Parses every expression of a node at validation, so `{{ 1 + }}` or an unclosed `{{` is
 * reported with the field's path when the flow is checked or saved, not when it runs. Also
 * checks that each `/pattern/` can run on the linear-time regex engine (see linear-regex.ts).
 * Pure: jsonata's parser and re2js are plain JavaScript.
 */
import jsonata from 'jsonata';
import { compileLinear, UnsupportedPatternError } from './linear-regex.ts';
import { parseTemplate } from './template.ts';
import type { Problem } from './validate.ts';

type PathPart = string | number;

interface Target {
  nodeId: string;
  nodeName: string;
  path: PathPart[];
  format: (path: PathPart[]) => string;
}

/** Problems of every `{{ }}` template in `config` and of each bare-expression field. */
export function expressionProblems(config: unknown, expressionFields: readonly string[], target: Target): Problem[] {
  const problems: Problem[] = [];
  const bare = new Set<string>();
  for (const field of expressionFields) {
    for (const { path, value } of valuesAt(config, field.split('.'), [])) {
      bare.add(JSON.stringify(path));
      if (typeof value !== 'string' || value.trim() === '') continue;
      const trimmed = value.trim();
      const expression = trimmed.startsWith('{{') && trimmed.endsWith('}}') ? trimmed.slice(2, -2) : trimmed;
      const problem = checkExpression(expression);
      if (problem) problems.push(toProblem(target, path, expression, problem));
    }
  }
  walkStrings(config, [], (path, text) => {
    if (bare.has(JSON.stringify(path)) || !text.includes('{{')) return;
    let parts;
    try {
      parts = parseTemplate(text);
    } catch (error) {
      problems.push({
        path: target.format([...target.path, ...path]),
        message: `In step "${target.nodeName}": ${(error as Error).message} Close the expression with "}}", or remove the "{{".`,
        severity: 'error',
        nodeId: target.nodeId,
      });
      return;
    }
    for (const part of parts) {
      if (!('expr' in part)) continue;
      const problem = part.expr === '' ? 'the "{{ }}" is empty' : checkExpression(part.expr);
      if (problem) problems.push(toProblem(target, path, part.expr, problem));
    }
  });
  return problems;
}

/** A plain description of what is wrong with one jsonata expression, or undefined. */
export function checkExpression(expression: string): string | undefined {
  let ast: unknown;
  try {
    ast = jsonata(expression).ast();
  } catch (error) {
    const e = error as { message?: string; position?: number };
    return `${e.message ?? String(error)}${typeof e.position === 'number' ? ` (near character ${e.position})` : ''}`;
  }
  return regexProblem(ast);
}

function regexProblem(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  if (node instanceof RegExp) {
    try {
      compileLinear(node.source, node.flags);
    } catch (error) {
      if (error instanceof UnsupportedPatternError) return error.message;
      throw error;
    }
    return undefined;
  }
  for (const value of Array.isArray(node) ? node : Object.values(node)) {
    const found = regexProblem(value);
    if (found) return found;
  }
  return undefined;
}

function toProblem(target: Target, path: PathPart[], expression: string, problem: string): Problem {
  return {
    path: target.format([...target.path, ...path]),
    message: `In step "${target.nodeName}", the expression "${expression}" cannot be read: ${problem}. Fix the expression.`,
    severity: 'error',
    nodeId: target.nodeId,
  };
}

/** The values at a field path like `rules[].condition`, with their concrete paths. */
function valuesAt(value: unknown, segments: string[], at: PathPart[]): Array<{ path: PathPart[]; value: unknown }> {
  if (segments.length === 0) return [{ path: at, value }];
  const [head, ...rest] = segments as [string, ...string[]];
  const each = head.endsWith('[]');
  const key = each ? head.slice(0, -2) : head;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const child = (value as Record<string, unknown>)[key];
  if (!each) return valuesAt(child, rest, [...at, key]);
  if (!Array.isArray(child)) return [];
  return child.flatMap((entry, i) => valuesAt(entry, rest, [...at, key, i]));
}

function walkStrings(value: unknown, at: PathPart[], visit: (path: PathPart[], text: string) => void): void {
  if (typeof value === 'string') visit(at, value);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...at, i], visit));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walkStrings(v, [...at, k], visit);
}
