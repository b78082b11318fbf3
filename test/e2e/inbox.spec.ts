/**
 * The inbox (issue 16), through a web bridge of this file's own over its own data folder:
 * "Pay invoices" pauses at a review step for Dana (the person named in Settings, the owner of
 * this bridge) and one for Ben (a reviewer with his own link). Dana sees the badge, corrects an
 * amount and approves with the keyboard; the run view shows the run finished with the corrected
 * value. Ben, in a second browser context, sees only his item and only the inbox.
 * Screenshots at 1400 and 800 px: test-results/screenshots/, or docs/screenshots/ with UPDATE_SCREENSHOTS=1.
 */
import { expect, test } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, type Bridge } from '../../cli/serve.ts';
import { bridgeCall } from './bridge-call.ts';
import { addReviewer } from '../../cli/reviewer-keys.ts';
import { makeFlow } from '../helpers/engine.ts';
import { inboxItemLink, inboxItemRoute } from '../../engine/inbox/inbox-link.ts';
import { expectAccessible } from './accessibility.ts';
import { failOnPageErrors } from './page-errors.ts';

const root = join(import.meta.dirname, '..', '..');
const shot = (name: string) => join(root, process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots', name);

let bridge: Bridge;
let dataDir = '';
let benLink = '';
const runs: Record<string, string> = {};

const call = <T>(method: string, args: unknown): Promise<T> => bridgeCall<T>(bridge, method, args);

/** Invoices, sorted by a stand-in for the AI step (its answer and reason), checked by a person, then paid. */
const PAY_INVOICES = (id: string, name: string, assignee: string, due: Record<string, unknown> = {}) =>
  makeFlow(
    [
      { id: 'start', type: 'trigger.manual', name: 'Invoice arrives' },
      {
        id: 'sort',
        type: 'transform.set',
        name: 'Sort the invoice',
        config: {
          fields: [
            { name: 'category', value: '{{ amount > 100 ? "large purchase" : "office supplies" }}' },
            { name: 'why', value: 'The supplier sells office furniture.' },
          ],
        },
      },
      {
        id: 'check',
        type: 'human.review',
        name: 'Check the invoice',
        config: {
          title: 'Invoice {{ number }} from {{ supplier }}',
          body: 'Please check the amount against the delivery note before it is paid.',
          aiAnswer: 'category',
          aiReason: 'why',
          assignee,
          ...due,
          fields: [{ name: 'amount', type: 'number', label: 'Amount (EUR)', min: 0 }],
        },
      },
      { id: 'pay', type: 'transform.set', name: 'Pay it', config: { fields: [{ name: 'paid', value: true }] } },
      { id: 'refuse', type: 'transform.set', name: 'Send it back', config: { fields: [{ name: 'refused', value: true }] } },
    ],
    ['start -> sort', 'sort -> check', 'check.approve -> pay', 'check.edit -> pay', 'check.reject -> refuse'],
    { id, name, owner: 'finance@example.com' },
  );

async function waitForInbox(count: number): Promise<void> {
  await expect.poll(() => call<unknown[]>('inbox.list', {}).then((items) => items.length), { timeout: 15_000 }).toBe(count);
}

test.beforeAll(async () => {
  test.setTimeout(60_000);
  dataDir = await mkdtemp(join(tmpdir(), 'flowkeeper-e2e-inbox-'));
  bridge = await startBridge({ dataDir, port: 0, staticDir: process.env.FLOWKEEPER_E2E_STATIC_DIR! });
  const { key } = await addReviewer(dataDir, { name: 'Ben' });
  benLink = `${bridge.origin}/?token=${key}`;
  await call('settings.update', { reviewerName: 'Dana' });
  await call('flows.import', { text: JSON.stringify(PAY_INVOICES('pay-invoices', 'Pay invoices', 'Dana', { dueAfterHours: 24, onDue: 'keep-waiting' })) });
  await call('flows.import', { text: JSON.stringify(PAY_INVOICES('pay-travel', 'Pay travel costs', 'Ben')) });
  runs.first = (await call<{ runId: string }>('runs.start', { flowId: 'pay-invoices', input: { number: 'A-17', supplier: 'Paper & Co', amount: 120 } })).runId;
  await waitForInbox(1);
  runs.second = (await call<{ runId: string }>('runs.start', { flowId: 'pay-invoices', input: { number: 'A-18', supplier: 'Desk World', amount: 80 } })).runId;
  runs.ben = (await call<{ runId: string }>('runs.start', { flowId: 'pay-travel', input: { number: 'T-3', supplier: 'Rail Co', amount: 45 } })).runId;
  await waitForInbox(3);
});

test.afterAll(async () => {
  await bridge?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const consoleErrors = failOnPageErrors();

test('the badge counts, Dana corrects an amount and approves with the keyboard, and the run finishes with it', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(`${bridge.url}#/inbox`);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await expect(page.getByRole('link', { name: /Inbox/ }).locator('.nav-count')).toHaveText('3');
  await expect(page.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();

  // Everything waiting, soonest due first (none is due: oldest first); the first one is open.
  const list = page.getByRole('list', { name: 'Waiting items' });
  await expect(list.getByRole('listitem')).toHaveCount(3);
  const detail = page.getByTestId('inbox-detail');
  await expect(detail.getByRole('heading', { name: 'Invoice A-17 from Paper & Co' })).toBeVisible();
  await expect(detail).toContainText('Please check the amount against the delivery note');
  await expect(detail.getByLabel("The AI step's answer")).toContainText('large purchase');
  await expect(detail.getByLabel("The AI step's answer")).toContainText('Why: The supplier sells office furniture.');
  await expect(detail).toContainText('Your decision is recorded as Dana.');

  // Filters: only Ben's item, then everything again.
  await page.getByLabel('For', { exact: true }).selectOption({ label: 'Ben' });
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list).toContainText('Invoice T-3 from Rail Co');
  await page.getByLabel('For', { exact: true }).selectOption('all');
  await expect(list.getByRole('listitem')).toHaveCount(3);
  // Ben's item stays open; a click opens another.
  await expect(detail.getByRole('heading', { name: 'Invoice T-3 from Rail Co' })).toBeVisible();
  await list.getByRole('button', { name: /Invoice A-17 from Paper & Co/ }).click();
  await expect(detail.getByRole('heading', { name: 'Invoice A-17 from Paper & Co' })).toBeVisible();

  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await expectAccessible(page, `the inbox at ${width} px`);
    await page.screenshot({ path: shot(`inbox-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  // A wrong value is explained beside the field; nothing is sent.
  const amount = detail.getByLabel(/Amount \(EUR\)/);
  await amount.fill('a lot');
  await detail.getByRole('heading', { name: 'Invoice A-17 from Paper & Co' }).click();
  await page.keyboard.press('a');
  await expect(detail).toContainText('"Amount (EUR)" must be a number.');
  await expect(amount).toBeFocused();
  // Typing "a" into the field does not approve anything.
  await amount.fill('99.5');
  await expect(detail.getByRole('button', { name: /Approve with changes/ })).toBeVisible();
  await amount.press('End');
  await amount.press('a');
  await expect(amount).toHaveValue('99.5a');
  await expect(page.locator('.notice')).toHaveCount(0);
  await amount.fill('99.5');

  // J / K move between items; K back to the first, then A approves it.
  await detail.getByRole('heading').first().click();
  await page.keyboard.press('j');
  await expect(detail.getByRole('heading', { name: 'Invoice A-18 from Desk World' })).toBeVisible();
  await page.keyboard.press('k');
  await expect(detail.getByRole('heading', { name: 'Invoice A-17 from Paper & Co' })).toBeVisible();
  await amount.fill('99.5');
  await detail.getByRole('heading').first().click();
  await page.keyboard.press('a');
  await expect(page.locator('.notice')).toContainText('Approved with changes: "Invoice A-17 from Paper & Co".');
  // The next item opens; the badge counts one less.
  await expect(detail.getByRole('heading', { name: 'Invoice A-18 from Desk World' })).toBeVisible();
  await expect(page.getByRole('link', { name: /Inbox/ }).locator('.nav-count')).toHaveText('2');

  // Reject needs a comment: R asks for one, then rejects.
  await page.keyboard.press('r');
  await expect(detail).toContainText('"Reject" needs a comment saying why.');
  await detail.getByLabel(/Comment/).fill('Not ordered by us.');
  await detail.getByRole('button', { name: /Reject/ }).click();
  await expect(page.locator('.notice').last()).toContainText('Rejected: "Invoice A-18 from Desk World".');
  await expect(page.getByRole('link', { name: /Inbox/ }).locator('.nav-count')).toHaveText('1');

  // The history says who decided what, with the correction and the reason.
  await page.getByRole('tab', { name: 'Decided' }).click();
  const history = page.getByTestId('inbox-history');
  await expect(history.getByRole('row')).toHaveCount(3);
  await expect(history).toContainText('Approve with changes');
  await expect(history).toContainText('amount: 120 → 99.5');
  await expect(history).toContainText('“Not ordered by us.”');
  await expectAccessible(page, 'the decided items');

  // The run view: finished, with the corrected value.
  await page.evaluate((hash) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = hash), `#/runs/${runs.first}`);
  await expect(page.locator('.run-meta .badge')).toHaveText('Succeeded', { timeout: 15_000 });
  const pay = page.locator('li[data-node-id="pay"]');
  await pay.getByRole('button', { name: 'Show output' }).click();
  await expect(pay.getByLabel('Output of Pay it')).toContainText('"amount": 99.5');
  await expect(pay.getByLabel('Output of Pay it')).toContainText('"paid": true');
});

test("a reviewer's link shows only the inbox and only that reviewer's items", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  try {
    await page.goto(`${benLink}#/flows`);
    await expect(page.getByTestId('connection')).toHaveText('Connected');
    // Only the inbox in the rail, whatever the address asks for.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link')).toHaveCount(1);
    await expect(nav.getByRole('link', { name: /Inbox/ })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
    await expect(page.getByText('Hello Ben. These items are waiting for your decision.')).toBeVisible();

    const list = page.getByRole('list', { name: 'Waiting items' });
    await expect(list.getByRole('listitem')).toHaveCount(1);
    await expect(list).toContainText('Invoice T-3 from Rail Co');
    const detail = page.getByTestId('inbox-detail');
    await expect(detail).toContainText('Your decision is recorded as Ben.');
    await expect(detail.getByRole('link', { name: 'Open the run' })).toHaveCount(0);
    await expectAccessible(page, "a reviewer's inbox");
    await page.setViewportSize({ width: 800, height: 900 });
    await page.screenshot({ path: shot('inbox-reviewer-800.png'), fullPage: true });

    // Opening the item decided nothing: it is still waiting for the owner too.
    expect((await call<Array<{ runId: string }>>('inbox.list', {})).map((i) => i.runId)).toContain(runs.ben);
    await page.keyboard.press('a');
    await expect(page.locator('.notice')).toContainText('Approved: "Invoice T-3 from Rail Co".');
    await expect(page.getByText('Nothing is waiting for you')).toBeVisible();
    const history = await call<Array<{ by: string; runId: string }>>('inbox.history', {});
    expect(history.find((h) => h.runId === runs.ben)?.by).toBe('Ben');
  } finally {
    await context.close();
  }
});

test('a link to one item opens it in the app and on the bridge, decides nothing, and refuses a reviewer someone else\'s item', async ({ page, browser }) => {
  test.setTimeout(60_000);
  const danaRun = (await call<{ runId: string }>('runs.start', { flowId: 'pay-invoices', input: { number: 'A-19', supplier: 'Lamp Ltd', amount: 60 } })).runId;
  const benRun = (await call<{ runId: string }>('runs.start', { flowId: 'pay-travel', input: { number: 'T-4', supplier: 'Bus Co', amount: 12 } })).runId;
  await expect.poll(() => call<Array<{ runId: string }>>('inbox.list', {}).then((items) => items.filter((i) => i.runId === danaRun || i.runId === benRun).length), { timeout: 15_000 }).toBe(2);
  const danaItem = `${danaRun}:check:0`;
  const benItem = `${benRun}:check:0`;
  const decidedItem = `${runs.first}:check:0`;

  // The owner: the item's address opens it, also an item decided earlier (shown as decided).
  await page.goto(`${bridge.url}${inboxItemRoute(danaItem)}`);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await expect(page.getByTestId('inbox-detail').getByRole('heading', { name: 'Invoice A-19 from Lamp Ltd' })).toBeVisible();
  await page.evaluate((hash) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = hash), inboxItemRoute(decidedItem));
  await expect(page.getByTestId('inbox-linked')).toContainText('This item was already decided: approve with changes by Dana');

  // Ben, with the key after the "#" (never in a request line): his item opens; the key leaves the address bar.
  const context = await browser.newContext();
  const reviewerPage = await context.newPage();
  reviewerPage.on('pageerror', (error) => consoleErrors.push(error.message));
  try {
    const benKey = new URL(benLink).searchParams.get('token')!;
    const requested: string[] = [];
    reviewerPage.on('request', (request) => requested.push(request.url()));
    await reviewerPage.goto(inboxItemLink(benItem, { base: bridge.origin, key: benKey }));
    await expect(reviewerPage.getByTestId('connection')).toHaveText('Connected');
    await expect(reviewerPage.getByTestId('inbox-detail').getByRole('heading', { name: 'Invoice T-4 from Bus Co' })).toBeVisible();
    expect(reviewerPage.url()).not.toContain(benKey);
    expect(requested.filter((url) => !url.startsWith('ws')).some((url) => url.includes(benKey))).toBe(false);

    // Someone else's item: the plain refusal, nothing of it shown.
    await reviewerPage.evaluate((hash) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = hash), inboxItemRoute(danaItem));
    await expect(reviewerPage.getByTestId('inbox-linked')).toContainText('is not assigned to you or your group, so this link cannot open or decide it.');
    await expect(reviewerPage.getByTestId('inbox-linked')).not.toContainText('Lamp Ltd');
    await expectAccessible(reviewerPage, "a reviewer's link to someone else's item");
  } finally {
    await context.close();
  }
  // Opening decided nothing: both items still wait.
  const waiting = (await call<Array<{ id: string }>>('inbox.list', {})).map((i) => i.id);
  expect(waiting).toEqual(expect.arrayContaining([danaItem, benItem]));
});
