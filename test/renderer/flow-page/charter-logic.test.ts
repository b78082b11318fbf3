/** The flow page's pure parts: units as typed vs stored, switching metric forms, a lenient charter. */
import { describe, expect, it } from 'vitest';
import { charterOf, fromShown, showFigure, splitAddresses, switchForm, toShown, unitWord } from '../../../renderer/flow-page/charter-logic.ts';

describe('charter logic', () => {
  it('shows shares as percent and the median time in minutes, and reads them back', () => {
    expect(toShown('runs-without-person', 0.8)).toBe('80');
    expect(fromShown('runs-without-person', '80')).toBe(0.8);
    expect(fromShown('reviews-approved-unedited', '12,5')).toBe(0.125);
    expect(toShown('median-trigger-to-done', 90_000)).toBe('1.5');
    expect(fromShown('median-trigger-to-done', '1.5')).toBe(90_000);
    expect(fromShown('items-reached-step', '40')).toBe(40);
    expect(fromShown('items-reached-step', '')).toBeUndefined();
    expect(fromShown('items-reached-step', '-3')).toBeUndefined();
    expect(fromShown('items-reached-step', 'many')).toBeUndefined();
    expect(unitWord('minutes-saved', 'week')).toBe('minutes per week');
    expect(showFigure({ kind: 'runs-without-person', unit: 'share' }, 0.5714)).toBe('57.1 %');
    expect(showFigure({ kind: 'median-trigger-to-done', unit: 'ms' }, 210_000)).toBe('3.5 minutes');
    expect(showFigure({ kind: 'items-reached-step', unit: 'items', period: 'week' }, 8)).toBe('8 items per week');
  });

  it('switching forms keeps only what still fits: no step for a share, the target when the unit is the same', () => {
    const items = switchForm(undefined, 'items-reached-step');
    expect(items).toEqual({ kind: 'items-reached-step', target: 0, windowDays: 7, period: 'day' });
    const share = switchForm({ kind: 'runs-without-person', target: 0.8, baseline: 0.2, windowDays: 14 }, 'reviews-approved-unedited');
    expect(share).toEqual({ kind: 'reviews-approved-unedited', target: 0.8, baseline: 0.2, windowDays: 14 });
    const time = switchForm({ kind: 'minutes-saved', target: 60, minutesPerRun: 5, period: 'week', windowDays: 7 }, 'median-trigger-to-done');
    expect(time).toEqual({ kind: 'median-trigger-to-done', target: 0, windowDays: 7 });
    expect(switchForm({ kind: 'items-reached-step', stepId: 'send', period: 'week', target: 5, windowDays: 7 }, 'runs-without-person')).not.toHaveProperty('stepId');
  });

  it('keeps a half-filled charter as it is (an empty webhook address does not wipe the owner) and starts from the old owner', () => {
    const charter = charterOf({ owner: 'Old Owner', charter: { owner: { name: 'Ana', email: '' }, alerts: { webhook: { url: '', format: 'slack' }, desktop: true } } as never });
    expect(charter.owner).toEqual({ name: 'Ana', email: '' });
    expect(charter.alerts?.webhook?.url).toBe('');
    expect(charter.backupOwner).toEqual({ name: '', email: '' });
    expect(charter.waivers).toEqual([]);
    expect(charterOf({ owner: 'Old Owner' }).owner.name).toBe('Old Owner');
    expect(splitAddresses('a@x.org, b@x.org;\nc@x.org ,')).toEqual(['a@x.org', 'b@x.org', 'c@x.org']);
  });
});
