/**
 * The renderer in a real browser, through the real web bridge: the flow list, a run of the
 * invoice example against the demo API with its timeline and replay, credentials (values never
 * shown), import problems in plain words, and a refused access key.
 */
import { expect, test, type Page } from '@playwright/test';
import { failOnPageErrors } from './page-errors.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through playwright.config.ts (global setup).`);
  return value;
};

const appUrl = () => env('FLOWKEEPER_E2E_URL');
const origin = () => env('FLOWKEEPER_E2E_ORIGIN');
const demoApi = () => env('FLOWKEEPER_E2E_DEMO_API');

/** Opens the app with the printed link, then goes to a screen by its hash. */
async function openApp(page: Page, hash = '#/flows'): Promise<void> {
  await page.goto(appUrl());
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  // Runs in the page (DOM), typed here without the DOM library.
  if (hash !== '#/flows') await page.evaluate((h) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
}

failOnPageErrors();

test('shows the imported flow, and takes the key out of the address bar', async ({ page }) => {
  await openApp(page);
  await expect(page.getByRole('heading', { name: 'Flows', level: 1 })).toBeVisible();
  const row = page.locator('tr[data-flow-id="invoice-triage"]');
  await expect(row).toContainText('Invoice triage');
  await expect(row).toContainText('finance-ops@example.com');
  await expect(row).toContainText('v1');
  await expect(row).toContainText('Ready');
  await expect(row.locator('td').nth(3)).toHaveText('7');
  expect(page.url()).not.toContain('token=');
  // No AI steps, no runs yet: nothing spent.
  await expect(row.getByLabel('No AI spend')).toBeVisible();
});

test('runs the flow with its start form and shows what happened', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Run Invoice triage' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run “Invoice triage”' });
  const address = dialog.getByLabel('Accounting API address');
  await expect(address).toHaveValue('http://127.0.0.1:4010');
  await address.fill(demoApi());
  await expect(dialog.getByLabel('Approve automatically up to (EUR)')).toHaveValue('500');
  await dialog.getByRole('button', { name: 'Start run' }).click();

  await expect(page).toHaveURL(/#\/runs\/run-/);
  await expect(page.getByRole('heading', { name: 'Invoice triage', level: 1 })).toBeVisible();
  await expect(page.locator('.run-meta .badge')).toHaveText('Succeeded');

  const timeline = page.getByRole('list', { name: 'What happened, in order' });
  await expect(timeline).toContainText('Run started');
  await expect(timeline).toContainText('“Fetch open invoices” finished → 4 items');
  await expect(timeline).toContainText('“Small and known vendor?” finished → true: 2 items, false: 2 items');
  await expect(timeline).toContainText('Run succeeded');
  await expect(timeline).not.toContainText(/\bat .*\.(ts|js):\d+/);

  // Every step is done, and an output opens as readable JSON.
  const steps = page.locator('.node-list > li');
  await expect(steps).toHaveCount(7);
  await expect(page.locator('.node-list .badge', { hasText: 'Done' })).toHaveCount(7);
  const fetchStep = page.locator('li[data-node-id="fetch_invoices"]');
  await fetchStep.getByRole('button', { name: 'Show output' }).click();
  await expect(fetchStep.getByLabel('Output of Fetch open invoices')).toContainText('"vendor": "Paper & Co"');
  await fetchStep.getByRole('button', { name: 'Hide output' }).click();

  // Outside calls are listed on request.
  await page.getByLabel('Show every outside call').check();
  // Grouped by step and item since issue 13 (was: one line per intent in the timeline).
  const calls = page.getByRole('list', { name: 'Outside calls by step and item' });
  await expect(calls.locator('li.call-step[data-node-id="approve"] li.call-item[data-item="0"]')).toContainText(/Web request: POST http\S+ → answer 2\d\d/);
  await page.getByLabel('Show every outside call').uncheck();

  await page.screenshot({ path: shot('run-detail.png'), fullPage: true });

  await page.getByRole('button', { name: 'Replay' }).click();
  const replay = page.getByTestId('replay-result');
  await expect(replay).toContainText('Replay: identical');
  await expect(replay).toContainText('reproduced every step’s output exactly (7 steps)');

  // The runs list shows it, and the status filter works.
  await page.getByRole('link', { name: '← All runs' }).click();
  await expect(page.locator('tbody tr').first()).toContainText('Succeeded');
  await page.getByLabel('Status').selectOption('failed');
  await expect(page.getByRole('heading', { name: 'No runs match' })).toBeVisible();
  await page.getByLabel('Status').selectOption('succeeded');
  await expect(page.locator('tbody tr').first()).toContainText('Invoice triage');
});

