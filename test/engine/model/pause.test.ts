/** The one pause model: built by the reducer from the trace, shown by the API and the CLI. */
import { describe, expect, it } from 'vitest';
import { attentionPause, chooseHint, choiceIds, reduceRun, TRACE_FORMAT, TRACE_FORMAT_VERSION, type RunEvent, type TraceHeader } from '../../../engine/model/index.ts';
import { outcomeText } from '../../../cli/format.ts';

const header: TraceHeader = { kind: 'header', format: TRACE_FORMAT, formatVersion: TRACE_FORMAT_VERSION, runId: 'run-1', flowId: 'f', flowName: 'F', flowVersion: 1, flowHash: 'a'.repeat(64), flow: { $blob: '0'.repeat(64), bytes: 1 }, input: {}, createdAt: '2026-01-01T00:00:00.000Z', mode: 'run' };
const ts = '2026-01-01T00:00:01.000Z';
const call = { nodeId: 'send', attempt: 1, itemIndex: 0, kind: 'http', call: 1 };
const asked: RunEvent = { seq: 2, ts, type: 'run.needs-attention', nodeId: 'send', call, reason: 'The email may have gone out.', choices: ['send-again', 'skip-item', 'cancel'] };

describe('pause model', () => {
  it('the reducer turns a needs-attention question into a pause, and an answer clears it', () => {
    const state = reduceRun(header, [{ seq: 1, ts, type: 'run.started', input: {} }, asked]);
    expect(state.pause).toEqual({
      kind: 'needs-attention',
      nodeId: 'send',
      reason: 'The email may have gone out.',
      waitsFor: 'decision',
      answeredBy: { anyone: true },
      choices: [
        { id: 'send-again', label: 'Send it again' },
        { id: 'skip-item', label: 'Skip this item' },
        { id: 'cancel', label: 'Cancel the run' },
      ],
      call,
    });
    const answered = reduceRun(header, [{ seq: 1, ts, type: 'run.started', input: {} }, asked, { seq: 3, ts, type: 'run.attention-resolved', nodeId: 'send', choice: 'skip-item', by: 'ada', call }]);
    expect(answered.pause).toBeUndefined();
    expect(answered.status).toBe('running');
  });

  it("keeps today's wording: the hint and the CLI's decide line", () => {
    const pause = attentionPause({ nodeId: 'send', reason: 'The email may have gone out.', choices: ['send-again', 'skip-item', 'cancel'] });
    expect(chooseHint(pause)).toBe('Choose send-again, skip-item or cancel.');
    expect(choiceIds(pause)).toEqual(['send-again', 'skip-item', 'cancel']);
    const text = outcomeText({ runId: 'run-1', status: 'needs-attention', outputs: {}, pause }, '/data/runs/run-1.jsonl');
    expect(text).toContain('  The email may have gone out.\n  Decide with: flowkeeper resume run-1 --choice <send-again|skip-item|cancel>');
  });

  it('shows an unknown choice by its id', () => {
    expect(attentionPause({ nodeId: 'n', reason: 'r', choices: ['approve'] }).choices).toEqual([{ id: 'approve', label: 'approve' }]);
  });
});
