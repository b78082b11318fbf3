import { describe, expect, it } from 'vitest';
import { evaluateDeep, evaluateExpression, evaluateTemplate, parseTemplate, type ExpressionScope } from '../../engine/expressions.ts';
import { NodeError } from '../../engine/model/node-kit.ts';

function scope(item: unknown = {}, bindings: Record<string, unknown> = {}, clock?: ExpressionScope['clock']): ExpressionScope {
  return clock ? { item, bindings, clock } : { item, bindings };
}

/** Runs `fn` and returns what it threw (fails when it does not throw). */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('parseTemplate', () => {
  it('splits text and expressions and trims the expressions', () => {
    expect(parseTemplate('Hello {{ name }}, you owe {{amount}}!')).toEqual([
      { text: 'Hello ' },
      { expr: 'name', start: 6 },
      { text: ', you owe ' },
      { expr: 'amount', start: 26 },
      { text: '!' },
    ]);
  });

  it('keeps plain text as one part', () => {
    expect(parseTemplate('no braces here } {')).toEqual([{ text: 'no braces here } {' }]);
  });

  it('respects nested braces inside the expression', () => {
    expect(parseTemplate('{{ {"a": {"b": 1}} }}')).toEqual([{ expr: '{"a": {"b": 1}}', start: 0 }]);
    expect(parseTemplate('x={{{"a":{"b":1}}}}.')).toEqual([{ text: 'x=' }, { expr: '{"a":{"b":1}}', start: 2 }, { text: '.' }]);
  });

  it('ignores "}}" inside quoted strings', () => {
    expect(parseTemplate(`a {{ "}}" & '}}' & \`}}\` }} b`)).toEqual([{ text: 'a ' }, { expr: `"}}" & '}}' & \`}}\``, start: 2 }, { text: ' b' }]);
  });

  it('ignores an escaped quote inside a quoted string', () => {
    expect(parseTemplate('{{ "say \\"}}\\"" }}')).toEqual([{ expr: '"say \\"}}\\""', start: 0 }]);
  });

  it('throws an EXPRESSION NodeError for an unclosed "{{" and says where it starts', async () => {
    const error = await thrown(() => parseTemplate('Dear {{ name'));
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).code).toBe('EXPRESSION');
    expect((error as NodeError).retryable).toBe(false);
    expect((error as NodeError).message).toMatch(/"\{\{" at character 6 has no matching "\}\}"/);
  });

  it('treats "}}" inside a string that is never closed as still open', () => {
    expect(() => parseTemplate('{{ "abc }}')).toThrow(/no matching "\}\}"/);
  });
});

describe('evaluateTemplate', () => {
  it('returns text without templates unchanged', async () => {
    expect(await evaluateTemplate('plain { text }', scope())).toBe('plain { text }');
  });

  it('keeps the type of a whole-string template', async () => {
    const s = scope({ amount: 21, tags: ['a', 'b'] });
    expect(await evaluateTemplate('{{ amount * 2 }}', s)).toBe(42);
    expect(await evaluateTemplate('{{ {"a": [1, 2], "b": {"c": "d"}} }}', s)).toEqual({ a: [1, 2], b: { c: 'd' } });
    expect(await evaluateTemplate('{{ [1, "two", null] }}', s)).toEqual([1, 'two', null]);
    expect(await evaluateTemplate('{{ amount > 20 }}', s)).toBe(true);
    expect(await evaluateTemplate('{{ amount < 20 }}', s)).toBe(false);
    expect(await evaluateTemplate('{{ tags }}', s)).toEqual(['a', 'b']);
    expect(await evaluateTemplate('{{ missing }}', s)).toBeUndefined();
  });

  it('returns plain JSON arrays, without jsonata sequence flags', async () => {
    const result = await evaluateTemplate('{{ items.id }}', scope({ items: [{ id: 1 }, { id: 2 }] }));
    expect(result).toEqual([1, 2]);
    expect(Object.keys(result as object)).toEqual(['0', '1']);
    expect(JSON.stringify(result)).toBe('[1,2]');
  });

  it('interpolates into text, with objects and lists as JSON', async () => {
    const s = scope({ n: 42, customer: { name: 'Ada' } });
    expect(await evaluateTemplate('n={{ n }}', s)).toBe('n=42');
    expect(await evaluateTemplate('obj={{ customer }}', s)).toBe('obj={"name":"Ada"}');
    expect(await evaluateTemplate('list={{ [1, 2] }};', s)).toBe('list=[1,2];');
    expect(await evaluateTemplate('flag={{ n > 1 }}', s)).toBe('flag=true');
    expect(await evaluateTemplate('none=[{{ missing }}]', s)).toBe('none=[]');
    expect(await evaluateTemplate(' {{ n }}', s)).toBe(' 42');
    expect(await evaluateTemplate('{{ n }}{{ n }}', s)).toBe('4242');
  });

  it('evaluates an expression whose text contains a quoted "}}"', async () => {
    expect(await evaluateTemplate('<{{ "}}" & name }}>', scope({ name: 'x' }))).toBe('<}}x>');
  });

  it('throws the unclosed-template error from evaluation too', async () => {
    const error = await thrown(() => evaluateTemplate('Hi {{ name', scope({ name: 'x' })));
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).code).toBe('EXPRESSION');
  });
});

