/**
 * Run views that tell the truth at a glance (issue 13), through a web bridge of this file's own
 * over its own data folder, so nothing here depends on app.spec.ts's data:
 * - "Sort emails" sends 4 items to an address where nothing listens; every item goes out on the
 *   error path: the step reads "Done · 4 of 4 items failed" and the run is not a plain success;
 * - "Pay supplier" was interrupted while sending a payment (a real crash: the trace copied as it
 *   was on disk while the request hung), so the bridge's start-up resume asks "did it go out?";
 * - "Slow lookup" hangs at a test server until the person cancels it.
 * Screenshots at 1400 and 800 px: test-results/screenshots/, or docs/screenshots/ with UPDATE_SCREENSHOTS=1.
 */
import { expect, test, type Page } from '@playwright/test';
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, type Bridge } from '../../cli/serve.ts';
import { bridgeCall } from './bridge-call.ts';
import { Engine, FileTraceStore } from '../../engine/index.ts';
import { KeychainUnavailableError } from '../../engine/vault.ts';
import { makeFlow, registry } from '../helpers/engine.ts';
import { expectAccessible } from './accessibility.ts';
import { failOnPageErrors } from './page-errors.ts';

const root = join(import.meta.dirname, '..', '..');
/** test-results/ normally; UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/ (as app.spec.ts does). */
const shot = (name: string) => join(root, process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots', name);

let bridge: Bridge;
let hanging: Server;
let hangingUrl = '';
let closedPort = 0;
let dirs: string[] = [];
const stopCrashed = new AbortController();
let crashedRun: Promise<unknown> | undefined;
const runIds: Record<string, string> = {};

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const call = <T>(method: string, args: unknown): Promise<T> => bridgeCall<T>(bridge, method, args);

async function waitForStatus(runId: string, wanted: string[]): Promise<void> {
  // A run started a moment ago may not have a trace yet: "no run" until it has.
  const status = () => call<{ status: string }>('runs.get', { runId }).then((r) => r.status, () => 'not written yet');
  await expect.poll(status, { timeout: 15_000 }).toMatch(new RegExp(`^(${wanted.join('|')})$`));
}

const SORT_EMAILS = (port: number) =>
  makeFlow(
    [
      { id: 'start', type: 'trigger.manual', name: 'Start by hand' },
      { id: 'emails', type: 'transform.jsonata', name: 'Four emails', config: { mode: 'all', expression: '[1..4].{"n": $, "subject": "Order " & $}' } },
      { id: 'classify', type: 'http.request', name: 'Classify email', retry: { maxAttempts: 1, initialDelayMs: 10, maxDelayMs: 10, multiplier: 1, jitter: false }, config: { method: 'GET', url: `http://127.0.0.1:${port}/classify/{{ n }}` } },
      { id: 'review', type: 'transform.set', name: 'Mark for a person', config: { fields: [{ name: 'needsReview', value: true }] } },
    ],
    ['start -> emails', 'emails -> classify', 'classify.error -> review'],
    { id: 'sort-emails', name: 'Sort emails', owner: 'support@example.com' },
  );

const PAY_SUPPLIER = (url: string) =>
  makeFlow(
    [
      { id: 'start', type: 'trigger.manual', name: 'Start by hand' },
      { id: 'pay', type: 'http.request', name: 'Pay supplier', config: { method: 'POST', url: `${url}/pay`, bodyType: 'json', body: { amount: 100 } } },
    ],
    ['start -> pay'],
    { id: 'pay-supplier', name: 'Pay supplier', owner: 'finance@example.com' },
  );

const CHECK_MANY = (url: string) =>
  makeFlow(
    [
      { id: 'start', type: 'trigger.manual', name: 'Start by hand' },
      { id: 'many', type: 'transform.jsonata', name: 'Thirty customers', config: { mode: 'all', expression: '[1..30].{"n": $}' } },
      { id: 'check', type: 'http.request', name: 'Check customer', config: { method: 'GET', url: `${url}/ok/{{ n }}` } },
    ],
    ['start -> many', 'many -> check'],
    { id: 'check-many', name: 'Check many customers', owner: 'support@example.com' },
  );

const QUICK_NOTE = makeFlow(
  [
    { id: 'start', type: 'trigger.manual', name: 'Start by hand', config: { fields: [{ name: 'customer', label: 'Customer', type: 'text' }] } },
    { id: 'note', type: 'transform.set', name: 'Write a note', config: { fields: [{ name: 'noted', value: true }] } },
  ],
  ['start -> note'],
  { id: 'quick-note', name: 'Quick note', owner: 'support@example.com' },
);

const SLOW_LOOKUP = (url: string) =>
  makeFlow(
    [
      { id: 'start', type: 'trigger.manual', name: 'Start by hand' },
      { id: 'lookup', type: 'http.request', name: 'Look up customer', config: { method: 'GET', url: `${url}/slow` } },
    ],
    ['start -> lookup'],
    { id: 'slow-lookup', name: 'Slow lookup', owner: 'support@example.com' },
  );

test.beforeAll(async () => {
  test.setTimeout(60_000);
  // A server that takes requests and never answers them ("the caller dies" / "a slow service").
  const received: string[] = [];
  hanging = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    // /ok/… answers at once; everything else hangs.
    if (req.url?.startsWith('/ok/')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  hangingUrl = `http://127.0.0.1:${await listen(hanging)}`;
  // A port where nothing listens: taken, then given back.
  const probe = createServer();
  closedPort = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));

  // A real crash while "Pay supplier" sends: its trace as it is on disk once the POST is out.
  const first = await mkdtemp(join(tmpdir(), 'flowkeeper-e2e-crash-'));
  const data = await mkdtemp(join(tmpdir(), 'flowkeeper-e2e-runviews-'));
  dirs = [first, data];
  crashedRun = new Engine({ store: new FileTraceStore(first), registry }).startRun(PAY_SUPPLIER(hangingUrl), { signal: stopCrashed.signal, startedBy: 'cli' }).catch(() => undefined);
  await expect.poll(() => received.includes('POST /pay'), { timeout: 10_000 }).toBe(true);
  const [trace] = (await readdir(join(first, 'runs'))).filter((n) => n.endsWith('.jsonl'));
  await mkdir(join(data, 'runs'), { recursive: true });
  await cp(join(first, 'runs', trace!), join(data, 'runs', trace!));
  runIds.pay = trace!.replace(/\.jsonl$/, '');
  stopCrashed.abort();

  bridge = await startBridge({ dataDir: data, port: 0, staticDir: process.env.FLOWKEEPER_E2E_STATIC_DIR! });
  for (const flow of [SORT_EMAILS(closedPort), PAY_SUPPLIER(hangingUrl), SLOW_LOOKUP(hangingUrl), CHECK_MANY(hangingUrl), QUICK_NOTE]) await call('flows.import', { text: JSON.stringify(flow) });
  await waitForStatus(runIds.pay, ['needs-attention']);
  runIds.sort = (await call<{ runId: string }>('runs.start', { flowId: 'sort-emails', input: {} })).runId;
  await waitForStatus(runIds.sort, ['succeeded']);
});

