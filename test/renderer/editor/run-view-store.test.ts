/**
 * The canvas shows the same node states whether it follows a run live (pushed events, some twice
 * or late) or steps through its recorded trace: both fold through engine/model/run-state.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../../engine/index.ts';
import type { RunEvent } from '../../../engine/model/events.ts';
import { useRunView } from '../../../renderer/editor/run-view-store.ts';
import { nodeVisualStatus } from '../../../renderer/editor/run-status.ts';
import { makeFlow, registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';

let service: FlowkeeperService;
let api: FlowkeeperApi;
let cleanup: () => Promise<void>;
const pushed: RunEvent[] = [];
let runId: string;

beforeAll(async () => {
  const dir = await tempDir();
  cleanup = dir.cleanup;
  service = await createService({ dataDir: dir.dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
  api = inProcessApi(service);
  const flow = makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'split', type: 'transform.jsonata', config: { expression: '[1, 2, 3].{ "n": $ }', mode: 'all' } },
      { id: 'double', type: 'transform.jsonata', config: { expression: '{ "n": n * 2 }' } },
    ],
    [
      { source: 'start', target: 'split' },
      { source: 'split', target: 'double' },
    ],
    { id: 'doubler', name: 'Doubler' },
  );
  await api.flows.save({ flow });
  const finished = new Promise<void>((resolve) => {
    service.subscribe((e) => {
      if (e.type !== 'run.event') return;
      pushed.push(e.event);
      if (e.event.type === 'run.finished') resolve();
    });
  });
  runId = (await api.runs.start({ flowId: 'doubler' })).runId;
  await finished;
});

afterAll(async () => {
  await service.close();
  await cleanup();
});

const statuses = () => {
  const s = useRunView.getState().state!;
  return Object.fromEntries(['start', 'split', 'double'].map((id) => [id, nodeVisualStatus(s.nodes[id], s.status)]));
};

describe('run view store', () => {
  it('folds pushed events (duplicates and late ones included) to the state of the recorded trace', async () => {
    const header = { runId, flowId: 'doubler', flowName: 'Doubler', flowVersion: 1, createdAt: new Date().toISOString() };
    useRunView.getState().follow(header);
    const [first, ...rest] = pushed;
    for (const e of rest) useRunView.getState().push(runId, e); // the first event comes late
    useRunView.getState().push(runId, rest[0]!); // and one twice
    useRunView.getState().merge(runId, [first!]);
    useRunView.getState().push('another-run', first!); // other runs are ignored
    const live = useRunView.getState().state!;
    expect(live.status).toBe('succeeded');
    expect(statuses()).toEqual({ start: 'done', split: 'done', double: 'done' });
    expect(live.nodes.double!.outputs!.out).toEqual([{ n: 2 }, { n: 4 }, { n: 6 }]);

    const recorded = (await api.traces.events({ runId })).events;
    useRunView.getState().openPast(header, recorded);
    const past = useRunView.getState().state!;
    expect(past.nodes).toEqual(live.nodes);
    expect(past.status).toBe(live.status);
  });

  it('steps through the trace: each position is the state after that many events', async () => {
    const recorded = (await api.traces.events({ runId })).events;
    const header = { runId, flowId: 'doubler', flowName: 'Doubler', flowVersion: 1, createdAt: new Date().toISOString() };
    useRunView.getState().openPast(header, recorded);
    useRunView.getState().seek(0);
    expect(statuses()).toEqual({ start: 'waiting', split: 'waiting', double: 'waiting' });
    const splitDone = recorded.findIndex((e) => e.type === 'node.succeeded' && e.nodeId === 'split') + 1;
    useRunView.getState().seek(splitDone);
    expect(statuses()).toEqual({ start: 'done', split: 'done', double: 'waiting' });
    useRunView.getState().seek(recorded.length + 10);
    expect(useRunView.getState().cursor).toBe(recorded.length);
    expect(statuses()).toEqual({ start: 'done', split: 'done', double: 'done' });
  });
});