describe('bindings', () => {
  const bindings = {
    input: { base: 'https://api.example.com', limit: 5 },
    nodes: { fetch: [{ id: 1, total: 10 }, { id: 2, total: 32 }] },
    itemIndex: 3,
    runId: 'run-1',
  };

  it('exposes $input, $nodes and $itemIndex beside the current item', async () => {
    const s = scope({ id: 7 }, bindings);
    expect(await evaluateTemplate('{{ $input.base }}/items/{{ id }}?i={{ $itemIndex }}&run={{ $runId }}', s)).toBe('https://api.example.com/items/7?i=3&run=run-1');
    expect(await evaluateTemplate('{{ $nodes.fetch.id }}', s)).toEqual([1, 2]);
    expect(await evaluateTemplate('{{ $sum($nodes.fetch.total) + $input.limit }}', s)).toBe(47);
    expect(await evaluateTemplate('{{ $itemIndex }}', s)).toBe(3);
    expect(await evaluateExpression('$.id', s)).toBe(7);
  });

  it('does not leak bindings between scopes', async () => {
    expect(await evaluateTemplate('{{ $input }}', scope({}, { input: 1 }))).toBe(1);
    expect(await evaluateTemplate('{{ $input }}', scope({}))).toBeUndefined();
  });
});

describe('evaluateDeep', () => {
  it('evaluates templates in nested objects and lists and leaves other values alone', async () => {
    const config = {
      url: '{{ $input.base }}/orders/{{ id }}',
      body: { n: '{{ n }}', text: 'n is {{ n }}', list: ['{{ n + 1 }}', 'plain', 3, null, true, { deeper: ['{{ [n] }}'] }] },
      fixed: { a: 1, b: ['x'] },
      count: 5,
    };
    const result = await evaluateDeep(config, scope({ id: 'A-1', n: 2 }, { input: { base: 'https://shop' } }));
    expect(result).toEqual({
      url: 'https://shop/orders/A-1',
      body: { n: 2, text: 'n is 2', list: [3, 'plain', 3, null, true, { deeper: [[2]] }] },
      fixed: { a: 1, b: ['x'] },
      count: 5,
    });
    // Input is not modified.
    expect(config.body.n).toBe('{{ n }}');
  });

  it('returns non-template scalars as they are', async () => {
    expect(await evaluateDeep(12, scope())).toBe(12);
    expect(await evaluateDeep(null, scope())).toBeNull();
    expect(await evaluateDeep(false, scope())).toBe(false);
  });

  it('names the field of a failing expression', async () => {
    const error = await thrown(() => evaluateDeep({ body: { list: ['ok', '{{ "a" + 1 }}'] } }, scope()));
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).message).toMatch(/in config\.body\.list\[1\]/);
  });

  it('names the field of an expression with a syntax error', async () => {
    const error = await thrown(() => evaluateDeep({ body: { list: ['ok', '{{ 1 + }}'] } }, scope()));
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).message).toMatch(/in config\.body\.list\[1\]/);
  });
});

describe('expression errors', () => {
  it('turns a jsonata syntax error into an EXPRESSION NodeError that quotes the expression', async () => {
    const error = await thrown(() => evaluateTemplate('{{ 1 + }}', scope()));
    expect(error).toBeInstanceOf(NodeError);
    const e = error as NodeError;
    expect(e.code).toBe('EXPRESSION');
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/The expression "1 \+" could not be evaluated/);
    expect(e.details).toMatchObject({ expression: '1 +' });
    expect(e.hint).toBeTruthy();
  });

  it('turns a jsonata evaluation error into an EXPRESSION NodeError with the expression and field', async () => {
    const error = await thrown(() => evaluateTemplate('total: {{ "a" + amount }}', scope({ amount: 1 }), 'config.url'));
    expect(error).toBeInstanceOf(NodeError);
    const e = error as NodeError;
    expect(e.code).toBe('EXPRESSION');
    expect(e.message).toMatch(/The expression ""a" \+ amount" in config\.url could not be evaluated/);
    expect(e.details).toMatchObject({ expression: '"a" + amount', jsonataCode: 'T2001' });
  });

  it('reports calling an unknown function', async () => {
    const error = await thrown(() => evaluateExpression('$nosuchfunction(1)', scope()));
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).code).toBe('EXPRESSION');
    expect((error as NodeError).message).toMatch(/\$nosuchfunction\(1\)/);
  });
});

