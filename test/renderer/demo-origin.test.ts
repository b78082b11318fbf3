/** Demo runs in words (renderer/logic/demo-origin.ts) and in the runs list's "How" column. */
import { describe, expect, it } from 'vitest';
import { canAnswerDemo, demoBanner } from '../../renderer/logic/demo-origin.ts';
import { describeOrigin } from '../../renderer/logic/run-origin.ts';

const sentence = (w: ReturnType<typeof demoBanner>) => `${w.title}: ${w.lead}${w.runLabel}${w.tail}`;

describe('demo words', () => {
  it('the banner names the recording and where it came from; only a run of this machine is a link', () => {
    const local = demoBanner({ runId: 'run-1', from: 'run', flowVersion: 2 });
    expect(sentence(local)).toBe('Demo run: every outside call was answered from the recording of run run-1; nothing was sent and no credential was used.');
    expect(local.linkRunId).toBe('run-1');
    const bundle = demoBanner({ runId: 'run-9', from: 'bundle', flowVersion: 1, file: 'orders.fkbundle' });
    expect(sentence(bundle)).toBe('Demo run: every outside call was answered from the recording of run run-9 in the hand-over file orders.fkbundle; nothing was sent and no credential was used.');
    expect(bundle.linkRunId).toBeUndefined();
    const reference = demoBanner({ runId: 'run-5', from: 'reference', flowVersion: 1 });
    expect(sentence(reference)).toBe('Demo run: every outside call was answered from the recording of reference run run-5 (a run handed over with the flow); nothing was sent and no credential was used.');
    expect(reference.linkRunId).toBeUndefined();
  });

  it('only finished runs that really ran can answer a demo', () => {
    expect(canAnswerDemo({ status: 'succeeded', mode: 'run' })).toBe(true);
    expect(canAnswerDemo({ status: 'failed', mode: 'fork' })).toBe(true);
    expect(canAnswerDemo({ status: 'paused', mode: 'run' })).toBe(false);
    expect(canAnswerDemo({ status: 'succeeded', mode: 'demo' })).toBe(false);
    expect(canAnswerDemo({ status: 'succeeded', mode: 'replay' })).toBe(false);
  });

  it('the runs list says a demo is one', () => {
    expect(describeOrigin({ mode: 'demo', startedBy: 'app', startedByName: 'Ana' }).how).toBe('Demo · Started in the app by Ana');
  });
});
