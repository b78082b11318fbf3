/**
 * Which version of a switched-on flow runs, in plain words: nothing while off or when the latest
 * save runs; an older live version says what runs and what does not, and offers the latest.
 * (The flows list's switch that uses it: test/renderer/inspector/flows-switch.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { describeLiveVersion, liveNote } from '../../renderer/logic/live-version.ts';

describe('which version runs, in words', () => {
  it('says nothing while off or when the latest save runs', () => {
    expect(describeLiveVersion({ active: false, activeVersion: 7, latest: 9 })).toBeUndefined();
    expect(describeLiveVersion({ active: true, activeVersion: 9, latest: 9 })).toBeUndefined();
    expect(describeLiveVersion({ active: true, activeVersion: undefined, latest: 9 })).toBeUndefined();
  });

  it('an older live version: what runs, what does not, and the button', () => {
    expect(describeLiveVersion({ active: true, activeVersion: 7, latest: 9 })).toEqual({
      live: 7,
      latest: 9,
      text: 'On: version 7 is live · your edits since (version 9) are not',
      button: 'Put version 9 live',
    });
  });

  it('the canvas note', () => {
    expect(liveNote({ active: true, activeVersion: 7 })).toBe('Live: version 7');
    expect(liveNote({ active: false, activeVersion: 7 })).toBeUndefined();
  });
});

