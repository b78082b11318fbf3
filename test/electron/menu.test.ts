import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { buildMenuTemplate } from '../../electron/menu.ts';

function items(template: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions[] {
  const menu = template.find((item) => item.label?.replace('&', '') === label || item.role === label);
  return (menu?.submenu ?? []) as MenuItemConstructorOptions[];
}

function click(item: MenuItemConstructorOptions | undefined): void {
  (item!.click as () => void)();
}

describe('native menu', () => {
  const actions = { command: vi.fn(), importFlow: vi.fn(), openDataFolder: vi.fn() };
  const linux = buildMenuTemplate(actions, { platform: 'linux', appName: 'Flowkeeper', developerTools: false });

  it('has File, Edit, View and Help', () => {
    expect(linux.map((item) => item.label ?? item.role)).toEqual(['&File', '&Edit', '&View', 'help']);
  });

  it('File: New, Open, Save and Export go to the renderer as app commands; Import is native; Quit quits', () => {
    const file = items(linux, 'File');
    expect(file.filter((item) => item.type !== 'separator').map((item) => item.label ?? item.role)).toEqual(['New flow', 'Open…', 'Save', 'Import flow…', 'Export flow…', 'Quit']);
    for (const [id, command] of [['flow.new', 'flow.new'], ['flow.open', 'flow.open'], ['flow.save', 'flow.save'], ['flow.export', 'flow.export']] as const) {
      click(file.find((item) => item.id === id));
      expect(actions.command).toHaveBeenLastCalledWith(command);
    }
    click(file.find((item) => item.id === 'flow.import'));
    expect(actions.importFlow).toHaveBeenCalledOnce();
    expect(file.at(-1)).toMatchObject({ role: 'quit' });
  });

  it('gives the common commands their usual shortcuts, none taken twice', () => {
    const file = items(linux, 'File');
    expect(file.find((item) => item.id === 'flow.save')!.accelerator).toBe('CmdOrCtrl+S');
    const dev = buildMenuTemplate(actions, { platform: 'linux', appName: 'Flowkeeper', developerTools: true });
    const accelerators = dev.flatMap((menu) => (menu.submenu as MenuItemConstructorOptions[]).map((item) => item.accelerator).filter(Boolean));
    expect(new Set(accelerators).size).toBe(accelerators.length);
  });

  it('shows developer tools only when asked (never in a packaged app)', () => {
    expect(items(linux, 'View').map((item) => item.role)).not.toContain('toggleDevTools');
    const dev = buildMenuTemplate(actions, { platform: 'linux', appName: 'Flowkeeper', developerTools: true });
    expect(items(dev, 'View').map((item) => item.role)).toContain('toggleDevTools');
  });

  it('Help opens the data folder', () => {
    click(items(linux, 'help').find((item) => item.id === 'help.data-folder'));
    expect(actions.openDataFolder).toHaveBeenCalledOnce();
  });

  it('follows macOS conventions: an app menu with Quit, and a Window menu', () => {
    const mac = buildMenuTemplate(actions, { platform: 'darwin', appName: 'Flowkeeper', developerTools: false });
    expect(mac[0]!.label).toBe('Flowkeeper');
    expect((mac[0]!.submenu as MenuItemConstructorOptions[]).map((item) => item.role)).toContain('quit');
    expect(mac.map((item) => item.role)).toContain('windowMenu');
  });
});
