/**
 * Closing the window while flows are switched on keeps Flowkeeper running in the tray, so their
 * triggers go on firing; with nothing switched on, closing quits as before (macOS keeps its own
 * rule: the app stays in the Dock without a window). Pure over small interfaces (no Electron at
 * run time): main.ts hands in the real Tray, Menu and Notification; tests hand in fakes.
 *
 * The tray's menu: "Open Flowkeeper", "N flows switched on" (a label), "Quit Flowkeeper" (which
 * asks first when runs are running, as every quit does: quit.ts). The first time ever it goes to
 * the tray a notice says so and how to quit; never again after that.
 */
import type { ApiEvent, ApiReply, FlowSummary, MethodName } from '../engine/model/contract.ts';

export type ClosePlan = 'keep-running' | 'to-tray' | 'quit';

/** What closing the last window does. */
export function closePlan({ platform, activeFlows }: { platform: string; activeFlows: number }): ClosePlan {
  if (platform === 'darwin') return 'keep-running';
  return activeFlows > 0 ? 'to-tray' : 'quit';
}

export function flowsOnLabel(activeFlows: number): string {
  if (activeFlows === 0) return 'No flow switched on';
  return activeFlows === 1 ? '1 flow switched on' : `${activeFlows} flows switched on`;
}

/** Electron's MenuItemConstructorOptions, the part the tray uses. */
export interface TrayMenuItem {
  id?: string;
  label?: string;
  type?: 'normal' | 'separator';
  enabled?: boolean;
  click?: () => void;
}

export function trayMenuTemplate({ activeFlows, open, quit }: { activeFlows: number; open: () => void; quit: () => void }): TrayMenuItem[] {
  return [
    { id: 'open', label: 'Open Flowkeeper', click: open },
    { id: 'flows-on', label: flowsOnLabel(activeFlows), enabled: false },
    { type: 'separator' },
    { id: 'quit', label: 'Quit Flowkeeper', click: quit },
  ];
}

export function trayNotice(activeFlows: number): { title: string; body: string } {
  const flows = activeFlows === 1 ? 'Your switched-on flow keeps' : `Your ${activeFlows} switched-on flows keep`;
  return {
    title: 'Flowkeeper is still running',
    body: `${flows} running in the background. To open Flowkeeper again or to quit it, use its icon in the tray (or start Flowkeeper again).`,
  };
}

/** How many flows are switched on, from `flows.list` (0 when the answer is an error). */
export async function countActiveFlows(call: (method: MethodName, args: unknown) => Promise<ApiReply>): Promise<number> {
  const reply = await call('flows.list', {});
  return reply.ok ? (reply.result as FlowSummary[]).filter((f) => f.active).length : 0;
}

/** The part of Electron's Tray the controller uses. */
export interface TrayLike {
  setToolTip(text: string): void;
  setContextMenu(template: TrayMenuItem[]): void;
  on(event: 'click', listener: () => void): void;
  destroy(): void;
}

export interface TrayDeps {
  platform: string;
  countActiveFlows(): Promise<number>;
  createTray(): TrayLike;
  /** Shown once ever (the first time it goes to the tray). */
  showNotice(notice: { title: string; body: string }): void;
  noticeShown(): boolean;
  markNoticeShown(): void;
  openWindow(): void;
  /** Quits as the menu's Quit does (asks first when runs are running). */
  quit(): void;
  subscribe(listener: (event: ApiEvent) => void): () => void;
  log(message: string): void;
}

export interface TrayController {
  /** The last window is closing (not a quit): what to do. Goes to the tray when that is the plan. */
  windowClosing(): Promise<ClosePlan>;
  /** Whether the app is in the tray now (window closed, still running). */
  readonly inTray: boolean;
  /** The window is open again: the tray icon goes. */
  windowOpened(): void;
  dispose(): void;
}

export function createTrayController(deps: TrayDeps): TrayController {
  let tray: TrayLike | undefined;
  let activeFlows = 0;
  const refreshMenu = () => {
    tray?.setToolTip(`Flowkeeper: ${flowsOnLabel(activeFlows).toLowerCase()}`);
    tray?.setContextMenu(trayMenuTemplate({ activeFlows, open: deps.openWindow, quit: deps.quit }));
  };
  // While in the tray, "N flows switched on" follows flows switched on or off (the CLI, a delete).
  const off = deps.subscribe((event) => {
    if (event.type !== 'flows.changed' || !tray) return;
    void deps.countActiveFlows().then(
      (n) => {
        activeFlows = n;
        refreshMenu();
      },
      (error: unknown) => deps.log(`Could not count the switched-on flows: ${String(error)}`),
    );
  });
  const leaveTray = () => {
    tray?.destroy();
    tray = undefined;
  };
  return {
    get inTray() {
      return tray !== undefined;
    },
    async windowClosing() {
      let count = 0;
      try {
        count = await deps.countActiveFlows();
      } catch (error) {
        // Never trap someone in a hidden app: without a count, close as before.
        deps.log(`Could not count the switched-on flows: ${String(error)}`);
      }
      const plan = closePlan({ platform: deps.platform, activeFlows: count });
      if (plan !== 'to-tray') return plan;
      activeFlows = count;
      if (!tray) {
        tray = deps.createTray();
        tray.on('click', deps.openWindow);
      }
      refreshMenu();
      if (!deps.noticeShown()) {
        deps.markNoticeShown();
        deps.showNotice(trayNotice(count));
      }
      return plan;
    },
    windowOpened: leaveTray,
    dispose() {
      off();
      leaveTray();
    },
  };
}