test('re-runs from a step into a new run', async ({ page }) => {
  await openApp(page, '#/runs?status=succeeded');
  await page.locator('tbody tr').first().getByRole('link').click();
  await expect(page.locator('.run-meta .badge')).toHaveText('Succeeded');
  const parentUrl = page.url();
  await page.getByRole('button', { name: 'Re-run from here: “Add triage facts”' }).click();
  const dialog = page.getByRole('dialog', { name: 'Re-run from this step?' });
  await expect(dialog).toContainText('run again for real');
  await dialog.getByRole('button', { name: 'Re-run from here' }).click();
  await expect(page).not.toHaveURL(parentUrl);
  await expect(page.locator('.run-meta')).toContainText('re-run of an earlier run');
  await expect(page.locator('.run-meta .badge')).toHaveText('Succeeded');
  await expect(page.getByRole('list', { name: 'What happened, in order' })).toContainText('“Fetch open invoices” re-used its earlier result → 4 items');
});

test('stores a credential without ever showing its value', async ({ page }) => {
  const secret = `e2e-secret-${Date.now()}`;
  await openApp(page, '#/credentials');
  await expect(page.getByRole('heading', { name: 'Credentials', level: 1 })).toBeVisible();
  const listError = page.locator('.view > .error-box');
  if (await listError.isVisible()) {
    // No keychain on this machine: the list says so in plain words.
    await expect(listError).toContainText('keychain');
  }
  await page.getByRole('button', { name: 'Add credential' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Add a credential' });
  await dialog.getByLabel('Name').fill('shop-api');
  await dialog.getByLabel('Kind', { exact: true }).selectOption('http.bearer');
  await dialog.getByLabel('Description').fill('Shop API, test account');
  const token = dialog.getByLabel('Token');
  await expect(token).toHaveAttribute('type', 'password');
  await token.fill(secret);
  await dialog.getByRole('button', { name: 'Save' }).click();

  const row = page.locator('tr[data-credential-id="shop-api"]');
  const failure = dialog.locator('.error-box');
  await expect(row.or(failure)).toBeVisible();
  if (await failure.isVisible()) {
    // The keychain is unavailable here: the plain message and what to do, no stack trace.
    await expect(failure.locator('.error-message')).toContainText('The system keychain cannot be used');
    await expect(failure.locator('.error-hint')).toContainText('Secret Service');
    await expect(failure).not.toContainText(/\bat .*\.(ts|js):\d+/);
    await expect(token).toHaveValue('');
  } else {
    await expect(row).toContainText('Web API token (Bearer)');
    await expect(row).toContainText('token');
    await expect(row).toContainText('Shop API, test account');
    await expect(dialog).toBeHidden();
  }
  expect(await page.content()).not.toContain(secret);
  await page.screenshot({ path: shot((await row.isVisible()) ? 'credentials.png' : 'credentials-no-keychain.png') });

  if (await row.isVisible()) {
    await row.getByRole('button', { name: 'Delete shop-api' }).click();
    await page.getByRole('dialog', { name: 'Delete this credential?' }).getByRole('button', { name: 'Delete' }).click();
    await expect(row).toBeHidden();
  }
});

test('lists import problems with where they are', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Import flow' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Import a flow' });
  const broken = {
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: 'broken',
    name: 'Broken',
    nodes: [
      { id: 'start', type: 'trigger.manual', name: 'Start', position: { x: 0, y: 0 }, config: {} },
      { id: 'call', type: 'http.requst', name: 'Call the shop', position: { x: 200, y: 0 }, config: {} },
    ],
    edges: [{ source: 'start', target: 'call' }],
  };
  await dialog.getByLabel('Or paste the flow’s JSON').fill(JSON.stringify(broken, null, 2));
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const problems = dialog.locator('.problem-list');
  await expect(problems).toContainText('Node “Call the shop”, type');
  await expect(problems).toContainText('http.request');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
});

/**
 * Screenshots go to test-results/; UPDATE_SCREENSHOTS=1 refreshes the ones the docs show
 * (`forDocs`), the others are only for looking at.
 */
function shot(name: string, forDocs = true): string {
  return process.env.UPDATE_SCREENSHOTS === '1' && forDocs ? `docs/screenshots/${name}` : `test-results/screenshots/${name}`;
}

