/**
 * The flows list's on/off switch and trigger health in a real browser, over its own web bridge
 * and data folder: a flow that only starts by hand says so and has no switch; a webhook flow is
 * switched on, listens, fires (the list updates live from the pushed event) and is switched off;
 * a webhook on a port another program holds shows "Stopped: …"; a refused switch shows the
 * service's words and the flow stays off. Screenshots go to docs/screenshots/; axe checks both widths.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startBridge, type Bridge } from '../../cli/serve.ts';
import { bridgeCall } from './bridge-call.ts';
import { readyCharter } from '../helpers/ready-charter.ts';
import { failOnPageErrors } from './page-errors.ts';

const root = join(import.meta.dirname, '..', '..');
let bridge: Bridge;
let dir: string;
let blocker: Server;
let hookPort: number;
let busyPort: number;

test.describe.configure({ mode: 'serial' });

/** A port nobody listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const flow = (id: string, name: string, trigger: Record<string, unknown>, ready = true) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id,
  name,
  // Switching on needs a complete charter (the activation gate); the refusal case has none.
  ...(ready ? { charter: readyCharter() } : {}),
  nodes: [
    { id: 'start', ...trigger, position: { x: 0, y: 0 } },
    { id: 'mark', type: 'transform.set', position: { x: 280, y: 0 }, config: { fields: [{ name: 'seen', value: 'yes' }] } },
  ],
  edges: [{ source: 'start', target: 'mark' }],
});

test.beforeAll(async () => {
  const staticDir = process.env.FLOWKEEPER_E2E_STATIC_DIR;
  if (!staticDir) throw new Error('FLOWKEEPER_E2E_STATIC_DIR is not set: run through playwright.config.ts (global setup).');
  dir = await mkdtemp(join(tmpdir(), 'flowkeeper-flows-list-e2e-'));
  hookPort = await freePort();
  // Another program on the port of the second webhook: its trigger cannot listen.
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  busyPort = (blocker.address() as { port: number }).port;
  bridge = await startBridge({ dataDir: join(dir, 'data'), port: 0, staticDir });
  const call = (method: string, args: unknown) => bridgeCall(bridge, method, args);
  await call('flows.import', { text: JSON.stringify(flow('by-hand', 'Weekly check', { type: 'trigger.manual' })) });
  await call('flows.import', { text: JSON.stringify(flow('orders-hook', 'New orders', { type: 'trigger.webhook', config: { port: hookPort, path: '/hooks/orders' } })) });
  await call('flows.import', { text: JSON.stringify(flow('busy-hook', 'Returns', { type: 'trigger.webhook', config: { port: busyPort, path: '/hooks/returns' } })) });
  // Saved with a problem (a save keeps a half-built flow; an import would refuse it).
  await call('flows.save', { flow: flow('morning', 'Morning report', { type: 'trigger.schedule', config: { cron: 'every morning', timezone: 'Europe/Berlin' } }, false) });
});

test.afterAll(async () => {
  await bridge.close();
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

// A refused call is answered with an error status, which the browser logs; it is expected here.
failOnPageErrors({ ignore: /Failed to load resource/ });

const row = (page: Page, id: string): Locator => page.locator(`tr[data-flow-id="${id}"]`);
const toggle = (page: Page, id: string): Locator => row(page, id).getByRole('switch');
const health = (page: Page, id: string): Locator => row(page, id).getByTestId('trigger-health');

/** Screenshots at 1400 and 800 px, each width also checked against WCAG 2.1 A/AA. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 760 });
    await expect(row(page, 'orders-hook')).toBeVisible();
    await page.screenshot({ path: join(root, 'docs', 'screenshots', `flows-list-${name}-${width}.png`), fullPage: true });
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(result.passes.length).toBeGreaterThan(0);
    expect(result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), `accessibility problems at ${width} px`).toEqual([]);
  }
  await page.setViewportSize({ width: 1400, height: 760 });
}

test('switches a webhook flow on and off, shows its health live, and says why a switch is refused', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 760 });
  await page.goto(bridge.url);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await expect(page.getByRole('heading', { name: 'Flows', level: 1 })).toBeVisible();

  // Only by hand: said so, no switch.
  await expect(row(page, 'by-hand')).toContainText('Starts by hand');
  await expect(row(page, 'by-hand').getByRole('switch')).toHaveCount(0);

  // A webhook flow: off, switched on, listening.
  await expect(toggle(page, 'orders-hook')).toHaveAttribute('aria-checked', 'false');
  await expect(health(page, 'orders-hook')).toHaveText('Off: starts only when someone runs it');
  await toggle(page, 'orders-hook').click();
  await expect(toggle(page, 'orders-hook')).toHaveAttribute('aria-checked', 'true');
  await expect(health(page, 'orders-hook')).toHaveText('Listening · not fired yet');

  // It fires: the list follows from the pushed event, without a reload.
  const response = await fetch(`http://127.0.0.1:${hookPort}/hooks/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order: 1 }) });
  expect(response.status).toBeLessThan(300);
  await expect(health(page, 'orders-hook')).toHaveText('Listening · last fired just now');

  // A port another program holds: switched on, but stopped, in plain words.
  await toggle(page, 'busy-hook').click();
  await expect(toggle(page, 'busy-hook')).toHaveAttribute('aria-checked', 'true');
  await expect(health(page, 'busy-hook')).toContainText('Stopped:');
  await expect(health(page, 'busy-hook')).toContainText(String(busyPort));

  // Refused (the saved flow has a problem): the service's words, no code, and the flow stays off.
  await toggle(page, 'morning').click();
  const refusal = row(page, 'morning').getByRole('alert');
  await expect(refusal).toContainText('Not switched on:');
  await expect(refusal).not.toContainText(/[A-Z]{3,}_[A-Z_]+/);
  await expect(toggle(page, 'morning')).toHaveAttribute('aria-checked', 'false');
  expect((await bridgeCall<Array<{ flowId: string }>>(bridge, 'triggers.status', {})).map((s) => s.flowId).sort()).toEqual(['busy-hook', 'orders-hook']);
  await shoot(page, 'switched-on');
  await refusal.getByRole('button', { name: 'OK' }).click();
  await expect(refusal).toHaveCount(0);

  // Switched off: the listener is gone.
  await toggle(page, 'orders-hook').click();
  await expect(toggle(page, 'orders-hook')).toHaveAttribute('aria-checked', 'false');
  await expect(health(page, 'orders-hook')).toHaveText('Off: starts only when someone runs it');
  await expect(fetch(`http://127.0.0.1:${hookPort}/hooks/orders`, { method: 'POST', body: '{}' })).rejects.toThrow();
});
