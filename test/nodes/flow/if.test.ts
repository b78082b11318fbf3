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

/** start -> if; if.true -> yes -> yesAfter; if.false -> no -> noAfter */
function branchFlow(condition: string) {
  return makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'check', type: 'flow.if', config: { condition } },
      { id: 'yes', type: 'transform.set', config: { fields: [{ name: 'branch', value: 'yes' }] } },
      passThrough('yesAfter'),
      { id: 'no', type: 'transform.set', config: { fields: [{ name: 'branch', value: 'no' }] } },
      passThrough('noAfter'),
    ],
    ['start -> check', 'check.true -> yes', 'yes -> yesAfter', 'check.false -> no', 'no -> noAfter'],
  );
}

describe('flow.if', () => {
  it('sends each item down exactly one branch', async () => {
    const outcome = await engine.startRun(branchFlow('total >= 1000'), { input: [{ id: 1, total: 1500 }, { id: 2, total: 10 }, { id: 3, total: 1000 }] });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'yesAfter')).toEqual([
      { id: 1, total: 1500, branch: 'yes' },
      { id: 3, total: 1000, branch: 'yes' },
    ]);
    expect(itemsOf(outcome, 'noAfter')).toEqual([{ id: 2, total: 10, branch: 'no' }]);
  });

  it('skips everything downstream of the branch that got no items (node.skipped in the trace)', async () => {
    const outcome = await engine.startRun(branchFlow('total >= 1000'), { input: [{ id: 1, total: 5 }, { id: 2, total: 6 }] });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.outputs.yesAfter).toBeUndefined();
    expect(itemsOf(outcome, 'noAfter')).toHaveLength(2);

    const events = await traceEvents(store, outcome.runId);
    const skipped = eventsOf(events, 'node.skipped').map((e) => e.nodeId);
    expect(skipped.sort()).toEqual(['yes', 'yesAfter']);
    expect(eventsOf(events, 'node.skipped', 'yes')[0]!.reason).toContain('no items');
    expect(eventsOf(events, 'node.started', 'yes')).toHaveLength(0);
    expect(eventsOf(events, 'node.started', 'yesAfter')).toHaveLength(0);
    expect(eventsOf(events, 'node.succeeded', 'no')).toHaveLength(1);
    expect(eventsOf(events, 'node.succeeded', 'check')[0]!.outputs).toEqual({ true: [], false: [{ id: 1, total: 5 }, { id: 2, total: 6 }] });
  });

  it('skips the false branch when every item is true', async () => {
    const outcome = await engine.startRun(branchFlow('{{ paid }}'), { input: { paid: true } });
    expect(itemsOf(outcome, 'yesAfter')).toEqual([{ paid: true, branch: 'yes' }]);
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'node.skipped').map((e) => e.nodeId).sort()).toEqual(['no', 'noAfter']);
  });

  it('an if at the end of a flow reports only the non-empty port', async () => {
    const flow = makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 'check', type: 'flow.if', config: { condition: 'ok' } }], ['start -> check']);
    const outcome = await engine.startRun(flow, { input: [{ ok: true }, { ok: true }] });
    expect(outcome.outputs.check).toEqual({ true: [{ ok: true }, { ok: true }] });
  });

  it('uses upstream results through $nodes', async () => {
    const flow = makeFlow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'limits', type: 'transform.jsonata', config: { expression: '{ "max": 100 }' } },
        { id: 'check', type: 'flow.if', config: { condition: '$input.amount > $nodes.limits[0].max' } },
      ],
      ['start -> limits', 'limits -> check'],
    );
    const outcome = await engine.startRun(flow, { input: { amount: 150 } });
    expect(outcome.outputs.check).toEqual({ true: [{ max: 100 }] });
  });

  it('a bad condition fails the run with EXPRESSION quoting it, and no branch runs', async () => {
    const outcome = await engine.startRun(branchFlow('total >= '), { input: { total: 1 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('EXPRESSION');
    expect(outcome.error?.message).toContain('"total >="');
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'node.started', 'yes')).toHaveLength(0);
    expect(eventsOf(events, 'node.started', 'no')).toHaveLength(0);
  });

  it('rejects a connection from a port it does not have', () => {
    expect(() =>
      makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 'check', type: 'flow.if', config: { condition: 'x' } }, passThrough('s')], ['start -> check', 'check.out -> s']),
    ).toThrow(/has no output "out"\. Its outputs are: true, false, error/);
  });
});