test('a wrong access key gets a plain message, not the app', async ({ page }) => {
  test.info().annotations.push({ type: 'expects-console-errors', description: 'the refused socket logs 401s' });
  // Wrong key in the link: the page loads (it holds no data), every API call is refused, and the
  // app says what to do instead of showing an empty workspace.
  await page.goto(`${origin()}/?token=wrong`);
  await expect(page.getByTestId('unauthorized')).toContainText('Open the link printed by flowkeeper serve (it contains the access key).');
  await expect(page.getByTestId('connection')).toHaveText('Access key needed');
  // The key is taken out of the address bar either way.
  expect(new URL(page.url()).searchParams.has('token')).toBe(false);
  await expect(page.getByRole('heading', { name: 'Flows' })).toHaveCount(0);

  // Right link, then a stale key in this tab (e.g. the server restarted with a new key): the app
  // is loaded, the connection is refused, and the app says what to do.
  await openApp(page);
  await page.evaluate(() => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('flowkeeper.accessKey', 'stale-key'));
  await page.reload();
  const notice = page.getByTestId('unauthorized');
  await expect(notice).toContainText('Open the link printed by flowkeeper serve (it contains the access key).');
  await expect(page.getByTestId('connection')).toHaveText('Access key needed');
});

test('keeps the reviewer name and notification choices', async ({ page }) => {
  await openApp(page, '#/settings');
  const name = page.getByLabel('Your name');
  await name.fill('Ana Reviewer');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('Saved your name.')).toBeVisible();
  const failed = page.getByLabel('A run failed or needs a decision');
  await expect(failed).toBeChecked();
  await failed.uncheck();
  await expect(failed).toBeEnabled();
  await page.reload();
  await expect(page.getByLabel('Your name')).toHaveValue('Ana Reviewer');
  await expect(page.getByLabel('A run failed or needs a decision')).not.toBeChecked();
  await expect(page.getByLabel('Something new is waiting in the inbox')).toBeChecked();
  await page.getByLabel('A run failed or needs a decision').check();
});

test('explains the empty inbox', async ({ page }) => {
  await openApp(page, '#/inbox');
  await expect(page.getByRole('heading', { name: 'Nothing is waiting for you' })).toBeVisible();
  await expect(page.getByText('When a flow has a review step')).toBeVisible();
});

