/**
 * The service under concurrent use: saves, credentials and settings never lose a write; flow
 * history is never overwritten; ids never escape the data folder; one run is tracked once.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, createService, inProcessApi, type ApiEvent, type FlowkeeperApi, type FlowkeeperService } from '../../engine/index.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
});

async function open(keychain = new MemoryKeychain()): Promise<{ api: FlowkeeperApi; service: FlowkeeperService; dir: string; keychain: MemoryKeychain }> {
  const { dir, cleanup } = await tempDir();
  const service = await createService({ dataDir: dir, registry, keychain, resumeOnStart: false });
  cleanups.push(async () => {
    await service.close();
    await cleanup();
  });
  return { api: inProcessApi(service), service, dir, keychain };
}

const flow = (name: string) => ({ format: 'flowkeeper/flow', formatVersion: 1, id: 'shared', name, nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] });

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('service under concurrent use', () => {
  it('lets only one of two saves of the same version win; the other gets FLOW_CONFLICT', async () => {
    const { api } = await open();
    await api.flows.save({ flow: flow('v1') });
    const results = await Promise.allSettled([api.flows.save({ flow: flow('Alice'), expectedVersion: 1 }), api.flows.save({ flow: flow('Bob'), expectedVersion: 1 })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as ApiError).code).toBe('FLOW_CONFLICT');
    expect((await api.flows.versions({ id: 'shared' })).map((v) => v.version)).toEqual([2, 1]);
  });

  it('never overwrites history when a deleted flow is saved again', async () => {
    const { api } = await open();
    await api.flows.save({ flow: flow('first life') });
    await api.flows.delete({ id: 'shared' });
    const again = await api.flows.save({ flow: flow('second life') });
    expect(again.version).toBe(2);
    expect(((await api.flows.get({ id: 'shared', version: 1 })).flow as { name: string }).name).toBe('first life');
  });

  it('refuses ids that would reach outside the data folder', async () => {
    const { api } = await open();
    const error = await failure(api.flows.versions({ id: '../../../../etc' }));
    expect(error.code).toBe('INVALID_ARGUMENTS');
    expect((await failure(api.flows.get({ id: '../../x', version: 1 }))).code).toBe('INVALID_ARGUMENTS');
  });

  it('keeps every credential when two are added at once', async () => {
    const { api, keychain } = await open();
    await Promise.all([
      api.credentials.set({ id: 'a', type: 'http.bearer', values: { token: 'aaaa-token' } }),
      api.credentials.set({ id: 'b', type: 'http.bearer', values: { token: 'bbbb-token' } }),
      api.credentials.set({ id: 'c', type: 'http.bearer', values: { token: 'cccc-token' } }),
    ]);
    expect((await api.credentials.list()).map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect([...keychain.entries.keys()].sort()).toEqual(['a', 'b', 'c']);
  });

  it('keeps both of two settings changes made at once', async () => {
    const { api } = await open();
    await Promise.all([api.settings.update({ reviewerName: 'Dana' }), api.settings.update({ llmDevCache: true })]);
    expect(await api.settings.get()).toMatchObject({ reviewerName: 'Dana', llmDevCache: true });
  });

  it('reports a damaged settings file instead of silently resetting it', async () => {
    const { api, dir } = await open();
    await writeFile(join(dir, 'settings.json'), '{ "reviewerName": ');
    const error = await failure(api.settings.update({ llmDevCache: true }));
    expect(error.code).toBe('SETTINGS_DAMAGED');
    expect(error.message).not.toContain(dir);
  });

  it('resumes interrupted runs at start as tracked runs, and refuses a second resume of the same run', async () => {
    const { dir, cleanup } = await tempDir();
    // Closed before its folder is removed (the cleanups run side by side): the resumed run is
    // still being cancelled and recorded while the service closes.
    const opened: FlowkeeperService[] = [];
    cleanups.push(async () => {
      for (const service of opened) await service.close({ cancelRuns: true });
      await cleanup();
    });
    const first = await createService({ dataDir: join(dir, 'a'), registry, keychain: new MemoryKeychain(), resumeOnStart: false });
    const api = inProcessApi(first);
    await api.flows.save({ flow: { format: 'flowkeeper/flow', formatVersion: 1, id: 'slow', name: 'Slow', nodes: [{ id: 'start', type: 'trigger.manual' }, { id: 'wait', type: 'flow.delay', config: { seconds: 30 } }], edges: [{ source: 'start', target: 'wait' }] } });
    // Waits for the Wait step to start, so the trace on disk holds an interrupted step.
    const waiting = waitForEvent(first, (e) => e.type === 'run.event' && e.event.type === 'node.started' && e.event.nodeId === 'wait');
    const { runId } = await api.runs.start({ flowId: 'slow' });
    await waiting;
    // "The machine went down": the trace as it is on disk now, in a data folder of its own.
    await mkdir(join(dir, 'b', 'runs'), { recursive: true });
    await cp(join(dir, 'a', 'runs', `${runId}.jsonl`), join(dir, 'b', 'runs', `${runId}.jsonl`));
    await first.close({ cancelRuns: true });

    const second = await createService({ dataDir: join(dir, 'b'), registry, keychain: new MemoryKeychain() });
    opened.push(second);
    const api2 = inProcessApi(second);
    // Resumed at start, in the background: wait until its resume is under way (an event of the run).
    if (second.activeRunCount() === 0) await waitForEvent(second, (e) => e.type === 'run.event' && e.runId === runId);
    // The resumed run is tracked: a second resume is refused, and it can be stopped.
    expect((await failure(api2.runs.resume({ runId }))).code).toBe('RUN_BUSY');
    await api2.runs.cancel({ runId });
    expect((await api2.runs.get({ runId })).status).toBe('cancelled');
  });
});

/** Resolves at the first pushed event the test is waiting for (no sleeping). */
function waitForEvent(service: { subscribe(listener: (event: ApiEvent) => void): () => void }, match: (event: ApiEvent) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const off = service.subscribe((event) => {
      if (!match(event)) return;
      off();
      resolve();
    });
  });
}
