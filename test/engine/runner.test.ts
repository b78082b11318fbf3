/**
 * Runner semantics: branching and skipping, merge, concurrency limit, node-level retries with
 * backoff, timeouts, the error port, cancellation and expressions over upstream outputs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine, FileTraceStore, NodeError, NodeRegistry, defineNode, validateFlow, type EngineOptions, type Flow, type RunEvent } from '../../engine/index.ts';
import { builtinNodes } from '../../nodes/index.ts';
import { tempDir } from '../helpers/engine.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

/** Per-test knobs the test node types read. */
const knobs = { failures: new Map<string, number>(), running: 0, maxRunning: 0, calls: new Map<string, number>() };

const flaky = defineNode({
  type: 'test.flaky',
  version: 1,
  title: 'Flaky',
  category: 'transform',
  icon: 'x',
  description: 'Fails a set number of times, then passes items through.',
  config: z.object({ key: z.string(), retryable: z.boolean().default(true) }),
  inputs: ['in'],
  outputs: ['out'],
  effects: 'pure',
  async run({ items, config }) {
    knobs.calls.set(config.key, (knobs.calls.get(config.key) ?? 0) + 1);
    const left = knobs.failures.get(config.key) ?? 0;
    if (left > 0) {
      knobs.failures.set(config.key, left - 1);
      throw new NodeError({ message: `planned failure (${left} left)`, code: 'PLANNED', retryable: config.retryable, status: 503 });
    }
    return { out: items };
  },
});

const slow = defineNode({
  type: 'test.slow',
  version: 1,
  title: 'Slow',
  category: 'transform',
  icon: 'x',
  description: 'Waits, counting how many run at once.',
  config: z.object({ ms: z.number(), ignoreSignal: z.boolean().default(false) }),
  inputs: ['in'],
  outputs: ['out'],
  effects: 'pure',
  async run({ items, config, ctx }) {
    knobs.running++;
    knobs.maxRunning = Math.max(knobs.maxRunning, knobs.running);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, config.ms);
        if (!config.ignoreSignal) ctx.signal.addEventListener('abort', () => (clearTimeout(timer), reject(ctx.signal.reason as Error)), { once: true });
      });
      return { out: items };
    } finally {
      knobs.running--;
    }
  },
});

const badOutput = defineNode({
  type: 'test.bad-output',
  version: 1,
  title: 'Bad output',
  category: 'transform',
  icon: 'x',
  description: 'Returns items on a port it does not have.',
  config: z.object({}),
  inputs: ['in'],
  outputs: ['out'],
  effects: 'pure',
  async run({ items }) {
    return { elsewhere: items };
  },
});

const registry = new NodeRegistry([...builtinNodes, flaky, slow, badOutput]);

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  knobs.failures.clear();
  knobs.calls.clear();
  knobs.running = 0;
  knobs.maxRunning = 0;
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
});

async function setup(options: Partial<EngineOptions> = {}) {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const store = new FileTraceStore(dir);
  return { store, engine: new Engine({ store, registry, ...options }) };
}

function flow(nodes: Array<Record<string, unknown>>, edges: string[], settings?: Record<string, unknown>): Flow {
  const result = validateFlow(
    {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'runner-test',
      name: 'Runner test',
      ...(settings ? { settings } : {}),
      nodes: [{ id: 'start', type: 'trigger.manual' }, ...nodes],
      edges: edges.map((e) => {
        const [from, to] = e.split('->').map((s) => s.trim()) as [string, string];
        const [source, sourcePort = 'out'] = from.split('.');
        const [target, targetPort = 'in'] = to.split('.');
        return { source, sourcePort, target, targetPort };
      }),
    },
    registry,
    // The runner's own guard against broken expressions is under test here.
    { expressions: false },
  );
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return result.flow;
}

async function events(store: FileTraceStore, runId: string): Promise<RunEvent[]> {
  return (await store.load(runId)).events;
}

