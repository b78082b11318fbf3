/** Issue 14 item 6: every expression is parsed at validation, with the field's path. */
import { describe, expect, it } from 'vitest';
import { validateFlow, type ValidationResult } from '../../../engine/model/validate.ts';
import { registry } from '../../helpers/engine.ts';

function flowWith(node: Record<string, unknown>): ValidationResult {
  return validateFlow(
    {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'f',
      name: 'F',
      nodes: [{ id: 'start', type: 'trigger.manual', config: {} }, { name: 'Step two', ...node }],
      edges: [{ source: 'start', target: node.id }],
    },
    registry,
  );
}

const errors = (r: ValidationResult) => r.problems.filter((p) => p.severity === 'error');

describe('expressions at validation', () => {
  it('reports a broken {{ }} expression in a text field with the field path', () => {
    const result = flowWith({ id: 'set', type: 'transform.set', config: { fields: [{ name: 'a', value: 'Hi {{ 1 + }}' }] } });
    expect(result.ok).toBe(false);
    expect(errors(result)).toHaveLength(1);
    expect(errors(result)[0]).toMatchObject({ path: 'nodes[1].config.fields[0].value', nodeId: 'set', severity: 'error' });
    expect(errors(result)[0]!.message).toContain('the expression "1 +" cannot be read');
    expect(errors(result)[0]!.message).toContain('Step two');
  });

  it('reports an unclosed "{{"', () => {
    const result = flowWith({ id: 'set', type: 'transform.set', config: { fields: [{ name: 'a', value: 'Hi {{ name' }] } });
    expect(errors(result)).toEqual([expect.objectContaining({ path: 'nodes[1].config.fields[0].value' })]);
    expect(errors(result)[0]!.message).toMatch(/no matching "}}"/);
  });

  it('parses bare expression fields: an If condition, switch rules, a Transform, a retry condition', () => {
    expect(errors(flowWith({ id: 'if', type: 'flow.if', config: { condition: 'amount >' } }))).toEqual([
      expect.objectContaining({ path: 'nodes[1].config.condition', nodeId: 'if' }),
    ]);
    expect(
      errors(flowWith({ id: 'sw', type: 'flow.switch', config: { rules: [{ port: 'a', condition: 'x = 1' }, { port: 'b', condition: '(x' }] } })),
    ).toEqual([expect.objectContaining({ path: 'nodes[1].config.rules[1].condition' })]);
    expect(errors(flowWith({ id: 't', type: 'transform.jsonata', config: { expression: '{ "a": }' } }))).toEqual([
      expect.objectContaining({ path: 'nodes[1].config.expression' }),
    ]);
    expect(
      errors(flowWith({ id: 'h', type: 'http.request', config: { url: 'http://127.0.0.1/' }, retry: { maxAttempts: 2, retryIf: '$error.status =' } })),
    ).toEqual([expect.objectContaining({ path: 'nodes[1].retry.retryIf' })]);
  });

  it('refuses a pattern the safe regex engine cannot run, naming the field', () => {
    const result = flowWith({ id: 'if', type: 'flow.if', config: { condition: '$contains(email, /(a)\\1/)' } });
    expect(errors(result)).toEqual([expect.objectContaining({ path: 'nodes[1].config.condition' })]);
    expect(errors(result)[0]!.message).toContain('back-references');
  });

  it('accepts good expressions, with or without braces', () => {
    expect(flowWith({ id: 'if', type: 'flow.if', config: { condition: '{{ $contains(email, /^(a+)+$/i) }}' } }).ok).toBe(true);
    expect(flowWith({ id: 'set', type: 'transform.set', config: { fields: [{ name: 'a', value: '{{ {"x": {"y": 1}} }} and {{ $now() }}' }] } }).ok).toBe(true);
  });
});
