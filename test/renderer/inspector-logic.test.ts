/**
 * The inspector's pure parts: fields from JSON Schema (kinds, show-when, fallbacks for node types
 * without metadata), problems placed on fields, and what expressions can refer to (ancestors
 * from the edges, fields of the last run's item, or the declared output of upstream nodes).
 */
import { describe, expect, it } from 'vitest';
import { describeNodeType } from '../../engine/index.ts';
import { builtinNodes } from '../../nodes/index.ts';
import { ancestorsOf, declaredFields, fieldPaths, suggestionsFor, type FlowLike } from '../../renderer/inspector/expression-scope.ts';
import { describeDetail, fieldsOf, humanize, isVisible, kindOf, newEntry, placeProblems, type JsonSchema } from '../../renderer/inspector/schema-fields.ts';
import { insideTemplateExpression } from '../../renderer/inspector/jsonata-language.ts';

const schemaOf = (type: string) => describeNodeType(builtinNodes.find((d) => d.type === type)!).configSchema as JsonSchema;

describe('fields from JSON Schema', () => {
  it('gives every HTTP setting the editor it needs', () => {
    const kinds = Object.fromEntries(fieldsOf(schemaOf('http.request')).map((f) => [f.key, f.kind]));
    expect(kinds).toEqual({
      method: 'select',
      url: 'template',
      query: 'key-value',
      headers: 'key-value',
      bodyType: 'select',
      body: 'http-body',
      responseFormat: 'select',
      output: 'select',
      auth: 'select',
      credential: 'credential',
      authHeaderName: 'text',
      idempotencyKey: 'template',
      timeoutSeconds: 'number',
      concurrency: 'number',
      failOnErrorStatus: 'toggle',
      pagination: 'object',
      rateLimit: 'object',
    });
  });

  it('reads lists of objects, groups, numbers-or-expressions and conditions', () => {
    const llm = Object.fromEntries(fieldsOf(schemaOf('llm.generate')).map((f) => [f.key, f]));
    expect(llm.outputFields!.kind).toBe('object-list');
    expect(llm.outputFields!.itemFields!.map((f) => f.key)).toEqual(['name', 'type', 'description', 'required', 'options']);
    expect(llm.labels!.kind).toBe('string-list');
    expect(llm.azure!.kind).toBe('object');
    expect(llm.prompt!.kind).toBe('multiline');
    expect(llm.maxTokens).toMatchObject({ kind: 'number', integer: true, min: 1 });
    expect(fieldsOf(schemaOf('flow.delay')).find((f) => f.key === 'seconds')!.kind).toBe('number-or-expression');
    expect(fieldsOf(schemaOf('flow.switch'))[0]!.itemFields!.map((f) => [f.key, f.kind])).toEqual([
      ['port', 'text'],
      ['condition', 'expression'],
    ]);
  });

  it('labels choices in words and knows what is required, defaulted or optional', () => {
    const merge = fieldsOf(schemaOf('flow.merge'));
    expect(merge[0]!.options).toEqual([
      { value: 'append', label: 'One after the other (a, then b)' },
      { value: 'byKey', label: 'Pair items with the same key' },
      { value: 'waitForAll', label: 'Wait for both, make one item' },
    ]);
    const http = Object.fromEntries(fieldsOf(schemaOf('http.request')).map((f) => [f.key, f]));
    expect([http.url!.required, http.url!.optional]).toEqual([true, false]);
    expect([http.method!.required, http.method!.optional]).toEqual([false, false]);
    // Whether a credential is needed depends on other settings; validation says so, not a label.
    expect([http.credential!.required, http.credential!.optional]).toEqual([false, false]);
    expect([http.idempotencyKey!.required, http.idempotencyKey!.optional]).toEqual([false, true]);
  });

  it('shows a field only while its condition holds, using the default when the value is unset', () => {
    const http = fieldsOf(schemaOf('http.request'));
    const header = http.find((f) => f.key === 'authHeaderName')!;
    const body = http.find((f) => f.key === 'bodyType')!;
    expect(isVisible(header, {}, http)).toBe(false);
    expect(isVisible(header, { auth: 'header' }, http)).toBe(true);
    expect(isVisible(body, {}, http)).toBe(false);
    expect(isVisible(body, { method: 'POST' }, http)).toBe(true);
  });

  it('falls back to readable words for node types without metadata', () => {
    expect(humanize('authHeaderName')).toBe('Auth header name');
    expect(humanize('max_items')).toBe('Max items');
    const [f] = fieldsOf({ type: 'object', properties: { authHeaderName: { type: 'string' } } });
    expect(f!.title).toBe('Auth header name');
    expect(kindOf({})).toBe('any');
  });

  it('makes new list entries with their defaults and empty required fields', () => {
    const [fields] = fieldsOf(schemaOf('trigger.manual'));
    expect(newEntry(fields!.itemFields!)).toEqual({ name: '', type: 'text', required: false });
  });
});

