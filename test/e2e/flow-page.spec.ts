/**
 * The flow page (Overview beside the canvas) in a real browser, over its own web bridge and data
 * folder: a new schedule flow has no charter, so switching it on is refused with the missing
 * items; the charter is filled in plain fields (owner, backup, metric, alert route), the
 * checklist turns green, and switching on is allowed. The charter is saved with the flow
 * (survives a reload, one undo takes back one field). Switching on pins the saved version: a
 * later edit (autosaved) is not live, both the page and the flows list say so, and "Put version N
 * live" puts it live. Screenshots go to docs/screenshots/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startBridge, type Bridge } from '../../cli/serve.ts';
import { bridgeCall } from './bridge-call.ts';
import { failOnPageErrors } from './page-errors.ts';

const root = join(import.meta.dirname, '..', '..');
let bridge: Bridge;
let dir: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  const staticDir = process.env.FLOWKEEPER_E2E_STATIC_DIR;
  if (!staticDir) throw new Error('FLOWKEEPER_E2E_STATIC_DIR is not set: run through playwright.config.ts (global setup).');
  dir = await mkdtemp(join(tmpdir(), 'flowkeeper-flow-page-e2e-'));
  bridge = await startBridge({ dataDir: join(dir, 'data'), port: 0, staticDir });
  await call('flows.save', {
    flow: {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'morning-digest',
      name: 'Morning digest',
      nodes: [
        { id: 'every-morning', type: 'trigger.schedule', name: 'Every morning', position: { x: 0, y: 0 }, config: { cron: '0 7 * * 1-5', timezone: 'Europe/Berlin' } },
        { id: 'digest', type: 'transform.set', name: 'Make the digest', position: { x: 300, y: 0 }, config: { fields: [{ name: 'digest', value: 'ready' }] } },
      ],
      edges: [{ source: 'every-morning', target: 'digest' }],
    },
  });
});

test.afterAll(async () => {
  await bridge.close();
  await rm(dir, { recursive: true, force: true });
});

failOnPageErrors();

function call<T>(method: string, args: unknown): Promise<T> {
  return bridgeCall<T>(bridge, method, args);
}

async function open(page: Page, hash: string): Promise<void> {
  await page.goto(bridge.url);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await page.evaluate((h) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
}

async function shoot(page: Page, name: string): Promise<void> {
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(root, 'docs', 'screenshots', `flow-page-${name}-${width}.png`), fullPage: false });
  }
  await page.setViewportSize({ width: 1400, height: 900 });
}

/** Types into a field and leaves it, as a person would (the charter commits on blur). */
async function type(page: Page, label: string | RegExp, value: string, scope?: Locator): Promise<void> {
  const root = scope ?? page;
  const field = root.getByLabel(label, { exact: typeof label === 'string' });
  await field.fill(value);
  await field.press('Tab');
}

const checklistItem = (page: Page, check: string) => page.locator(`.checklist-item[data-check="${check}"]`);