describe('clock and randomness', () => {
  it('takes $now(), $millis() and $random() from the scope clock', async () => {
    const calls: string[] = [];
    const clock = {
      now: async () => {
        calls.push('now');
        return 1_700_000_000_000;
      },
      random: async () => {
        calls.push('random');
        return 0.25;
      },
    };
    const s = scope({}, {}, clock);
    expect(await evaluateTemplate('{{ $millis() }}', s)).toBe(1_700_000_000_000);
    expect(await evaluateTemplate('{{ $now() }}', s)).toBe('2023-11-14T22:13:20.000Z');
    expect(await evaluateTemplate('{{ $random() }}', s)).toBe(0.25);
    expect(calls).toEqual(['now', 'now', 'random']);
  });

  it('asks the clock on every call, so each recorded value is used once', async () => {
    let t = 1000;
    let r = 0;
    const clock = { now: async () => t++, random: async () => (r += 0.125) };
    const s = scope({}, {}, clock);
    expect(await evaluateTemplate('{{ $millis() }}-{{ $millis() }}', s)).toBe('1000-1001');
    expect(await evaluateTemplate('{{ [$random(), $random()] }}', s)).toEqual([0.125, 0.25]);
  });

  it('uses the real clock when the scope has none (static preview)', async () => {
    const before = Date.now();
    const millis = (await evaluateTemplate('{{ $millis() }}', scope())) as number;
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(Date.now());
  });
});

describe('runaway expressions', () => {
  it('stops an endless recursion with an EXPRESSION timeout error', { timeout: 15_000 }, async () => {
    const started = Date.now();
    const error = await thrown(() => evaluateTemplate('{{ ($loop := function($n) { $loop($n + 1) }; $loop(0)) }}', scope()));
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).code).toBe('EXPRESSION');
    expect((error as NodeError).message).toMatch(/timeout/i);
    expect((error as NodeError).details).toMatchObject({ jsonataCode: 'D1012' });
    expect(elapsed).toBeLessThan(10_000);
  });
});

describe('regular expressions (linear-time engine)', () => {
  it('$match, $replace, $split and $contains behave as with JavaScript patterns', async () => {
    const s = scope({ text: 'Order A-12, order b-7 and ORDER C-300' });
    expect(await evaluateExpression('$match(text, /order ([a-c])-(\\d+)/i).groups', s)).toEqual(['A', '12', 'b', '7', 'C', '300']);
    expect(await evaluateExpression('$match(text, /order ([a-c])-(\\d+)/i)[1].index', s)).toBe(12);
    expect(await evaluateExpression('$replace(text, /\\d+/, "#")', s)).toBe('Order A-#, order b-# and ORDER C-#');
    expect(await evaluateExpression('$split("a1b22c", /\\d+/)', s)).toEqual(['a', 'b', 'c']);
    expect(await evaluateExpression('$contains(text, /^order/)', s)).toBe(false);
    expect(await evaluateExpression('$contains(text, /^order/i)', s)).toBe(true);
    expect(await evaluateExpression('$replace("x y", /(\\w) (\\w)/, "$2 $1")', s)).toBe('y x');
  });

  it('matches a catastrophic-backtracking pattern in linear time', async () => {
    expect(await evaluateExpression('$contains(email, /^(a+)+$/)', scope({ email: `${'a'.repeat(5000)}!` }))).toBe(false);
    expect(await evaluateExpression('$contains(email, /^(a+)+$/)', scope({ email: 'a'.repeat(5000) }))).toBe(true);
  });

  it('refuses look-ahead and back-references with a plain error', async () => {
    const error = await thrown(() => evaluateExpression('$contains(x, /a(?=b)/)', scope({ x: 'ab' }), 'the "condition" field of node "Check"'));
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).message).toContain('the "condition" field of node "Check"');
    expect((error as NodeError).message).toContain('look-ahead');
  });
});
