/**
 * The "Drift check" section of the flow page in a real browser, over its own web bridge and data
 * folder, against a real local customer API: the empty state says what a reference run is; a past
 * run is added as one; Check now finds no drift; the API switches to v2 and Check now lists the
 * changes in sentences; a schedule is chosen in words and saved with the flow; a reference is
 * removed. Screenshots go to docs/screenshots/flow-page-drift-*.png.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startBridge, type Bridge } from '../../cli/serve.ts';
import { bridgeCall } from './bridge-call.ts';
import { expectAccessible } from './accessibility.ts';
import { failOnPageErrors } from './page-errors.ts';

const root = join(import.meta.dirname, '..', '..');
let bridge: Bridge;
let dir: string;
let upstream: Server;
const api = { v2: false };

test.describe.configure({ mode: 'serial' });

function call<T>(method: string, args: unknown): Promise<T> {
  return bridgeCall<T>(bridge, method, args);
}

test.beforeAll(async () => {
  const staticDir = process.env.FLOWKEEPER_E2E_STATIC_DIR;
  if (!staticDir) throw new Error('FLOWKEEPER_E2E_STATIC_DIR is not set: run through playwright.config.ts (global setup).');
  upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(api.v2 ? { customer: { id: 7, mail: 'ana@example.com', plan: 'team' } } : { customer: { id: 'c-7', email: 'ana@example.com', plan: 'pro' } }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  dir = await mkdtemp(join(tmpdir(), 'flowkeeper-drift-e2e-'));
  bridge = await startBridge({ dataDir: join(dir, 'data'), port: 0, staticDir });
  await call('flows.save', {
    flow: {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'customer-sync',
      name: 'Customer sync',
      nodes: [
        { id: 'start', type: 'trigger.manual', name: 'Start', position: { x: 0, y: 0 }, config: {} },
        { id: 'fetch', type: 'http.request', name: 'Fetch customer', position: { x: 300, y: 0 }, config: { url: `http://127.0.0.1:${port}/customers/7`, method: 'GET' }, retry: { maxAttempts: 1 } },
      ],
      edges: [{ source: 'start', target: 'fetch' }],
    },
  });
  const { runId } = await call<{ runId: string }>('runs.start', { flowId: 'customer-sync' });
  // The run is queued: wait (on the API, not a fixed sleep) until the runs list has it finished.
  await expect.poll(async () => (await call<Array<{ runId: string; status: string }>>('runs.list', { flowId: 'customer-sync' })).find((r) => r.runId === runId)?.status, { timeout: 20_000 }).toBe('succeeded');
});

test.afterAll(async () => {
  await bridge.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

failOnPageErrors();

async function open(page: Page, hash: string): Promise<void> {
  await page.goto(bridge.url);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await page.evaluate((h) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
}

async function shoot(page: Page, name: string): Promise<void> {
  const section = page.getByTestId('drift-section');
  // The notices ("No drift…", the desktop alert) are shown and asserted elsewhere; out of the picture.
  await expect(async () => {
    const dismiss = page.locator('.notice').getByRole('button', { name: 'Dismiss' }).first();
    if ((await dismiss.count()) > 0) await dismiss.click({ timeout: 500 });
    await expect(page.locator('.notice')).toHaveCount(0, { timeout: 100 });
  }).toPass({ timeout: 15_000 });
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await section.scrollIntoViewIfNeeded();
    await page.waitForTimeout(150);
    await section.screenshot({ path: join(root, 'docs', 'screenshots', `flow-page-drift-${name}-${width}.png`) });
  }
  await page.setViewportSize({ width: 1400, height: 900 });
}

test('references, Check now with and without drift, a schedule in words', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await open(page, '#/flows/customer-sync/overview');
  const section = page.getByTestId('drift-section');
  await expect(section).toBeVisible();
  await expect(page.getByTestId('drift-no-references')).toContainText('No reference runs yet. A reference run is a finished run this flow is compared with');
  await expect(section.getByRole('button', { name: 'Check now' })).toBeDisabled();
  await expect(section).toContainText('Add a reference run first');
  await shoot(page, 'empty');

  // A past run becomes a reference.
  const runs = section.getByLabel('Add a past run as a reference');
  await runs.selectOption({ index: 1 });
  await section.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(section.locator('.drift-reference')).toHaveCount(1);
  await expect(section.locator('.drift-reference')).toContainText('version 1 · chosen here');
  await expect(section).toContainText('Every recent finished run of this flow is a reference already.');
  await expect(section).toContainText('No check has run yet. Press Check now to run the first one.');

  await section.getByRole('button', { name: 'Check now' }).click();
  await expect(section.locator('.drift-outcome')).toContainText('No drift: the answers look as they did in the 1 reference run.');

  api.v2 = true;
  await section.getByRole('button', { name: 'Check now' }).click();
  // The owner hears of it: the desktop alert shows as a notice in the app.
  await expect(page.locator('.notice').filter({ hasText: 'Customer sync: its answers no longer look like the reference' })).toBeVisible();
  await expect(section.locator('.drift-outcome')).toContainText('Drift: 3 things have changed since the 1 reference run.');
  const sentences = section.locator('.drift-sentences li');
  await expect(sentences).toHaveText(['customer.email is gone from Fetch customer\'s answer.', 'customer.id in Fetch customer\'s answer changed from text to number.', 'customer.mail is new in Fetch customer\'s answer.']);
  await expect(sentences.first().locator('code')).toHaveText('customer.email');
  await shoot(page, 'found');
  await expectAccessible(page, 'the flow page with a drift check');

  // A schedule in words: saved with the flow's charter.
  await section.getByLabel('Schedule', { exact: true }).selectOption({ label: 'Every Monday at 06:00' });
  await expect(section).toContainText('Every Monday at 06:00.');
  await expect(section.getByLabel(/Also ask the AI steps again/)).not.toBeChecked();
  await expect.poll(async () => ((await call<{ flow: { charter?: { drift?: { schedule: string } } } }>('flows.get', { id: 'customer-sync' })).flow.charter?.drift?.schedule)).toBe('0 6 * * 1');
  await page.reload();
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await expect(page.getByTestId('drift-section').getByLabel('Schedule', { exact: true })).toHaveValue('weekly');

  // The flow is off: the page says scheduled checks wait for it to be on.
  await expect(page.getByTestId('drift-section')).toContainText('The flow is switched off: scheduled drift checks run only while it is on.');

  // Removing the reference brings the empty state back.
  await page.getByTestId('drift-section').getByRole('button', { name: /^Remove the reference run/ }).click();
  await expect(page.getByTestId('drift-no-references')).toBeVisible();
});