test('shows what the AI steps of a run cost, per run, per step and per flow', async ({ page }) => {
  // How the bridge got the AI key: the keychain (through credentials.set), or without one the
  // environment variable the global setup set instead.
  test.info().annotations.push({ type: 'ai-credential', description: env('FLOWKEEPER_E2E_AI_CREDENTIAL') });
  await openApp(page);
  await page.getByRole('button', { name: 'Run Support replies' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run “Support replies”' });
  await expect(dialog.getByLabel('Subject')).toHaveValue('Where is my order?');
  await dialog.getByRole('button', { name: 'Start run' }).click();

  await expect(page.getByRole('heading', { name: 'Support replies', level: 1 })).toBeVisible();
  await expect(page.locator('.run-meta .badge')).toHaveText('Succeeded');
  // Opened the moment it started: the timeline catches up, with no "there is no run" left behind.
  await expect(page.getByRole('list', { name: 'What happened, in order' })).toContainText('Run succeeded');
  await expect(page.locator('.error-box')).toHaveCount(0);
  // gpt-4o-mini at the built-in $0.15 / $0.60 per million: 1,200 in + 300 out = $0.00036;
  // llama3.1:8b has no price, so its tokens count and its money is unknown.
  await expect(page.getByTestId('run-spend')).toHaveText('AI: 2 calls · 3,000 tokens · $0.00036 · price unknown for llama3.1:8b (add a price under Settings)');
  await expect(page.getByTestId('run-spend').getByRole('link', { name: 'Settings' })).toHaveAttribute('href', '#/settings');
  await expect(page.locator('li[data-node-id="sort"] .step-spend')).toHaveText('AI: 1,500 tokens · $0.00036');
  await expect(page.locator('li[data-node-id="draft"] .step-spend')).toHaveText('AI: 1,500 tokens · no price');
  await expect(page.locator('li[data-node-id="start"] .step-spend')).toHaveCount(0);
  await expect(page.locator('li[data-node-id="sort"] .cell-sub')).toContainText('1 item');
  await page.screenshot({ path: shot('run-detail-ai.png'), fullPage: true });

  // The flow list adds it up per flow; a flow without AI steps shows a dash.
  await page.getByRole('link', { name: 'Flows' }).click();
  const row = page.locator('tr[data-flow-id="support-replies"]');
  await expect(row.locator('.cell-spend')).toContainText('at least $0.00036');
  await expect(row.locator('.cell-spend .cell-sub')).toHaveText('in 1 run');
  await expect(page.locator('tr[data-flow-id="invoice-triage"]').getByLabel('No AI spend')).toBeVisible();
  await page.screenshot({ path: shot('flows.png') });
});

test('keeps the AI prices and the development-cache switch, and prices runs with them', async ({ page }) => {
  await openApp(page, '#/settings');
  const section = page.getByRole('region', { name: 'AI steps' });
  const cache = section.getByLabel('Re-use AI answers while building flows (development cache)');
  await expect(cache).not.toBeChecked();
  await cache.check();
  await expect(page.getByText('The development cache is on for runs you start from now.')).toBeVisible();
  await expect(cache).toBeEnabled();

  // Nothing of one's own yet; the built-in prices are dated and can be looked at.
  await expect(section).toContainText('No prices of your own yet');
  await expect(section).toContainText('built-in prices from June 2025');
  await section.getByText('Built-in prices (June 2025)').click();
  await expect(section.locator('.built-in')).toContainText('gpt-4o-mini');

  // Mistakes get plain words at the field, and nothing is saved.
  await section.getByRole('button', { name: 'Add a model' }).click();
  const model = section.getByLabel('Model name, row 1');
  await expect(model).toBeFocused();
  await section.getByRole('button', { name: 'Save prices' }).click();
  await expect(section).toContainText('Enter the model’s name, like gpt-4o-mini.');
  await expect(model).toHaveAttribute('aria-invalid', 'true');
  await expect(model).toBeFocused();
  await model.fill('llama3.1:8b');
  await section.getByLabel('Input price of llama3.1:8b').fill('0,2');
  await section.getByLabel('Output price of llama3.1:8b').fill('-1');
  await expect(section).toContainText('Use a dot for the decimals, like 0.15.');
  await expect(section).toContainText('A price cannot be below 0.');
  await section.getByRole('button', { name: 'Add a model' }).click();
  await section.getByLabel('Model name, row 2').fill('llama3.1:8b');
  await expect(section).toContainText('“llama3.1:8b” is already in row 1. List each model once.');
  await expect(section.getByRole('alert')).toContainText('Fix the 5 marked entries above');
  await section.screenshot({ path: shot('settings-ai-problems.png', false) });
  await section.getByRole('button', { name: 'Remove llama3.1:8b' }).last().click();
  await section.getByLabel('Input price of llama3.1:8b').fill('0.2');
  await section.getByLabel('Output price of llama3.1:8b').fill('0.2');
  await expect(section.getByRole('alert')).toBeHidden();
  await section.getByRole('button', { name: 'Save prices' }).click();
  await expect(page.getByText('Saved the prices.')).toBeVisible();
  await expect(section.getByRole('button', { name: 'Save prices' })).toBeDisabled();

  // Both survive a reload.
  await page.reload();
  await expect(section.getByLabel('Model name, row 1')).toHaveValue('llama3.1:8b');
  await expect(section.getByLabel('Input price of llama3.1:8b')).toHaveValue('0.2');
  await expect(section.getByLabel('Output price of llama3.1:8b')).toHaveValue('0.2');
  await expect(cache).toBeChecked();
  await section.screenshot({ path: shot('settings-ai.png') });

  // The run from before is now priced with them: 1,500 llama tokens at $0.20 per million = $0.0003 more.
  await page.getByRole('link', { name: 'Runs' }).click();
  await page.locator('tbody tr', { hasText: 'Support replies' }).first().getByRole('link').click();
  await expect(page.getByTestId('run-spend')).toHaveText('AI: 2 calls · 3,000 tokens · $0.00066');
  await expect(page.locator('li[data-node-id="draft"] .step-spend')).toHaveText('AI: 1,500 tokens · $0.0003');

  // Back off for the runs that follow.
  await page.getByRole('link', { name: 'Settings' }).click();
  await cache.uncheck();
  await expect(page.getByText('The development cache is off.')).toBeVisible();
  await page.reload();
  await expect(cache).not.toBeChecked();
  await expect(section.getByLabel('Model name, row 1')).toHaveValue('llama3.1:8b');
});
