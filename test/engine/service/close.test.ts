/**
 * Closing the service: active runs stop at a safe point (no new step starts), the trace records
 * them as stopped for shutdown, and the next start resumes them; the wait is bounded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type ApiEvent, type FlowkeeperService, type RunEvent } from '../../../engine/index.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const twoSteps = (seconds: number) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'two-steps',
  name: 'Two steps',
  nodes: [{ id: 'start', type: 'trigger.manual' }, { id: 'wait', type: 'flow.delay', config: { seconds } }, { id: 'after', type: 'transform.set' }],
  edges: [{ source: 'start', target: 'wait' }, { source: 'wait', target: 'after' }],
});

/** Resolves with the first event the predicate accepts. */
function nextEvent(service: FlowkeeperService, accept: (event: ApiEvent) => boolean): Promise<ApiEvent> {
  return new Promise((resolve) => {
    const off = service.subscribe((event) => {
      if (accept(event)) {
        off();
        resolve(event);
      }
    });
  });
}

const nodeStarted = (nodeId: string) => (e: ApiEvent) => e.type === 'run.event' && e.event.type === 'node.started' && e.event.nodeId === nodeId;

describe('service close', () => {
  it('stops a run at a safe point, records it as stopped for shutdown, and the next start resumes it', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const first = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
    const api = inProcessApi(first);
    await api.flows.save({ flow: twoSteps(0.2) });
    const waiting = nextEvent(first, nodeStarted('wait'));
    const { runId } = await api.runs.start({ flowId: 'two-steps' });
    await waiting;
    expect(first.activeRunCount()).toBe(1);
    await first.close({ graceMs: 60_000 });
    expect(first.activeRunCount()).toBe(0);

    const second = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
    cleanups.push(() => second.close({ cancelRuns: true }));
    const api2 = inProcessApi(second);
    const events = (await api2.traces.events({ runId })).events as RunEvent[];
    expect(events.filter((e) => e.type === 'run.stopped')).toMatchObject([{ reason: 'shutdown' }]);
    expect(events.some((e) => e.type === 'node.started' && e.nodeId === 'after')).toBe(false);
    expect(events.some((e) => e.type === 'node.succeeded' && e.nodeId === 'wait')).toBe(true);
    expect((await api2.runs.get({ runId })).status).toBe('running');
    await second.close();

    const third = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain() });
    cleanups.push(() => third.close({ cancelRuns: true }));
    await third.idle();
    const detail = await inProcessApi(third).runs.get({ runId });
    expect(detail.status).toBe('succeeded');
    expect(detail.nodes.after?.status).toBe('succeeded');
    expect(detail.nodes.wait?.attempt).toBe(1);
  });

  it('waits at most graceMs for a step that is still working, and leaves that run resumable', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
    const api = inProcessApi(service);
    await api.flows.save({ flow: twoSteps(30) });
    const waiting = nextEvent(service, nodeStarted('wait'));
    const { runId } = await api.runs.start({ flowId: 'two-steps' });
    await waiting;
    await service.close({ graceMs: 50 });
    // Still in its 30-second wait: not cancelled, not finished.
    expect(service.activeRunCount()).toBe(1);
    expect((await api.runs.get({ runId })).status).toBe('running');
    await api.runs.cancel({ runId });
    expect(service.activeRunCount()).toBe(0);
  });

  it('accepts no new runs once closed', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
    const api = inProcessApi(service);
    await api.flows.save({ flow: twoSteps(0) });
    await service.close();
    await expect(api.runs.start({ flowId: 'two-steps' })).rejects.toMatchObject({ code: 'SERVICE_CLOSING', message: 'Flowkeeper is closing, so no run starts now.' });
    expect(service.activeRunCount()).toBe(0);
    expect(await api.runs.list({})).toEqual([]);
  });
});
