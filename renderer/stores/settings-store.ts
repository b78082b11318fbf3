/** App settings (reviewer name, notifications, AI prices and the development cache). */
import { create } from 'zustand';
import type { Settings } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';

interface SettingsStore {
  settings?: Settings;
  error?: ErrorView;
  saving: boolean;
  load(): Promise<void>;
  update(change: Partial<Settings>): Promise<boolean>;
}

export const useSettings = create<SettingsStore>((set, get) => ({
  saving: false,
  async load() {
    try {
      set({ settings: await getApi().settings.get({}), error: undefined });
    } catch (error) {
      set({ error: toErrorView(error) });
    }
  },
  async update(change) {
    // Show the change at once (a toggle must move when clicked); undo it if saving fails.
    const before = get().settings;
    set({ saving: true, ...(before ? { settings: { ...before, ...change } } : {}) });
    try {
      // Sends only the change: `settings.update` leaves the keys it is not given alone, so a
      // change made meanwhile in another window (or by the desktop app) is not overwritten.
      set({ settings: await getApi().settings.update(change), error: undefined, saving: false });
      return true;
    } catch (error) {
      set({ error: toErrorView(error), saving: false, settings: before });
      return false;
    }
  },
}));