test.afterAll(async () => {
  stopCrashed.abort();
  await crashedRun;
  await bridge?.close();
  hanging?.closeAllConnections();
  await new Promise((resolve) => hanging?.close(resolve));
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const consoleErrors = failOnPageErrors();

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

test('a step whose every item failed says so, and the run is not a plain success', async ({ page }) => {
  await open(page, `#/runs/${runIds.sort}`);
  await expect(page.getByRole('heading', { name: 'Sort emails', level: 1 })).toBeVisible();
  const runBadge = page.locator('.run-meta .badge');
  await expect(runBadge).toHaveText('Succeeded with failed items');
  await expect(runBadge).toHaveClass(/tone-warning/);
  await expect(page.getByTestId('run-failed-items')).toHaveText('The run finished, but 4 of 4 items failed at “Classify email”.');

  const step = page.locator('li[data-node-id="classify"]');
  await expect(step.locator('.badge')).toHaveText('Done · 4 of 4 items failed');
  await expect(step.locator('.badge')).toHaveClass(/tone-warning/);
  await expect(page.locator('li[data-node-id="emails"] .badge')).toHaveText('Done');
  await expect(page.locator('li[data-node-id="review"] .badge')).toHaveText('Done');

  // Plain words: the refused connection in a sentence, items counted from 1.
  const timeline = page.getByRole('list', { name: 'What happened, in order' });
  await expect(timeline).toContainText(`“Classify email”: the web request for item 1 failed: Nothing answered at 127.0.0.1:${closedPort} (connection refused).`);
  await expect(timeline).toContainText('for item 4 failed');
  await expect(timeline).not.toContainText('item 0');
  await page.getByLabel('Show every outside call').check();
  await expect(timeline).not.toContainText(/item 0|secret:/);
  await page.getByLabel('Show every outside call').uncheck();

  // One clock: the header's "Took" equals the timeline's last time.
  const took = (await page.locator('.run-meta').getByText(/^Took /).textContent())!.replace('Took ', '');
  await expect(timeline.locator('.timeline-time').last()).toHaveText(`+${took}`);

  // A short aside never wraps onto its own line.
  for (const note of await page.locator('.timeline-note').all()) {
    const box = (await note.boundingBox())!;
    expect(box.height).toBeLessThan(24);
  }
  await screenshots(page, 'run-failed-items');

  // The runs list says it too.
  await open(page, '#/runs');
  const row = page.locator(`tr[data-run-id="${runIds.sort}"]`);
  await expect(row.locator('.badge')).toHaveText('Succeeded with failed items');
  await expect(row).toContainText('4 of 4 items failed at “Classify email”.');
});

test('a run that needs a decision: no step says Running, the question uses the buttons’ words', async ({ page }) => {
  await open(page, `#/runs/${runIds.pay}`);
  await expect(page.locator('.run-meta .badge')).toHaveText('Needs your decision');
  const step = page.locator('li[data-node-id="pay"]');
  await expect(step.locator('.badge')).toHaveText('Waiting for your decision');
  await expect(page.locator('.node-list .badge', { hasText: /^Running$/ })).toHaveCount(0);

  const panel = page.getByRole('region', { name: 'Did it go out? Flowkeeper needs your decision' });
  await expect(panel).toContainText('“Send it again” if it did not arrive, “Skip this item” if it did, or “Cancel the run”');
  await expect(panel).not.toContainText(/send-again|skip-item|"cancel"|node "/);
  await expect(panel).toContainText('(a web request)');
  // The step is named once.
  expect(((await panel.locator('p').first().textContent()) ?? '').split('“Pay supplier”').length - 1).toBe(1);
  await expect(panel.getByRole('button', { name: 'Send it again' })).toBeVisible();
  await screenshots(page, 'run-needs-decision');

  await open(page, '#/runs');
  await expect(page.locator(`tr[data-run-id="${runIds.pay}"]`)).toContainText('“Send it again”');
  await expect(page.locator(`tr[data-run-id="${runIds.pay}"]`)).not.toContainText('send-again');
  await screenshots(page, 'runs');
});

test('a cancelled run’s interrupted step is “Stopped”, not a red failure, with no dangling time', async ({ page }) => {
  const { runId } = await call<{ runId: string }>('runs.start', { flowId: 'slow-lookup', input: {} });
  await open(page, `#/runs/${runId}`);
  const step = page.locator('li[data-node-id="lookup"]');
  await expect(step.locator('.badge')).toHaveText('Running');
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await expect(page.locator('.run-meta .badge')).toHaveText('Cancelled');
  await expect(step.locator('.badge')).toHaveText('Stopped');
  await expect(step.locator('.badge')).not.toHaveClass(/tone-danger/);
  await expect(step.locator('.cell-sub')).toHaveText(/^stopped (after .+|before it finished)$/);
  await expect(step.locator('.node-error')).toHaveCount(0);
  await expect(page.getByRole('list', { name: 'What happened, in order' })).toContainText('“Look up customer” was stopped');
});

test('the runs list tells runs apart (how, who, input) and pages', async ({ page }) => {
  test.setTimeout(90_000);
  await call('settings.update', { reviewerName: 'Ana Ops' });
  const started: string[] = [];
  for (let i = 1; i <= 55; i++) started.push((await call<{ runId: string }>('runs.start', { flowId: 'quick-note', input: { customer: `Customer ${i}` } })).runId);
  await waitForStatus(started.at(-1)!, ['succeeded']);
  await call('settings.update', { reviewerName: '' });

  await open(page, '#/runs?flow=quick-note');
  const rows = page.locator('tbody tr');
  await expect(rows).toHaveCount(50);
  // Newest first: the 55th run, its input and who started it.
  await expect(rows.first()).toContainText('customer: Customer 55');
  await expect(rows.first()).toContainText('Started in the app by Ana Ops');
  await expect(page.getByRole('navigation', { name: 'Pages of runs' })).toContainText('Runs 1–50');
  await page.getByRole('button', { name: 'Older →' }).click();
  await expect(rows).toHaveCount(5);
  await expect(page.getByRole('navigation', { name: 'Pages of runs' })).toContainText('Runs 51–55');
  await expect(rows.last()).toContainText('customer: Customer 1');
  await expect(page.getByRole('button', { name: 'Older →' })).toBeDisabled();
  await page.getByRole('button', { name: '← Newer' }).click();
  await expect(rows).toHaveCount(50);

  // The crashed run was started from the command line.
  await open(page, '#/runs?flow=pay-supplier');
  await expect(page.locator(`tr[data-run-id="${runIds.pay}"]`)).toContainText('Started from the command line');
});

test('every outside call: grouped by step and item, filtered, paged', async ({ page }) => {
  const { runId } = await call<{ runId: string }>('runs.start', { flowId: 'check-many', input: {} });
  await waitForStatus(runId, ['succeeded']);
  await open(page, `#/runs/${runId}`);
  await page.getByLabel('Show every outside call').check();
  const calls = page.getByRole('list', { name: 'Outside calls by step and item' });
  const items = calls.locator('li.call-item');
  await expect(items).toHaveCount(25);
  await expect(calls.locator('li.call-step[data-node-id="check"] li.call-item').first()).toContainText('Item 1');
  await expect(calls.locator('li.call-step[data-node-id="check"] li.call-item').first()).toContainText(/Web request: GET http\S+\/ok\/1 → answer 200/);
  await page.getByRole('button', { name: 'Show 5 more items' }).click();
  await expect(items).toHaveCount(30);
  await expect(items.last()).toContainText('Item 30');
  await page.getByLabel('Only failed calls').check();
  await expect(page.getByRole('heading', { name: 'No failed calls' })).toBeVisible();

  // On the run with failures: the filter keeps only the failed ones.
  await open(page, `#/runs/${runIds.sort}`);
  await page.getByLabel('Show every outside call').check();
  await page.getByLabel('Step', { exact: true }).selectOption('classify');
  await page.getByLabel('Only failed calls').check();
  await expect(calls.locator('li.call-item')).toHaveCount(4);
  await expect(calls).toContainText('Nothing answered at 127.0.0.1');
});

test('the Credentials screen says whether the keychain can be used, as soon as it opens', async ({ page }) => {
  // This machine's keychain, whichever way it is: the screen agrees with the API.
  const status = await call<{ keychain: string }>('credentials.status', {});
  await open(page, '#/credentials');
  const panel = page.getByTestId('keychain-status');
  await expect(panel).toHaveAttribute('data-keychain', status.keychain);
  await expect(panel).toContainText(status.keychain === 'available' ? 'Keychain ready' : 'No system keychain');
  await screenshots(page, 'credentials');

  // A machine without one: said plainly with the fix, before anything is typed.
  const refusing = {
    getPassword: () => Promise.reject(new KeychainUnavailableError('Cannot autolaunch D-Bus without X11 $DISPLAY')),
    setPassword: () => Promise.reject(new KeychainUnavailableError('no keychain')),
    deletePassword: () => Promise.reject(new KeychainUnavailableError('no keychain')),
  };
  const data = await mkdtemp(join(tmpdir(), 'flowkeeper-e2e-nokeychain-'));
  dirs.push(data);
  const without = await startBridge({ dataDir: data, port: 0, staticDir: process.env.FLOWKEEPER_E2E_STATIC_DIR!, keychain: refusing });
  try {
    await page.goto(without.url);
    await expect(page.getByTestId('connection')).toHaveText('Connected');
    await page.evaluate(() => void ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/credentials'));
    const missing = page.getByTestId('keychain-status');
    await expect(missing).toHaveAttribute('data-keychain', 'missing');
    await expect(missing.getByRole('heading', { name: 'No system keychain: credentials cannot be saved here' })).toBeVisible();
    await expect(missing).toContainText('The system keychain cannot be used');
    await expect(missing).toContainText('Secret Service');
    await expect(missing).toContainText('FLOWKEEPER_CREDENTIAL_');
    await expect(missing).not.toContainText('D-Bus');
    await screenshots(page, 'credentials-no-keychain');
  } finally {
    await without.close();
  }
});

test('the access key survives a restart; a replaced key is explained, with this server’s real address', async ({ page }) => {
  test.info().annotations.push({ type: 'expects-console-errors', description: 'the refused socket logs 401s' });
  const data = await mkdtemp(join(tmpdir(), 'flowkeeper-e2e-key-'));
  dirs.push(data);
  const staticDir = process.env.FLOWKEEPER_E2E_STATIC_DIR!;
  const first = await startBridge({ dataDir: data, port: 0, staticDir });
  const port = first.port;
  await page.goto(first.url);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await first.close();

  // Restarted over the same data folder: the open tab carries on with the same key.
  const restarted = await startBridge({ dataDir: data, port, staticDir });
  expect(restarted.token).toBe(first.token);
  await page.reload();
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await restarted.close();

  // Started with --new-key: the tab's key was replaced, and the page says so.
  const rotated = await startBridge({ dataDir: data, port, staticDir, newKey: true });
  try {
    await page.reload();
    const refused = page.getByTestId('unauthorized');
    await expect(refused).toHaveAttribute('data-reason', 'replaced');
    await expect(refused.getByRole('heading', { name: 'This access key was replaced' })).toBeVisible();
    await expect(refused).toContainText('flowkeeper serve --new-key');
    await expect(refused).toContainText(`http://127.0.0.1:${port}/?token=…`);
    await expect(refused).not.toContainText('4020');
  } finally {
    await rotated.close();
  }
});

/** WCAG 2.1 A/AA over what is on screen now; any violation fails with its rule and elements. */
test('every screen and dialog passes axe (WCAG 2.1 A/AA), at 1280 and at 800 px', async ({ page }) => {
  test.setTimeout(180_000);
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 800 });
    for (const [hash, heading] of [
      ['#/flows', 'Flows'],
      ['#/runs', 'Runs'],
      [`#/runs/${runIds.sort}`, 'Sort emails'],
      [`#/runs/${runIds.pay}`, 'Pay supplier'],
      ['#/inbox', 'Inbox'],
      ['#/credentials', 'Credentials'],
      ['#/settings', 'Settings'],
    ] as const) {
      await open(page, hash);
      await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
      await expect(page.locator('.loading')).toHaveCount(0);
      await expectAccessible(page, `${hash} at ${width} px`);
    }
    // The outside calls and a step's output, opened.
    await open(page, `#/runs/${runIds.sort}`);
    await page.getByLabel('Show every outside call').check();
    await page.locator('li[data-node-id="classify"]').getByRole('button', { name: 'Show output' }).click();
    await expectAccessible(page, `the run's outside calls and output at ${width} px`);
    await page.locator('li[data-node-id="classify"]').getByRole('button', { name: 'Re-run from here: “Classify email”' }).click();
    await expect(page.getByRole('dialog', { name: 'Re-run from this step?' })).toBeVisible();
    await expectAccessible(page, `the re-run dialog at ${width} px`);
    await page.keyboard.press('Escape');
    // Dialogs are the same at any width: once is enough (the machine is shared).
    if (width !== 1280) continue;

    // Dialogs of the flows and credentials screens.
    await open(page, '#/flows');
    await page.getByRole('button', { name: 'Run Quick note' }).click();
    await expect(page.getByRole('dialog', { name: 'Run “Quick note”' })).toBeVisible();
    await expectAccessible(page, `the run dialog at ${width} px`);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Import flow' }).first().click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await expectAccessible(page, `the import dialog at ${width} px`);
    await page.keyboard.press('Escape');
    await open(page, '#/credentials');
    await page.getByRole('button', { name: 'Add credential' }).first().click();
    await expect(page.getByRole('dialog', { name: 'Add a credential' })).toBeVisible();
    await expectAccessible(page, `the credential dialog at ${width} px`);
    await page.keyboard.press('Escape');
  }
  // A refused key's page.
  await page.goto(`${bridge.origin}/?token=wrong`);
  await expect(page.getByTestId('unauthorized')).toBeVisible();
  await expectAccessible(page, 'the refused-key page');
  consoleErrors.clear();
});

test('from 800 px wide: the sidebar collapses to icons, and Run, Export and every section stay reachable', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 700 });
  await open(page, '#/flows');
  const viewport = page.viewportSize()!;
  for (const name of ['Run Sort emails', 'Export Sort emails', 'Runs of Sort emails']) {
    // In view without scrolling sideways: neither the page nor the main area may have to move.
    const box = (await page.getByRole('button', { name }).boundingBox())!;
    expect(box.x + box.width, `${name} fits in the window`).toBeLessThanOrEqual(viewport.width);
  }
  // Nothing scrolls sideways: not the page, not the main area.
  const widths = await page.evaluate(() => {
    const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number }; querySelector(s: string): { scrollWidth: number; clientWidth: number } } }).document;
    const main = d.querySelector('main');
    return { page: d.documentElement.scrollWidth, main: main.scrollWidth - main.clientWidth };
  });
  expect(widths.page).toBeLessThanOrEqual(viewport.width);
  expect(widths.main).toBeLessThanOrEqual(0);
  const sidebar = (await page.locator('.sidebar').boundingBox())!;
  expect(sidebar.width).toBeLessThan(80);
  for (const section of ['Flows', 'Runs', 'Inbox', 'Credentials', 'Settings']) await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: section })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs' }).click();
  await expect(page.getByRole('heading', { name: 'Runs', level: 1 })).toBeVisible();
  for (const hash of ['#/runs', `#/runs/${runIds.sort}`, `#/runs/${runIds.pay}`, '#/credentials', '#/settings']) {
    await open(page, hash);
    await expect(page.locator('.loading')).toHaveCount(0);
    // Neither the main area scrolls sideways nor does any cell run past its table's (clipped) edge.
    const over = await page.evaluate(() => {
      type Box = { getBoundingClientRect(): { right: number } };
      const d = (globalThis as unknown as { document: { querySelector(s: string): { scrollWidth: number; clientWidth: number }; querySelectorAll(s: string): ArrayLike<Box & { querySelectorAll(s: string): ArrayLike<Box> }> } }).document;
      const main = d.querySelector('main');
      let cells = 0;
      for (const table of Array.from(d.querySelectorAll('table'))) {
        const edge = table.getBoundingClientRect().right;
        for (const cell of Array.from(table.querySelectorAll('th, td'))) cells = Math.max(cells, cell.getBoundingClientRect().right - edge);
      }
      return { main: main.scrollWidth - main.clientWidth, cells };
    });
    expect(over, `${hash} does not fit 800 px`).toEqual({ main: 0, cells: 0 });
  }
  await open(page, '#/flows');
  await page.screenshot({ path: shot('flows-800.png') });
});
