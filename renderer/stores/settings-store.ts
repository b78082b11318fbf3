/** App settings (reviewer name, notifications). */
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
      // Sends every setting, not just the change: the contract's `SettingsSchema.partial()` still
      // fills in defaults for missing keys (zod 4), which would reset them.
      set({ settings: await getApi().settings.update(before ? { ...before, ...change } : change), error: undefined, saving: false });
      return true;
    } catch (error) {
      set({ error: toErrorView(error), saving: false, settings: before });
      return false;
    }
  },
}));
