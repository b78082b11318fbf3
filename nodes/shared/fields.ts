/** Small helpers shared by node files: field paths and conditions. Imports only the node kit. */
import { NodeError, type Item, type NodeContext } from '../../engine/model/index.ts';

const SEGMENT = /[^.[\]]+|\[(\d+)\]/g;

function segments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const match of path.matchAll(SEGMENT)) out.push(match[1] !== undefined ? Number(match[1]) : match[0]);
  return out;
}

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

/** Reads `a.b[0].c` from an item; undefined when any step is missing. */
export function getPath(item: unknown, path: string): unknown {
  let current: unknown = item;
  for (const key of segments(path)) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof key === 'string' && UNSAFE.has(key)) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Writes `a.b.c` into a copy-on-write item, creating objects on the way. */
export function setPath(item: Item, path: string, value: unknown): void {
  const keys = segments(path);
  if (keys.length === 0) throw new NodeError({ message: 'A field name is empty.', code: 'CONFIG', retryable: false });
  let current: Record<string | number, unknown> = item;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (typeof key === 'string' && UNSAFE.has(key)) {
      throw new NodeError({ message: `The field name "${path}" is not allowed.`, code: 'CONFIG', retryable: false, hint: 'Rename the field.' });
    }
    if (i === keys.length - 1) {
      current[key] = value;
      return;
    }
    const next = current[key];
    const fresh = next !== null && typeof next === 'object' ? (Array.isArray(next) ? [...next] : { ...next }) : {};
    current[key] = fresh;
    current = fresh as Record<string | number, unknown>;
  }
}

/** A condition field: a jsonata expression, with or without surrounding `{{ }}`. */
export async function testCondition(ctx: NodeContext, condition: string, itemIndex: number, field = 'condition'): Promise<boolean> {
  const trimmed = condition.trim();
  const bare = trimmed.startsWith('{{') && trimmed.endsWith('}}') ? trimmed.slice(2, -2) : trimmed;
  return Boolean(await ctx.evaluateExpression(bare, itemIndex, { field }));
}
