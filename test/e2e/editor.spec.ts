/**
 * The canvas editor in a real browser, over its own web bridge and data folder (so the shared
 * folder of app.spec.ts is left alone): build a flow from an empty one by dragging from the
 * palette and connecting handles, find it saved after a reload, undo/redo, copy/paste; then run a
 * flow whose HTTP step calls a local test server, see the items, a failed step, time travel
 * through the run, re-run from the HTTP step and replay. Screenshots go to docs/screenshots/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startBridge, type Bridge } from '../../cli/serve.ts';
import { bridgeCall } from './bridge-call.ts';
import { json, startServer, type TestServer } from '../helpers/http-server.ts';
import { expectAccessible } from './accessibility.ts';
import { failOnPageErrors } from './page-errors.ts';

const root = join(import.meta.dirname, '..', '..');
let bridge: Bridge;
let api: TestServer;
let dir: string;
/** Calls the HTTP steps made to the test server's /people (pinned test data must not call it). */
let peopleCalls = 0;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  const staticDir = process.env.FLOWKEEPER_E2E_STATIC_DIR;
  if (!staticDir) throw new Error('FLOWKEEPER_E2E_STATIC_DIR is not set: run through playwright.config.ts (global setup).');
  dir = await mkdtemp(join(tmpdir(), 'flowkeeper-editor-e2e-'));
  api = await startServer((req, res) => {
    if (req.url.startsWith('/broken')) return json(res, 500, { error: 'the database is down' });
    peopleCalls += 1;
    return json(res, 200, [
      { name: 'Ada', amount: 30 },
      { name: 'Grace', amount: 12 },
    ]);
  });
  bridge = await startBridge({ dataDir: join(dir, 'data'), port: 0, staticDir });
});

test.afterAll(async () => {
  await bridge.close();
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

test.beforeEach(async ({ context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: bridge.origin });
});
failOnPageErrors();

const call = <T>(method: string, args: unknown): Promise<T> => bridgeCall<T>(bridge, method, args);

async function open(page: Page, hash: string): Promise<void> {
  await page.goto(bridge.url);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await page.evaluate((h) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
}

async function shoot(page: Page, name: string): Promise<void> {
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 860 });
    await page.waitForTimeout(150); // let the canvas settle after the resize
    await page.screenshot({ path: join(root, 'docs', 'screenshots', `editor-${name}-${width}.png`) });
  }
  await page.setViewportSize({ width: 1400, height: 860 });
}

const card = (page: Page, id: string): Locator => page.locator(`.node-card[data-node-id="${id}"]`);

/** Drags from one handle to another with real mouse moves, as a person would. */
async function connectHandles(page: Page, from: Locator, to: Locator): Promise<void> {
  await expect(from).toBeVisible();
  await expect(to).toBeVisible();
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 15 });
  await page.mouse.up();
}

async function dragFromPalette(page: Page, title: string, x: number, y: number): Promise<void> {
  const canvas = page.getByTestId('canvas');
  // By the step's title, not its description (a trigger's description may mention "HTTP request").
  const item = page.locator('.palette-item').filter({ has: page.locator('.palette-item-title', { hasText: new RegExp(`^${title}$`) }) });
  await item.first().dragTo(canvas, { targetPosition: { x, y } });
}

