/** The drift section's words: schedules as people say them, outcomes in a sentence. */
import { describe, expect, it } from 'vitest';
import { outcomeWords, presetOf, scheduleWords } from '../../../renderer/flow-page/drift-logic.ts';

describe('drift section words', () => {
  it('says schedules in words, and a cron line as it is', () => {
    expect(presetOf(undefined)).toBe('off');
    expect(presetOf('0 6 * * 1')).toBe('weekly');
    expect(presetOf('5 4 * * *')).toBe('custom');
    expect(scheduleWords('0 6 * * *', 'Europe/Berlin')).toBe('Every day at 06:00 (Europe/Berlin).');
    expect(scheduleWords('5 4 * * *')).toBe('On the schedule “5 4 * * *”.');
    expect(scheduleWords(undefined)).toBe('Not on a schedule: checks run only when you press Check now.');
  });

  it('says what a check found', () => {
    expect(outcomeWords({ outcome: 'drift', sentences: ['a', 'b'], references: [{} as never] })).toBe('Drift: 2 things have changed since the 1 reference run.');
    expect(outcomeWords({ outcome: 'unchanged', sentences: [], references: [{} as never, {} as never] })).toBe('No drift: the answers look as they did in the 2 reference runs.');
    expect(outcomeWords({ outcome: 'could-not-run', sentences: [], references: [] })).toBe('The check could not run.');
  });
});
