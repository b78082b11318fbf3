/**
 * Issue 14 item 8: only steps reachable from the trigger run; an unwired step is a warning in
 * plain words. A real HTTP server counts what an unwired "POST" step would have sent.
 */
import { describe, expect, it } from 'vitest';
import { validateFlow } from '../../engine/model/validate.ts';
import { makeFlow, registry, testEngine } from '../helpers/engine.ts';
import { json, serveDuringTest } from '../helpers/http-server.ts';

describe('a step nothing leads to', () => {
  it('is a validation warning: "not connected: it will not run"', () => {
    const result = validateFlow(
      {
        format: 'flowkeeper/flow',
        formatVersion: 1,
        id: 'f',
        name: 'F',
        nodes: [
          { id: 'start', type: 'trigger.manual', config: {} },
          { id: 'set', type: 'transform.set', config: { fields: [] } },
          { id: 'post', type: 'http.request', name: 'Tell the CRM', config: { url: 'http://127.0.0.1:9/', method: 'POST' } },
        ],
        edges: [{ source: 'start', target: 'set' }],
      },
      registry,
    );
    expect(result.ok).toBe(true);
    expect(result.problems).toEqual([
      { path: 'nodes[2]', nodeId: 'post', severity: 'warning', message: expect.stringContaining('Step "Tell the CRM" is not connected: it will not run') as string },
    ]);
  });

  it('does not run, and the steps the trigger reaches do', async () => {
    const server = await serveDuringTest((_req, res) => json(res, 200, { ok: true }));
    const { engine, cleanup } = await testEngine();
    try {
      const flow = makeFlow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'set', type: 'transform.set', config: { fields: [{ name: 'greeting', value: 'hi' }] } },
          { id: 'post', type: 'http.request', config: { url: `${server.url}/crm`, method: 'POST', body: { a: 1 } } },
          { id: 'after-post', type: 'transform.set', config: { fields: [] } },
        ],
        ['start -> set', 'post -> after-post'],
      );
      const outcome = await engine.startRun(flow, { input: {} });
      expect(outcome.status).toBe('succeeded');
      expect(server.requests).toHaveLength(0);
      expect(Object.keys(outcome.outputs)).toEqual(['set']);
    } finally {
      await cleanup();
    }
  });

  it('a flow without a trigger still runs every entry step (started by hand with an input)', async () => {
    const { engine, cleanup } = await testEngine();
    try {
      const flow = makeFlow([{ id: 'set', type: 'transform.set', config: { fields: [{ name: 'x', value: 1 }] } }]);
      const outcome = await engine.startRun(flow, { input: {} });
      expect(outcome.status).toBe('succeeded');
      expect(Object.keys(outcome.outputs)).toEqual(['set']);
    } finally {
      await cleanup();
    }
  });
});
