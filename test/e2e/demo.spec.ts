/**
 * Demo mode in the browser (engine/demo/), over a web bridge and data folder of this file's own:
 * "Order lookup" fetches an order from a local HTTP server that counts its requests and runs once
 * for real. From the editor, "Run as demo…" picks that run; the steps light up on the canvas as
 * in any run, the bar says it is a demo, and the server gets no request. The runs list marks the
 * run "Demo", and its page says which recording answered and that nothing was sent.
 * Screenshots at 1400 and 800 px: test-results/screenshots/, or docs/screenshots/ with UPDATE_SCREENSHOTS=1.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
let shop: Server;
let dir = '';
let referenceId = '';
const received: string[] = [];

const call = <T>(method: string, args: unknown): Promise<T> => bridgeCall<T>(bridge, method, args);

async function waitForStatus(runId: string, wanted: string): Promise<void> {
  await expect.poll(() => call<{ status: string }>('runs.get', { runId }).then((r) => r.status, () => 'not written yet'), { timeout: 15_000 }).toBe(wanted);
}

test.beforeAll(async () => {
  shop = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: req.url?.split('/').pop(), customer: 'Ada Lovelace', total: 42 }));
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  const { port } = shop.address() as AddressInfo;
  dir = await mkdtemp(join(tmpdir(), 'flowkeeper-demo-e2e-'));
  bridge = await startBridge({ dataDir: dir, port: 0, staticDir: process.env.FLOWKEEPER_E2E_STATIC_DIR! });
  const flow = makeFlow(
    [
      { id: 'start', type: 'trigger.manual', name: 'Start by hand', position: { x: 0, y: 0 } },
      { id: 'fetch', type: 'http.request', name: 'Fetch order', position: { x: 280, y: 0 }, config: { method: 'GET', url: `http://127.0.0.1:${port}/orders/{{ orderId }}` } },
      { id: 'note', type: 'transform.set', name: 'Write note', position: { x: 560, y: 0 }, config: { fields: [{ name: 'note', value: 'Order {{ body.id }} for {{ body.customer }}' }] } },
    ],
    ['start -> fetch', 'fetch -> note'],
    { id: 'order-lookup', name: 'Order lookup', owner: 'sales@example.com' },
  );
  await call('flows.import', { text: JSON.stringify(flow) });
  referenceId = (await call<{ runId: string }>('runs.start', { flowId: 'order-lookup', input: { orderId: 'A-1' } })).runId;
  await waitForStatus(referenceId, 'succeeded');
  expect(received).toEqual(['GET /orders/A-1']);
});

test.afterAll(async () => {
  await bridge?.close();
  shop?.closeAllConnections();
  await new Promise((resolve) => shop?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

failOnPageErrors();

async function open(page: Page, hash: string): Promise<void> {
  await page.goto(bridge.url);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await page.evaluate((h) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
}

async function screenshots(page: Page, name: string): Promise<void> {
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: shot(`${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('from the editor, "Run as demo…" answers every call from a past run: the steps light up, nothing is sent, the run is marked Demo', async ({ page }) => {
  await open(page, '#/flows/order-lookup');
  await expect(page.getByTestId('editor')).toBeVisible();
  // From 800 px the editor bar still holds Run and Run as demo… without scrolling sideways.
  await page.setViewportSize({ width: 800, height: 700 });
  for (const name of ['Run as demo…', 'Run']) {
    const box = (await page.getByRole('button', { name, exact: true }).boundingBox())!;
    expect(box.x + box.width, `${name} fits in the window`).toBeLessThanOrEqual(800);
  }
  await page.screenshot({ path: shot('demo-editor-bar-800.png') });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('button', { name: 'Run as demo…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run “Order lookup” as a demo' });
  await expect(dialog).toContainText('Nothing is sent');
  const choice = dialog.locator(`label[data-run-id="${referenceId}"]`);
  await expect(choice).toContainText('orderId: A-1');
  await expect(choice.getByRole('radio')).toBeChecked();
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await expectAccessible(page, `the demo dialog at ${width} px`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: shot('demo-dialog-1280.png') });
  await dialog.getByRole('button', { name: 'Start the demo' }).click();

  const bar = page.getByTestId('run-bar');
  await expect(bar).toHaveAttribute('data-run-status', 'succeeded');
  await expect(bar.getByTestId('demo-badge')).toHaveText('Demo run');
  await expect(bar).toContainText(`Every outside call is answered from the recording of run ${referenceId}; nothing is sent.`);
  for (const id of ['start', 'fetch', 'note']) await expect(page.locator(`.node-card[data-node-id="${id}"]`)).toHaveAttribute('data-status', 'done');
  await page.screenshot({ path: shot('demo-editor-1280.png') });
  expect(received).toEqual(['GET /orders/A-1']);
});

test('the runs list marks demo runs, and a demo run\'s page says which recording answered and that nothing was sent', async ({ page }) => {
  const demoId = (await call<{ runId: string }>('runs.start', { flowId: 'order-lookup', demo: { runId: referenceId } })).runId;
  await waitForStatus(demoId, 'succeeded');
  const differentId = (await call<{ runId: string }>('runs.start', { flowId: 'order-lookup', input: { orderId: 'B-7' }, demo: { runId: referenceId } })).runId;
  await waitForStatus(differentId, 'failed');
  expect(received).toEqual(['GET /orders/A-1']);

  await open(page, '#/runs');
  const demoRow = page.locator(`tr[data-run-id="${demoId}"]`);
  await expect(demoRow.getByTestId('demo-badge')).toHaveText('Demo');
  await expect(demoRow).toContainText('Demo · Started in the app');
  await expect(page.locator(`tr[data-run-id="${referenceId}"]`).getByTestId('demo-badge')).toHaveCount(0);
  await screenshots(page, 'demo-runs');
  await expectAccessible(page, 'the runs list with demo runs');

  await open(page, `#/runs/${demoId}`);
  await expect(page.getByRole('heading', { name: 'Order lookup', level: 1 })).toBeVisible();
  const banner = page.getByTestId('demo-banner');
  await expect(banner).toHaveText(`Demo run: every outside call was answered from the recording of run ${referenceId}; nothing was sent and no credential was used.`);
  await expect(banner.getByRole('link', { name: `run ${referenceId}` })).toHaveAttribute('href', `#/runs/${referenceId}`);
  await expect(page.locator('.run-meta').getByTestId('demo-badge')).toHaveText('Demo');
  // A demo's steps never ran: no "re-run from here" on them.
  await expect(page.getByRole('button', { name: /Re-run from/ })).toHaveCount(0);
  await screenshots(page, 'demo-run');
  await expectAccessible(page, 'a demo run\'s page');

  // Another input: the step says what the recording lacks, in words.
  await open(page, `#/runs/${differentId}`);
  await expect(page.getByTestId('demo-banner')).toBeVisible();
  await expect(page.locator('main')).toContainText('This demo has no recorded answer for the HTTP request of “Fetch order” (item 1) (the recording asked for url');
  await expect(page.locator('main')).toContainText('Nothing was sent.');
  await screenshots(page, 'demo-run-mismatch');
  expect(received).toEqual(['GET /orders/A-1']);
});
