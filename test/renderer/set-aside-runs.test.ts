import { describe, expect, it } from 'vitest';
import { describeSetAside } from '../../renderer/logic/set-aside.ts';

describe('set-aside runs in the app', () => {
  it('says which run, why and where the file is now', () => {
    expect(describeSetAside({ runId: 'run-1', reason: 'line 3: not JSON', location: '/data/quarantine/run-1.1.jsonl', moved: true })).toBe(
      'The record of run run-1 is damaged (line 3: not JSON). It was set aside to /data/quarantine/run-1.1.jsonl, so no other run is affected. Send that file to support if you need the run recovered.',
    );
    expect(describeSetAside({ runId: 'run-2', reason: 'line 1: not JSON', location: '/data/runs/run-2.jsonl', moved: false })).toContain('could not be set aside; it is still at /data/runs/run-2.jsonl');
  });
});