test('builds a flow from an empty one: palette, handles, autosave, undo/redo, copy/paste', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 860 });
  await open(page, '#/flows');
  await expect(page.getByRole('heading', { name: 'No flows yet' })).toBeVisible();
  await expect(page.locator('.template-card')).toHaveCount(4);
  await shoot(page, 'no-flows');

  await page.getByRole('button', { name: 'New flow' }).first().click();
  await expect(page.getByTestId('canvas-empty')).toBeVisible();
  await shoot(page, 'empty');

  // The panel of the selected step takes the right side, so the steps go where the canvas stays free.
  await dragFromPalette(page, 'Start by hand', 60, 120);
  await expect(card(page, 'start-by-hand')).toBeVisible();
  await dragFromPalette(page, 'HTTP request', 60, 330);
  await expect(card(page, 'http-request')).toBeVisible();
  await dragFromPalette(page, 'Transform', 330, 330);
  await expect(card(page, 'transform')).toBeVisible();

  await connectHandles(page, card(page, 'start-by-hand').locator('.port-out').first(), card(page, 'http-request').locator('.port-in'));
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  await connectHandles(page, card(page, 'http-request').locator('.port-out').first(), card(page, 'transform').locator('.port-in'));
  await expect(page.locator('.react-flow__edge')).toHaveCount(2);

  // A loop is refused with the reason.
  await connectHandles(page, card(page, 'transform').locator('.port-out').first(), card(page, 'start-by-hand').locator('.port-in').or(card(page, 'http-request').locator('.port-in')).last());
  await expect(page.locator('.canvas-message')).toContainText(/loop|starts a flow/);
  await expect(page.locator('.react-flow__edge')).toHaveCount(2);
  // At 800 px the step's panel floats over the canvas: the message stays beside it, readable whole.
  await page.setViewportSize({ width: 800, height: 860 });
  await expect(page.getByTestId('side-panel')).toBeVisible();
  const said = await page.locator('.canvas-message').boundingBox();
  const side = await page.getByTestId('side-panel').boundingBox();
  expect(said!.x + said!.width).toBeLessThanOrEqual(side!.x);
  await page.setViewportSize({ width: 1400, height: 860 });

  // Configured only through the inspector's form: no JSON typed anywhere.
  const panel = page.getByTestId('side-panel');
  await card(page, 'http-request').click();
  await expect(card(page, 'http-request').locator('.node-card-problem')).toBeVisible();
  await panel.getByLabel('Address (URL)').fill(`${api.url}/people`);
  await panel.getByLabel('Address (URL)').blur();
  await expect(card(page, 'http-request').locator('.node-card-summary')).toContainText('/people');
  await card(page, 'transform').click();
  await expect(panel).toContainText('Reshapes items with an expression');
  const expression = panel.getByRole('textbox', { name: 'Transformation' });
  await expression.click();
  await page.keyboard.type('{ "name": name, "amount": amount * 2 }');
  await expect(expression).toHaveText('{ "name": name, "amount": amount * 2 }');
  await page.keyboard.press('Escape'); // closes a suggestion list, if one is open
  await panel.getByLabel('Name', { exact: true }).click(); // leaving the field ends the edit burst
  await expect(page.getByTestId('save-state')).toHaveText('All changes saved');
  await expect(page.locator('.node-card .node-badge.status-problem')).toHaveCount(0);
  await shoot(page, 'building');

  await expect(page.getByTestId('save-state')).toHaveText('All changes saved');
  await page.reload();
  await expect(card(page, 'transform')).toBeVisible();
  await expect(page.locator('.react-flow__edge')).toHaveCount(2);

  // Undo/redo an edit (here: deleting a connection... the last edge added is undone first).
  await page.getByTestId('canvas').click({ position: { x: 600, y: 600 } });
  await card(page, 'http-request').click();
  await page.keyboard.press('Delete');
  await expect(card(page, 'http-request')).toHaveCount(0);
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(card(page, 'http-request')).toBeVisible();
  await expect(page.locator('.react-flow__edge')).toHaveCount(2);
  await page.keyboard.press('Control+Shift+z');
  await expect(card(page, 'http-request')).toHaveCount(0);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(card(page, 'http-request')).toBeVisible();

  // Copy/paste: a new id, one undo step.
  await card(page, 'http-request').click();
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  await expect(card(page, 'http-request-2')).toBeVisible();
  await page.keyboard.press('Control+z');
  await expect(card(page, 'http-request-2')).toHaveCount(0);

  // Tidy up (elkjs) is one undo step.
  const before = await card(page, 'transform').boundingBox();
  await page.getByRole('button', { name: 'Tidy up' }).click();
  await expect.poll(async () => (await card(page, 'transform').boundingBox())?.y).not.toBe(before?.y);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect.poll(async () => (await card(page, 'transform').boundingBox())?.y).toBe(before?.y);

  // Keyboard: Tab reaches the steps, Enter selects, arrows move the selected step.
  await page.getByTestId('canvas').click({ position: { x: 500, y: 600 } });
  const nodes = page.locator('.react-flow__node');
  await nodes.first().focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('side-panel')).toContainText('Starts the flow');
  const at = (await nodes.first().boundingBox())!;
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await nodes.first().boundingBox())!.x).toBeGreaterThan(at.x);
  await expect(page.getByTestId('save-state')).toHaveText('All changes saved');

  // Box-select two steps with Shift + drag, duplicate them (one undo step).
  await page.getByTestId('canvas').click({ position: { x: 500, y: 600 } });
  const box = (await page.getByTestId('canvas').boundingBox())!;
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + 15, box.y + 40);
  await page.mouse.down();
  await page.mouse.move(box.x + 300, box.y + 600, { steps: 12 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect(page.locator('.node-card.is-selected')).toHaveCount(2);
  await page.keyboard.press('Control+d');
  await expect(page.locator('.node-card')).toHaveCount(5);
  await expect(page.locator('.react-flow__edge')).toHaveCount(3);
  await page.keyboard.press('Control+z');
  await expect(page.locator('.node-card')).toHaveCount(3);

  // Clicking a palette entry adds the step after the selected one, connected.
  await card(page, 'http-request').click();
  await page.locator('.palette-item', { hasText: 'Set fields' }).click();
  await expect(card(page, 'set-fields')).toBeVisible();
  await expect(page.locator('.react-flow__edge')).toHaveCount(3);
  await page.keyboard.press('Control+z');
  await expect(card(page, 'set-fields')).toHaveCount(0);

  // Someone else saves meanwhile: the editor says so and keeps both.
  const other = await call<{ flow: Record<string, unknown> }>('flows.get', { id: 'my-flow' });
  await call('flows.save', { flow: { ...other.flow, description: 'Changed in another window' }, expectedVersion: other.flow.version });
  await page.getByRole('textbox', { name: 'Flow name' }).fill('Fetch and reshape');
  await page.getByRole('textbox', { name: 'Flow name' }).press('Enter');
  await expect(page.getByTestId('conflict')).toContainText('another window');
  await page.getByRole('button', { name: /Keep mine/ }).click();
  await expect(page.getByTestId('save-state')).toHaveText('All changes saved');
  const latest = await call<{ flow: { name: string; version: number } }>('flows.get', { id: 'my-flow' });
  expect(latest.flow.name).toBe('Fetch and reshape');
  const versions = await call<Array<{ version: number }>>('flows.versions', { id: 'my-flow' });
  expect(versions.map((v) => v.version)).toContain(other.flow.version as number + 1);

  // The flow set up only through the form runs: the HTTP step calls the test server, the transform doubles.
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Start run' }).click();
  await expect(page.getByTestId('run-bar')).toHaveAttribute('data-run-status', 'succeeded');
  await expect(card(page, 'transform')).toHaveAttribute('data-status', 'done');
  await card(page, 'transform').click();
  await expect(panel).toContainText('Items out: 2 items');
  await expect(panel.locator('.items-table').last()).toContainText('Grace');
  await expect(panel.locator('.items-table').last()).toContainText('60');
  await expect(panel.locator('.items-table').last()).toContainText('24');
});

