import { describe, expect, it } from 'vitest';
import { LIMITS, scanUnsafe, validateFlow, validateFlowText, type Problem, type ValidationResult } from '../../../engine/model/validate.ts';
import { registry } from '../../helpers/engine.ts';

/** A v1 flow document with the given nodes and edges. */
function flowDoc(nodes: unknown[], edges: unknown[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { format: 'flowkeeper/flow', formatVersion: 1, id: 'test-flow', name: 'Test flow', ...extra, nodes, edges };
}

const start = { id: 'start', type: 'trigger.manual', config: {} };
const setNode = (id: string) => ({ id, type: 'transform.set', config: { fields: [] } });
const edge = (source: string, target: string, sourcePort = 'out', targetPort = 'in') => ({ source, sourcePort, target, targetPort });

function validate(raw: unknown): ValidationResult {
  return validateFlow(raw, registry);
}

function problemsOf(result: ValidationResult): Problem[] {
  return result.problems;
}

function errorsOf(result: ValidationResult): Problem[] {
  return result.problems.filter((p) => p.severity === 'error');
}

/** The only problem at `path`; fails when there is none or several. */
function problemAt(result: ValidationResult, path: string): Problem {
  const found = result.problems.filter((p) => p.path === path);
  expect(found, `problems at ${path} in ${JSON.stringify(result.problems, null, 1)}`).toHaveLength(1);
  return found[0]!;
}

describe('validateFlow: a valid flow', () => {
  it('accepts it without problems and fills in defaults', () => {
    const result = validate(flowDoc([start, setNode('tidy')], [{ source: 'start', target: 'tidy' }]));
    expect(result.ok).toBe(true);
    expect(problemsOf(result)).toEqual([]);
    if (!result.ok) return;
    expect(result.migratedFrom).toBeUndefined();
    expect(result.flow.settings.concurrency).toBe(4);
    expect(result.flow.edges).toEqual([{ source: 'start', sourcePort: 'out', target: 'tidy', targetPort: 'in' }]);
    expect(result.flow.nodes[1]!.config).toEqual({ fields: [], keepOtherFields: true });
  });
});

describe('validateFlowText: the file itself', () => {
  it('reports invalid JSON with its line and column', () => {
    const text = '{\n  "format": "flowkeeper/flow",\n  "id" "x"\n}';
    const result = validateFlowText(text, registry);
    expect(result.ok).toBe(false);
    expect(problemsOf(result)).toHaveLength(1);
    const problem = problemAt(result, '$');
    expect(problem.severity).toBe('error');
    // `"id" "x"`: the unexpected `"x"` is the 8th character of line 3.
    expect(problem.message).toMatch(/not valid JSON at line 3, column 8/);
  });

  it('reports JSON cut short without inventing a position', () => {
    const result = validateFlowText('{"format": "flowkeeper/flow", "nodes": [', registry);
    expect(result.ok).toBe(false);
    expect(problemAt(result, '$').message).toMatch(/not valid JSON/);
  });

  it.each([
    ['a list', '[]'],
    ['a number', '42'],
    ['a string', '"flow"'],
    ['null', 'null'],
  ])('rejects a file that holds %s instead of one object', (_label, text) => {
    const result = validateFlowText(text, registry);
    expect(result.ok).toBe(false);
    expect(problemsOf(result)).toEqual([{ path: '$', message: 'A flow file must contain one JSON object.', severity: 'error' }]);
  });
});

describe('validateFlow: nodes', () => {
  it('reports an unknown node type with a "did you mean" for a near miss', () => {
    const result = validate(flowDoc([start, { id: 'call', type: 'http.requst', config: { url: 'https://example.com' } }], [edge('start', 'call')]));
    expect(result.ok).toBe(false);
    const problem = problemAt(result, 'nodes[1].type');
    expect(problem.severity).toBe('error');
    expect(problem.nodeId).toBe('call');
    expect(problem.message).toMatch(/Unknown node type "http\.requst"/);
    expect(problem.message).toMatch(/did you mean "http\.request"\?/);
  });

  it('lists the known types, without a guess, for a type that resembles none', () => {
    const result = validate(flowDoc([start, { id: 'x', type: 'zzzzzz.qqqqqqq', config: {} }]));
    const problem = problemAt(result, 'nodes[1].type');
    expect(problem.message).not.toMatch(/did you mean/);
    expect(problem.message).toMatch(/knows: .*trigger\.manual/);
    expect(problem.message).toMatch(/http\.request/);
  });

  it('reports duplicate node ids at the second node', () => {
    const result = validate(flowDoc([start, setNode('tidy'), setNode('tidy')], [edge('start', 'tidy')]));
    expect(result.ok).toBe(false);
    const problem = problemAt(result, 'nodes[2].id');
    expect(problem.nodeId).toBe('tidy');
    expect(problem.message).toMatch(/Two nodes share the id "tidy"/);
    expect(errorsOf(result)).toHaveLength(1);
  });

  it('reports a missing required config field at its path', () => {
    const result = validate(flowDoc([start, { id: 'call', type: 'http.request', config: { method: 'GET' } }], [edge('start', 'call')]));
    expect(result.ok).toBe(false);
    const problem = problemAt(result, 'nodes[1].config.url');
    expect(problem.severity).toBe('error');
    expect(problem.nodeId).toBe('call');
    expect(problem.message).toMatch(/"url" is required/);
    expect(errorsOf(result)).toHaveLength(1);
  });

  it('reports a wrong type in plain words that name what was expected', () => {
    const result = validate(flowDoc([start, { id: 'call', type: 'http.request', config: { url: 'https://example.com', timeoutSeconds: 'ten' } }], [edge('start', 'call')]));
    expect(result.ok).toBe(false);
    const problem = problemAt(result, 'nodes[1].config.timeoutSeconds');
    expect(problem.message).toMatch(/"timeoutSeconds"/);
    expect(problem.message).toMatch(/number/);
    // No zod jargon.
    expect(problem.message).not.toMatch(/invalid_type|Invalid input|received/i);
  });

  it('says a value of the wrong type is of the wrong type, not that it is missing', () => {
    const result = validate(flowDoc([start, { id: 'call', type: 'http.request', config: { url: 'https://example.com', timeoutSeconds: 'ten' } }], [edge('start', 'call')]));
    const problem = problemAt(result, 'nodes[1].config.timeoutSeconds');
    expect(problem.message).not.toMatch(/required/);
    expect(problem.message).toMatch(/should be a number, not the text "ten"/);
  });

  it('says a flow name given as a number should be text', () => {
    const result = validate(flowDoc([start], [], { name: 42 }));
    expect(problemAt(result, 'name').message).toMatch(/should be a string, not a number/);
  });

  it('reports unknown fields at the flow, node and config level', () => {
    const result = validate(
      flowDoc([{ ...start, confg: {} }, { id: 'call', type: 'http.request', config: { urll: 'https://example.com', url: 'https://example.com' } }], [edge('start', 'call')], { colour: 'red' }),
    );
    expect(result.ok).toBe(false);
    expect(problemAt(result, '$').message).toMatch(/Unknown field "colour"/);
    expect(problemAt(result, 'nodes[0]').message).toMatch(/Unknown field "confg"/);
    expect(problemAt(result, 'nodes[0]').message).toMatch(/Check the spelling or remove it/);
  });

  it('reports an unknown config field inside a node whose schema is otherwise fine', () => {
    const result = validate(flowDoc([start, { id: 'call', type: 'http.request', config: { urll: 'https://example.com', url: 'https://example.com' } }], [edge('start', 'call')]));
    expect(result.ok).toBe(false);
    const problem = problemAt(result, 'nodes[1].config');
    expect(problem.nodeId).toBe('call');
    expect(problem.message).toMatch(/Unknown field "urll"/);
  });

  it('reports a node made by a newer node version and asks to update', () => {
    const result = validate(flowDoc([{ ...start, version: 2 }]));
    expect(result.ok).toBe(false);
    const problem = problemAt(result, 'nodes[0].version');
    expect(problem.nodeId).toBe('start');
    expect(problem.message).toMatch(/newer version \(2\)/);
    expect(problem.message).toMatch(/\(1\)/);
    expect(problem.message).toMatch(/Update Flowkeeper/);
  });

  it('warns (without failing) about a flow that has no trigger', () => {
    const result = validate(flowDoc([setNode('a'), setNode('b')], [edge('a', 'b')]));
    expect(result.ok).toBe(true);
    expect(problemsOf(result)).toHaveLength(1);
    const problem = problemAt(result, 'nodes');
    expect(problem.severity).toBe('warning');
    expect(problem.message).toMatch(/no trigger/);
  });
});

describe('validateFlow: edges', () => {
  it('reports a connection from or to a node that does not exist', () => {
    const result = validate(flowDoc([start, setNode('tidy')], [edge('start', 'tidy'), edge('ghost', 'tidy'), edge('start', 'nowhere')]));
    expect(result.ok).toBe(false);
    expect(problemAt(result, 'edges[1].source').message).toMatch(/starts at node "ghost", which is not in the flow/);
    expect(problemAt(result, 'edges[2].target').message).toMatch(/ends at node "nowhere", which is not in the flow/);
    expect(errorsOf(result)).toHaveLength(2);
  });

  it('reports a source port the node does not have and lists its outputs', () => {
    const result = validate(flowDoc([start, setNode('tidy')], [edge('start', 'tidy', 'nope')]));
    const problem = problemAt(result, 'edges[0].sourcePort');
    expect(problem.nodeId).toBe('start');
    expect(problem.message).toMatch(/no output "nope"/);
    expect(problem.message).toMatch(/outputs are: out, error\./);
  });

  it('accepts a connection from the implicit error port', () => {
    const result = validate(flowDoc([start, setNode('tidy'), setNode('oops')], [edge('start', 'tidy'), edge('tidy', 'oops', 'error')]));
    expect(result.ok).toBe(true);
    expect(problemsOf(result)).toEqual([]);
  });

  it('reports a target port the node does not have and lists its inputs', () => {
    const result = validate(
      flowDoc([start, setNode('left'), { id: 'join', type: 'flow.merge', config: {} }], [edge('start', 'left'), edge('left', 'join', 'out', 'a'), edge('start', 'join', 'out', 'c')]),
    );
    expect(result.ok).toBe(false);
    const problem = problemAt(result, 'edges[2].targetPort');
    expect(problem.nodeId).toBe('join');
    expect(problem.message).toMatch(/no input "c"/);
    expect(problem.message).toMatch(/inputs are: a, b\./);
    expect(errorsOf(result)).toHaveLength(1);
  });

  it('reports a connection into a trigger', () => {
    const result = validate(flowDoc([start, setNode('tidy')], [edge('start', 'tidy'), edge('tidy', 'start')]));
    expect(result.ok).toBe(false);
    const problem = problemAt(result, 'edges[1].targetPort');
    expect(problem.nodeId).toBe('start');
    expect(problem.message).toMatch(/"start" is a trigger and cannot receive connections/);
  });

  it('reports a cycle and shows the loop', () => {
    const result = validate(flowDoc([start, setNode('a'), setNode('b')], [edge('start', 'a'), edge('a', 'b'), edge('b', 'a')]));
    expect(result.ok).toBe(false);
    const problem = problemAt(result, 'edges');
    expect(problem.severity).toBe('error');
    expect(problem.message).toMatch(/loop: a → b → a\./);
  });

  it('reports a node connected to itself as a loop', () => {
    const result = validate(flowDoc([start, setNode('a')], [edge('start', 'a'), edge('a', 'a')]));
    expect(problemAt(result, 'edges').message).toMatch(/loop: a → a\./);
  });

  it('warns about a connection listed twice', () => {
    const result = validate(flowDoc([start, setNode('tidy')], [edge('start', 'tidy'), edge('start', 'tidy')]));
    expect(result.ok).toBe(true);
    const problem = problemAt(result, 'edges[1]');
    expect(problem.severity).toBe('warning');
    expect(problem.message).toMatch(/listed twice/);
  });
});

describe('validateFlow: switch ports come from its config', () => {
  const route = {
    id: 'route',
    type: 'flow.switch',
    config: { rules: [{ port: 'urgent', condition: 'priority = "high"' }, { port: 'large', condition: 'amount > 1000' }] },
  };

  it('accepts connections from rule ports and the fallback', () => {
    const result = validate(
      flowDoc([start, route, setNode('u'), setNode('l'), setNode('f')], [edge('start', 'route'), edge('route', 'u', 'urgent'), edge('route', 'l', 'large'), edge('route', 'f', 'fallback')]),
    );
    expect(problemsOf(result)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('rejects a connection from a port no rule defines and lists the rule ports', () => {
    const result = validate(flowDoc([start, route, setNode('u')], [edge('start', 'route'), edge('route', 'u', 'medium')]));
    expect(result.ok).toBe(false);
    const problem = problemAt(result, 'edges[1].sourcePort');
    expect(problem.nodeId).toBe('route');
    expect(problem.message).toMatch(/no output "medium"/);
    expect(problem.message).toMatch(/outputs are: urgent, large, fallback, error\./);
  });

  it('has no fallback port when the fallback is switched off', () => {
    const noFallback = { ...route, config: { ...route.config, fallback: false } };
    const result = validate(flowDoc([start, noFallback, setNode('f')], [edge('start', 'route'), edge('route', 'f', 'fallback')]));
    expect(result.ok).toBe(false);
    expect(problemAt(result, 'edges[1].sourcePort').message).toMatch(/outputs are: urgent, large, error\./);
  });

  it('reports a switch without rules instead of throwing when a connection leaves it', () => {
    const result = validate(flowDoc([start, { id: 'route', type: 'flow.switch', config: {} }, setNode('u')], [edge('start', 'route'), edge('route', 'u', 'urgent')]));
    expect(result.ok).toBe(false);
    expect(problemAt(result, 'nodes[1].config.rules').message).toMatch(/"rules" is required/);
  });
});

describe('validateFlow: unsafe values', () => {
  it('rejects __proto__, constructor and prototype keys anywhere and names each key', () => {
    const text = JSON.stringify(flowDoc([start, { id: 'tidy', type: 'transform.set', config: { fields: [{ name: 'a', value: { prototype: 1 } }], constructor: {} } }]))
      .replace('{"format"', '{"__proto__":{"polluted":true},"format"');
    const raw = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(raw)).toContain('__proto__');

    const result = validate(raw);
    expect(result.ok).toBe(false);
    expect(problemsOf(result).map((p) => p.path).sort()).toEqual(['__proto__', 'nodes[1].config.constructor', 'nodes[1].config.fields[0].value.prototype']);
    for (const problem of problemsOf(result)) expect(problem.message).toMatch(/The key "(__proto__|constructor|prototype)" is not allowed/);
    expect(problemAt(result, '__proto__').message).toMatch(/"__proto__"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects a "__proto__" key inside a node config', () => {
    const text = '{"format":"flowkeeper/flow","formatVersion":1,"id":"f","name":"F","nodes":[{"id":"start","type":"trigger.manual","config":{"__proto__":{"x":1}}}],"edges":[]}';
    const result = validateFlowText(text, registry);
    expect(result.ok).toBe(false);
    expect(problemAt(result, 'nodes[0].config.__proto__').message).toMatch(/"__proto__" is not allowed/);
  });

  it('rejects a string longer than 256 KiB at its path', () => {
    const big = 'x'.repeat(256 * 1024 + 1);
    const result = validate(flowDoc([start, { id: 'tidy', type: 'transform.set', config: { fields: [{ name: 'blob', value: big }] } }]));
    expect(result.ok).toBe(false);
    const problem = problemAt(result, 'nodes[1].config.fields[0].value');
    expect(problem.message).toMatch(/262,145 characters; the limit is 262,144/);
  });

  it('accepts a string of exactly the limit', () => {
    expect(scanUnsafe('x'.repeat(LIMITS.stringChars))).toEqual([]);
    expect(scanUnsafe('x'.repeat(LIMITS.stringChars + 1))).toHaveLength(1);
  });

  it('rejects nesting deeper than the limit, once, at the level where it passes the limit', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100; i++) deep = { a: deep };
    const result = validate(flowDoc([start, { id: 'tidy', type: 'transform.set', config: { deep } }]));
    expect(result.ok).toBe(false);
    expect(problemsOf(result)).toHaveLength(1);
    // Depth 0 is the file; nodes, nodes[1], config and deep are levels 1-4, so level 65 is 61 "a"s below deep.
    const problem = problemAt(result, 'nodes[1].config.deep' + '.a'.repeat(61));
    expect(problem.message).toMatch(/Nested more than 64 levels deep/);
  });

  it('accepts nesting up to the limit', () => {
    let deep: unknown = 1;
    for (let i = 0; i < LIMITS.depth; i++) deep = [deep];
    expect(scanUnsafe(deep)).toEqual([]);
    expect(scanUnsafe([deep])).toHaveLength(1);
  });
});

describe('validateFlow: format versions', () => {
  it('asks to update Flowkeeper for a newer formatVersion', () => {
    const result = validate(flowDoc([start], [], { formatVersion: 2 }));
    expect(result.ok).toBe(false);
    expect(problemsOf(result)).toHaveLength(1);
    const problem = problemAt(result, 'formatVersion');
    expect(problem.message).toMatch(/newer Flowkeeper \(format 2; this version reads up to 1\)/);
    expect(problem.message).toMatch(/Update Flowkeeper/);
  });

  it('rejects a formatVersion that is not a whole number', () => {
    const result = validate(flowDoc([start], [], { formatVersion: '1' }));
    expect(result.ok).toBe(false);
    expect(problemAt(result, 'formatVersion').message).toMatch(/whole number/);
  });

  it('migrates a format-0 flow with `connections` to v1 and says it did', () => {
    const result = validate({
      id: 'old-flow',
      name: 'Old flow',
      nodes: [start, { id: 'route', type: 'flow.if', config: { condition: 'n > 1' } }, setNode('big'), setNode('small')],
      connections: [
        { from: 'start', to: 'route' },
        { from: 'route.true', to: 'big.in' },
        { from: 'route.false', to: 'small' },
      ],
    });
    expect(problemsOf(result)).toEqual([]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.migratedFrom).toBe(0);
    expect(result.flow.format).toBe('flowkeeper/flow');
    expect(result.flow.formatVersion).toBe(1);
    expect(result.flow).not.toHaveProperty('connections');
    expect(result.flow.edges).toEqual([
      { source: 'start', sourcePort: 'out', target: 'route', targetPort: 'in' },
      { source: 'route', sourcePort: 'true', target: 'big', targetPort: 'in' },
      { source: 'route', sourcePort: 'false', target: 'small', targetPort: 'in' },
    ]);
  });

  it('reports problems of a migrated format-0 flow against the v1 edges', () => {
    const result = validate({ id: 'old-flow', name: 'Old flow', nodes: [start, setNode('tidy')], connections: [{ from: 'start.nope', to: 'tidy' }] });
    expect(result.ok).toBe(false);
    expect(problemAt(result, 'edges[0].sourcePort').message).toMatch(/no output "nope"/);
  });
});

describe('validateFlow: every problem at once', () => {
  it('reports all problems of one flow together', () => {
    const result = validate(
      flowDoc(
        [start, { id: 'typo', type: 'http.requst', config: {} }, setNode('start'), { id: 'call', type: 'http.request', config: {} }, setNode('a'), setNode('b')],
        [edge('start', 'zz'), edge('a', 'start'), edge('start', 'call', 'nope'), edge('a', 'b'), edge('b', 'a')],
      ),
    );
    expect(result.ok).toBe(false);
    const paths = problemsOf(result).map((p) => p.path);
    expect(paths).toEqual(['nodes[1].type', 'nodes[2].id', 'nodes[3].config.url', 'edges[0].target', 'edges[1].targetPort', 'edges[2].sourcePort', 'edges']);
    expect(problemAt(result, 'edges').message).toMatch(/a → b → a/);
    expect(problemAt(result, 'nodes[1].type').message).toMatch(/did you mean "http\.request"/);
  });

  it('reports every schema problem of one flow together', () => {
    const result = validate(
      flowDoc([{ ...start, confg: {} }, { id: '9bad', type: 'transform.set' }, { type: 'transform.set' }], [{ source: 'start' }], { colour: 'red', settings: { concurrency: 0 } }),
    );
    expect(result.ok).toBe(false);
    const paths = problemsOf(result).map((p) => p.path).sort();
    expect(paths).toEqual(['$', 'edges[0].target', 'nodes[0]', 'nodes[1].id', 'nodes[2].id', 'settings.concurrency'].sort());
  });

  it('reports semantic problems even when the file also has a schema problem', () => {
    const result = validate(flowDoc([{ ...start, confg: {} }, { id: 'typo', type: 'http.requst', config: {} }], [edge('start', 'typo'), edge('start', 'zz')]));
    const paths = problemsOf(result).map((p) => p.path);
    expect(paths).toContain('nodes[0]');
    expect(paths).toContain('nodes[1].type');
    expect(paths).toContain('edges[1].target');
  });
});
