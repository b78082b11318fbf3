/** Items waiting for a person (review steps put them here). */
import { create } from 'zustand';
import type { InboxItem } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';

interface InboxStore {
  items: InboxItem[];
  loaded: boolean;
  error?: ErrorView;
  load(): Promise<void>;
}

export const useInbox = create<InboxStore>((set) => ({
  items: [],
  loaded: false,
  async load() {
    try {
      const items = await getApi().inbox.list({});
      set({ items, loaded: true, error: undefined });
    } catch (error) {
      set({ loaded: true, error: toErrorView(error) });
    }
  },
}));
