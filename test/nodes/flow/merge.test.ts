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

/**
 * The run input is `{ a: [...], b: [...] }`; two split-out nodes turn each list into items and
 * feed merge.a and merge.b. An empty list makes that branch empty.
 */
function mergeFlow(config: Record<string, unknown>) {
  return makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'left', type: 'transform.split-out', config: { field: 'a' } },
      { id: 'right', type: 'transform.split-out', config: { field: 'b' } },
      { id: 'merge', type: 'flow.merge', config },
    ],
    ['start -> left', 'start -> right', 'left -> merge.a', 'right -> merge.b'],
  );
}

const customers = [
  { id: 1, name: 'Ada' },
  { id: 2, name: 'Grace' },
  { id: 3, name: 'Linus' },
];
const orders = [
  { id: 2, order: 'o-20', total: 20 },
  { id: 1, order: 'o-10', total: 10 },
  { id: 2, order: 'o-21', total: 21 },
  { id: 9, order: 'o-90', total: 90 },
];

describe('flow.merge', () => {
  it('append (default): items of "a" then items of "b"', async () => {
    const outcome = await engine.startRun(mergeFlow({}), { input: { a: [{ n: 1 }, { n: 2 }], b: [{ n: 3 }] } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'merge')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('byKey inner: only pairs, one item per match, fields of "b" winning', async () => {
    const outcome = await engine.startRun(mergeFlow({ mode: 'byKey', key: 'id' }), { input: { a: customers, b: orders } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'merge')).toEqual([
      { id: 1, name: 'Ada', order: 'o-10', total: 10 },
      { id: 2, name: 'Grace', order: 'o-20', total: 20 },
      { id: 2, name: 'Grace', order: 'o-21', total: 21 },
    ]);
  });

  it('byKey left: also keeps unmatched "a" items', async () => {
    const outcome = await engine.startRun(mergeFlow({ mode: 'byKey', key: 'id', join: 'left' }), { input: { a: customers, b: orders } });
    expect(itemsOf(outcome, 'merge')).toEqual([
      { id: 1, name: 'Ada', order: 'o-10', total: 10 },
      { id: 2, name: 'Grace', order: 'o-20', total: 20 },
      { id: 2, name: 'Grace', order: 'o-21', total: 21 },
      { id: 3, name: 'Linus' },
    ]);
  });

  it('byKey outer: also keeps unmatched "b" items, after the others', async () => {
    const outcome = await engine.startRun(mergeFlow({ mode: 'byKey', key: 'id', join: 'outer' }), { input: { a: customers, b: orders } });
    expect(itemsOf(outcome, 'merge')).toEqual([
      { id: 1, name: 'Ada', order: 'o-10', total: 10 },
      { id: 2, name: 'Grace', order: 'o-20', total: 20 },
      { id: 2, name: 'Grace', order: 'o-21', total: 21 },
      { id: 3, name: 'Linus' },
      { id: 9, order: 'o-90', total: 90 },
    ]);
  });

  it('byKey matches nested keys by value and type; items without the key never match', async () => {
    const outcome = await engine.startRun(mergeFlow({ mode: 'byKey', key: 'ref.code', join: 'outer' }), {
      input: {
        a: [{ ref: { code: 'X' }, from: 'a1' }, { ref: { code: 1 }, from: 'a2' }, { from: 'a3' }],
        b: [{ ref: { code: 'X' }, to: 'b1' }, { ref: { code: '1' }, to: 'b2' }, { to: 'b3' }],
      },
    });
    expect(itemsOf(outcome, 'merge')).toEqual([
      { ref: { code: 'X' }, from: 'a1', to: 'b1' },
      { ref: { code: 1 }, from: 'a2' },
      { from: 'a3' },
      { ref: { code: '1' }, to: 'b2' },
      { to: 'b3' },
    ]);
  });

  it('byKey needs a key name (validation)', () => {
    expect(() => mergeFlow({ mode: 'byKey' })).toThrow(/key field/);
  });

  it('waitForAll: one item holding both lists', async () => {
    const outcome = await engine.startRun(mergeFlow({ mode: 'waitForAll' }), { input: { a: [{ n: 1 }], b: [{ n: 2 }, { n: 3 }] } });
    expect(itemsOf(outcome, 'merge')).toEqual([{ a: [{ n: 1 }], b: [{ n: 2 }, { n: 3 }] }]);
  });

  it('waits for both branches even when one is slower', async () => {
    const flow = makeFlow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'slow', type: 'flow.delay', config: { seconds: 0.05 } },
        { id: 'fast', type: 'transform.set', config: { fields: [{ name: 'fast', value: true }] } },
        { id: 'merge', type: 'flow.merge', config: { mode: 'waitForAll' } },
      ],
      ['start -> slow', 'start -> fast', 'slow -> merge.a', 'fast -> merge.b'],
    );
    const outcome = await engine.startRun(flow, { input: { id: 1 } });
    expect(itemsOf(outcome, 'merge')).toEqual([{ a: [{ id: 1 }], b: [{ id: 1, fast: true }] }]);
  });

  it('still runs when one branch is empty (the other branch was skipped)', async () => {
    const flow = makeFlow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'check', type: 'flow.if', config: { condition: 'amount > 100' } },
        { id: 'big', type: 'transform.set', config: { fields: [{ name: 'size', value: 'big' }] } },
        { id: 'small', type: 'transform.set', config: { fields: [{ name: 'size', value: 'small' }] } },
        { id: 'merge', type: 'flow.merge', config: { mode: 'append' } },
        passThrough('after'),
      ],
      ['start -> check', 'check.true -> big', 'check.false -> small', 'big -> merge.a', 'small -> merge.b', 'merge -> after'],
    );
    const outcome = await engine.startRun(flow, { input: [{ amount: 5 }, { amount: 7 }] });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'after')).toEqual([
      { amount: 5, size: 'small' },
      { amount: 7, size: 'small' },
    ]);
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'node.skipped', 'big')).toHaveLength(1);
    expect(eventsOf(events, 'node.skipped', 'merge')).toHaveLength(0);
    expect(eventsOf(events, 'node.started', 'merge')[0]!.inputCounts).toEqual({ a: 0, b: 2 });
  });

  it('each mode handles one empty side', async () => {
    const empty = { a: [], b: [{ id: 1, x: 1 }] };
    expect(itemsOf(await engine.startRun(mergeFlow({ mode: 'append' }), { input: empty }), 'merge')).toEqual([{ id: 1, x: 1 }]);
    expect(itemsOf(await engine.startRun(mergeFlow({ mode: 'waitForAll' }), { input: empty }), 'merge')).toEqual([{ a: [], b: [{ id: 1, x: 1 }] }]);
    expect(itemsOf(await engine.startRun(mergeFlow({ mode: 'byKey', key: 'id' }), { input: empty }), 'merge')).toEqual([]);
    expect(itemsOf(await engine.startRun(mergeFlow({ mode: 'byKey', key: 'id', join: 'outer' }), { input: empty }), 'merge')).toEqual([{ id: 1, x: 1 }]);
  });

  it('runs with both sides empty, emits nothing, and the node after it is skipped', async () => {
    const flow = makeFlow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'gate', type: 'flow.filter', config: { condition: 'false' } },
        { id: 'merge', type: 'flow.merge', config: { mode: 'waitForAll' } },
        passThrough('after'),
      ],
      ['start -> gate', 'gate -> merge.a', 'gate -> merge.b', 'merge -> after'],
    );
    const outcome = await engine.startRun(flow, { input: { id: 1 } });
    expect(outcome.status).toBe('succeeded');
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'node.succeeded', 'merge')[0]!.outputs).toEqual({ out: [] });
    expect(eventsOf(events, 'node.skipped', 'after')).toHaveLength(1);
  });
});