describe('runner', () => {
  it('runs an if/else diamond: each item takes one branch, the empty branch is skipped, merge collects', async () => {
    const { engine, store } = await setup();
    const f = flow(
      [
        { id: 'check', type: 'flow.if', config: { condition: 'amount > 100' } },
        { id: 'big', type: 'transform.set', config: { fields: [{ name: 'size', value: 'big' }] } },
        { id: 'small', type: 'transform.set', config: { fields: [{ name: 'size', value: 'small' }] } },
        { id: 'join', type: 'flow.merge', config: { mode: 'append' } },
      ],
      ['start -> check', 'check.true -> big', 'check.false -> small', 'big -> join.a', 'small -> join.b'],
    );
    const outcome = await engine.startRun(f, { input: [{ amount: 500 }, { amount: 5 }, { amount: 150 }] });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.outputs.join?.out).toEqual([
      { amount: 500, size: 'big' },
      { amount: 150, size: 'big' },
      { amount: 5, size: 'small' },
    ]);

    const only = await engine.startRun(f, { input: { amount: 1 } });
    const evs = await events(store, only.runId);
    expect(evs.filter((e) => e.type === 'node.skipped').map((e) => (e as { nodeId: string }).nodeId)).toEqual(['big']);
    expect(only.outputs.join?.out).toEqual([{ amount: 1, size: 'small' }]);
  });

  it('runs independent branches concurrently, but never more than the flow allows', async () => {
    const { engine } = await setup();
    const branches = ['b1', 'b2', 'b3', 'b4', 'b5'];
    const nodes = branches.map((id) => ({ id, type: 'test.slow', config: { ms: 60 } }));
    const edges = branches.map((id) => `start -> ${id}`);
    const started = performance.now();
    const outcome = await engine.startRun(flow(nodes, edges, { concurrency: 2 }), {});
    expect(outcome.status).toBe('succeeded');
    expect(knobs.maxRunning).toBe(2);
    // Five 60 ms branches two at a time take at least three rounds.
    expect(performance.now() - started).toBeGreaterThanOrEqual(170);

    knobs.maxRunning = 0;
    await engine.startRun(flow(nodes, edges, { concurrency: 8 }), {});
    expect(knobs.maxRunning).toBe(5);
  });

  it('retries a failing node with backoff and records each attempt', async () => {
    const clock = new FakeClock();
    const { engine, store } = await setup({ clock });
    knobs.failures.set('r', 2);
    const f = flow([{ id: 'flaky', type: 'test.flaky', config: { key: 'r' }, retry: { maxAttempts: 3, initialDelayMs: 20, multiplier: 2, jitter: false } }], ['start -> flaky']);
    const running = engine.startRun(f, { input: { x: 1 } });
    // Each wait runs on the engine's clock: the run waits there until the test moves time on.
    for (const wait of [20, 40]) {
      await clock.waitForTimers();
      expect(clock.pendingDelays()).toEqual([wait]);
      await clock.advance(wait);
    }
    const outcome = await running;
    expect(outcome.status).toBe('succeeded');
    expect(knobs.calls.get('r')).toBe(3);
    const evs = await events(store, outcome.runId);
    const retrying = evs.filter((e) => e.type === 'node.retrying') as Array<Extract<RunEvent, { type: 'node.retrying' }>>;
    expect(retrying.map((e) => [e.attempt, e.delayMs])).toEqual([
      [1, 20],
      [2, 40],
    ]);
    expect(evs.filter((e) => e.type === 'node.started' && e.nodeId === 'flaky').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2, 3]);
  });

  it('gives up after maxAttempts and fails the run naming the node', async () => {
    const { engine } = await setup();
    knobs.failures.set('g', 5);
    const f = flow([{ id: 'flaky', type: 'test.flaky', config: { key: 'g' }, retry: { maxAttempts: 2, initialDelayMs: 1 } }], ['start -> flaky']);
    const outcome = await engine.startRun(f, {});
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.nodeId).toBe('flaky');
    expect(outcome.error?.message).toMatch(/planned failure/);
    expect(knobs.calls.get('g')).toBe(2);
  });

  it('does not retry errors marked not retryable, and honours retryIf', async () => {
    const { engine } = await setup();
    knobs.failures.set('n', 1);
    const f1 = flow([{ id: 'flaky', type: 'test.flaky', config: { key: 'n', retryable: false }, retry: { maxAttempts: 3, initialDelayMs: 1 } }], ['start -> flaky']);
    expect((await engine.startRun(f1, {})).status).toBe('failed');
    expect(knobs.calls.get('n')).toBe(1);

    knobs.failures.set('y', 1);
    const f2 = flow([{ id: 'flaky', type: 'test.flaky', config: { key: 'y', retryable: false }, retry: { maxAttempts: 3, initialDelayMs: 1, retryIf: '$error.status = 503' } }], ['start -> flaky']);
    expect((await engine.startRun(f2, {})).status).toBe('succeeded');
    expect(knobs.calls.get('y')).toBe(2);
  });

  it('routes a failure to the error port when it is connected, and the run goes on', async () => {
    const { engine, store } = await setup();
    knobs.failures.set('e', 1);
    const f = flow(
      [
        { id: 'flaky', type: 'test.flaky', config: { key: 'e', retryable: false } },
        { id: 'handle', type: 'transform.set', config: { fields: [{ name: 'handled', value: true }] } },
        { id: 'after', type: 'transform.set', config: { fields: [{ name: 'after', value: true }] } },
      ],
      ['start -> flaky', 'flaky.error -> handle', 'flaky -> after'],
    );
    const outcome = await engine.startRun(f, { input: [{ id: 1 }, { id: 2 }] });
    expect(outcome.status).toBe('succeeded');
    const handled = outcome.outputs.handle?.out as Array<{ error: { code: string }; item: { id: number }; handled: boolean }>;
    expect(handled).toHaveLength(2);
    expect(handled[0]).toMatchObject({ error: { code: 'PLANNED' }, item: { id: 1 }, handled: true });
    const evs = await events(store, outcome.runId);
    expect(evs.some((e) => e.type === 'node.skipped' && e.nodeId === 'after')).toBe(true);
    expect(evs.find((e) => e.type === 'node.failed')).toMatchObject({ routedToErrorPort: true });
  });

  it('stops a node at its time limit and can retry it', async () => {
    const clock = new FakeClock();
    const { engine } = await setup({ clock });
    const f = flow([{ id: 'slow', type: 'test.slow', config: { ms: 5000 }, timeoutMs: 50 }], ['start -> slow']);
    const started = performance.now();
    const running = engine.startRun(f, {});
    // The time limit is a timer on the engine's clock; reaching it aborts the node at once.
    await clock.waitForTimers();
    expect(clock.pendingDelays()).toEqual([50]);
    await clock.advance(50);
    const outcome = await running;
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatchObject({ code: 'TIMEOUT', nodeId: 'slow' });
    expect(outcome.error?.message).toMatch(/time limit of 0.05 s/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('does not hang on a node that ignores its signal past the time limit', async () => {
    const { engine } = await setup();
    const f = flow([{ id: 'slow', type: 'test.slow', config: { ms: 400, ignoreSignal: true }, timeoutMs: 30 }], ['start -> slow']);
    const started = performance.now();
    const outcome = await engine.startRun(f, {});
    expect(outcome.error?.code).toBe('TIMEOUT');
    expect(performance.now() - started).toBeLessThan(350);
  });

  it('cancels a running flow through its AbortSignal and records it', async () => {
    const controller = new AbortController();
    // Stop the run once the slow node is running (an event, not a guess at how long that takes).
    const { engine, store } = await setup({ onEvent: (_runId, event) => event.type === 'node.started' && event.nodeId === 'slow' && controller.abort() });
    const f = flow(
      [
        { id: 'slow', type: 'test.slow', config: { ms: 5000 } },
        { id: 'never', type: 'transform.set', config: {} },
      ],
      ['start -> slow', 'slow -> never'],
    );
    const outcome = await engine.startRun(f, { signal: controller.signal });
    expect(outcome.status).toBe('cancelled');
    const evs = await events(store, outcome.runId);
    expect(evs.at(-1)).toMatchObject({ type: 'run.finished', status: 'cancelled' });
    expect(evs.some((e) => e.type === 'node.started' && e.nodeId === 'never')).toBe(false);
  });

  it('fails the run cleanly when a node type returns items on an unknown port', async () => {
    const { engine } = await setup();
    const outcome = await engine.startRun(flow([{ id: 'bad', type: 'test.bad-output', config: {} }], ['start -> bad']), {});
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toMatch(/"elsewhere", which is not one of its outputs/);
  });

  it('evaluates expressions per item with access to the run input and upstream outputs', async () => {
    const { engine } = await setup();
    const f = flow(
      [
        { id: 'rates', type: 'transform.jsonata', config: { mode: 'all', expression: '[{"currency": "EUR", "rate": 1}, {"currency": "USD", "rate": 0.9}]' } },
        { id: 'lines', type: 'transform.jsonata', config: { mode: 'all', expression: '$input.lines' } },
        { id: 'side', type: 'transform.set', config: { fields: [{ name: 'side', value: true }] } },
        {
          id: 'priced',
          type: 'transform.set',
          config: {
            fields: [
              { name: 'eur', value: '{{ amount * $nodes.rates[currency = $$.currency].rate }}' },
              { name: 'label', value: 'line {{ $itemIndex + 1 }} of {{ $count($input.lines) }} for {{ $input.customer }}' },
              { name: 'meta.copy', value: { nested: '{{ currency }}', keep: 3 } },
              { name: 'seesSide', value: '{{ $exists($nodes.side) }}' },
            ],
          },
        },
      ],
      ['start -> rates', 'rates -> lines', 'lines -> priced', 'start -> side'],
    );
    const outcome = await engine.startRun(f, { input: { customer: 'ACME', lines: [{ amount: 100, currency: 'USD' }, { amount: 10, currency: 'EUR' }] } });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.outputs.priced?.out).toEqual([
      { amount: 100, currency: 'USD', eur: 90, label: 'line 1 of 2 for ACME', meta: { copy: { nested: 'USD', keep: 3 } }, seesSide: false },
      { amount: 10, currency: 'EUR', eur: 10, label: 'line 2 of 2 for ACME', meta: { copy: { nested: 'EUR', keep: 3 } }, seesSide: false },
    ]);
  });

  it('reports a bad expression as a plain error naming the node', async () => {
    const { engine } = await setup();
    const f = flow([{ id: 'calc', type: 'transform.set', name: 'Compute total', config: { fields: [{ name: 't', value: '{{ amount * }}' }] } }], ['start -> calc']);
    const outcome = await engine.startRun(f, { input: { amount: 1 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('EXPRESSION');
    expect(outcome.error?.message).toMatch(/"amount \*" in node "Compute total"/);
  });
});
