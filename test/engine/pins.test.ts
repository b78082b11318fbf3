/**
 * Pinned test data through the API: a step's result pinned from a past run is used only by runs
 * started with `usePins` (the editor's test runs), marked `pinnedFrom` in their trace, treated as
 * recorded by replay, carried as pinned (not reused) by a fork of a run that used it, never used
 * by a plain start, a fork of a run that did not, or after unpinning. A real local HTTP
 * server counts the calls the pinned step did not make.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../engine/index.ts';
import type { RunEvent } from '../../engine/model/events.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { json, startServer, type TestServer } from '../helpers/http-server.ts';
import { runToEnd as runUntilEnd } from '../helpers/run-to-end.ts';

let server: TestServer;
let calls = 0;
let answer: unknown = [{ name: 'Ada', amount: 30 }];
let service: FlowkeeperService;
let api: FlowkeeperApi;
let cleanup: () => Promise<void>;

const flow = (url: string) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'pinned',
  name: 'Pinned',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'fetch', type: 'http.request', name: 'Fetch people', config: { url } },
    { id: 'double', type: 'transform.jsonata', config: { expression: '{ "name": name, "amount": amount * 2 }' } },
  ],
  edges: [
    { source: 'start', target: 'fetch' },
    { source: 'fetch', target: 'double' },
  ],
});

beforeAll(async () => {
  server = await startServer((_req, res) => {
    calls += 1;
    json(res, 200, answer);
  });
  const temp = await tempDir();
  cleanup = temp.cleanup;
  service = await createService({ dataDir: temp.dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
  api = inProcessApi(service);
  await api.flows.import({ text: JSON.stringify(flow(`${server.url}/people`)) });
});
afterAll(async () => {
  await service.close();
  await cleanup();
  await server.close();
});

async function run(start: () => Promise<{ runId: string }>): Promise<{ runId: string; events: RunEvent[] }> {
  const runId = await runUntilEnd(api, start);
  const page = await api.traces.events({ runId, limit: 5000 });
  return { runId, events: page.events };
}

const succeeded = (events: RunEvent[], nodeId: string) => events.find((e): e is Extract<RunEvent, { type: 'node.succeeded' }> => e.type === 'node.succeeded' && e.nodeId === nodeId);

describe('pinned test data', () => {
  let first: string;
  let testRun: string;

  it('pins a step from a past run; a test run uses it instead of calling the server, and says so', async () => {
    const a = await run(() => api.runs.start({ flowId: 'pinned' }));
    first = a.runId;
    expect(calls).toBe(1);
    expect(succeeded(a.events, 'fetch')?.pinnedFrom).toBeUndefined();

    const pin = await api.pins.set({ flowId: 'pinned', nodeId: 'fetch', runId: first });
    expect(pin).toMatchObject({ nodeId: 'fetch', runId: first, items: { out: 1 } });
    expect(await api.pins.list({ flowId: 'pinned' })).toEqual([pin]);

    answer = [{ name: 'Grace', amount: 12 }];
    const b = await run(() => api.runs.start({ flowId: 'pinned', usePins: true }));
    testRun = b.runId;
    expect(calls).toBe(1); // the pinned step did not call
    const fetch = succeeded(b.events, 'fetch')!;
    expect(fetch.pinnedFrom).toBe(first);
    expect(b.events.some((e) => e.type === 'node.started' && e.nodeId === 'fetch')).toBe(false); // never shown as having run
    const detail = await api.runs.get({ runId: b.runId });
    expect(detail.nodes.double!.outputs).toEqual({ out: [{ name: 'Ada', amount: 60 }] });
    expect(detail.nodes.fetch!.pinnedFrom).toBe(first);

    // Replay treats the pinned result as recorded: identical, nothing called.
    const report = await api.runs.replay({ runId: b.runId });
    expect(report.identical).toBe(true);
    expect(calls).toBe(1);
  });

  it('a fork of a run that used pinned data marks that step pinned, not reused, also a fork of the fork', async () => {
    const fork = await run(() => api.runs.fork({ runId: testRun, fromNodeId: 'double' }));
    expect(calls).toBe(1); // nothing called: the step before the fork point is carried over
    const fetch = succeeded(fork.events, 'fetch')!;
    expect(fetch.pinnedFrom).toBe(first); // where the pinned data really came from
    expect(fetch.reusedFrom).toBeUndefined();
    expect(fork.events.some((e) => e.type === 'node.started' && e.nodeId === 'fetch')).toBe(false);
    const detail = await api.runs.get({ runId: fork.runId });
    expect(detail.nodes.fetch).toMatchObject({ pinnedFrom: first });
    expect(detail.nodes.double!.outputs).toEqual({ out: [{ name: 'Ada', amount: 60 }] });

    const again = await run(() => api.runs.fork({ runId: fork.runId, fromNodeId: 'double' }));
    expect(succeeded(again.events, 'fetch')).toMatchObject({ pinnedFrom: first });
    expect(succeeded(again.events, 'fetch')!.reusedFrom).toBeUndefined();
    // Replay of such a fork treats the pinned step as recorded, too.
    expect((await api.runs.replay({ runId: fork.runId })).identical).toBe(true);
    expect(calls).toBe(1);
  });

  it('is never used by a plain start (what triggers and active flows do) nor by a fork', async () => {
    const c = await run(() => api.runs.start({ flowId: 'pinned' }));
    expect(calls).toBe(2);
    expect(succeeded(c.events, 'fetch')?.pinnedFrom).toBeUndefined();
    expect((await api.runs.get({ runId: c.runId })).nodes.double!.outputs).toEqual({ out: [{ name: 'Grace', amount: 24 }] });

    const fork = await run(() => api.runs.fork({ runId: c.runId, fromNodeId: 'fetch' }));
    expect(calls).toBe(3);
    expect(succeeded(fork.events, 'fetch')?.pinnedFrom).toBeUndefined();
  });

  it('unpins in one call; test runs then run the step again', async () => {
    await api.pins.remove({ flowId: 'pinned', nodeId: 'fetch' });
    expect(await api.pins.list({ flowId: 'pinned' })).toEqual([]);
    const d = await run(() => api.runs.start({ flowId: 'pinned', usePins: true }));
    expect(calls).toBe(4);
    expect(succeeded(d.events, 'fetch')?.pinnedFrom).toBeUndefined();
  });

  it('refuses what cannot be pinned, in plain words', async () => {
    await expect(api.pins.set({ flowId: 'pinned', nodeId: 'nope', runId: first })).rejects.toThrow(/has no step "nope"/);
    await api.flows.import({ text: JSON.stringify({ ...flow(`${server.url}/people`), id: 'other', name: 'Other' }) });
    await expect(api.pins.set({ flowId: 'other', nodeId: 'fetch', runId: first })).rejects.toThrow(/run of another flow \("Pinned"\)/);
    answer = undefined;
    const broken = await run(async () => {
      await api.flows.import({ text: JSON.stringify(flow('http://127.0.0.1:1/closed')), overwrite: true });
      return api.runs.start({ flowId: 'pinned' });
    });
    await expect(api.pins.set({ flowId: 'pinned', nodeId: 'fetch', runId: broken.runId })).rejects.toThrow(/did not finish in that run/);
  });
});
