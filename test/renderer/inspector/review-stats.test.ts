// @vitest-environment jsdom
/**
 * Agreement stats on a selected review step: the shares of approved unedited, corrected,
 * rejected and auto-approved items and the median time to decision, in plain words; an empty
 * state when nothing was decided yet; reloaded when a decision is pushed.
 */
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvent, ReviewStats } from '../../../engine/model/contract.ts';
import { ReviewStatsSection, STATS_RUNS } from '../../../renderer/editor/review-stats-section.tsx';
import { describeReviewStats } from '../../../renderer/editor/review-stats.ts';

afterEach(cleanup);

const base: ReviewStats = {
  nodeId: 'approve',
  stepName: 'Approve invoice',
  runs: 12,
  items: 40,
  approvedUnedited: 20,
  edited: 8,
  rejected: 2,
  other: {},
  timedOut: 1,
  autoApproved: 10,
  open: 2,
  shares: { approvedUnedited: 20 / 40, edited: 8 / 40, rejected: 2 / 40, autoApproved: 10 / 40 },
  medianDecisionMs: 2 * 3600_000 + 5 * 60_000,
};

function fakeApi(answers: Array<ReviewStats[]>) {
  const asked: unknown[] = [];
  const listeners = new Set<(event: ApiEvent) => void>();
  return {
    asked,
    push: (event: ApiEvent) => listeners.forEach((l) => l(event)),
    inbox: {
      stats: async (args: unknown) => {
        asked.push(args);
        return answers[Math.min(asked.length - 1, answers.length - 1)]!;
      },
    },
    onEvent: (listener: (event: ApiEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

describe('agreement stats of a review step', () => {
  it('says in plain words how people decided, with the median time', async () => {
    const api = fakeApi([[base]]);
    render(createElement(ReviewStatsSection, { flowId: 'invoices', nodeId: 'approve', api: api as never }));
    const section = await screen.findByRole('region', { name: 'How people decided' });
    await waitFor(() => expect(section.textContent).toContain('Approved as shown'));
    expect(api.asked).toEqual([{ flowId: 'invoices', nodeId: 'approve', runs: STATS_RUNS }]);
    const rows = [...section.querySelectorAll('tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(rows).toEqual([
      ['Approved as shown', '50 %', '20 items'],
      ['Corrected, then approved', '20 %', '8 items'],
      ['Rejected', '5 %', '2 items'],
      ['Approved without a person (not matching “Review only if”)', '25 %', '10 items'],
    ]);
    expect(section.textContent).toContain('Over this flow’s last 100 runs: 12 runs reached this step with 40 items.');
    expect(section.textContent).toContain('Half of the decisions were made within 2 h 5 min of the request.');
    expect(section.textContent).toContain('1 item timed out with nobody deciding (not counted above).');
    expect(section.textContent).toContain('2 items are still waiting for a person (not counted above).');
    expect(section.textContent).not.toContain('could ask a person only for some items');
  });

  it('shows an empty state before anything was decided, then the figures after a pushed decision', async () => {
    const waiting: ReviewStats = { ...base, items: 1, runs: 1, approvedUnedited: 0, edited: 0, rejected: 0, timedOut: 0, autoApproved: 0, open: 1, shares: { approvedUnedited: 0, edited: 0, rejected: 0, autoApproved: 0 } };
    delete waiting.medianDecisionMs;
    const api = fakeApi([[], [waiting], [base]]);
    render(createElement(ReviewStatsSection, { flowId: 'invoices', nodeId: 'approve', api: api as never }));
    await screen.findByText(/^No decisions yet\. Once people have decided items at this step/);
    await act(async () => api.push({ type: 'inbox.changed' }));
    await screen.findByText(/^No decisions yet\. 1 item is waiting for a person now\./, undefined, { timeout: 3000 });
    await act(async () => api.push({ type: 'runs.changed', runId: 'r', status: 'running' })); // not final: no reload
    await act(async () => api.push({ type: 'inbox.changed' }));
    await screen.findByText('Approved as shown', undefined, { timeout: 3000 });
    expect(api.asked).toHaveLength(3);
  });

  it('suggests checking a sample only with enough decisions nearly all approved unchanged', () => {
    const agreed: ReviewStats = { ...base, approvedUnedited: 39, edited: 1, rejected: 0, autoApproved: 0, open: 0, timedOut: 0, items: 40, shares: { approvedUnedited: 39 / 40, edited: 1 / 40, rejected: 0, autoApproved: 0 } };
    const view = describeReviewStats(agreed, 100);
    expect(view.kind === 'stats' && view.advice).toMatch(/could ask a person only for some items/);
    const few = describeReviewStats({ ...agreed, approvedUnedited: 5, edited: 0, items: 5 }, 100);
    expect(few.kind === 'stats' && few.advice).toBeFalsy();
  });

  it('counts custom outcomes on a line of their own', () => {
    const view = describeReviewStats({ ...base, other: { escalate: 4 } }, 50);
    expect(view.kind).toBe('stats');
    if (view.kind !== 'stats') return;
    expect(view.lines.at(-1)).toEqual({ label: 'Answered “escalate”', share: '9 %', count: '4 items' });
    expect(view.scope).toMatch(/^Over this flow’s last 50 runs/);
  });
});
