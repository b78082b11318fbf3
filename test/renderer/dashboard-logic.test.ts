/** The dashboard's address (figure → runs behind it) and its words, without a browser. */
import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute, sectionOf, type Route } from '../../renderer/logic/route.ts';
import { describeDrill, drillFilter, failedDeliveryLine, metricFigure, metricLine, percent, shortDay } from '../../renderer/dashboard/dashboard-logic.ts';

describe('the dashboard route', () => {
  it('round-trips the flow, the period and the runs behind a figure', () => {
    const routes: Route[] = [
      { view: 'dashboard' },
      { view: 'dashboard', flowId: 'replies', days: 30 },
      { view: 'dashboard', drill: {} },
      { view: 'dashboard', flowId: 'a b', drill: { status: 'failed', day: '2026-12-03', step: 'send', ai: true, reviewed: true, production: true } },
    ];
    for (const route of routes) expect(parseRoute(formatRoute(route))).toEqual(route);
    expect(formatRoute({ view: 'dashboard', drill: { status: 'failed' } })).toBe('#/dashboard?runs=1&status=failed');
    expect(sectionOf({ view: 'dashboard' })).toBe('dashboard');
  });

  it('ignores what it cannot read instead of sending it to the API', () => {
    expect(parseRoute('#/dashboard?days=9999&runs=1&status=weird&day=yesterday')).toEqual({ view: 'dashboard', drill: {} });
  });
});

describe('words', () => {
  it('says which runs a drill-down shows', () => {
    expect(describeDrill({ status: 'failed', day: '2026-12-03' }, undefined, 'Replies', 14, shortDay)).toBe('Runs of Replies that failed or were stopped on 3 Dec');
    expect(describeDrill({ step: 'send' }, 'Send reply', undefined, 7, shortDay)).toBe('Runs that failed at “Send reply” in the last 7 days');
    expect(describeDrill({ ai: true }, undefined, undefined, 1, shortDay)).toBe('Runs that used AI in the last 1 day');
    expect(drillFilter({ step: 'send', production: true }, 'replies')).toEqual({ flowId: 'replies', failedStep: 'send', production: true });
  });

  it('writes figures in their unit', () => {
    expect(percent(0.5714)).toBe('57.1 %');
    expect(percent(null)).toBe('—');
    expect(metricFigure({ unit: 'ms' }, 90_000)).toBe('1 min 30 s');
    expect(metricFigure({ unit: 'items', period: 'week' }, 12.345)).toBe('12.3 items per week');
    expect(metricLine({ unit: 'share', value: null, target: 0.8 } as never)).toBe('Nothing to measure yet (target 80 %)');
  });
});

describe('failed alert messages on the dashboard', () => {
  it('says nothing when every message went out', () => {
    expect(failedDeliveryLine([])).toBeUndefined();
  });
  it('counts them and names where they were going', () => {
    expect(failedDeliveryLine([{ to: 'ana@example.com' }])).toBe('1 alert message could not be sent (to ana@example.com), so someone may not know about a problem.');
    expect(failedDeliveryLine([{ to: 'a' }, { to: 'b' }, { to: 'c' }, { to: 'd' }, { to: 'a' }])).toBe('5 alert messages could not be sent (to a, b and 2 more), so someone may not know about a problem.');
  });
});
