/**
 * Agreement stats of one review step (`inbox.stats`) in plain words, for the editor's side panel:
 * how often people approved what they were shown unchanged, corrected it, rejected it, or were
 * not asked at all, and how long a decision takes — the figure that tells an owner when a step
 * could check only a sample. Pure, so it is tested without a page.
 */
import type { ReviewStats } from '../../engine/model/contract.ts';
import { formatDuration, plural } from '../logic/format.ts';

export interface StatsLine {
  label: string;
  /** "62 %", or "" when the line is a count only. */
  share: string;
  count: string;
}

export type StatsView =
  | { kind: 'empty'; text: string }
  | { kind: 'stats'; scope: string; lines: StatsLine[]; notes: string[]; median?: string; advice?: string };

/** Enough decisions for a share to mean something before suggesting a sample. */
const ADVICE_MIN_DECISIONS = 20;
const ADVICE_MIN_UNEDITED = 0.95;

export function describeReviewStats(stats: ReviewStats | undefined, runsAsked: number): StatsView {
  const decided = stats ? stats.approvedUnedited + stats.edited + stats.rejected + Object.values(stats.other).reduce((a, b) => a + b, 0) : 0;
  const counted = decided + (stats?.autoApproved ?? 0);
  if (!stats || counted === 0) {
    const waiting = stats?.open ?? 0;
    const timedOut = stats?.timedOut ?? 0;
    const now = waiting > 0 ? ` ${plural(waiting, 'item is', 'items are')} waiting for a person now.` : timedOut > 0 ? ` ${plural(timedOut, 'item')} timed out without a decision.` : '';
    return { kind: 'empty', text: `No decisions yet.${now} Once people have decided items at this step, you will see here how often they approved, corrected or rejected them.` };
  }
  const pct = (share: number) => `${Math.round(share * 100)} %`;
  const lines: StatsLine[] = [
    { label: 'Approved as shown', share: pct(stats.shares.approvedUnedited), count: plural(stats.approvedUnedited, 'item') },
    { label: 'Corrected, then approved', share: pct(stats.shares.edited), count: plural(stats.edited, 'item') },
    { label: 'Rejected', share: pct(stats.shares.rejected), count: plural(stats.rejected, 'item') },
    { label: 'Approved without a person (not matching “Review only if”)', share: pct(stats.shares.autoApproved), count: plural(stats.autoApproved, 'item') },
  ];
  for (const [outcome, n] of Object.entries(stats.other)) lines.push({ label: `Answered “${outcome}”`, share: pct(n / counted), count: plural(n, 'item') });
  const notes: string[] = [];
  if (stats.timedOut > 0) notes.push(`${plural(stats.timedOut, 'item')} timed out with nobody deciding (not counted above).`);
  if (stats.open > 0) notes.push(`${plural(stats.open, 'item is', 'items are')} still waiting for a person (not counted above).`);
  const view: StatsView = {
    kind: 'stats',
    scope: `Over this flow’s last ${plural(runsAsked, 'run')}: ${plural(stats.runs, 'run')} reached this step with ${plural(stats.items, 'item')}.`,
    lines,
    notes,
  };
  if (stats.medianDecisionMs !== undefined) view.median = `Half of the decisions were made within ${formatDuration(stats.medianDecisionMs) || '0 ms'} of the request.`;
  if (decided >= ADVICE_MIN_DECISIONS && stats.approvedUnedited / decided >= ADVICE_MIN_UNEDITED) {
    view.advice = 'People approve nearly everything here unchanged: this step could ask a person only for some items (set “Review only if”).';
  }
  return view;
}
