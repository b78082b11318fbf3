/**
 * The native menu as a plain template. New, Open, Save and Export are the renderer's job: they
 * go to it as `app.command` events; Import needs a native file dialog, so the main process does
 * it (flow-import.ts).
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { ApiEvent } from '../engine/model/contract.ts';

export type AppCommand = Extract<ApiEvent, { type: 'app.command' }>['command'];

export interface MenuActions {
  command(command: AppCommand): void;
  importFlow(): void;
  openDataFolder(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  appName: string;
  /** Developer tools and reload in the View menu; off in a packaged app. */
  developerTools: boolean;
}

export function buildMenuTemplate(actions: MenuActions, { platform, appName, developerTools }: MenuOptions): MenuItemConstructorOptions[] {
  const isMac = platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];

  if (isMac) {
    template.push({
      label: appName,
      submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'services' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }],
    });
  }

  template.push({
    label: '&File',
    submenu: [
      { id: 'flow.new', label: 'New flow', accelerator: 'CmdOrCtrl+N', click: () => actions.command('flow.new') },
      { id: 'flow.open', label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => actions.command('flow.open') },
      { id: 'flow.save', label: 'Save', accelerator: 'CmdOrCtrl+S', click: () => actions.command('flow.save') },
      { type: 'separator' },
      { id: 'flow.import', label: 'Import flow…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.importFlow() },
      { id: 'flow.export', label: 'Export flow…', accelerator: 'CmdOrCtrl+Shift+E', click: () => actions.command('flow.export') },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit', label: 'Quit' },
    ],
  });

  template.push({
    label: '&Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'delete' }, { type: 'separator' }, { role: 'selectAll' }],
  });

  template.push({
    label: '&View',
    submenu: [
      ...(developerTools ? ([{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }] satisfies MenuItemConstructorOptions[]) : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });

  if (isMac) template.push({ role: 'windowMenu' });

  template.push({
    role: 'help',
    submenu: [{ id: 'help.data-folder', label: 'Open data folder', click: () => actions.openDataFolder() }, ...(isMac ? [] : ([{ type: 'separator' }, { role: 'about' }] satisfies MenuItemConstructorOptions[]))],
  });

  return template;
}
