/**
 * The dashboard in a real browser, over its own web bridges and data folders: an empty folder
 * says "No runs yet"; a folder with fixture runs (the success-metric fixtures moved to this week,
 * plus a run that failed at "Send reply" and one waiting for a review) shows the figures in the
 * tiles, the flow's row, the charts, and opens the runs behind a figure — then a run's own page.
 * Checked with axe (WCAG 2.1 AA); screenshots at 1400 and 800 px go to docs/screenshots/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { startBridge, type Bridge } from '../../cli/serve.ts';
import { bridgeCall } from './bridge-call.ts';
import { FLOW, NOW, RUNS, writeFixtureTraces } from '../engine/charter/metric-fixtures.ts';
import { failOnPageErrors } from './page-errors.ts';

const root = join(import.meta.dirname, '..', '..');
let bridge: Bridge;
let empty: Bridge;
let dir: string;

test.describe.configure({ mode: 'serial' });

const EXTRA = [
  {
    runId: 'f1',
    createdAt: '2026-12-04T10:00:00.000Z',
    startedBy: 'trigger:clock',
    events: [
      { type: 'node.started', nodeId: 'clock', attempt: 1, inputCounts: {} },
      { type: 'node.succeeded', nodeId: 'clock', attempt: 1, outputs: { out: [{ n: 0 }] }, durationMs: 1 },
      { type: 'node.started', nodeId: 'send', attempt: 1, inputCounts: { in: 1 } },
      { type: 'node.failed', nodeId: 'send', attempt: 1, error: { message: 'The mail server refused the message', code: 'SMTP', retryable: false }, willRetry: false, routedToErrorPort: false, durationMs: 5 },
      { type: 'run.finished', status: 'failed', outputs: {}, error: { message: 'The mail server refused the message', code: 'SMTP', retryable: false, nodeId: 'send' }, at: '2026-12-04T10:01:00.000Z' },
    ],
  },
  {
    runId: 'p1',
    createdAt: '2026-12-08T10:00:00.000Z',
    startedBy: 'trigger:clock',
    events: [
      { type: 'node.started', nodeId: 'clock', attempt: 1, inputCounts: {} },
      { type: 'node.succeeded', nodeId: 'clock', attempt: 1, outputs: { out: [{ n: 0 }] }, durationMs: 1 },
      { type: 'node.started', nodeId: 'check', attempt: 1, inputCounts: { in: 1 } },
      { type: 'review.requested', requestId: 'p1:check:0', nodeId: 'check', itemIndex: 0, request: { title: 'Reply', outcomes: ['approve', 'reject'] }, item: { n: 0 } },
      { type: 'run.paused', nodeId: 'check', reason: 'review', requests: ['p1:check:0'] },
    ],
  },
];

test.beforeAll(async () => {
  const staticDir = process.env.FLOWKEEPER_E2E_STATIC_DIR;
  if (!staticDir) throw new Error('FLOWKEEPER_E2E_STATIC_DIR is not set: run through playwright.config.ts (global setup).');
  dir = await mkdtemp(join(tmpdir(), 'flowkeeper-dashboard-e2e-'));
  // The fixtures' "now" is moved to a few minutes ago, so every run falls in the last 14 days.
  // r8 (a run left "running") is left out: the service would pick it up again at start.
  await writeFixtureTraces(join(dir, 'data', 'runs'), Date.now() - 5 * 60_000 - NOW, [...RUNS.filter((r) => r.runId !== 'r8'), ...EXTRA]);
  bridge = await startBridge({ dataDir: join(dir, 'data'), port: 0, staticDir });
  empty = await startBridge({ dataDir: join(dir, 'empty'), port: 0, staticDir });
  await bridgeCall(bridge, 'flows.save', { flow: { ...FLOW, charter: { owner: { name: 'Ana Owner', email: 'ana@example.com' }, metric: { kind: 'runs-without-person', target: 0.8, windowDays: 7 } } } });
});

test.afterAll(async () => {
  await bridge.close();
  await empty.close();
  await rm(dir, { recursive: true, force: true });
});

failOnPageErrors();

async function open(page: Page, on: Bridge, hash: string): Promise<void> {
  await page.goto(on.url);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await page.evaluate((h) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
}

async function shoot(page: Page, name: string): Promise<void> {
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(250);
    await page.locator('main').evaluate((e) => e.scrollTo(0, 0));
    await page.screenshot({ path: join(root, 'docs', 'screenshots', `dashboard-${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1400, height: 900 });
}

async function axeClean(page: Page): Promise<void> {
  const axe = await new AxeBuilder({ page }).include('[data-testid="dashboard"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('a fresh data folder says there are no runs yet and where to start', async ({ page }) => {
  await open(page, empty, '#/dashboard');
  const dashboard = page.getByTestId('dashboard');
  await expect(dashboard.getByRole('heading', { name: 'No runs yet' })).toBeVisible();
  await expect(dashboard.getByRole('button', { name: 'Go to Flows' })).toBeVisible();
  await axeClean(page);
  await shoot(page, 'empty');
});

test('shows the runs, the flow in red when below target, and opens the runs behind a figure', async ({ page }) => {
  await open(page, bridge, '#/dashboard');
  await expect(page.getByRole('link', { name: 'Dashboard' })).toHaveAttribute('aria-current', 'page');
  const dashboard = page.getByTestId('dashboard');
  // Counted: r1 r2 r3 r4 r5 r9 f1 p1 (r6 is a fork; r7 is older than the window only when run late).
  const runsTile = dashboard.locator('.dashboard-tile').filter({ hasText: 'Runs' }).first();
  await expect(runsTile).toContainText(/\d+ succeeded · 2 failed/);
  await expect(dashboard.locator('.dashboard-tile').filter({ hasText: 'Waiting for a person' })).toContainText('1');
  await expect(dashboard.locator('.dashboard-tile').filter({ hasText: 'Approved as proposed' })).toContainText('57.1 %');
  // Production runs without a person: 2 (r2, r3) of 4 (r1, r2, r3, r9) — below the 80 % target: the row is marked.
  const row = dashboard.locator('tr[data-flow-id="replies"]');
  await expect(row).toHaveAttribute('data-health', 'below-target');
  await expect(row).toContainText('Below target');
  await expect(dashboard.getByText('Where runs fail')).toBeVisible();
  await expect(dashboard.getByRole('button', { name: 'Send reply' })).toBeVisible();
  await expect(dashboard.locator('.day-chart canvas').first()).toBeVisible();
  await axeClean(page);
  await shoot(page, 'overview');

  // The failed share opens the failed runs; one of them opens its own page.
  await dashboard.getByRole('button', { name: /^Succeeded 75 % of 8 finished runs/ }).click();
  const drill = dashboard.locator('.dashboard-drill');
  await expect(drill.getByRole('heading')).toHaveText('Runs that failed or were stopped in the last 14 days (2)');
  await expect(drill.locator('tr[data-run-id]')).toHaveCount(2);
  await expect(drill.locator('tr[data-run-id="f1"]')).toContainText('The mail server refused the message');
  await axeClean(page);
  await shoot(page, 'failed-runs');
  await drill.locator('tr[data-run-id="f1"]').getByRole('link', { name: 'Replies' }).click();
  await expect(page).toHaveURL(/#\/runs\/f1$/);

  // Back on the dashboard: the step that failed opens the runs that stopped there.
  await page.goBack();
  await page.goBack();
  await dashboard.getByRole('button', { name: 'Send reply' }).click();
  await expect(drill.getByRole('heading')).toHaveText('Runs that failed at “Send reply” in the last 14 days (1)');
  await expect(drill.locator('tr[data-run-id]')).toHaveCount(1);
});

test('one flow: its success metric against the target, day by day, and a day opens its runs', async ({ page }) => {
  await open(page, bridge, '#/dashboard');
  const dashboard = page.getByTestId('dashboard');
  await dashboard.getByRole('link', { name: 'Replies' }).click();
  await expect(dashboard.getByRole('heading', { name: 'Dashboard: Replies' })).toBeVisible();
  const metric = dashboard.locator('.day-chart').filter({ hasText: 'Success metric' });
  await expect(metric).toBeVisible();
  await expect(metric.locator('canvas')).toBeVisible();
  // The runs chart's table: a day's failed count opens that day's failed runs.
  const runsChart = dashboard.locator('.day-chart').filter({ hasText: 'Runs per day' });
  await runsChart.getByText('Show as a table').click();
  await runsChart.getByRole('button', { name: /^Failed on .*: 1\. Show the runs$/ }).first().click();
  const drill = dashboard.locator('.dashboard-drill');
  await expect(drill.getByRole('heading')).toHaveText(/^Runs of Replies that failed or were stopped on \d+ \w+ \(1\)$/);
  await axeClean(page);
  await shoot(page, 'one-flow');
});
