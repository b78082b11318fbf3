/** Stored credentials: names, types and field names only. Values never come back. */
import { create } from 'zustand';
import type { CredentialInfo } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';

interface CredentialsStore {
  credentials: CredentialInfo[];
  loaded: boolean;
  error?: ErrorView;
  load(): Promise<void>;
}

export const useCredentials = create<CredentialsStore>((set) => ({
  credentials: [],
  loaded: false,
  async load() {
    try {
      const credentials = await getApi().credentials.list({});
      set({ credentials, loaded: true, error: undefined });
    } catch (error) {
      set({ loaded: true, error: toErrorView(error) });
    }
  },
}));
