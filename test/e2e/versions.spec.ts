/**
 * Each run shows the version it ran and opens that version (issue 12 item 1), through a web
 * bridge of this file's own over its own data folder: a flow saved twice, run at version 2, then
 * rolled back (version 3 = version 1's content). The run page says "Flow version 2", and the link
 * opens the canvas with version 2's steps, not the latest.
 */
import { expect, test } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, type Bridge } from '../../cli/serve.ts';
import { bridgeCall } from './bridge-call.ts';

let bridge: Bridge;
let dir = '';
let runId = '';
const call = <T>(method: string, args: unknown): Promise<T> => bridgeCall<T>(bridge, method, args);

const flow = (label: string) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'tagging',
  name: 'Tagging',
  nodes: [
    { id: 'start', type: 'trigger.manual', name: 'Start by hand', position: { x: 0, y: 0 }, config: {} },
    { id: 'mark', type: 'transform.set', name: label, position: { x: 280, y: 0 }, config: { fields: [{ name: 'tag', value: label }] } },
  ],
  edges: [{ source: 'start', target: 'mark' }],
});

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowkeeper-versions-e2e-'));
  bridge = await startBridge({ dataDir: join(dir, 'data'), port: 0, staticDir: process.env.FLOWKEEPER_E2E_STATIC_DIR! });
  await call('flows.save', { flow: flow('Tag as first') });
  await call('flows.save', { flow: flow('Tag as second') });
  runId = (await call<{ runId: string }>('runs.start', { flowId: 'tagging', input: {} })).runId;
  await expect.poll(() => call<{ status: string }>('runs.get', { runId }).then((r) => r.status, () => 'not yet'), { timeout: 15_000 }).toBe('succeeded');
  await call('flows.rollback', { id: 'tagging', version: 1 });
});

test.afterAll(async () => {
  await bridge?.close();
  await rm(dir, { recursive: true, force: true });
});

test('a run shows the version it ran and opens it on the canvas', async ({ page }) => {
  await page.goto(bridge.url);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await page.evaluate((h) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = h), `#/runs/${runId}`);
  const version = page.getByTestId('run-flow-version');
  await expect(version).toHaveText('Flow version 2');
  await version.click();
  await expect(page).toHaveURL(new RegExp(`#/flows/tagging/runs/${runId}$`));
  // Version 2's step, although the latest (version 3) is back to version 1's.
  await expect(page.getByText('Tag as second').first()).toBeVisible();
  await expect(page.getByText('Tag as first')).toHaveCount(0);
});
