/**
 * The tray decision (electron/tray.ts) with fakes: closing goes to the tray only with flows
 * switched on (never on macOS), the notice shows once ever, the menu follows flows switched on or
 * off, a failed count closes as before, and the icon is a real PNG.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../engine/model/contract.ts';
import { closePlan, countActiveFlows, createTrayController, flowsOnLabel, trayMenuTemplate, type TrayLike, type TrayMenuItem } from '../../electron/tray.ts';
import { trayIconPng } from '../../electron/tray-icon.ts';

function fakes(counts: Array<number | Error>) {
  const trays: Array<{ toolTip: string; menu: TrayMenuItem[]; destroyed: boolean; click?: () => void }> = [];
  const notices: Array<{ title: string; body: string }> = [];
  const listeners = new Set<(event: ApiEvent) => void>();
  let noticeShown = false;
  let opened = 0;
  let quits = 0;
  const logs: string[] = [];
  const controller = createTrayController({
    platform: 'linux',
    countActiveFlows: async () => {
      const next = counts.length > 1 ? counts.shift()! : counts[0]!;
      if (next instanceof Error) throw next;
      return next;
    },
    createTray: (): TrayLike => {
      const tray = { toolTip: '', menu: [] as TrayMenuItem[], destroyed: false, click: undefined as (() => void) | undefined };
      trays.push(tray);
      return {
        setToolTip: (text) => (tray.toolTip = text),
        setContextMenu: (template) => (tray.menu = template),
        on: (_event, listener) => (tray.click = listener),
        destroy: () => (tray.destroyed = true),
      };
    },
    showNotice: (notice) => notices.push(notice),
    noticeShown: () => noticeShown,
    markNoticeShown: () => (noticeShown = true),
    openWindow: () => opened++,
    quit: () => quits++,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    log: (message) => logs.push(message),
  });
  return { controller, trays, notices, logs, push: (event: ApiEvent) => listeners.forEach((l) => l(event)), listeners, opened: () => opened, quits: () => quits };
}

const labels = (menu: TrayMenuItem[]) => menu.map((item) => item.label ?? item.type);

describe('closing the window', () => {
  it('goes to the tray only with flows switched on, and never on macOS', () => {
    expect(closePlan({ platform: 'linux', activeFlows: 2 })).toBe('to-tray');
    expect(closePlan({ platform: 'win32', activeFlows: 1 })).toBe('to-tray');
    expect(closePlan({ platform: 'linux', activeFlows: 0 })).toBe('quit');
    expect(closePlan({ platform: 'darwin', activeFlows: 3 })).toBe('keep-running');
    expect([0, 1, 4].map(flowsOnLabel)).toEqual(['No flow switched on', '1 flow switched on', '4 flows switched on']);
  });

  it('the tray has Open, the count and Quit; the notice shows the first time only', async () => {
    const f = fakes([2]);
    expect(await f.controller.windowClosing()).toBe('to-tray');
    expect(f.controller.inTray).toBe(true);
    expect(labels(f.trays[0]!.menu)).toEqual(['Open Flowkeeper', '2 flows switched on', 'separator', 'Quit Flowkeeper']);
    expect(f.trays[0]!.menu[1]!.enabled).toBe(false);
    expect(f.trays[0]!.toolTip).toBe('Flowkeeper: 2 flows switched on');
    expect(f.notices).toEqual([{ title: 'Flowkeeper is still running', body: expect.stringMatching(/^Your 2 switched-on flows keep running in the background\. .*tray/) }]);

    f.trays[0]!.menu.find((i) => i.id === 'open')!.click!();
    f.trays[0]!.click!();
    expect(f.opened()).toBe(2);
    f.controller.windowOpened();
    expect(f.trays[0]!.destroyed).toBe(true);
    expect(f.controller.inTray).toBe(false);

    expect(await f.controller.windowClosing()).toBe('to-tray');
    expect(f.trays).toHaveLength(2);
    expect(f.notices).toHaveLength(1);
    f.trays[1]!.menu.find((i) => i.id === 'quit')!.click!();
    expect(f.quits()).toBe(1);
  });

  it('follows flows switched on or off while in the tray', async () => {
    const f = fakes([1, 3]);
    await f.controller.windowClosing();
    f.push({ type: 'flows.changed', flowId: 'x' });
    await expect.poll(() => labels(f.trays[0]!.menu)[1]).toBe('3 flows switched on');
    expect(f.trays[0]!.toolTip).toBe('Flowkeeper: 3 flows switched on');
    f.controller.dispose();
    expect(f.listeners.size).toBe(0);
    expect(f.trays[0]!.destroyed).toBe(true);
  });

  it('quits as before when nothing is on, or when the count fails (never a hidden app by accident)', async () => {
    const none = fakes([0]);
    expect(await none.controller.windowClosing()).toBe('quit');
    expect(none.trays).toHaveLength(0);
    expect(none.notices).toHaveLength(0);
    const broken = fakes([new Error('the service is closing')]);
    expect(await broken.controller.windowClosing()).toBe('quit');
    expect(broken.logs).toEqual(['Could not count the switched-on flows: Error: the service is closing']);
  });

  it('counts switched-on flows from flows.list; an error answer counts none', async () => {
    expect(await countActiveFlows(async () => ({ ok: true, result: [{ id: 'a', active: true }, { id: 'b' }, { id: 'c', active: true }] }))).toBe(2);
    expect(await countActiveFlows(async () => ({ ok: false, error: { code: 'X', message: 'no' } }))).toBe(0);
    expect(labels(trayMenuTemplate({ activeFlows: 0, open: () => {}, quit: () => {} }))[1]).toBe('No flow switched on');
  });
});

describe('the tray icon', () => {
  it('is a square RGBA PNG with an opaque middle and transparent corners', () => {
    const png = trayIconPng(32);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString('ascii', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([32, 32, 8, 6]);
    const idat = png.indexOf('IDAT');
    const rows = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
    expect(rows).toHaveLength(32 * (32 * 4 + 1));
    const alpha = (x: number, y: number) => rows[y * (32 * 4 + 1) + 1 + x * 4 + 3];
    expect(alpha(0, 0)).toBe(0);
    expect(alpha(16, 4)).toBe(255);
    expect(trayIconPng(32).equals(png)).toBe(true); // the same bytes every time
  });
});
