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

const items = [
  { id: 1, amount: 250, status: 'open' },
  { id: 2, amount: 50, status: 'open' },
  { id: 3, amount: 500, status: 'paid' },
  { id: 4, status: 'open' },
];

function filterFlow(condition: string) {
  return makeFlow(
    [{ id: 'start', type: 'trigger.manual' }, { id: 'filter', type: 'flow.filter', config: { condition } }, passThrough('kept'), passThrough('dropped')],
    ['start -> filter', 'filter -> kept', 'filter.discarded -> dropped'],
  );
}

describe('flow.filter', () => {
  it('sends matching items to "out" and the rest to "discarded", keeping order', async () => {
    const outcome = await engine.startRun(filterFlow('amount > 100 and status = "open"'), { input: items });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'kept')).toEqual([items[0]]);
    expect(itemsOf(outcome, 'dropped')).toEqual([items[1], items[2], items[3]]);
  });

  it('accepts a condition wrapped in {{ }} exactly like a bare one', async () => {
    const outcome = await engine.startRun(filterFlow('{{ status = "open" }}'), { input: items });
    expect(itemsOf(outcome, 'kept').map((i) => i.id)).toEqual([1, 2, 4]);
    expect(itemsOf(outcome, 'dropped').map((i) => i.id)).toEqual([3]);
  });

  it('treats a missing field as false, and uses truthiness for non-boolean results', async () => {
    const missing = await engine.startRun(filterFlow('amount >= 50'), { input: items });
    expect(itemsOf(missing, 'kept').map((i) => i.id)).toEqual([1, 2, 3]);
    expect(itemsOf(missing, 'dropped').map((i) => i.id)).toEqual([4]);

    const truthy = await engine.startRun(filterFlow('amount'), { input: [{ id: 'a', amount: 0 }, { id: 'b', amount: 3 }, { id: 'c' }, { id: 'd', amount: '' }] });
    expect(itemsOf(truthy, 'kept').map((i) => i.id)).toEqual(['b']);
    expect(itemsOf(truthy, 'dropped').map((i) => i.id)).toEqual(['a', 'c', 'd']);
  });

  it('can compare with the run input', async () => {
    const flow = makeFlow(
      [{ id: 'start', type: 'trigger.manual' }, { id: 'split', type: 'transform.split-out', config: { field: 'rows' } }, { id: 'filter', type: 'flow.filter', config: { condition: 'amount > $input.min' } }],
      ['start -> split', 'split -> filter'],
    );
    const outcome = await engine.startRun(flow, { input: { min: 100, rows: items } });
    expect(itemsOf(outcome, 'filter').map((i) => i.id)).toEqual([1, 3]);
  });

  it('when nothing matches, "out" is empty and the node after it is skipped', async () => {
    const outcome = await engine.startRun(filterFlow('amount > 10000'), { input: items });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.outputs.kept).toBeUndefined();
    expect(itemsOf(outcome, 'dropped')).toHaveLength(4);
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'node.skipped', 'kept')).toHaveLength(1);
    expect(eventsOf(events, 'node.succeeded', 'dropped')).toHaveLength(1);
  });

  it('a filter at the end of the flow reports both ports in the run outputs', async () => {
    const flow = makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 'filter', type: 'flow.filter', config: { condition: 'status = "paid"' } }], ['start -> filter']);
    const outcome = await engine.startRun(flow, { input: items });
    expect(outcome.outputs.filter).toEqual({ out: [items[2]], discarded: [items[0], items[1], items[3]] });
  });

  it('a bad condition fails with EXPRESSION quoting it', async () => {
    const outcome = await engine.startRun(filterFlow('amount >'), { input: items });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('EXPRESSION');
    expect(outcome.error?.nodeId).toBe('filter');
    expect(outcome.error?.message).toContain('"amount >"');
  });

  it('a condition that errors at run time (text > number) fails with EXPRESSION', async () => {
    const outcome = await engine.startRun(filterFlow('amount > 100'), { input: [{ amount: 'lots' }] });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('EXPRESSION');
    expect(outcome.error?.message).toContain('"amount > 100"');
    expect(outcome.error?.message).toContain('node "filter"');
  });
});