const RUN_FLOW = (url: string) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'fetch-people',
  name: 'Fetch people',
  nodes: [
    { id: 'start', type: 'trigger.manual', name: 'Start', position: { x: 0, y: 80 } },
    { id: 'fetch', type: 'http.request', name: 'Fetch people', position: { x: 280, y: 80 }, config: { url } },
    { id: 'double', type: 'transform.jsonata', name: 'Double the amount', position: { x: 560, y: 80 }, config: { expression: '{ "name": name, "amount": amount * 2 }' } },
  ],
  edges: [
    { source: 'start', target: 'fetch' },
    { source: 'fetch', target: 'double' },
  ],
});

test('runs on the canvas, shows items and a failed step, travels back in time, forks and replays', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 860 });
  await call('flows.import', { text: JSON.stringify(RUN_FLOW(`${api.url}/people`)) });
  await open(page, '#/flows/fetch-people');
  await expect(card(page, 'double')).toBeVisible();

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Start run' }).click();
  await expect(page.getByTestId('run-bar')).toHaveAttribute('data-run-status', 'succeeded');
  await expect(card(page, 'double')).toHaveAttribute('data-status', 'done');
  await expect(page.locator('.react-flow__edge-text', { hasText: '2 items' }).first()).toBeVisible();
  await card(page, 'double').click();
  const panel = page.getByTestId('side-panel');
  await expect(panel).toContainText('Items out: 2 items');
  await expect(panel.locator('.items-table').last()).toContainText('60');
  await expect(panel.locator('.items-table').first()).toContainText('30');
  await shoot(page, 'running');

  // Time travel: step back through the run.
  await page.getByRole('button', { name: 'Step through this run' }).click();
  await expect(page.getByTestId('timeline')).toBeVisible();
  const slider = page.getByRole('slider', { name: 'Moment in the run' });
  await slider.focus();
  await page.keyboard.press('Home');
  await expect(page.getByTestId('timeline-label')).toContainText('Before the start');
  await expect(card(page, 'double')).toHaveAttribute('data-status', 'waiting');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  await expect(card(page, 'start')).toHaveAttribute('data-status', 'done');
  await expect(card(page, 'double')).toHaveAttribute('data-status', 'waiting');
  await page.keyboard.press('End');
  await expect(card(page, 'double')).toHaveAttribute('data-status', 'done');
  await card(page, 'fetch').click();
  await shoot(page, 'time-travel');

  await page.getByRole('button', { name: 'Replay' }).click();
  await expect(page.getByTestId('replay-result')).toContainText('identical');
  await expect(card(page, 'double')).toContainText('Same on replay');

  await page.getByRole('button', { name: 'Re-run from here' }).click();
  await expect(page.getByTestId('run-bar')).toHaveAttribute('data-run-status', 'succeeded');
  await expect(card(page, 'double')).toHaveAttribute('data-status', 'done');
  const runs = await call<Array<{ mode: string }>>('runs.list', { flowId: 'fetch-people' });
  expect(runs.map((r) => r.mode).sort()).toEqual(['fork', 'run']);

  // A failing step: plain words on the step and in the panel.
  const broken = { ...RUN_FLOW(`${api.url}/broken`), id: 'fetch-broken', name: 'Fetch broken' };
  await call('flows.import', { text: JSON.stringify(broken) });
  await open(page, '#/flows/fetch-broken');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Start run' }).click();
  await expect(page.getByTestId('run-bar')).toHaveAttribute('data-run-status', 'failed');
  await expect(card(page, 'fetch')).toHaveAttribute('data-status', 'failed');
  await card(page, 'fetch').click();
  await expect(page.getByTestId('side-panel').getByRole('alert')).toContainText('answered 500');
  // A server's 500 is no setting's fault: no field is marked.
  await expect(page.getByTestId('side-panel').locator('[data-failed="true"]')).toHaveCount(0);
  await shoot(page, 'failed-step');

  // A step failing on one of its settings: the error names it and the inspector marks it.
  const badExpression = { ...RUN_FLOW(`${api.url}/people`), id: 'double-broken', name: 'Double broken' };
  badExpression.nodes[2]!.config = { expression: '{ "amount": $number(name) }' };
  await call('flows.import', { text: JSON.stringify(badExpression) });
  await open(page, '#/flows/double-broken');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Start run' }).click();
  await expect(page.getByTestId('run-bar')).toHaveAttribute('data-run-status', 'failed');
  await card(page, 'double').click();
  const failedPanel = page.getByTestId('side-panel');
  await expect(failedPanel.getByRole('alert')).toContainText('could not be evaluated');
  await expect(failedPanel.getByTestId('failed-setting')).toContainText('The setting it failed on');
  await expect(failedPanel.locator('[data-failed="true"][data-field="expression"]')).toBeVisible();
  await shoot(page, 'failed-field');
});