test('fills a charter on a new flow: switching on is refused, then allowed', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  // From the flows list: the Overview button opens the flow page.
  await open(page, '#/flows');
  await page.getByRole('button', { name: /^Overview of Morning digest/ }).click();
  const flowPage = page.getByTestId('flow-page');
  await expect(flowPage).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true');
  await expect(flowPage.getByText('Switched off', { exact: true })).toBeVisible();
  await expect(flowPage.getByText('4 items are missing before it can be switched on.')).toBeVisible();
  await expect(checklistItem(page, 'live-trigger')).toHaveClass(/is-ok/);
  await expect(checklistItem(page, 'owner')).toContainText('Nobody owns it');
  await shoot(page, 'empty');

  // Switching on now is refused, with each missing item in plain words.
  await flowPage.getByRole('button', { name: 'Switch on' }).click();
  const refused = page.locator('.flow-page-refused');
  await expect(refused).toContainText('Not switched on: 4 things are missing.');
  await expect(refused).toContainText('Nobody owns it: name the owner');
  await expect(refused).toContainText('Nobody is told when it fails');
  expect((await call<Array<{ id: string; active?: boolean }>>('flows.list', {})).find((f) => f.id === 'morning-digest')?.active).toBeUndefined();
  await shoot(page, 'refused');

  // "Fill it in" goes to the field.
  await checklistItem(page, 'owner').getByRole('button', { name: 'Fill it in' }).click();
  await expect(page.locator('#charter-owner')).toBeFocused();
  await type(page, 'Name', 'Ana Lopez', page.getByRole('group', { name: 'Owner', exact: true }));
  await type(page, 'E-mail', 'ana@example.com', page.getByRole('group', { name: 'Owner', exact: true }));
  await type(page, 'Name', 'Ben Okafor', page.getByRole('group', { name: 'Backup owner', exact: true }));
  await type(page, 'E-mail', 'ben@example.com', page.getByRole('group', { name: 'Backup owner', exact: true }));
  await expect(checklistItem(page, 'owner')).toHaveClass(/is-ok/);
  await expect(checklistItem(page, 'backup-owner')).toHaveClass(/is-ok/);

  // The metric: only the inputs its form needs.
  await page.getByLabel('What to measure', { exact: true }).selectOption({ label: 'Runs that need no person' });
  await expect(page.getByLabel('Step', { exact: true })).toHaveCount(0);
  await type(page, 'Target (%)', '80');
  await type(page, 'Before this flow (%)', '10');
  await expect(checklistItem(page, 'metric')).toHaveClass(/is-ok/);
  await expect(checklistItem(page, 'metric')).toContainText('at least 80 % of runs need no person');

  // The alert route: a Slack webhook.
  await page.getByLabel('Post to a webhook (Slack or any)').check();
  await type(page, 'Webhook address', 'https://hooks.slack.com/services/T000/B000/XXXX');
  await expect(checklistItem(page, 'alert-route')).toHaveClass(/is-ok/);
  await type(page, 'What it must never do', 'Send the digest to customers.');

  await expect(flowPage.getByText('Ready for production: every item of the checklist is there.')).toBeVisible();
  await expect(page.locator('.glance-card').filter({ hasText: 'Who owns it' })).toContainText('Ana Lopez · ana@example.com');
  await expect(page.locator('.glance-card').filter({ hasText: 'How it is watched' })).toContainText('A Slack message');
  // Usable with a keyboard and a screen reader: no WCAG 2.1 AA violations on the page.
  const axe = await new AxeBuilder({ page }).include('[data-testid="flow-page"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  await shoot(page, 'charter-form');
  await page.locator('.flow-page').evaluate((e) => e.scrollTo(0, 0));
  await shoot(page, 'ready');

  // One undo takes back one field; redo brings it back.
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByLabel('What it must never do')).toHaveValue('');
  await page.getByRole('button', { name: 'Redo' }).click();
  await expect(page.getByLabel('What it must never do')).toHaveValue('Send the digest to customers.');

  // Now switching on is allowed.
  await flowPage.getByRole('button', { name: 'Switch on' }).click();
  await expect(flowPage.getByText('Switched on', { exact: true })).toBeVisible();
  await expect(refused).toHaveCount(0);
  expect((await call<Array<{ id: string; active?: boolean; owner: string }>>('flows.list', {})).find((f) => f.id === 'morning-digest')).toMatchObject({ active: true, owner: 'Ana Lopez' });
  await page.locator('.flow-page').evaluate((e) => e.scrollTo(0, 0));
  await shoot(page, 'on');

  // Saved with the flow: a reload shows the charter, and the flow's history has the versions.
  await page.reload();
  await expect(page.getByTestId('flow-page')).toBeVisible();
  await expect(page.locator('#charter-owner')).toHaveValue('Ana Lopez');
  await expect(page.getByLabel('What to measure', { exact: true })).toHaveValue('runs-without-person');
  const { flow } = await call<{ flow: { charter: { metric: { target: number; baseline: number } } } }>('flows.get', { id: 'morning-digest' });
  expect(flow.charter.metric).toMatchObject({ target: 0.8, baseline: 0.1 });

  // A step named in the checklist opens on the canvas.
  await page.getByRole('button', { name: 'Every morning' }).first().click();
  await expect(page.getByRole('tab', { name: 'Canvas' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.node-card[data-node-id="every-morning"]')).toBeVisible();
});

type Listed = { id: string; version: number; active?: boolean; activeVersion?: number; pinned?: boolean };
const listed = async (): Promise<Listed> => (await call<Listed[]>('flows.list', {})).find((f) => f.id === 'morning-digest')!;

test('a live flow stays put while edited: the flow page and the list say so, and "Put version N live" puts the edits live', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  // The previous test switched it on from the flow page: pinned at the version it showed.
  const before = await listed();
  expect(before).toMatchObject({ active: true, pinned: true, activeVersion: before.version });
  await open(page, '#/flows');
  await page.getByRole('button', { name: /^Overview of Morning digest/ }).click();
  const flowPage = page.getByTestId('flow-page');
  await expect(flowPage.getByText('Switched on', { exact: true })).toBeVisible();
  await expect(flowPage.getByText(`Version ${before.version} is live.`)).toBeVisible();
  await expect(flowPage.getByTestId('live-behind')).toHaveCount(0);
  // The editor bar says which version is live too.
  const liveNote = page.getByTestId('live-note');
  await expect(liveNote).toHaveText(`Live: version ${before.version}`);
  await expect(liveNote).toHaveClass(/tone-success/);

  // An edit autosaves a new version; the live one stays, and the page says so beside the switch.
  await type(page, 'What it must never do', 'Send the digest to customers, ever.');
  const behind = flowPage.getByTestId('live-behind');
  await expect(behind).toBeVisible();
  const edited = await listed();
  expect(edited.version).toBeGreaterThan(before.version);
  expect(edited).toMatchObject({ active: true, pinned: true, activeVersion: before.version });
  await expect(behind).toHaveText(`On: version ${before.version} is live · your edits since (version ${edited.version}) are not`);
  await expect(liveNote).toHaveText(`Live: version ${before.version}`);
  await expect(liveNote).toHaveClass(/tone-warning/);
  await page.locator('.flow-page').evaluate((e) => e.scrollTo(0, 0));
  await shoot(page, 'live-behind');

  // "Put version N live" goes through the gate and pins the latest save.
  await flowPage.getByRole('button', { name: `Put version ${edited.version} live` }).click();
  await expect(flowPage.getByText(`Version ${edited.version} is live.`)).toBeVisible();
  await expect(liveNote).toHaveText(`Live: version ${edited.version}`);
  await expect(behind).toHaveCount(0);
  expect(await listed()).toMatchObject({ active: true, pinned: true, activeVersion: edited.version });

  // Edited again; the flows list says it too, and its button puts the edits live.
  await type(page, 'What it must never do', 'Send the digest to customers.');
  await expect(behind).toBeVisible();
  const again = await listed();
  expect(again).toMatchObject({ activeVersion: edited.version });
  expect(again.version).toBeGreaterThan(edited.version);
  await open(page, '#/flows');
  const row = page.locator('tr[data-flow-id="morning-digest"]');
  await expect(row.getByTestId('live-behind').locator('p')).toHaveText(`On: version ${edited.version} is live · your edits since (version ${again.version}) are not`);
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 760 });
    await expect(row.getByTestId('live-behind')).toBeVisible();
    await page.screenshot({ path: join(root, 'docs', 'screenshots', `flows-list-live-behind-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1400, height: 900 });
  await row.getByRole('button', { name: `Put version ${again.version} live` }).click();
  await expect(row.getByTestId('live-behind')).toHaveCount(0);
  await expect(row.getByRole('switch')).toHaveAttribute('aria-checked', 'true');
  expect(await listed()).toMatchObject({ active: true, pinned: true, activeVersion: again.version, version: again.version });
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
});
