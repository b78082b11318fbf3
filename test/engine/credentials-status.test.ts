/** credentials.status without a real keychain: a refusing one, and the environment fallback's names. */
import { describe, expect, it } from 'vitest';
import { KeychainUnavailableError, Vault, type KeychainBackend } from '../../engine/vault.ts';
import { tempDir } from '../helpers/engine.ts';

const refusing: KeychainBackend = {
  getPassword: () => Promise.reject(new KeychainUnavailableError('Cannot autolaunch D-Bus without X11 $DISPLAY')),
  setPassword: () => Promise.reject(new Error('no')),
  deletePassword: () => Promise.reject(new Error('no')),
};

describe('credentials status', () => {
  it('reports a missing keychain with the fix, and the credentials the environment provides (names only)', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const vault = new Vault(dir, refusing, { FLOWKEEPER_CREDENTIAL_SHOP: '{"token":"env-secret"}', FLOWKEEPER_CREDENTIAL_: 'x', HOME: '/root' });
      const status = await vault.status();
      expect(status).toMatchObject({ keychain: 'missing', message: 'The system keychain cannot be used, so credentials cannot be stored or read.', fromEnvironment: ['shop'] });
      expect(status.hint).toMatch(/Secret Service keyring/);
      expect(JSON.stringify(status)).not.toContain('env-secret');
    } finally {
      await cleanup();
    }
  });

  it('reads nothing real and writes nothing to find out', async () => {
    const { dir, cleanup } = await tempDir();
    const asked: string[] = [];
    const keychain: KeychainBackend = { getPassword: async (a) => (asked.push(`get ${a}`), null), setPassword: async (a) => void asked.push(`set ${a}`), deletePassword: async (a) => (asked.push(`delete ${a}`), false) };
    try {
      expect(await new Vault(dir, keychain, {}).status()).toEqual({ keychain: 'available', fromEnvironment: [] });
      expect(asked).toEqual(['get flowkeeper-status-probe']);
    } finally {
      await cleanup();
    }
  });
});
