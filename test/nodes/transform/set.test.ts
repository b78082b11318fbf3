import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, FileTraceStore } from '../../../engine/index.ts';
import { makeFlow, testEngine } from '../../helpers/engine.ts';
import { eventsOf, itemsOf, passThrough, traceEvents } from '../support.ts';

let engine: Engine;
let store: FileTraceStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ engine, store, cleanup } = await testEngine());
});
afterAll(() => cleanup());

function setFlow(config: Record<string, unknown>) {
  return makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 'set', type: 'transform.set', config }], ['start -> set']);
}

describe('transform.set', () => {
  it('adds fixed and computed fields, keeping the other fields by default', async () => {
    const flow = setFlow({
      fields: [
        { name: 'status', value: 'open' },
        { name: 'total', value: '{{ price * qty }}' },
        { name: 'label', value: 'Invoice {{ id }} for {{ qty }} items' },
        { name: 'flags', value: { paid: false, list: [1, '{{ qty }}'] } },
      ],
    });
    const outcome = await engine.startRun(flow, { input: [{ id: 'A', price: 2.5, qty: 4 }, { id: 'B', price: 10, qty: 1 }] });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'set')).toEqual([
      { id: 'A', price: 2.5, qty: 4, status: 'open', total: 10, label: 'Invoice A for 4 items', flags: { paid: false, list: [1, 4] } },
      { id: 'B', price: 10, qty: 1, status: 'open', total: 10, label: 'Invoice B for 1 items', flags: { paid: false, list: [1, 1] } },
    ]);
    // A whole-string expression keeps its type; a mixed template becomes text.
    expect(typeof itemsOf(outcome, 'set')[0]!.total).toBe('number');
  });

  it('writes nested names like customer.name, creating objects and keeping siblings', async () => {
    const flow = setFlow({
      fields: [
        { name: 'customer.name', value: '{{ $uppercase(name) }}' },
        { name: 'customer.address.city', value: 'Lyon' },
        { name: 'meta.source', value: 'form' },
      ],
    });
    const outcome = await engine.startRun(flow, { input: { name: 'ada', customer: { id: 7 }, meta: 'was text' } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'set')).toEqual([
      { name: 'ada', customer: { id: 7, name: 'ADA', address: { city: 'Lyon' } }, meta: { source: 'form' } },
    ]);
  });

  it('with keepOtherFields false keeps only the fields it sets', async () => {
    const flow = setFlow({
      keepOtherFields: false,
      fields: [
        { name: 'customer.name', value: '{{ first & " " & last }}' },
        { name: 'id', value: '{{ id }}' },
      ],
    });
    const outcome = await engine.startRun(flow, { input: { id: 9, first: 'Grace', last: 'Hopper', secretNote: 'drop me' } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'set')).toEqual([{ customer: { name: 'Grace Hopper' }, id: 9 }]);
  });

  it('does not change the items the upstream node produced', async () => {
    const flow = makeFlow(
      [{ id: 'start', type: 'trigger.manual' }, { id: 'set', type: 'transform.set', config: { fields: [{ name: 'customer.name', value: 'changed' }] } }, passThrough('other')],
      ['start -> set', 'start -> other'],
    );
    const outcome = await engine.startRun(flow, { input: { customer: { name: 'original' } } });
    expect(itemsOf(outcome, 'set')).toEqual([{ customer: { name: 'changed' } }]);
    expect(itemsOf(outcome, 'other')).toEqual([{ customer: { name: 'original' } }]);
  });

  it('evaluates every field against the incoming item, not against fields set earlier in the node', async () => {
    const flow = setFlow({ fields: [{ name: 'a', value: 10 }, { name: 'b', value: '{{ a }}' }] });
    const outcome = await engine.startRun(flow, { input: { a: 1 } });
    expect(itemsOf(outcome, 'set')).toEqual([{ a: 10, b: 1 }]);
  });

  it('sees the run input, upstream node results and the item index through bindings', async () => {
    const flow = makeFlow(
      [
        { id: 'start', type: 'trigger.manual' },
        {
          id: 'set',
          type: 'transform.set',
          config: {
            fields: [
              { name: 'index', value: '{{ $itemIndex }}' },
              { name: 'count', value: '{{ $count($nodes.start) }}' },
              { name: 'firstId', value: '{{ $nodes.start[0].id }}' },
              { name: 'runId', value: '{{ $runId }}' },
            ],
          },
        },
      ],
      ['start -> set'],
    );
    const outcome = await engine.startRun(flow, { input: [{ id: 'x' }, { id: 'y' }] });
    expect(itemsOf(outcome, 'set')).toEqual([
      { id: 'x', index: 0, count: 2, firstId: 'x', runId: outcome.runId },
      { id: 'y', index: 1, count: 2, firstId: 'x', runId: outcome.runId },
    ]);
  });

  it('records $now() in the trace so the value is reproducible', async () => {
    const flow = setFlow({ fields: [{ name: 'at', value: '{{ $millis() }}' }] });
    const before = Date.now();
    const outcome = await engine.startRun(flow, { input: {} });
    const at = itemsOf(outcome, 'set')[0]!.at as number;
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
    const results = eventsOf(await traceEvents(store, outcome.runId), 'external.result', 'set');
    expect(results.map((r) => [r.kind, r.result])).toEqual([['clock', at]]);
  });

  it('fails with EXPRESSION and a message quoting a bad expression', async () => {
    const flow = setFlow({ fields: [{ name: 'total', value: '{{ price * }}' }] });
    const outcome = await engine.startRun(flow, { input: { price: 1 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('EXPRESSION');
    expect(outcome.error?.nodeId).toBe('set');
    expect(outcome.error?.message).toContain('"price *"');
    expect(outcome.error?.details).toMatchObject({ expression: 'price *' });
  });

  it('reports an unclosed {{ as an EXPRESSION error', async () => {
    const outcome = await engine.startRun(setFlow({ fields: [{ name: 'x', value: 'total: {{ price' }] }), { input: { price: 1 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('EXPRESSION');
    expect(outcome.error?.message).toContain('has no matching "}}"');
  });

  it('sends all items to the error port when an expression fails and the port is connected', async () => {
    const flow = makeFlow(
      [{ id: 'start', type: 'trigger.manual' }, { id: 'set', type: 'transform.set', config: { fields: [{ name: 'x', value: '{{ $notAFunction() }}' }] } }, passThrough('errors')],
      ['start -> set', 'set.error -> errors'],
    );
    const outcome = await engine.startRun(flow, { input: [{ id: 1 }, { id: 2 }] });
    expect(outcome.status).toBe('succeeded');
    const errors = itemsOf(outcome, 'errors');
    expect(errors).toHaveLength(2);
    expect(errors.map((e) => e.item)).toEqual([{ id: 1 }, { id: 2 }]);
    expect(errors.map((e) => e.itemIndex)).toEqual([0, 1]);
    expect((errors[0]!.error as { code: string; message: string }).code).toBe('EXPRESSION');
    expect((errors[0]!.error as { code: string; message: string }).message).toContain('$notAFunction()');
  });

  it('refuses field names that could pollute prototypes', async () => {
    const outcome = await engine.startRun(setFlow({ fields: [{ name: 'a.constructor.x', value: 1 }] }), { input: {} });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('CONFIG');
    expect(outcome.error?.message).toContain('"a.constructor.x" is not allowed');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('is skipped when no items reach it', async () => {
    const flow = makeFlow(
      [{ id: 'start', type: 'trigger.manual' }, { id: 'gate', type: 'flow.filter', config: { condition: 'false' } }, { id: 'set', type: 'transform.set', config: { fields: [{ name: 'x', value: 1 }] } }],
      ['start -> gate', 'gate -> set'],
    );
    const outcome = await engine.startRun(flow, { input: { id: 1 } });
    expect(outcome.status).toBe('succeeded');
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'node.skipped', 'set')).toHaveLength(1);
    expect(eventsOf(events, 'node.started', 'set')).toHaveLength(0);
  });
});

describe('transform.set preview (the inspector evaluates expressions through it)', () => {
  it('shows the item as the step would leave it, for one item, calling nothing', async () => {
    const { default: setFields } = await import('../../../nodes/transform/set.ts');
    const { evaluateDeep } = await import('../../../engine/expressions.ts');
    const item = { price: 4, quantity: 3, name: 'Ana' };
    const evaluate = (value: unknown) => evaluateDeep(value, { item, bindings: { input: item, nodes: {} } });
    const config = setFields.config.parse({ fields: [{ name: 'total', value: '{{ price * quantity }}' }, { name: 'who.first', value: 'Dear {{ name }}' }] });
    expect(await setFields.preview!({ config, item, evaluate })).toEqual({ price: 4, quantity: 3, name: 'Ana', total: 12, who: { first: 'Dear Ana' } });
    const only = setFields.config.parse({ fields: [{ name: 'value', value: '{{ price > 3 }}' }], keepOtherFields: false });
    expect(await setFields.preview!({ config: only, item, evaluate })).toEqual({ value: true });
    await expect(setFields.preview!({ config: setFields.config.parse({ fields: [{ name: 'value', value: '{{ price + }}' }] }), item, evaluate })).rejects.toThrow();
  });
});
