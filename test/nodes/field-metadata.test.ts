/**
 * Every config field of every built-in node carries plain-worded metadata (title, description,
 * and a valid show-when), and it reaches the catalogue's JSON Schema — so the inspector never has
 * to show a bare key like `authHeaderName`.
 */
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../engine/model/index.ts';
import { builtinNodes } from '../../nodes/index.ts';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[] };

/** Every object property in the schema, with its dotted path and the object it sits in. */
function properties(schema: Schema, path = ''): Array<{ path: string; prop: Schema; siblings: Record<string, Schema> }> {
  const out: Array<{ path: string; prop: Schema; siblings: Record<string, Schema> }> = [];
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    out.push({ path: `${path}${key}`, prop, siblings: schema.properties! }, ...properties(prop, `${path}${key}.`));
  }
  if (schema.items) out.push(...properties(schema.items, `${path}[].`));
  for (const option of schema.anyOf ?? []) out.push(...properties(option, path));
  return out;
}

describe('field metadata of the built-in nodes', () => {
  // The checks below run for every entry of builtinNodes, so a new node type is covered by adding
  // it there; this only makes sure none of the known ones silently dropped out of the list.
  it('covers every built-in node type, each once', () => {
    const types = builtinNodes.map((d) => d.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'flow.delay', 'flow.filter', 'flow.if', 'flow.merge', 'flow.switch', 'http.request', 'llm.generate', 'transform.jsonata', 'transform.set', 'transform.split-out', 'trigger.manual',
        'postgres.query', 'email.send', 'slack.post-message', 'file.read', 'file.write', 'airtable.append-row',
        'trigger.poll', 'trigger.schedule', 'trigger.webhook', 'human.review', 'trigger.folder', 'trigger.email',
      ]),
    );
    expect(new Set(types).size).toBe(types.length);
  });

  it.each(builtinNodes.map((d) => [d.type, d] as const))('%s: every config field has a title and a plain description', (_type, def) => {
    const fields = properties(configJsonSchema(def.config) as Schema);
    expect(fields.length).toBeGreaterThan(0);
    for (const { path, prop, siblings } of fields) {
      expect(typeof prop.title === 'string' && prop.title.trim().length > 1, `${def.type} ${path} has no title`).toBe(true);
      // A title is words for people, not the key itself.
      expect(prop.title, `${def.type} ${path} repeats its key as title`).not.toBe(path.split('.').pop());
      expect(prop.description, `${def.type} ${path} has no description`).toMatch(/^\S.{10,}[.)]$/s);
      const showWhen = prop.showWhen as { field: string; is: unknown[] } | undefined;
      if (showWhen) {
        const target = siblings[showWhen.field];
        expect(target, `${def.type} ${path} depends on an unknown field "${showWhen.field}"`).toBeDefined();
        const allowed = target?.enum as unknown[] | undefined;
        if (allowed) for (const value of showWhen.is) expect(allowed, `${def.type} ${path}: "${String(value)}" is not a value of ${showWhen.field}`).toContain(value);
      }
      const labels = prop.optionLabels as Record<string, string> | undefined;
      if (Array.isArray(prop.enum)) {
        expect(labels, `${def.type} ${path} has choices without plain labels`).toBeDefined();
        for (const value of prop.enum) expect(labels?.[String(value)], `${def.type} ${path}: no label for "${String(value)}"`).toBeTruthy();
      }
    }
  });
});