describe('problems on fields', () => {
  it('puts config problems on their field, name problems on the name, the rest at the top', () => {
    const placed = placeProblems([
      { path: 'nodes[2].config.url', message: 'a' },
      { path: 'nodes[2].config.headers[1].name', message: 'b' },
      { path: 'nodes[2].config', message: 'c' },
      { path: 'nodes[2].name', message: 'd' },
      { path: 'edges[0].target', message: 'e' },
    ]);
    expect([...placed.byField.entries()].map(([k, v]) => [k, v.map((p) => p.detail)])).toEqual([
      ['url', ['url']],
      ['headers', ['headers[1].name']],
    ]);
    expect(placed.general.map((p) => p.message)).toEqual(['c', 'e']);
    expect(placed.name.map((p) => p.message)).toEqual(['d']);
    const headers = fieldsOf(schemaOf('http.request')).find((f) => f.key === 'headers')!;
    expect(describeDetail(headers, 'headers[1].name')).toBe('entry 2, Name');
    expect(describeDetail(headers, 'headers')).toBe('');
  });
});

const flow: FlowLike = {
  nodes: [
    { id: 'start', type: 'trigger.manual', name: 'Start', config: { fields: [{ name: 'customerEmail' }, { name: 'limit' }] } },
    { id: 'ai', type: 'llm.generate', name: 'Sort the e-mail', config: { task: 'classify' } },
    { id: 'tag', type: 'transform.set', config: { fields: [{ name: 'team', value: 'support' }] } },
    { id: 'only-big', type: 'flow.filter', config: { condition: 'x' } },
    { id: 'side', type: 'transform.set', config: { fields: [{ name: 'unrelated' }] } },
  ],
  edges: [
    { source: 'start', target: 'ai' },
    { source: 'ai', target: 'tag' },
    { source: 'tag', target: 'only-big' },
    { source: 'start', target: 'side' },
  ],
};

describe('what expressions can refer to', () => {
  it('finds the ancestors from the edges, nearest first, not the side branches', () => {
    expect(ancestorsOf(flow, 'only-big').map((n) => n.id)).toEqual(['tag', 'ai', 'start']);
    expect(ancestorsOf(flow, 'start')).toEqual([]);
  });

  it('declares the fields upstream nodes put on items when nothing has run', () => {
    expect(declaredFields(flow.nodes[2]!, flow)).toEqual(['customerEmail', 'limit', 'ai', 'ai.label', 'ai.confidence', 'team']);
    const labels = suggestionsFor({ flow, nodeId: 'only-big' }).map((s) => s.label);
    expect(labels).toEqual(expect.arrayContaining(['customerEmail', 'ai.label', 'team', '$input', '$input.customerEmail', '$nodes.tag', '$nodes.ai', '$nodes.start', '$itemIndex', '$sum']));
    expect(labels).not.toContain('unrelated');
    expect(labels).not.toContain('$nodes.side');
    expect(labels.filter((l) => l === '$nodes.`only-big`')).toEqual([]);
  });

  it('prefers the fields of the last run\'s item', () => {
    const suggestions = suggestionsFor({ flow, nodeId: 'only-big', sampleItem: { customer: { name: 'Ana', 'first name': 'A' }, total: 3 } });
    const props = suggestions.filter((s) => s.type === 'property');
    expect(props.map((s) => s.label)).toEqual(['customer', 'customer.name', 'customer.`first name`', 'total']);
    expect(props[0]!.detail).toBe('field of the item (last run)');
    expect(fieldPaths([1, 2])).toEqual([]);
  });

  it('quotes node ids that are not plain names', () => {
    const f: FlowLike = { nodes: [{ id: 'fetch-invoices', type: 'http.request' }, { id: 'b', type: 'flow.filter' }], edges: [{ source: 'fetch-invoices', target: 'b' }] };
    expect(suggestionsFor({ flow: f, nodeId: 'b' }).map((s) => s.label)).toContain('$nodes.`fetch-invoices`');
  });

  it('completes only inside {{ }} of a template', () => {
    expect(insideTemplateExpression('Hello {{ cust')).toBe(true);
    expect(insideTemplateExpression('Hello {{ a }} and ')).toBe(false);
    expect(insideTemplateExpression('plain')).toBe(false);
  });
});
