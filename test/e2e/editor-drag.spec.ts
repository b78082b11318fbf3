/**
 * Moving a step on the canvas with the mouse, the way a person does: press on the card's name (or
 * its summary line), move in small steps, let go. The card follows by about the distance, the new
 * position is autosaved, and Undo puts the card back (and that is saved too). Its own bridge and
 * data folder, so the other specs' folders are left alone.
 *
 * React Flow in Playwright: the nodes must be measured before a drag (React Flow hides a node,
 * visibility: hidden, until it knows its size) and the mouse moves with `steps` (a single jump is
 * one pointer event, not a drag).
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { bridgeCall } from './bridge-call.ts';
import { ownBridge } from './own-bridge.ts';
import { failOnPageErrors } from './page-errors.ts';

const bridge = ownBridge('editor-drag');

failOnPageErrors();

type Position = { x: number; y: number };
type SavedFlow = { flow: { version: number; nodes: Array<{ id: string; position: Position }> } };

let flowNo = 0;
/** A fresh flow per test (repeat-each runs the same test again in the same folder). */
async function openFlow(page: Page): Promise<string> {
  flowNo += 1;
  const id = `drag-me-${flowNo}`;
  const flow = {
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id,
    name: 'Drag me',
    nodes: [
      { id: 'start', type: 'trigger.manual', name: 'Start', position: { x: 0, y: 80 } },
      { id: 'fetch', type: 'http.request', name: 'Fetch people', position: { x: 280, y: 80 }, config: { url: 'http://127.0.0.1:9/people' } },
    ],
    edges: [{ source: 'start', target: 'fetch' }],
  };
  await bridgeCall(bridge(), 'flows.import', { text: JSON.stringify(flow) });
  await page.setViewportSize({ width: 1400, height: 860 });
  await page.goto(bridge().url);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await page.evaluate((h) => void ((globalThis as unknown as { location: { hash: string } }).location.hash = h), `#/flows/${id}`);
  // Measured: React Flow shows a node (visibility: visible) once it knows its size.
  const nodes = page.locator('.react-flow__node');
  await expect(nodes).toHaveCount(2);
  for (const node of await nodes.all()) await expect(node).toBeVisible();
  await expect(page.getByTestId('save-state')).toHaveText('All changes saved');
  return id;
}

const savedPosition = async (flowId: string, nodeId: string): Promise<Position> => {
  const { flow } = await bridgeCall<SavedFlow>(bridge(), 'flows.get', { id: flowId });
  return flow.nodes.find((n) => n.id === nodeId)!.position;
};

/** Presses on `grip`, moves by (dx, dy) in 20 small steps, lets go. */
async function drag(page: Page, grip: Locator, dx: number, dy: number): Promise<void> {
  const box = (await grip.boundingBox())!;
  const x = box.x + Math.min(box.width / 2, 30);
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, { steps: 20 });
  await page.mouse.up();
}

/** The zoom the canvas shows the flow at (fit-to-view): screen px per flow unit. */
async function zoom(page: Page): Promise<number> {
  const transform = await page.locator('.react-flow__viewport').evaluate((el) => (el as unknown as { style: { transform: string } }).style.transform);
  return Number(/scale\(([^)]+)\)/.exec(transform)?.[1] ?? '1');
}

for (const [part, selector] of [
  ['name', '.node-card-name'],
  ['summary', '.node-card-summary'],
] as const) {
  test(`a card dragged by its ${part} moves by the distance, is saved, and Undo puts it back`, async ({ page }) => {
    const flowId = await openFlow(page);
    const card = page.locator('.node-card[data-node-id="fetch"]');
    const wrapper = page.locator('.react-flow__node[data-id="fetch"]');
    const grip = card.locator(selector);
    await expect(grip).toBeVisible();
    const before = (await wrapper.boundingBox())!;
    const savedBefore = await savedPosition(flowId, 'fetch');
    const scale = await zoom(page);

    const dx = 180;
    const dy = 120;
    await drag(page, grip, dx, dy);

    // On screen: the card followed the mouse (React Flow's 1 px drag threshold costs at most one step).
    await expect.poll(async () => (await wrapper.boundingBox())!.x - before.x).toBeGreaterThan(dx - 15);
    const after = (await wrapper.boundingBox())!;
    expect(after.x - before.x).toBeLessThanOrEqual(dx + 1);
    expect(after.y - before.y).toBeGreaterThan(dy - 15);
    expect(after.y - before.y).toBeLessThanOrEqual(dy + 1);
    // The other card stayed.
    await expect(page.locator('.node-card[data-node-id="start"]')).toBeVisible();

    // Saved: the flow file has the new position, in flow units (screen px / zoom).
    await expect(page.getByTestId('save-state')).toHaveText('All changes saved');
    await expect.poll(async () => (await savedPosition(flowId, 'fetch')).x).not.toBe(savedBefore.x);
    const saved = await savedPosition(flowId, 'fetch');
    expect(Math.abs(saved.x - savedBefore.x - (after.x - before.x) / scale)).toBeLessThan(2);
    expect(Math.abs(saved.y - savedBefore.y - (after.y - before.y) / scale)).toBeLessThan(2);

    // Undo: the whole drag is one step; the card is back where it was, and that is saved.
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(async () => (await wrapper.boundingBox())!.x).toBeCloseTo(before.x, 0);
    expect((await wrapper.boundingBox())!.y).toBeCloseTo(before.y, 0);
    await expect(page.getByTestId('save-state')).toHaveText('All changes saved');
    await expect.poll(async () => savedPosition(flowId, 'fetch')).toEqual(savedBefore);
  });
}
