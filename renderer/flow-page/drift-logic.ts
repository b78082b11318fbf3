/**
 * The drift section's words (pure, tested without a browser): schedules as people say them, and a
 * check's outcome in a sentence. Cron lines stay behind "Another schedule".
 */
import type { DriftCheckResult } from '../../engine/model/drift.ts';

export const SCHEDULE_PRESETS = [
  { id: 'off', label: 'Not on a schedule', cron: undefined },
  { id: 'daily', label: 'Every day at 06:00', cron: '0 6 * * *' },
  { id: 'weekly', label: 'Every Monday at 06:00', cron: '0 6 * * 1' },
  { id: 'hourly', label: 'Every hour', cron: '0 * * * *' },
  { id: 'custom', label: 'Another schedule…', cron: undefined },
] as const;
export type SchedulePreset = (typeof SCHEDULE_PRESETS)[number]['id'];

/** Which preset a saved schedule is. */
export function presetOf(cron: string | undefined): SchedulePreset {
  if (cron === undefined || cron === '') return 'off';
  return SCHEDULE_PRESETS.find((p) => p.cron === cron.trim())?.id ?? 'custom';
}

/** A schedule in words. */
export function scheduleWords(cron: string | undefined, timeZone?: string): string {
  const preset = SCHEDULE_PRESETS.find((p) => p.cron !== undefined && p.cron === cron?.trim());
  const zone = timeZone ? ` (${timeZone})` : '';
  if (!cron) return 'Not on a schedule: checks run only when you press Check now.';
  return preset ? `${preset.label}${zone}.` : `On the schedule “${cron}”${zone}.`;
}

/** What a check found, in one sentence. */
export function outcomeWords(r: Pick<DriftCheckResult, 'outcome' | 'sentences' | 'references'>): string {
  const refs = `${r.references.length} reference run${r.references.length === 1 ? '' : 's'}`;
  switch (r.outcome) {
    case 'unchanged':
      return `No drift: the answers look as they did in the ${refs}.`;
    case 'drift':
      return `Drift: ${r.sentences.length === 1 ? 'one thing has' : `${r.sentences.length} things have`} changed since the ${refs}.`;
    case 'could-not-run':
      return 'The check could not run.';
    case 'no-references':
      return 'Nothing to compare with: the flow has no reference runs.';
  }
}

/** "2 Mar 2026, 06:00" in the viewer's time zone. */
export function when(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return at.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}
