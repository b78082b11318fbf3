import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFlow, type Engine, type FileTraceStore } from '../../../engine/index.ts';
import { makeFlow, registry, testEngine } from '../../helpers/engine.ts';
import { eventsOf, itemsOf, passThrough, traceEvents } from '../support.ts';

let engine: Engine;
let store: FileTraceStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ engine, store, cleanup } = await testEngine());
});
afterAll(() => cleanup());

const rules = [
  { port: 'urgent', condition: 'priority = "high"' },
  { port: 'large', condition: 'amount > 1000' },
  { port: 'eu', condition: '{{ region = "eu" }}' },
];

const items = [
  { id: 1, priority: 'high', amount: 5000, region: 'eu' },
  { id: 2, priority: 'low', amount: 2000, region: 'us' },
  { id: 3, priority: 'low', amount: 10, region: 'eu' },
  { id: 4, priority: 'low', amount: 10, region: 'us' },
];

/** A switch whose every output (rule ports, fallback if any) feeds its own pass-through node. */
function switchFlow(config: Record<string, unknown>, ports: string[]) {
  return makeFlow(
    [{ id: 'start', type: 'trigger.manual' }, { id: 'route', type: 'flow.switch', config }, ...ports.map((p) => passThrough(`to_${p}`))],
    ['start -> route', ...ports.map((p) => `route.${p} -> to_${p}`)],
  );
}

const ids = (list: Array<Record<string, unknown>>) => list.map((i) => i.id);

function rawFlow(config: Record<string, unknown>, edges: Array<Record<string, unknown>> = []) {
  return {
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: 'switch-validation',
    name: 'Switch validation',
    nodes: [
      { id: 'start', type: 'trigger.manual', config: {} },
      { id: 'route', type: 'flow.switch', config },
      { id: 'sink', type: 'transform.set', config: {} },
    ],
    edges: [{ source: 'start', target: 'route' }, ...edges],
  };
}

describe('flow.switch', () => {
  it('first mode (default): each item goes to the first matching rule, unmatched to fallback', async () => {
    const outcome = await engine.startRun(switchFlow({ rules }, ['urgent', 'large', 'eu', 'fallback']), { input: items });
    expect(outcome.status).toBe('succeeded');
    expect(ids(itemsOf(outcome, 'to_urgent'))).toEqual([1]);
    expect(ids(itemsOf(outcome, 'to_large'))).toEqual([2]);
    expect(ids(itemsOf(outcome, 'to_eu'))).toEqual([3]);
    expect(ids(itemsOf(outcome, 'to_fallback'))).toEqual([4]);
  });

  it('all mode: an item goes to every rule it matches, and to fallback only if none', async () => {
    const outcome = await engine.startRun(switchFlow({ rules, mode: 'all' }, ['urgent', 'large', 'eu', 'fallback']), { input: items });
    expect(ids(itemsOf(outcome, 'to_urgent'))).toEqual([1]);
    expect(ids(itemsOf(outcome, 'to_large'))).toEqual([1, 2]);
    expect(ids(itemsOf(outcome, 'to_eu'))).toEqual([1, 3]);
    expect(ids(itemsOf(outcome, 'to_fallback'))).toEqual([4]);
  });

  it('with fallback off, unmatched items are dropped and there is no fallback port', async () => {
    const outcome = await engine.startRun(switchFlow({ rules, fallback: false }, ['urgent', 'large', 'eu']), { input: items });
    expect(outcome.status).toBe('succeeded');
    const routed = [...itemsOf(outcome, 'to_urgent'), ...itemsOf(outcome, 'to_large'), ...itemsOf(outcome, 'to_eu')];
    expect(ids(routed).sort()).toEqual([1, 2, 3]);
    const events = await traceEvents(store, outcome.runId);
    expect(Object.keys(eventsOf(events, 'node.succeeded', 'route')[0]!.outputs).sort()).toEqual(['eu', 'large', 'urgent']);

    expect(() => switchFlow({ rules, fallback: false }, ['urgent', 'fallback'])).toThrow(/has no output "fallback"/);
  });

  it('skips the nodes behind ports that received nothing', async () => {
    const outcome = await engine.startRun(switchFlow({ rules }, ['urgent', 'large', 'eu', 'fallback']), { input: [items[0]] });
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'node.skipped').map((e) => e.nodeId).sort()).toEqual(['to_eu', 'to_fallback', 'to_large']);
    expect(eventsOf(events, 'node.succeeded', 'to_urgent')).toHaveLength(1);
  });

  it('the rule ports and fallback become the node outputs; validation names them for an unknown port', () => {
    const result = validateFlow(rawFlow({ rules }, [{ source: 'route', sourcePort: 'nope', target: 'sink' }]), registry);
    expect(result.ok).toBe(false);
    const messages = result.problems.map((p) => p.message).join('\n');
    expect(messages).toContain('Node "route" has no output "nope". Its outputs are: urgent, large, eu, fallback, error.');
  });

  it('validation rejects duplicate port names', () => {
    const result = validateFlow(rawFlow({ rules: [{ port: 'a', condition: 'x' }, { port: 'a', condition: 'y' }] }), registry);
    expect(result.ok).toBe(false);
    const problem = result.problems.find((p) => p.nodeId === 'route');
    expect(problem?.message).toContain('each rule needs its own output name');
    expect(problem?.path).toMatch(/^nodes\[1\]\.config\.rules/);
  });

  it('validation rejects the reserved names "fallback" and "error", odd names and no rules', () => {
    for (const port of ['fallback', 'error']) {
      const result = validateFlow(rawFlow({ rules: [{ port, condition: 'x' }] }), registry);
      expect(result.ok, port).toBe(false);
      expect(result.problems.map((p) => p.message).join('\n')).toContain('reserved output names');
    }
    const odd = validateFlow(rawFlow({ rules: [{ port: '1st place', condition: 'x' }] }), registry);
    expect(odd.ok).toBe(false);
    expect(odd.problems.map((p) => p.message).join('\n')).toContain('use letters, digits');

    const none = validateFlow(rawFlow({ rules: [] }), registry);
    expect(none.ok).toBe(false);
  });

  it('a valid switch passes validation', () => {
    const result = validateFlow(rawFlow({ rules }, [{ source: 'route', sourcePort: 'eu', target: 'sink' }]), registry);
    expect(result.ok).toBe(true);
  });

  it('a bad rule condition fails with EXPRESSION quoting it', async () => {
    const outcome = await engine.startRun(switchFlow({ rules: [{ port: 'a', condition: 'amount > > 1' }] }, ['a']), { input: items });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('EXPRESSION');
    expect(outcome.error?.nodeId).toBe('route');
    expect(outcome.error?.message).toContain('"amount > > 1"');
  });
});
