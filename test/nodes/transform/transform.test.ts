import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, FileTraceStore } from '../../../engine/index.ts';
import { makeFlow, testEngine } from '../../helpers/engine.ts';
import { eventsOf, itemsOf, traceEvents } from '../support.ts';

let engine: Engine;
let store: FileTraceStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ engine, store, cleanup } = await testEngine());
});
afterAll(() => cleanup());

function transformFlow(config: Record<string, unknown>) {
  return makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 't', type: 'transform.jsonata', config }], ['start -> t']);
}

const invoices = [
  { id: 'A', amount: 120, lines: [{ sku: 'x', qty: 1 }, { sku: 'y', qty: 2 }] },
  { id: 'B', amount: 30, lines: [] },
  { id: 'C', amount: 75, lines: [{ sku: 'z', qty: 5 }] },
];

describe('transform.jsonata', () => {
  it('each mode (the default) reshapes every item on its own', async () => {
    const outcome = await engine.startRun(transformFlow({ expression: '{ "ref": "inv-" & id, "big": amount > 100, "qty": $sum(lines.qty) }' }), { input: invoices });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 't')).toEqual([
      { ref: 'inv-A', big: true, qty: 3 },
      // jsonata: $sum over nothing is undefined, and undefined object values are left out.
      { ref: 'inv-B', big: false },
      { ref: 'inv-C', big: false, qty: 5 },
    ]);
  });

  it('each mode: a list result becomes several items and primitives become { value }', async () => {
    const outcome = await engine.startRun(transformFlow({ mode: 'each', expression: 'lines.{ "invoice": %.id, "sku": sku }' }), { input: invoices });
    expect(itemsOf(outcome, 't')).toEqual([
      { invoice: 'A', sku: 'x' },
      { invoice: 'A', sku: 'y' },
      { invoice: 'C', sku: 'z' },
    ]);

    const prims = await engine.startRun(transformFlow({ expression: '[amount, id]' }), { input: invoices.slice(0, 2) });
    expect(itemsOf(prims, 't')).toEqual([{ value: 120 }, { value: 'A' }, { value: 30 }, { value: 'B' }]);
  });

  it('each mode: items for which the expression gives nothing are dropped, with a warning when all are', async () => {
    const some = await engine.startRun(transformFlow({ expression: 'amount > 100 ? { "id": id }' }), { input: invoices });
    expect(itemsOf(some, 't')).toEqual([{ id: 'A' }]);
    expect(eventsOf(await traceEvents(store, some.runId), 'node.log', 't')).toHaveLength(0);

    const none = await engine.startRun(transformFlow({ expression: 'missingField' }), { input: invoices });
    expect(none.status).toBe('succeeded');
    expect(none.outputs.t).toBeUndefined();
    const logs = eventsOf(await traceEvents(store, none.runId), 'node.log', 't');
    expect(logs).toHaveLength(1);
    expect(logs[0]!.level).toBe('warn');
    expect(logs[0]!.message).toContain('returned nothing');
  });

  it('all mode sees the whole list as $ and runs once', async () => {
    const flow = transformFlow({ mode: 'all', expression: '{ "count": $count($), "total": $sum(amount), "ids": id, "first": $[0].id }' });
    const outcome = await engine.startRun(flow, { input: invoices });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 't')).toEqual([{ count: 3, total: 225, ids: ['A', 'B', 'C'], first: 'A' }]);
  });

  it('all mode with a single item still sees a list', async () => {
    const flow = transformFlow({ mode: 'all', expression: '{ "count": $count($), "first": $[0].id }' });
    const outcome = await engine.startRun(flow, { input: [invoices[0]] });
    expect(itemsOf(outcome, 't')).toEqual([{ count: 1, first: 'A' }]);
  });

  it('all mode can sort and regroup into several items', async () => {
    const flow = transformFlow({ mode: 'all', expression: '$sort($, function($l, $r) { $l.amount > $r.amount }).{ "id": id }' });
    const outcome = await engine.startRun(flow, { input: invoices });
    expect(itemsOf(outcome, 't')).toEqual([{ id: 'B' }, { id: 'C' }, { id: 'A' }]);
  });

  it('a bad expression fails with EXPRESSION and quotes the expression', async () => {
    const outcome = await engine.startRun(transformFlow({ expression: '{ "a": amount +  }' }), { input: invoices });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('EXPRESSION');
    expect(outcome.error?.nodeId).toBe('t');
    expect(outcome.error?.message).toContain('{ "a": amount +  }');
  });

  it('a runtime error names the expression and the node', async () => {
    const outcome = await engine.startRun(transformFlow({ expression: 'amount + id' }), { input: invoices });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('EXPRESSION');
    expect(outcome.error?.message).toContain('"amount + id"');
    expect(outcome.error?.message).toContain('node "t"');
  });
});
