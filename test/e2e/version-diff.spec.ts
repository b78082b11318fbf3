/**
 * The visual diff of two versions on the canvas (issue 12 item 1), over a web bridge of this
 * file's own and its own data folder. A flow saved three times (v2: a changed address and a
 * long header, a new step on the error port, a trigger moved; v3: a step removed, the flow
 * renamed, an owner in the charter) and a fourth time with only a move. From the flow page's
 * version list: the default pair (3 against 2), any pair (1 against 3), the marks on the cards
 * (as words, not only colours), the removed step as a ghost, connections, the list in words,
 * a click in the list selecting the step, and the empty state for a pair that does the same.
 * Screenshots at 1400 and 800 px go to docs/screenshots/version-diff-*.png.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startBridge, type Bridge } from '../../cli/serve.ts';
import { expectAccessible } from './accessibility.ts';
import { bridgeCall } from './bridge-call.ts';
import { readyCharter } from '../helpers/ready-charter.ts';
import { failOnPageErrors } from './page-errors.ts';

const root = join(import.meta.dirname, '..', '..');
let bridge: Bridge;
let dir = '';
const call = <T>(method: string, args: unknown): Promise<T> => bridgeCall<T>(bridge, method, args);

test.describe.configure({ mode: 'serial' });

const LONG_TOKEN_NOTE = 'Invoices for the northern region, sent by the accounting system every weekday morning, before the team starts work';

const start = (x: number) => ({ id: 'start', type: 'trigger.manual', name: 'Start by hand', position: { x, y: 0 }, config: {} });
const fetchStep = (url: string, headers: unknown[] = []) => ({ id: 'fetch', type: 'http.request', name: 'Fetch invoices', position: { x: 300, y: 0 }, config: { url, headers } });
const tag = { id: 'tag', type: 'transform.set', name: 'Tag as new', position: { x: 600, y: 0 }, config: { fields: [{ name: 'tag', value: 'new' }] } };
const notify = { id: 'notify', type: 'transform.set', name: 'Tell the team', position: { x: 600, y: 200 }, config: { fields: [{ name: 'note', value: 'failed' }] } };
const base = { format: 'flowkeeper/flow', formatVersion: 1, id: 'invoices' };

const V1 = { ...base, name: 'Invoices', nodes: [start(0), fetchStep('https://erp.example.com/invoices'), tag], edges: [{ source: 'start', target: 'fetch' }, { source: 'fetch', target: 'tag' }] };
const V2 = {
  ...base,
  name: 'Invoices',
  nodes: [start(-40), fetchStep('https://erp.example.com/v2/invoices', [{ name: 'X-Note', value: LONG_TOKEN_NOTE }]), tag, notify],
  edges: [{ source: 'start', target: 'fetch' }, { source: 'fetch', target: 'tag' }, { source: 'fetch', sourcePort: 'error', target: 'notify' }],
};
const V3 = { ...V2, name: 'Northern invoices', nodes: [V2.nodes[0], V2.nodes[1], notify], edges: [V2.edges[0], V2.edges[2]], charter: { owner: { name: 'Ana Owner', email: 'ana@example.com' } } };
const V4 = { ...V3, nodes: [start(-80), V3.nodes[1], V3.nodes[2]] };

test.beforeAll(async () => {
  const staticDir = process.env.FLOWKEEPER_E2E_STATIC_DIR;
  if (!staticDir) throw new Error('FLOWKEEPER_E2E_STATIC_DIR is not set: run through playwright.config.ts (global setup).');
  dir = await mkdtemp(join(tmpdir(), 'flowkeeper-version-diff-e2e-'));
  bridge = await startBridge({ dataDir: join(dir, 'data'), port: 0, staticDir });
  await call('flows.save', { flow: V1, by: 'Ana', message: 'First draft' });
  await call('flows.save', { flow: V2, by: 'Ben', message: 'New address, tell the team on errors' });
  await call('flows.save', { flow: V3, by: 'Ana' });
});

test.afterAll(async () => {
  await bridge?.close();
  await rm(dir, { recursive: true, force: true });
});

failOnPageErrors();

async function open(page: Page, hash: string): Promise<void> {
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(bridge.url);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await page.evaluate((h) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
}

async function shoot(page: Page, name: string): Promise<void> {
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 900 });
    // As a person opening it at this width sees it: the view fitted to the canvas's size.
    await page.getByRole('button', { name: 'Fit View' }).click();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(root, 'docs', 'screenshots', `version-diff-${name}-${width}.png`) });
  }
  await page.setViewportSize({ width: 1400, height: 900 });
}

const card = (page: Page, id: string) => page.getByTestId('diff-canvas').locator(`.node-card[data-node-id="${id}"]`);

test('the version list compares the latest version with the one before it by default', async ({ page }) => {
  await open(page, '#/flows/invoices/overview');
  const list = page.getByTestId('version-list');
  await expect(list.locator('.version-row')).toHaveCount(3);
  await expect(list.locator('.version-row[data-version="2"]')).toContainText('New address, tell the team on errors');
  await expect(list.locator('.version-row[data-version="2"]')).toContainText('Ben');
  await list.scrollIntoViewIfNeeded();
  await expectAccessible(page, 'the flow page with its version list');
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await list.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(root, 'docs', 'screenshots', `version-diff-list-${width}.png`) });
  }
  await page.setViewportSize({ width: 1400, height: 900 });
  await list.getByTestId('compare-versions').click();
  await expect(page).toHaveURL(/#\/flows\/invoices\/compare\/2\/3$/);
  await expect(page.getByTestId('diff-panel').getByRole('heading', { name: 'From version 2 to version 3' })).toBeVisible();
  await expect(card(page, 'tag')).toHaveAttribute('data-diff', 'removed');
  await expect(card(page, 'tag').getByTestId('diff-badge')).toHaveText('− Removed');
  await expect(card(page, 'fetch')).toHaveAttribute('data-diff', 'same');
  await expect(card(page, 'notify')).toHaveAttribute('data-diff', 'same');
});

test('any two versions: added, removed, changed and moved steps marked in words, connections too, and the changes listed', async ({ page }) => {
  await open(page, '#/flows/invoices/compare/3/2');
  await expect(page.getByTestId('diff-canvas')).toBeVisible();
  // Pick "from version 1" in the header: any pair, either way round.
  await page.getByTestId('version-diff').locator('header').getByLabel('Compare version').selectOption('1');
  await expect(page).toHaveURL(/#\/flows\/invoices\/compare\/1\/3$/);
  await expect(page.getByTestId('diff-headline')).toHaveText('1 step added, 1 step removed, 1 step changed, 2 connections changed, the flow’s own details, 2 charter fields.');

  await expect(card(page, 'notify')).toHaveAttribute('data-diff', 'added');
  await expect(card(page, 'notify').getByTestId('diff-badge')).toHaveText('+ Added');
  await expect(card(page, 'tag')).toHaveAttribute('data-diff', 'removed');
  await expect(card(page, 'tag').locator('del')).toHaveText('Tag as new');
  await expect(card(page, 'tag')).toContainText('Only in version 1');
  await expect(card(page, 'fetch')).toHaveAttribute('data-diff', 'changed');
  await expect(card(page, 'fetch').getByTestId('diff-badge')).toHaveText('✎ Changed · 2 settings');
  // Moved only: not a change.
  await expect(card(page, 'start')).toHaveAttribute('data-diff', 'moved');
  await expect(card(page, 'start').getByTestId('diff-badge')).toHaveText('↔ Moved');
  // Connections: the new error path drawn and labelled, the removed one dashed and labelled.
  const canvas = page.getByTestId('diff-canvas');
  await expect(canvas.locator('.react-flow__edge.diff-edge-added')).toHaveCount(1);
  await expect(canvas.locator('.react-flow__edge.diff-edge-removed')).toHaveCount(1);
  await expect(canvas.locator('.react-flow__edge.diff-edge-same')).toHaveCount(1);
  await expect(canvas.locator('.react-flow__edge.diff-edge-added')).toContainText('+ Added');
  await expect(canvas.locator('.react-flow__edge.diff-edge-removed')).toContainText('− Removed');

  const panel = page.getByTestId('diff-panel');
  const entries = panel.getByTestId('diff-entry');
  await expect(entries.filter({ hasText: 'Added “Tell the team”' })).toHaveCount(1);
  await expect(entries.filter({ hasText: 'Removed “Tag as new”' })).toHaveCount(1);
  const fetch = entries.filter({ hasText: 'Changed “Fetch invoices”' });
  await expect(fetch).toContainText('HTTP request');
  const fields = fetch.getByTestId('diff-field');
  await expect(fields).toHaveCount(2);
  await expect(fields.filter({ hasText: 'Address (URL)' })).toContainText(/Before: “https:\/\/erp\.example\.com\/invoices”→After: “https:\/\/erp\.example\.com\/v2\/invoices”/);
  // A long value is shortened, and whole after "Show all".
  const headers = fields.filter({ hasText: 'Headers' });
  await expect(headers).toContainText('(empty list)');
  await expect(headers).toContainText('X-Note = Invoices for the northern region');
  await expect(headers).not.toContainText('before the team starts work');
  await headers.getByRole('button', { name: 'Show all' }).click();
  await expect(headers).toContainText('before the team starts work');
  await expect(entries.filter({ hasText: 'Connected “Fetch invoices” (on error) → “Tell the team”' })).toHaveCount(1);
  await expect(entries.filter({ hasText: 'Disconnected “Fetch invoices” → “Tag as new”' })).toHaveCount(1);
  await expect(entries.filter({ hasText: 'Flow name' })).toContainText(/Before: “Invoices”→After: “Northern invoices”/);
  await expect(entries.filter({ hasText: 'Owner › Name' })).toContainText('“Ana Owner”');
  await expect(panel.getByTestId('diff-moved')).toContainText('“Start by hand”');

  // A click on a change selects its step on the canvas.
  await fetch.getByRole('button', { name: /Changed “Fetch invoices”/ }).click();
  await expect(card(page, 'fetch')).toHaveClass(/is-selected/);
  await expect(fetch).toHaveClass(/is-selected/);
  await entries.filter({ hasText: 'Removed “Tag as new”' }).getByRole('button').click();
  await expect(card(page, 'tag')).toHaveClass(/is-selected/);

  await expectAccessible(page, 'comparing two versions');
  await page.getByRole('button', { name: 'Fit View' }).click();
  await shoot(page, 'changes');
});

test('two versions that do the same say so, and the moves are told apart', async ({ page }) => {
  await call('flows.save', { flow: V4, by: 'Ana', message: 'Tidied up' });
  await open(page, '#/flows/invoices/overview');
  const row = page.getByTestId('version-list').locator('.version-row[data-version="4"]');
  await expect(row).toContainText('moved 1 step on the canvas');
  await row.getByRole('button', { name: 'What changed' }).click();
  await expect(page).toHaveURL(/#\/flows\/invoices\/compare\/3\/4$/);
  await expect(page.getByTestId('diff-empty')).toContainText('Nothing to compare');
  await expect(page.getByTestId('diff-headline')).toHaveText('The same flow: only where steps sit on the canvas moved.');
  await expect(card(page, 'start')).toHaveAttribute('data-diff', 'moved');
  await expect(page.getByTestId('diff-panel').getByTestId('diff-entry')).toHaveCount(0);
  await expectAccessible(page, 'comparing two versions that do the same');
  await shoot(page, 'same');
  await page.getByRole('button', { name: '← Back to the flow' }).click();
  await expect(page).toHaveURL(/#\/flows\/invoices\/overview$/);
});

test('a rollback from the list is a new version with the old content, loaded into the editor', async ({ page }) => {
  await open(page, '#/flows/invoices/overview');
  const list = page.getByTestId('version-list');
  await expect(list.locator('.version-row')).toHaveCount(4);
  await list.getByRole('button', { name: 'Roll back to this: version 1' }).click();
  await expect(list.locator('.version-row')).toHaveCount(5);
  await expect(list.locator('.version-row[data-version="5"]')).toContainText('Rolled back to version 1');
  await expect(page.getByLabel('Flow name')).toHaveValue('Invoices');
  const { flow } = await call<{ flow: { name: string; version: number; nodes: Array<{ id: string }> } }>('flows.get', { id: 'invoices' });
  expect([flow.version, flow.name, flow.nodes.map((n) => n.id)]).toEqual([5, 'Invoices', ['start', 'fetch', 'tag']]);
  await list.locator('.version-row[data-version="5"]').getByRole('button', { name: 'What changed in version 5' }).click();
  await expect(card(page, 'tag')).toHaveAttribute('data-diff', 'added');
  await expect(card(page, 'notify')).toHaveAttribute('data-diff', 'removed');
});

test('while a flow is on, a chosen version is put live from the list, behind the checklist', async ({ page }) => {
  const digest = (value: string) => ({
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: 'digest',
    name: 'Morning digest',
    charter: readyCharter(),
    nodes: [
      { id: 'every-morning', type: 'trigger.schedule', name: 'Every morning', position: { x: 0, y: 0 }, config: { cron: '0 7 * * 1-5', timezone: 'Europe/Berlin' } },
      { id: 'make', type: 'transform.set', name: 'Make the digest', position: { x: 300, y: 0 }, config: { fields: [{ name: 'digest', value }] } },
    ],
    edges: [{ source: 'every-morning', target: 'make' }],
  });
  await call('flows.save', { flow: digest('short') });
  await call('flows.save', { flow: digest('long') });
  await call('flows.activate', { id: 'digest', version: 1 });
  await open(page, '#/flows/digest/overview');
  const list = page.getByTestId('version-list');
  await expect(list.locator('.version-row[data-version="1"]')).toContainText('Live');
  await expect(list.locator('.version-row[data-version="2"]')).not.toContainText('Live');
  await list.getByRole('button', { name: 'Put this version live: version 2' }).click();
  await expect(page.getByText('Version 2 is live now.')).toBeVisible();
  await expect(list.locator('.version-row[data-version="2"]')).toContainText('Live');
  await expect(list.locator('.version-row[data-version="1"]').getByRole('button', { name: 'Put this version live: version 1' })).toBeVisible();
  const flows = await call<Array<{ id: string; active?: boolean; activeVersion?: number }>>('flows.list', {});
  expect(flows.find((f) => f.id === 'digest')).toMatchObject({ active: true, activeVersion: 2 });
  await call('flows.deactivate', { id: 'digest' });
});
