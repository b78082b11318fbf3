/**
 * Stored credentials: names, types and field names only. Values never come back. Also the
 * keychain's status (credentials.status), asked for when the screen opens, so a missing keychain
 * is said before a person types a secret into a form that cannot save it.
 */
import { create } from 'zustand';
import type { CredentialInfo, MethodOutput } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';

export type KeychainStatus = MethodOutput<'credentials.status'>;

interface CredentialsStore {
  credentials: CredentialInfo[];
  loaded: boolean;
  error?: ErrorView;
  status?: KeychainStatus;
  load(): Promise<void>;
}

export const useCredentials = create<CredentialsStore>((set) => ({
  credentials: [],
  loaded: false,
  async load() {
    // The status never blocks the list: if it cannot be asked, the list's own error says enough.
    void getApi()
      .credentials.status({})
      .then((status) => set({ status }))
      .catch(() => set({ status: undefined }));
    try {
      const credentials = await getApi().credentials.list({});
      set({ credentials, loaded: true, error: undefined });
    } catch (error) {
      set({ loaded: true, error: toErrorView(error) });
    }
  },
}));
