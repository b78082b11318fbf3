/**
 * Demo mode at the engine: a demo run is never continued as a normal run (an interrupted one ends
 * failed, sending nothing), review steps are answered by the recorded decision without reaching
 * the inbox, a recording from another flow or an unfinished run is refused, and clock readings the
 * recording lacks are local and read live.
 */
import { describe, expect, it } from 'vitest';
import { Engine, FileTraceStore, type SecretResolver } from '../../../engine/index.ts';
import { demoFromRun } from '../../../engine/demo/demo-reference.ts';
import { forkRun, prepareFork } from '../../../engine/replay.ts';
import { makeFlow, registry, tempDir } from '../../helpers/engine.ts';
import { json, serveDuringTest } from '../../helpers/http-server.ts';

const refusingSecrets: SecretResolver & { calls: number } = {
  calls: 0,
  get() {
    this.calls++;
    return Promise.reject(new Error('no keychain here'));
  },
};

async function setUp() {
  const { dir, cleanup } = await tempDir();
  const store = new FileTraceStore(dir);
  return { dir, cleanup, store, engine: new Engine({ store, registry }) };
}

describe('demo runs in the engine', () => {
  it('an interrupted demo run is not continued: resume ends it failed and sends nothing', async () => {
    const server = await serveDuringTest((_req, res) => json(res, 200, { ok: true }));
    const { store, engine, cleanup } = await setUp();
    try {
      const flow = makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 'get', type: 'http.request', config: { url: `${server.url}/x` } }], ['start -> get']);
      const reference = await engine.startRun(flow, { input: { a: 1 } });
      expect(reference.status).toBe('succeeded');
      // A demo whose process stopped at a safe point (shutdown) stays unfinished...
      const stop = new AbortController();
      stop.abort();
      const demo = await engine.startRun(flow, { demo: await demoFromRun(store, reference.runId), stop: stop.signal });
      expect(demo.status).toBe('stopped');
      // ...and the next start's resume does not run it live.
      // Nor re-run from a step: that would send for real what the demo only showed.
      await expect(prepareFork(store, demo.runId, 'get')).rejects.toThrow(`Run ${demo.runId} is a demo: its steps were answered from a recording and never ran`);
      const resumed = await engine.resume(demo.runId);
      expect(resumed.status).toBe('failed');
      expect(resumed.error).toMatchObject({ code: 'DEMO_INTERRUPTED', message: expect.stringContaining('a demo is not continued') });
      expect(server.requests).toHaveLength(1);
    } finally {
      await cleanup();
    }
  });

  it('a review step is answered by the recorded decision, writes no review event; an item nobody decided is reported', async () => {
    const { store, cleanup } = await setUp();
    const engine = new Engine({ store, registry });
    try {
      const flow = makeFlow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'check', type: 'human.review', name: 'Check', config: { title: 'Check {{ name }}' } },
          { id: 'done', type: 'transform.set', config: { fields: [{ name: 'ok', value: 'yes' }] } },
        ],
        ['start -> check', 'check.approve -> done'],
      );
      const paused = await engine.startRun(flow, { input: { name: 'Ada' } });
      expect(paused.status).toBe('paused');
      const requestId = paused.pause!.requests![0]!;
      const decided = await engine.answerReview(paused.runId, { kind: 'decision', requestId, outcome: 'approve', by: 'Ann' });
      expect(decided.status).toBe('succeeded');

      const demoEngine = new Engine({ store, registry, secrets: refusingSecrets });
      const demo = await demoEngine.startRun(flow, { demo: await demoFromRun(store, paused.runId) });
      expect(demo.status).toBe('succeeded');
      expect(demo.outputs).toEqual(decided.outputs);
      const events = (await store.load(demo.runId)).events;
      expect(events.some((e) => e.type.startsWith('review.'))).toBe(false);
      expect(events.some((e) => e.type === 'node.log' && e.message.includes('answered with the decision recorded in run') && e.message.includes('“approve” by Ann'))).toBe(true);

      const other = await demoEngine.startRun(flow, { input: { name: 'Ben' }, demo: await demoFromRun(store, paused.runId) });
      expect(other.status).toBe('failed');
      expect(other.error).toMatchObject({ code: 'DEMO_NOT_RECORDED', nodeId: 'check' });
      expect(other.error!.message).toContain('This demo has no recorded decision for review step "check" (item 1): the reviewer in the recording saw');
      expect(refusingSecrets.calls).toBe(0);
    } finally {
      await cleanup();
    }
  });

  it('a fork can answer a demo: the steps it copied are copied again, the rest answered from its recording', async () => {
    const server = await serveDuringTest((req, res) => json(res, 200, { path: req.url }));
    const { store, engine, cleanup } = await setUp();
    try {
      const flow = makeFlow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'a', type: 'http.request', config: { url: `${server.url}/a` } },
          { id: 'b', type: 'http.request', config: { url: `${server.url}/b` } },
        ],
        ['start -> a', 'a -> b'],
      );
      const first = await engine.startRun(flow, { input: {} });
      const fork = await forkRun(engine, first.runId, 'b');
      expect(fork.status).toBe('succeeded');
      expect(server.requests.map((r) => r.url)).toEqual(['/a', '/b', '/b']);
      const demo = await new Engine({ store, registry, secrets: refusingSecrets }).startRun(flow, { demo: await demoFromRun(store, fork.runId) });
      expect(demo.status).toBe('succeeded');
      expect(demo.outputs).toEqual(fork.outputs);
      expect(server.requests).toHaveLength(3);
      const events = (await store.load(demo.runId)).events;
      expect(events.find((e) => e.type === 'node.succeeded' && e.nodeId === 'a')).toMatchObject({ reusedFrom: fork.runId });
    } finally {
      await cleanup();
    }
  });

  it('refuses a recording that cannot answer: another flow\'s run, an unfinished run', async () => {
    const { store, engine, cleanup } = await setUp();
    try {
      const flow = makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 'check', type: 'human.review', config: { title: 'Check' } }], ['start -> check']);
      const paused = await engine.startRun(flow, { input: {} });
      await expect(demoFromRun(store, paused.runId)).rejects.toThrow(`Run ${paused.runId} has not finished (it is paused), so it cannot answer a demo.`);
      await expect(demoFromRun(store, paused.runId, 'another-flow')).rejects.toThrow(`is a run of flow “test-flow”, not of “another-flow”`);
    } finally {
      await cleanup();
    }
  });
});
