/**
 * Which config field a node's error is about, so the inspector can mark that field after a failed
 * run. A node may say so itself (`NodeError({ field: 'url' })`); for an expression error the
 * runner finds the field by looking for the failing expression in the node's configuration (nodes
 * call `ctx.evaluate(config.url, i)` with the value, not its name, so the runner is the one place
 * that can work it out for every node type). When the expression sits in several fields that do
 * not share one top-level field, no field is named: a wrong highlight is worse than none.
 */
import type { NodeErrorInfo } from '../model/node-kit.ts';

/** The error with `field` filled in when it can be placed; the same object when not. */
export function withFailingField(info: NodeErrorInfo, config: unknown): NodeErrorInfo {
  if (info.field !== undefined) return info;
  const expression = info.details?.expression;
  if (info.code !== 'EXPRESSION' || typeof expression !== 'string' || expression.trim() === '') return info;
  const field = fieldHolding(config, expression.trim());
  return field === undefined ? info : { ...info, field };
}

/**
 * The path (`url`, `headers[0].value`) of the one text in `config` that holds `expression`; when
 * several do and they sit under the same top-level field, that field; otherwise undefined.
 */
export function fieldHolding(config: unknown, expression: string): string | undefined {
  const found: Array<{ path: string; top: string }> = [];
  const walk = (value: unknown, path: string, top: string) => {
    if (typeof value === 'string') {
      if (value.includes(expression)) found.push({ path, top });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`, top));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, path === '' ? k : `${path}.${k}`, top === '' ? k : top);
    }
  };
  walk(config, '', '');
  if (found.length === 1) return found[0]!.path;
  const tops = new Set(found.map((f) => f.top));
  return tops.size === 1 ? [...tops][0] : undefined;
}
