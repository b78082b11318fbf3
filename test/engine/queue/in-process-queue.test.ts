/** The in-process run queue: one job per run, outcomes reported, cancel, serializable jobs. */
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessRunQueue, type JobOutcome, type RunJob } from '../../../engine/index.ts';
import { makeFlow, testEngine } from '../../helpers/engine.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup() {
  const { engine, store, cleanup } = await testEngine();
  cleanups.push(cleanup);
  const queue = new InProcessRunQueue(engine);
  cleanups.push(() => queue.close({ cancelRuns: true }));
  const outcomes: JobOutcome[] = [];
  queue.onOutcome((o) => outcomes.push(o));
  return { queue, store, outcomes };
}

const quick = makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 'set', type: 'transform.set' }], ['start -> set']);
const slow = makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 'wait', type: 'flow.delay', config: { seconds: 30 } }], ['start -> wait']);

describe('InProcessRunQueue', () => {
  it('runs a start job and reports its outcome; jobs survive a JSON round trip', async () => {
    const { queue, store, outcomes } = await setup();
    const job = JSON.parse(JSON.stringify({ kind: 'start', runId: 'run-q1', flow: quick, input: { a: 1 }, startedBy: 'test' })) as RunJob;
    expect(queue.enqueue(job)).toBe(true);
    expect(queue.isActive('run-q1')).toBe(true);
    await queue.settled('run-q1');
    expect(queue.isActive('run-q1')).toBe(false);
    expect(outcomes).toEqual([{ runId: 'run-q1', kind: 'start', ok: true, status: 'succeeded' }]);
    expect((await store.list()).runs.map((r) => r.status)).toEqual(['succeeded']);
  });

  it('refuses a second job for a run in progress, cancels on request, and says when nothing was active', async () => {
    const { queue, outcomes } = await setup();
    expect(queue.enqueue({ kind: 'start', runId: 'run-q2', flow: slow, input: {}, startedBy: 'test' })).toBe(true);
    expect(queue.enqueue({ kind: 'resume', runId: 'run-q2' })).toBe(false);
    expect(queue.activeCount()).toBe(1);
    expect(await queue.cancel('run-q2')).toBe(true);
    expect(outcomes).toEqual([{ runId: 'run-q2', kind: 'start', ok: true, status: 'cancelled' }]);
    expect(await queue.cancel('run-q2')).toBe(false);
    expect(queue.activeCount()).toBe(0);
  });

  it('reports a job that cannot run as an error outcome, naming the problem', async () => {
    const { queue, outcomes } = await setup();
    expect(queue.enqueue({ kind: 'resume', runId: 'run-missing' })).toBe(true);
    await queue.settled('run-missing');
    expect(outcomes).toMatchObject([{ runId: 'run-missing', kind: 'resume', ok: false, reason: 'error', message: expect.stringContaining('run-missing') }]);
  });

  it('forks from a finished run', async () => {
    const { queue, store, outcomes } = await setup();
    queue.enqueue({ kind: 'start', runId: 'run-parent', flow: quick, input: {}, startedBy: 'test' });
    await queue.settled('run-parent');
    queue.enqueue({ kind: 'fork', runId: 'run-child', parentRunId: 'run-parent', fromNodeId: 'set', startedBy: 'test' });
    await queue.settled('run-child');
    expect(outcomes.at(-1)).toEqual({ runId: 'run-child', kind: 'fork', ok: true, status: 'succeeded' });
    const child = (await store.list()).runs.find((r) => r.runId === 'run-child');
    expect(child).toMatchObject({ mode: 'fork', parentRunId: 'run-parent' });
  });
});
