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

function splitFlow(config: Record<string, unknown>, withErrorPort = false) {
  return makeFlow(
    [{ id: 'start', type: 'trigger.manual' }, { id: 'split', type: 'transform.split-out', config }, passThrough('ok'), ...(withErrorPort ? [passThrough('errors')] : [])],
    ['start -> split', 'split -> ok', ...(withErrorPort ? ['split.error -> errors'] : [])],
  );
}

describe('transform.split-out', () => {
  it('turns each entry of a list into its own item, in order, across input items', async () => {
    const outcome = await engine.startRun(splitFlow({ field: 'lines' }), {
      input: [
        { invoiceId: 'A', lines: [{ sku: 'x' }, { sku: 'y' }] },
        { invoiceId: 'B', lines: [{ sku: 'z' }] },
      ],
    });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ sku: 'x' }, { sku: 'y' }, { sku: 'z' }]);
  });

  it('copies the included parent fields onto every new item; entry fields win on a clash', async () => {
    const outcome = await engine.startRun(splitFlow({ field: 'invoice.lines', include: ['customer', 'currency'] }), {
      input: { customer: 'ACME', currency: 'EUR', other: 'not copied', invoice: { lines: [{ sku: 'x', currency: 'USD' }, { sku: 'y' }] } },
    });
    expect(itemsOf(outcome, 'ok')).toEqual([
      { customer: 'ACME', currency: 'USD', sku: 'x' },
      { customer: 'ACME', currency: 'EUR', sku: 'y' },
    ]);
  });

  it('names non-object values after the last part of the field, or valueName', async () => {
    const byField = await engine.startRun(splitFlow({ field: 'order.tags', include: ['id'] }), { input: { id: 1, order: { tags: ['red', 2, null, [3]] } } });
    expect(itemsOf(byField, 'ok')).toEqual([
      { id: 1, tags: 'red' },
      { id: 1, tags: 2 },
      { id: 1, tags: null },
      { id: 1, tags: [3] },
    ]);

    const named = await engine.startRun(splitFlow({ field: 'tags', valueName: 'tag' }), { input: { tags: ['a', 'b'] } });
    expect(itemsOf(named, 'ok')).toEqual([{ tag: 'a' }, { tag: 'b' }]);
  });

  it('an empty list produces no items for that input item', async () => {
    const outcome = await engine.startRun(splitFlow({ field: 'lines', include: ['id'] }), { input: [{ id: 1, lines: [] }, { id: 2, lines: [{ n: 1 }] }] });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ id: 2, n: 1 }]);
  });

  it('an item without the field goes to the error port on its own; the others are split', async () => {
    const outcome = await engine.startRun(splitFlow({ field: 'lines' }, true), {
      input: [{ id: 1, lines: [{ n: 1 }] }, { id: 2 }, { id: 3, lines: 'not a list' }, { id: 4, lines: [{ n: 4 }] }],
    });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ n: 1 }, { n: 4 }]);
    const errors = itemsOf(outcome, 'errors');
    expect(errors.map((e) => [e.itemIndex, e.item])).toEqual([
      [1, { id: 2 }],
      [2, { id: 3, lines: 'not a list' }],
    ]);
    const [missing, notList] = errors.map((e) => e.error as { code: string; message: string; retryable: boolean });
    expect(missing).toMatchObject({ code: 'FIELD_NOT_LIST', retryable: false, message: 'The item has no field "lines".' });
    expect(notList).toMatchObject({ code: 'FIELD_NOT_LIST', message: 'The field "lines" is not a list.' });
  });

  it('without an error port a missing field fails the run and says which node and how many items', async () => {
    const outcome = await engine.startRun(splitFlow({ field: 'lines' }), { input: [{ lines: [{ n: 1 }] }, { id: 2 }] });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('FIELD_NOT_LIST');
    expect(outcome.error?.nodeId).toBe('split');
    expect(outcome.error?.message).toContain('1 of 2 items failed in node "split"');
    expect(outcome.error?.message).toContain('The item has no field "lines".');
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'node.started', 'ok')).toHaveLength(0);
  });

  it('is rejected by validation without a field name', () => {
    expect(() => splitFlow({})).toThrow(/field/);
  });
});
