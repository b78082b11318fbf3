/**
 * One line that says what a node is set to do: the canvas card shows it, and the hand-over
 * runbook (engine/handover/runbook.ts) uses the same words. Pure (no node:*, no DOM).
 */
import type { FlowNode } from './flow.ts';

/** One line that says what a node is set to do, for its card. */
export function configSummary(node: FlowNode): string {
  const c = node.config as Record<string, unknown>;
  const pick = (key: string) => (typeof c[key] === 'string' && c[key] !== '' ? (c[key] as string) : undefined);
  if (node.type === 'http.request') {
    const url = pick('url');
    return url ? `${pick('method') ?? 'GET'} ${url}` : 'No address yet';
  }
  for (const key of ['prompt', 'expression', 'subject', 'title', 'url', 'path', 'field', 'query']) {
    const v = pick(key);
    if (v) return v.length > 60 ? `${v.slice(0, 59)}…` : v;
  }
  const rules = c.rules;
  if (Array.isArray(rules)) return `${rules.length} rule${rules.length === 1 ? '' : 's'}`;
  const fields = c.fields;
  if (Array.isArray(fields) && fields.length > 0) return `${fields.length} field${fields.length === 1 ? '' : 's'}`;
  return '';
}