test('pins a step\'s result for test runs, marks it on the card and in the run, unpins in one click', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 860 });
  await call('flows.import', { text: JSON.stringify({ ...RUN_FLOW(`${api.url}/people`), id: 'fetch-pinned', name: 'Fetch people (pinned)' }) });
  await open(page, '#/flows/fetch-pinned');
  await expect(card(page, 'double')).toBeVisible();
  const runOnce = async (status = 'succeeded') => {
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start run' }).click();
    await expect(page.getByTestId('run-bar')).toHaveAttribute('data-run-status', status);
  };
  await runOnce();
  const panel = page.getByTestId('side-panel');
  await card(page, 'fetch').click();
  await panel.getByRole('button', { name: 'Pin this result for test runs' }).click();
  await expect(card(page, 'fetch')).toHaveAttribute('data-pinned', 'true');
  await expect(card(page, 'fetch')).toContainText('Pinned test data');
  await expect(panel.getByTestId('pin-section')).toContainText('2 items');

  // A test run: the pinned step does not call the server and says so, on the card and in the panel.
  const before = peopleCalls;
  await runOnce();
  await expect(card(page, 'fetch').locator('.node-badge')).toHaveText('Pinned data');
  await expect(card(page, 'fetch')).toContainText('Did not run: used pinned test data');
  await expect(panel.getByTestId('pinned-in-run')).toContainText('did not run');
  await expect(card(page, 'double')).toHaveAttribute('data-status', 'done');
  await card(page, 'double').click();
  await expect(panel.locator('.items-table').last()).toContainText('60');
  expect(peopleCalls).toBe(before);
  await card(page, 'fetch').click();
  await shoot(page, 'pinned');

  // One click unpins; the next test run calls the server again.
  await panel.getByRole('button', { name: 'Unpin' }).click();
  await expect(panel.getByRole('button', { name: 'Pin this result for test runs' })).toBeVisible();
  await runOnce();
  await expect(card(page, 'fetch').locator('.node-badge')).toHaveText('Done');
  await expect(card(page, 'fetch')).not.toHaveAttribute('data-pinned', 'true');
  expect(peopleCalls).toBe(before + 1);
});

