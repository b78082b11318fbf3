/** The run detail shows a paused run through the one pause model, and the old attentionInfo beside it. */
import { afterEach, describe, expect, it } from 'vitest';
import { createService, FileTraceStore, inProcessApi, Redactor, TRACE_FORMAT, TRACE_FORMAT_VERSION, type TraceHeader } from '../../../engine/index.ts';
import { canonicalJson, sha256 } from '../../../engine/canonical-json.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('run detail of a paused run', () => {
  it('carries the pause (reason, what it waits for, who may answer, choices) and refuses a resume without a choice', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const flow = { format: 'flowkeeper/flow', formatVersion: 1, id: 'f', name: 'F', nodes: [{ id: 'start', type: 'trigger.manual', config: {} }], edges: [], settings: { concurrency: 4 } };
    const header = { kind: 'header', format: TRACE_FORMAT, formatVersion: TRACE_FORMAT_VERSION, runId: 'run-paused', flowId: 'f', flowName: 'F', flowVersion: 1, flowHash: sha256(canonicalJson(flow)), flow, input: {}, createdAt: '2026-01-01T00:00:00.000Z', mode: 'run' } as unknown as TraceHeader;
    const sink = await new FileTraceStore(dir).create(header, { durability: 'buffered', redactor: new Redactor() });
    sink.append({ type: 'run.started', input: {} });
    sink.append({ type: 'run.needs-attention', nodeId: 'start', call: { nodeId: 'start', attempt: 1, itemIndex: 0, kind: 'http', call: 1 }, reason: 'The request may have gone out.', choices: ['send-again', 'skip-item', 'cancel'] });
    await sink.close();

    const service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
    cleanups.push(() => service.close());
    const api = inProcessApi(service);
    const detail = await api.runs.get({ runId: 'run-paused' });
    expect(detail.status).toBe('needs-attention');
    expect(detail.attentionInfo).toEqual({ nodeId: 'start', reason: 'The request may have gone out.', choices: ['send-again', 'skip-item', 'cancel'] });
    expect(detail.pause).toEqual({
      kind: 'needs-attention',
      nodeId: 'start',
      reason: 'The request may have gone out.',
      waitsFor: 'decision',
      answeredBy: { anyone: true },
      choices: [
        { id: 'send-again', label: 'Send it again' },
        { id: 'skip-item', label: 'Skip this item' },
        { id: 'cancel', label: 'Cancel the run' },
      ],
    });
    await expect(api.runs.resume({ runId: 'run-paused' })).rejects.toMatchObject({ code: 'DECISION_NEEDED', message: 'The request may have gone out.', hint: 'Choose send-again, skip-item or cancel.' });
  });
});
