/** An in-memory keychain: the real OS keychain is exercised in test/engine/vault.test.ts. */
import type { KeychainBackend } from '../../engine/index.ts';

export class MemoryKeychain implements KeychainBackend {
  readonly entries = new Map<string, string>();
  async getPassword(account: string) {
    return this.entries.get(account) ?? null;
  }
  async setPassword(account: string, password: string) {
    this.entries.set(account, password);
  }
  async deletePassword(account: string) {
    return this.entries.delete(account);
  }
}
