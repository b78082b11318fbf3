/**
 * The canvas's overview (renderer/editor/flow-minimap.tsx): it draws every step, and dragging it
 * or turning the wheel over it moves and zooms the canvas's view, as React Flow's MiniMap did.
 * Its own bridge and data folder.
 */
import { expect, test, type Page } from '@playwright/test';
import { bridgeCall } from './bridge-call.ts';
import { ownBridge } from './own-bridge.ts';

const bridge = ownBridge('minimap');

/** The canvas's view: "translate(Xpx, Ypx) scale(Z)" on React Flow's viewport. */
async function view(page: Page): Promise<{ x: number; y: number; zoom: number }> {
  const t = (await page.locator('.react-flow__viewport').getAttribute('style')) ?? '';
  const m = /translate\(([-\d.e]+)px,\s*([-\d.e]+)px\)\s*scale\(([-\d.e]+)\)/.exec(t);
  if (!m) throw new Error(`Unexpected viewport style: ${t}`);
  return { x: Number(m[1]), y: Number(m[2]), zoom: Number(m[3]) };
}

test('the overview shows every step and moves and zooms the view', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => errors.push(e.message));
  const nodes = Array.from({ length: 12 }, (_, i) =>
    i === 0 ? { id: 'start', type: 'trigger.manual', name: 'Start', position: { x: 0, y: 0 } } : { id: `step-${i}`, type: 'transform.jsonata', name: `Step ${i}`, position: { x: (i % 4) * 300, y: Math.floor(i / 4) * 200 }, config: { expression: '$' } },
  );
  const edges = nodes.slice(1).map((n, i) => ({ source: nodes[i]!.id, target: n.id }));
  await bridgeCall(bridge(), 'flows.import', { text: JSON.stringify({ format: 'flowkeeper/flow', formatVersion: 1, id: 'overview', name: 'Overview', nodes, edges }), overwrite: true });
  await page.setViewportSize({ width: 1400, height: 860 });
  await page.goto(bridge().url);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await page.evaluate((h) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = h), '#/flows/overview');
  await expect(page.locator('.react-flow__node')).toHaveCount(nodes.length);

  const overview = page.getByRole('img', { name: 'Overview of the flow' });
  await expect(overview).toBeVisible();
  // One rectangle per step.
  await expect.poll(async () => ((await overview.locator('.flow-minimap-nodes').getAttribute('d')) ?? '').split('M').length - 1).toBe(nodes.length);

  // Zoom in on the canvas first, so the view is a part of the flow that can move.
  await page.getByRole('button', { name: /zoom in/i }).click();
  await page.getByRole('button', { name: /zoom in/i }).click();
  const before = await view(page);
  const box = (await overview.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 20, box.y + box.height / 2 + 10, { steps: 10 });
  await page.mouse.up();
  // Dragging the overview right and down moves the view right and down over the flow: its translation goes left and up.
  await expect.poll(async () => (await view(page)).x).toBeLessThan(before.x - 20);
  expect((await view(page)).y).toBeLessThan(before.y);
  expect((await view(page)).zoom).toBeCloseTo(before.zoom, 5);

  const zoomBefore = (await view(page)).zoom;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -200);
  await expect.poll(async () => (await view(page)).zoom).toBeGreaterThan(zoomBefore);
  expect(errors).toEqual([]);
});
