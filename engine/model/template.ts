/**
 * Splitting `{{ jsonata }}` templates into text and expression parts. Pure (engine/model), so
 * validation and the editor find the same expressions the runner evaluates.
 */
import { NodeError } from './node-kit.ts';

export type TemplatePart = { text: string } | { expr: string; start: number };

const parsedTemplates = new Map<string, TemplatePart[]>();
const MAX_CACHE = 5000;

/** Splits a template into text and expression parts; nested braces and quoted strings are respected. */
export function parseTemplate(template: string): TemplatePart[] {
  const cached = parsedTemplates.get(template);
  if (cached) return cached;
  const parts: TemplatePart[] = [];
  let i = 0;
  let textStart = 0;
  while (i < template.length) {
    if (template.startsWith('{{', i)) {
      const end = findClose(template, i + 2);
      if (end === -1) {
        throw new NodeError({
          message: `A "{{" at character ${i + 1} has no matching "}}".`,
          code: 'EXPRESSION',
          retryable: false,
          hint: 'Close the expression with "}}", or remove the "{{".',
        });
      }
      if (i > textStart) parts.push({ text: template.slice(textStart, i) });
      parts.push({ expr: template.slice(i + 2, end).trim(), start: i });
      i = end + 2;
      textStart = i;
    } else {
      i++;
    }
  }
  if (textStart < template.length) parts.push({ text: template.slice(textStart) });
  if (parsedTemplates.size > MAX_CACHE) parsedTemplates.clear();
  parsedTemplates.set(template, parts);
  return parts;
}

function findClose(s: string, from: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0 && s[i + 1] === '}') return i;
      depth = Math.max(0, depth - 1);
    }
  }
  return -1;
}