test('starts a flow from a template in one click', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 860 });
  await open(page, '#/flows');
  await page.getByRole('button', { name: 'Start from a template' }).click();
  await page.getByRole('dialog').locator('.template-card', { hasText: 'Invoice triage' }).click();
  await expect(page.getByTestId('editor')).toBeVisible();
  await expect(page.locator('.node-card')).toHaveCount(7);
  await expect(page.getByRole('textbox', { name: 'Flow name' })).toHaveValue('Invoice triage');
  const flows = await call<Array<{ id: string }>>('flows.list', {});
  expect(flows.map((f) => f.id)).toContain('invoice-triage');
});

test('a broken field of a template: plain words on the field and on the step', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 860 });
  await open(page, '#/flows');
  // With no flows yet the templates are on the page; otherwise behind a button (run alone or after the others).
  const pick = page.getByRole('button', { name: 'Start from a template' });
  await expect(pick.or(page.getByRole('heading', { name: 'No flows yet' }))).toBeVisible();
  if (await pick.isVisible()) await pick.click();
  await page.locator('.template-card', { hasText: 'Invoice triage' }).click();
  await expect(page.getByTestId('editor')).toBeVisible();
  await expect(page.locator('.node-card')).toHaveCount(7);
  const panel = page.getByTestId('side-panel');

  // A step not connected to anything: a warning (it does not stop a run), shown apart from errors.
  await page.locator('.palette-item', { hasText: 'Set fields' }).click();
  await expect(card(page, 'set-fields')).toBeVisible();
  await expect(card(page, 'set-fields').locator('.node-badge.status-warning')).toHaveText('1 warning');
  await expect(card(page, 'set-fields').locator('.node-card-warning')).toContainText('not connected');
  await expect(card(page, 'set-fields').locator('.node-badge.status-problem')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(card(page, 'set-fields')).toHaveCount(0);

  // A required address cleared.
  await card(page, 'fetch_invoices').click();
  const url = panel.getByRole('textbox', { name: 'Address (URL)' });
  await url.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await panel.getByLabel('Name', { exact: true }).click();
  await expect(panel.locator('[data-field="url"] .field-error')).toBeVisible();
  await expect(panel.locator('[data-field="url"] .field-error')).toContainText('is empty. Fill it in.');
  await expect(card(page, 'fetch_invoices').locator('.node-badge.status-problem')).toBeVisible();
  await expect(card(page, 'fetch_invoices').locator('.node-card-problem')).toContainText('is empty');
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeDisabled();

  // An expression that does not parse: the words say so, on the field and on the step.
  await card(page, 'is_routine').click();
  const condition = panel.locator('[data-field="condition"] [contenteditable="true"]');
  await condition.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.type('amount > (1 +');
  await panel.getByLabel('Name', { exact: true }).click();
  await expect(panel.locator('[data-field="condition"] .field-error')).toBeVisible();
  await expect(panel.locator('[data-field="condition"] .field-error')).toContainText('cannot be read');
  await expect(card(page, 'is_routine').locator('.node-badge.status-problem')).toHaveText('1 problem');
  await expect(card(page, 'is_routine').locator('.node-card-problem')).toContainText('cannot be read');
  const words = (await card(page, 'is_routine').locator('.node-card-problem').textContent()) ?? '';
  expect(words).not.toMatch(/[A-Z_]{6,}|\bat\b.*:\d+/); // no error code, no stack
  await shoot(page, 'broken-field');
});

