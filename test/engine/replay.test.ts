/**
 * Replay and fork: a run replays offline to identical outputs; a changed pure node shows a diff;
 * a changed request is caught; a fork reuses recorded results upstream and runs live from a node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvSecretResolver, ForkError, forkRun, replayRun, type Flow } from '../../engine/index.ts';
import { makeFlow, registry, testEngine } from '../helpers/engine.ts';
import { json, startServer, type TestServer } from '../helpers/http-server.ts';

let server: TestServer;
let counter = 0;

beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url.startsWith('/orders')) {
      counter++;
      // A live system: answers differ on each call, which is why replay must not call it.
      return json(res, 200, [
        { id: 1, total: 40, seenAt: counter },
        { id: 2, total: 250, seenAt: counter },
      ]);
    }
    if (req.url === '/notify') return json(res, 201, { ok: true, got: JSON.parse(req.body) as unknown });
    json(res, 404, {});
  });
});
afterAll(() => server.close());

function orderFlow(vatRate = 0.2): Flow {
  return makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'fetch', type: 'http.request', config: { url: `${server.url}/orders`, auth: 'bearer', credential: 'shop' } },
      {
        id: 'price',
        type: 'transform.set',
        name: 'Add VAT',
        config: {
          fields: [
            { name: 'gross', value: `{{ total * ${1 + vatRate} }}` },
            { name: 'pickedAt', value: '{{ $millis() }}' },
            { name: 'lottery', value: '{{ $random() }}' },
          ],
        },
      },
      { id: 'notify', type: 'http.request', config: { method: 'POST', url: `${server.url}/notify`, bodyType: 'json', body: { id: '{{ id }}', gross: '{{ gross }}' } } },
    ],
    ['start -> fetch', 'fetch -> price', 'price -> notify'],
  );
}

const secrets = new EnvSecretResolver({ FLOWKEEPER_CREDENTIAL_SHOP: JSON.stringify({ token: 'tok-very-secret-123' }) });

describe('replay', () => {
  it('reproduces a run exactly, offline, with clock and randomness from the trace', async () => {
    const { engine, store, cleanup } = await testEngine({ secrets });
    try {
      const outcome = await engine.startRun(orderFlow(), {});
      expect(outcome.status).toBe('succeeded');
      const callsBefore = server.requests.length;
      const report = await replayRun(store, registry, outcome.runId);
      expect(report.identical).toBe(true);
      expect(report.nodes.map((n) => n.nodeId)).toEqual(['start', 'fetch', 'price', 'notify']);
      // Replay never touched the live system.
      expect(server.requests.length).toBe(callsBefore);
    } finally {
      await cleanup();
    }
  });

  it('shows a per-node diff when a pure node changed', async () => {
    const { engine, store, cleanup } = await testEngine({ secrets });
    try {
      const outcome = await engine.startRun(orderFlow(0.2), {});
      // The notify request body depends on gross, so changing VAT also changes what would be sent.
      const report = await replayRun(store, registry, outcome.runId, { flow: orderFlow(0.1) });
      expect(report.identical).toBe(false);
      const price = report.nodes.find((n) => n.nodeId === 'price')!;
      expect(price.identical).toBe(false);
      expect(price.changes).toEqual([
        { path: 'outputs.out[0].gross', recorded: 48, replayed: 44 },
        { path: 'outputs.out[1].gross', recorded: 300, replayed: 275 },
      ]);
      const notify = report.nodes.find((n) => n.nodeId === 'notify')!;
      expect(notify.identical).toBe(false);
      // The recorded answer is not passed off as the answer to a different request.
      expect(JSON.stringify(notify.changes)).toMatch(/asked for something else/);
      expect(report.nodes.find((n) => n.nodeId === 'fetch')!.identical).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('forks from a node: upstream results are reused, the node and what follows run live', async () => {
    const { engine, store, cleanup } = await testEngine({ secrets });
    try {
      const parent = await engine.startRun(orderFlow(0.2), {});
      const fetchesBefore = server.requests.filter((r) => r.url.startsWith('/orders')).length;
      const notifiesBefore = server.requests.filter((r) => r.url === '/notify').length;

      const fork = await forkRun(engine, parent.runId, 'price', { flow: orderFlow(0.1) });
      expect(fork.status).toBe('succeeded');
      expect(fork.runId).not.toBe(parent.runId);
      // fetch was not called again; notify was called live with the new amounts.
      expect(server.requests.filter((r) => r.url.startsWith('/orders')).length).toBe(fetchesBefore);
      const notifies = server.requests.filter((r) => r.url === '/notify').slice(notifiesBefore);
      expect(notifies.map((r) => JSON.parse(r.body) as unknown)).toEqual([
        { id: 1, gross: 44 },
        { id: 2, gross: 275 },
      ]);
      const trace = await store.load(fork.runId);
      expect(trace.header).toMatchObject({ mode: 'fork', parentRunId: parent.runId, forkFromNodeId: 'price' });
      expect(trace.events.filter((e) => e.type === 'node.succeeded' && e.reusedFrom === parent.runId).map((e) => (e as { nodeId: string }).nodeId)).toEqual(['start', 'fetch']);
      // A fork is a run like any other: it replays identically too.
      expect((await replayRun(store, registry, fork.runId)).identical).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('refuses to fork from a node whose inputs never finished, saying where to start instead', async () => {
    const { engine, cleanup } = await testEngine({ secrets: new EnvSecretResolver({}) });
    try {
      const failed = await engine.startRun(orderFlow(), {});
      expect(failed.status).toBe('failed');
      expect(failed.error?.code).toBe('CREDENTIAL_MISSING');
      await expect(forkRun(engine, failed.runId, 'price')).rejects.toThrow(ForkError);
      await expect(forkRun(engine, failed.runId, 'price')).rejects.toThrow(/node "fetch", which it depends on, did not finish.*Start from "fetch"/);
      await expect(forkRun(engine, failed.runId, 'nope')).rejects.toThrow(/no node "nope"/);
    } finally {
      await cleanup();
    }
  });

  it('keeps the secret out of the trace while still replaying the signed request', async () => {
    const { engine, store, cleanup } = await testEngine({ secrets });
    try {
      const outcome = await engine.startRun(orderFlow(), {});
      const auth = server.requests.filter((r) => r.url.startsWith('/orders')).at(-1)?.headers.authorization;
      expect(auth).toBe('Bearer tok-very-secret-123');
      const { readFile } = await import('node:fs/promises');
      const text = await readFile(store.locate(outcome.runId), 'utf8');
      expect(text).not.toContain('tok-very-secret-123');
      expect(text).toContain('Bearer [redacted]');
      expect((await replayRun(store, registry, outcome.runId)).identical).toBe(true);
    } finally {
      await cleanup();
    }
  });
});
