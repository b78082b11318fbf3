/** The published flow JSON Schema matches the zod schema, and every node type describes itself. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, flowJsonSchema, outputPortsOf, portsOf } from '../../../engine/index.ts';
import { builtinNodes } from '../../../nodes/index.ts';

describe('flow JSON Schema', () => {
  it('docs/flow.schema.json is up to date (run "npm run schema" after changing the flow format)', async () => {
    const published = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', '..', 'docs', 'flow.schema.json'), 'utf8')) as unknown;
    expect(published).toEqual(flowJsonSchema());
  });

  it('requires the fields a flow cannot do without', () => {
    const schema = flowJsonSchema() as { required: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['format', 'formatVersion', 'id', 'name', 'nodes', 'edges']));
  });
});

describe('node catalogue', () => {
  it.each(builtinNodes.map((d) => [d.type, d] as const))('%s describes itself for operators', (_type, def) => {
    expect(def.title.trim().length).toBeGreaterThan(1);
    expect(def.description).toMatch(/^[A-Z].{15,160}\.$/);
    expect(['trigger', 'integration', 'transform', 'flow', 'llm', 'review']).toContain(def.category);
    expect(configJsonSchema(def.config).type).toBe('object');
    const defaults = def.config.safeParse({});
    if (defaults.success) {
      // Ports must be computable from a default config, and every node can report errors.
      expect(outputPortsOf(def, defaults.data)).toContain('error');
      expect(Boolean(def.trigger)).toBe(portsOf(def.inputs, defaults.data).length === 0);
    }
  });

  it('has unique type names', () => {
    const types = builtinNodes.map((d) => d.type);
    expect(new Set(types).size).toBe(types.length);
  });
});
