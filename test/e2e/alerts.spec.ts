/**
 * The alerts screen (issue 11 item 3), through a web bridge of this file's own over its own data
 * folder: "Invoice sync" posts to a local server that answers 500, so five runs fail — one alert
 * with a count, a badge in the rail, a webhook message that could not be sent (the receiver
 * answers 404) shown with what to do. Snooze, open the run; the target is fixed, the next run
 * succeeds, and the alert moves to "Recently cleared".
 * Screenshots at 1400 and 800 px: test-results/screenshots/, or docs/screenshots/ with UPDATE_SCREENSHOTS=1.
 */
import { expect, test } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, type Bridge } from '../../cli/serve.ts';
import { bridgeCall } from './bridge-call.ts';
import { makeFlow } from '../helpers/engine.ts';
import { expectAccessible } from './accessibility.ts';
import { failOnPageErrors } from './page-errors.ts';

const root = join(import.meta.dirname, '..', '..');
const shot = (name: string) => join(root, process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots', name);

let bridge: Bridge;
let dataDir = '';
let target: Server;
let receiver: Server;
const state = { healthy: false };
const call = <T>(method: string, args: unknown): Promise<T> => bridgeCall<T>(bridge, method, args);

async function listen(handler: (status: { healthy: boolean }) => number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(handler(state), { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function runOnce(): Promise<string> {
  const { runId } = await call<{ runId: string }>('runs.start', { flowId: 'invoice-sync' });
  // The trace appears a moment after the start is answered.
  await expect.poll(() => call<{ status: string }>('runs.get', { runId }).then((r) => r.status, () => 'starting'), { timeout: 15_000 }).toMatch(/succeeded|failed/);
  return runId;
}

test.beforeAll(async () => {
  test.setTimeout(60_000);
  dataDir = await mkdtemp(join(tmpdir(), 'flowkeeper-e2e-alerts-'));
  bridge = await startBridge({ dataDir, port: 0, staticDir: process.env.FLOWKEEPER_E2E_STATIC_DIR! });
  const t = await listen((s) => (s.healthy ? 200 : 500));
  target = t.server;
  const r = await listen(() => 404);
  receiver = r.server;
  const flow = makeFlow(
    [
      { id: 'start', type: 'trigger.manual', name: 'Invoice arrives' },
      { id: 'post', type: 'http.request', name: 'Post invoice', config: { url: `${t.url}/invoices`, method: 'POST' }, retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, multiplier: 1, jitter: false } },
    ],
    ['start -> post'],
    {
      id: 'invoice-sync',
      name: 'Invoice sync',
      charter: {
        owner: { name: 'Ana', email: 'ana@example.com' },
        backupOwner: { name: 'Ben', email: 'ben@example.com' },
        mustNever: '',
        reviewers: '',
        waivers: [],
        alerts: { webhook: { url: `${r.url}/services/T0/B0/removed`, format: 'slack' }, desktop: true },
      },
    },
  );
  await call('flows.import', { text: JSON.stringify(flow) });
  for (let i = 0; i < 5; i++) await runOnce();
  await expect.poll(() => call<{ failedDeliveries: unknown[] }>('alerts.list', {}).then((l) => l.failedDeliveries.length), { timeout: 15_000 }).toBe(1);
});

test.afterAll(async () => {
  await bridge?.close();
  target?.close();
  receiver?.close();
  await rm(dataDir, { recursive: true, force: true });
});

failOnPageErrors();

test('five failed runs are one alert with a count; a failed delivery says what to do; snooze, open the run, recovery', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(`${bridge.url}#/alerts`);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await expect(page.getByRole('link', { name: /Alerts/ }).locator('.nav-count')).toHaveText('1');
  await expect(page.getByRole('heading', { name: 'Alerts', level: 1 })).toBeVisible();

  const open = page.getByRole('list', { name: 'Open alerts' });
  await expect(open.getByRole('listitem').filter({ hasText: 'Invoice sync failed 5 times since' })).toHaveCount(1);
  await expect(open).toContainText('Step: Post invoice');
  await expect(open).toContainText('Desktop notice: sent');
  await expect(open).toContainText('Webhook at 127.0.0.1');
  await expect(open).toContainText('could not be sent');
  const problems = page.getByRole('status').filter({ hasText: 'A message could not be sent' });
  await expect(problems).toContainText('answered 404');
  await expect(problems).toContainText('make a new one and paste it in the alert settings');

  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await expectAccessible(page, `the alerts at ${width} px`);
    await page.screenshot({ path: shot(`alerts-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  // The dashboard says so too: an owner who is not told is worse than a red figure.
  await page.goto(`${bridge.url}#/dashboard`);
  await expect(page.getByTestId('dashboard-failed-deliveries')).toContainText('1 alert message could not be sent');
  await expect(page.locator('tr[data-flow-id="invoice-sync"]')).toHaveAttribute('data-health', 'failing');
  await expect(page.locator('tr[data-flow-id="invoice-sync"]')).toContainText('Its last run failed at "Post invoice".');
  await page.getByTestId('dashboard-failed-deliveries').getByRole('link', { name: 'See what to do on the Alerts screen' }).click();
  await expect(page).toHaveURL(/#\/alerts$/);

  await open.getByRole('button', { name: 'Snooze 1 h' }).click();
  await expect(open).toContainText('Snoozed until');
  await open.getByRole('button', { name: 'End snooze' }).click();
  await expect(open).not.toContainText('Snoozed until');

  await open.getByRole('link', { name: 'Open the run' }).click();
  await expect(page).toHaveURL(/#\/runs\/run-/);

  // Fixed: the next run succeeds; the alert clears, the badge goes.
  state.healthy = true;
  await runOnce();
  await page.goto(`${bridge.url}#/alerts`);
  await expect(page.getByRole('heading', { name: 'No open alerts' })).toBeVisible();
  await expect(page.getByRole('link', { name: /Alerts/ }).locator('.nav-count')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Recently cleared' })).toBeVisible();
  await expect(page.getByText(/Invoice sync failed 5 times since .* cleared .* \(the next run succeeded\)/)).toBeVisible();
  // …and the dashboard is no longer red for it.
  await page.goto(`${bridge.url}#/dashboard`);
  await expect(page.locator('tr[data-flow-id="invoice-sync"]')).not.toHaveAttribute('data-health', 'failing');
});

test('reviewers\' addresses for review reminders are checked, saved and kept', async ({ page }) => {
  await page.goto(`${bridge.url}#/settings`);
  const card = page.getByRole('region', { name: 'Review reminders by e-mail' });
  await expect(card.getByLabel('Send with')).toHaveValue('');
  await card.getByRole('button', { name: 'Add a reviewer' }).click();
  await card.getByLabel('Reviewer 1: name').fill('Ana');
  await card.getByLabel('Reviewer 1: e-mail address').fill('ana at example');
  await card.getByRole('button', { name: 'Save addresses' }).click();
  await expect(card).toContainText('An e-mail address looks like ana@example.com.');
  await card.getByLabel('Reviewer 1: e-mail address').fill('ana@example.com');
  await card.getByRole('button', { name: 'Save addresses' }).click();
  await expect(page.getByText("Saved the reviewers' addresses.")).toBeVisible();
  await page.setViewportSize({ width: 800, height: 900 });
  await expectAccessible(page, 'settings at 800 px');
  await card.screenshot({ path: shot('reminder-settings-800.png') });
  await page.reload();
  await expect(page.getByRole('region', { name: 'Review reminders by e-mail' }).getByLabel('Reviewer 1: e-mail address')).toHaveValue('ana@example.com');
  expect((await call<{ reviewerEmails: Record<string, string> }>('settings.get', {})).reviewerEmails).toEqual({ Ana: 'ana@example.com' });
});
