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

function formFlow(fields: Array<Record<string, unknown>>) {
  return makeFlow([{ id: 'start', type: 'trigger.manual', config: { fields } }, passThrough('sink')], ['start -> sink']);
}

describe('trigger.manual', () => {
  it('without a form passes the run input on as one item', async () => {
    const flow = makeFlow([{ id: 'start', type: 'trigger.manual' }, passThrough('sink')], ['start -> sink']);
    const outcome = await engine.startRun(flow, { input: { invoiceId: 'inv-1', amount: 12.5, tags: ['a'] } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'sink')).toEqual([{ invoiceId: 'inv-1', amount: 12.5, tags: ['a'] }]);
  });

  it('turns a list input into one item per entry, and wraps non-objects as { value }', async () => {
    const flow = makeFlow([{ id: 'start', type: 'trigger.manual' }, passThrough('sink')], ['start -> sink']);
    const outcome = await engine.startRun(flow, { input: [{ id: 1 }, 'two', 3] });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'sink')).toEqual([{ id: 1 }, { value: 'two' }, { value: 3 }]);
  });

  it('with no input at all emits one empty item', async () => {
    const flow = makeFlow([{ id: 'start', type: 'trigger.manual' }, passThrough('sink')], ['start -> sink']);
    const outcome = await engine.startRun(flow);
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'sink')).toEqual([{}]);
  });

  it('fails the run with INPUT_INVALID listing every missing required field', async () => {
    const flow = formFlow([
      { name: 'customer', label: 'Customer name', required: true },
      { name: 'amount', type: 'number', required: true },
      { name: 'note', required: false },
    ]);
    const outcome = await engine.startRun(flow, { input: { note: 'hello' } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('INPUT_INVALID');
    expect(outcome.error?.nodeId).toBe('start');
    expect(outcome.error?.message).toContain('"Customer name" is required');
    expect(outcome.error?.message).toContain('"amount" is required');
    expect(outcome.error?.message).not.toContain('"note"');
    expect(outcome.outputs).toEqual({});

    // The downstream node never ran, and the trace says why the trigger failed.
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'node.started', 'sink')).toHaveLength(0);
    const failed = eventsOf(events, 'node.failed', 'start');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error.code).toBe('INPUT_INVALID');
    expect(failed[0]!.willRetry).toBe(false);
    expect(eventsOf(events, 'run.finished')[0]!.status).toBe('failed');
  });

  it('treats an empty string as missing for a required field', async () => {
    const outcome = await engine.startRun(formFlow([{ name: 'customer', required: true }]), { input: { customer: '' } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('INPUT_INVALID');
    expect(outcome.error?.message).toContain('"customer" is required');
  });

  it('names the item when several input items miss a required field', async () => {
    const outcome = await engine.startRun(formFlow([{ name: 'id', required: true }]), { input: [{ id: 'a' }, {}, { id: 'c' }] });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toContain('"id" is required (item 2).');
    expect(outcome.error?.message).not.toContain('item 1');
    expect(outcome.error?.message).not.toContain('item 3');
  });

  it('coerces "4" to the number 4 for a number field', async () => {
    const outcome = await engine.startRun(formFlow([{ name: 'n', type: 'number', required: true }]), { input: { n: '4' } });
    expect(outcome.status).toBe('succeeded');
    const [item] = itemsOf(outcome, 'sink');
    expect(item).toEqual({ n: 4 });
    expect(typeof item!.n).toBe('number');
  });

  it('rejects text that is not a number with a message naming the field', async () => {
    const outcome = await engine.startRun(formFlow([{ name: 'n', label: 'Count', type: 'number' }]), { input: { n: 'four' } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('INPUT_INVALID');
    expect(outcome.error?.message).toContain('"Count" must be a number.');
  });

  it('coerces booleans ("yes"/"false"), keeps dates, lists and objects, and reports every bad field', async () => {
    const fields = [
      { name: 'urgent', type: 'boolean' },
      { name: 'paid', type: 'boolean' },
      { name: 'due', type: 'date' },
      { name: 'lines', type: 'list' },
      { name: 'customer', type: 'object' },
      { name: 'code', type: 'text' },
    ];
    const good = await engine.startRun(formFlow(fields), {
      input: { urgent: 'yes', paid: 'false', due: '2026-03-31', lines: [1, 2], customer: { name: 'Ada' }, code: 42 },
    });
    expect(good.status).toBe('succeeded');
    expect(itemsOf(good, 'sink')).toEqual([{ urgent: true, paid: false, due: '2026-03-31', lines: [1, 2], customer: { name: 'Ada' }, code: '42' }]);

    const bad = await engine.startRun(formFlow(fields), { input: { urgent: 'maybe', due: 'not a date', lines: 'a,b', customer: [1] } });
    expect(bad.status).toBe('failed');
    expect(bad.error?.code).toBe('INPUT_INVALID');
    expect(bad.error?.message).toContain('"urgent" must be yes or no.');
    expect(bad.error?.message).toContain('"due" must be a date');
    expect(bad.error?.message).toContain('"lines" must be a list.');
    expect(bad.error?.message).toContain('"customer" must be a group of fields');
  });

  it('fills in defaults for missing fields (coerced to the field type) and keeps given values', async () => {
    const flow = formFlow([
      { name: 'currency', default: 'EUR' },
      { name: 'limit', type: 'number', default: '100' },
      { name: 'retries', type: 'number', required: true, default: 3 },
    ]);
    const withDefaults = await engine.startRun(flow, { input: { other: 'kept' } });
    expect(withDefaults.status).toBe('succeeded');
    expect(itemsOf(withDefaults, 'sink')).toEqual([{ other: 'kept', currency: 'EUR', limit: 100, retries: 3 }]);

    const given = await engine.startRun(flow, { input: { currency: 'USD', limit: 5, retries: '7' } });
    expect(itemsOf(given, 'sink')).toEqual([{ currency: 'USD', limit: 5, retries: 7 }]);
  });

  it('uses the default when a form sends an empty string', async () => {
    const outcome = await engine.startRun(formFlow([{ name: 'retries', type: 'number', required: true, default: 3 }]), { input: { retries: '' } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'sink')).toEqual([{ retries: 3 }]);
  });

  it('is rejected as the target of a connection (a trigger has no inputs)', async () => {
    expect(() => makeFlow([{ id: 'a', type: 'trigger.manual' }, { id: 'b', type: 'trigger.manual' }], ['a -> b'])).toThrow(/is a trigger and cannot receive connections/);
  });
});