test('a review step shows how people decided: nothing yet, then the shares after decisions', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 860 });
  const flowId = 'approve-invoices';
  const reviewFlow = {
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: flowId,
    name: 'Approve invoices',
    nodes: [
      { id: 'start', type: 'trigger.manual', name: 'Start', position: { x: 0, y: 80 } },
      { id: 'check', type: 'human.review', name: 'Check the invoice', position: { x: 280, y: 80 }, config: { title: 'Invoice of {{ amount }} EUR', reviewIf: 'amount > 100', fields: [{ name: 'amount', type: 'number', label: 'Amount (EUR)' }] } },
      { id: 'pay', type: 'transform.set', name: 'Pay it', position: { x: 560, y: 80 }, config: { fields: [{ name: 'paid', value: true }] } },
    ],
    edges: [
      { source: 'start', target: 'check' },
      { source: 'check', sourcePort: 'approve', target: 'pay' },
      { source: 'check', sourcePort: 'edit', target: 'pay' },
    ],
  };
  await call('flows.import', { text: JSON.stringify(reviewFlow) });
  await open(page, `#/flows/${flowId}`);
  await card(page, 'check').click();
  const stats = page.getByTestId('review-stats');
  await expect(stats).toContainText('No decisions yet.');

  // One invoice passes without a person (50 EUR); two wait for one, who approves one as it is
  // and corrects the other. The panel follows the pushed events, without a reload.
  for (const amount of [50, 500, 900]) await call('runs.start', { flowId, input: { amount } });
  await expect.poll(() => call<Array<{ id: string; runId: string }>>('inbox.list', { flowId }).then((items) => items.length), { timeout: 15_000 }).toBe(2);
  const [first, second] = await call<Array<{ id: string }>>('inbox.list', { flowId });
  await call('inbox.decide', { id: first!.id, outcome: 'approve', by: 'Anna' });
  await call('inbox.decide', { id: second!.id, outcome: 'edit', edits: { amount: 450 }, by: 'Anna' });
  await expect(stats.locator('tr', { hasText: 'Approved as shown' })).toContainText('33 %');
  await expect(stats.locator('tr', { hasText: 'Corrected, then approved' })).toContainText('33 %');
  await expect(stats.locator('tr', { hasText: 'Approved without a person' })).toContainText('33 %');
  await expect(stats.locator('tr', { hasText: 'Rejected' })).toContainText('0 %');
  await expect(stats).toContainText('3 runs reached this step with 3 items');
  await expect(stats).toContainText('Half of the decisions were made within');
  await shoot(page, 'review-stats');
});

/** WCAG 2.1 A/AA over what is on screen now (as run-views.spec.ts checks the other screens). */
test('the editor, its panel, its run states and its dialogs pass axe (WCAG 2.1 A/AA), at 1400 and 800 px', async ({ page }) => {
  test.setTimeout(120_000);
  await call('flows.import', { text: JSON.stringify({ ...RUN_FLOW(`${api.url}/people`), id: 'fetch-a11y', name: 'Fetch people (a11y)' }) });
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 860 });
    await open(page, '#/flows/fetch-a11y');
    await expect(card(page, 'double')).toBeVisible();
    await expectAccessible(page, `the editor at ${width} px`);
    await card(page, 'fetch').click();
    await expect(page.getByTestId('side-panel').getByLabel('Address (URL)')).toBeVisible();
    await expectAccessible(page, `the editor with the HTTP step's settings at ${width} px`);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await expectAccessible(page, `the run dialog of the editor at ${width} px`);
    await page.getByRole('dialog').getByRole('button', { name: 'Start run' }).click();
    await expect(page.getByTestId('run-bar')).toHaveAttribute('data-run-status', 'succeeded');
    await card(page, 'start').click(); // at 800 px the panel covers the steps on the right
    await expect(page.getByTestId('side-panel')).toContainText('Items out');
    await expectAccessible(page, `a finished run on the canvas at ${width} px`);
    await page.getByRole('button', { name: 'Step through this run' }).click();
    await expect(page.getByTestId('timeline')).toBeVisible();
    await expectAccessible(page, `time travel at ${width} px`);
    await page.getByRole('button', { name: 'Back to editing' }).click();
    await expect(page.getByTestId('timeline')).toHaveCount(0);
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
    await expectAccessible(page, `the keyboard shortcuts at ${width} px`);
    await page.keyboard.press('Escape');
  }
  await open(page, '#/flows');
  await page.getByRole('button', { name: 'Start from a template' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await expectAccessible(page, 'the template picker');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'New flow' }).first().click();
  await expect(page.getByTestId('canvas-empty')).toBeVisible();
  await expectAccessible(page, 'an empty flow');
});
