/**
 * Credentials in the real OS keychain (Secret Service through @napi-rs/keyring). CI runs the
 * tests inside `dbus-run-session` with an unlocked gnome-keyring-daemon and sets
 * FLOWKEEPER_REQUIRE_KEYCHAIN=1, so there they must run, not skip. Without a keychain, the
 * error is plain and nothing is written anywhere else.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, KeychainUnavailableError, NodeError, OsKeychain, Vault, type KeychainBackend } from '../../engine/index.ts';
import { tempDir } from '../helpers/engine.ts';

const keychain = new OsKeychain();
let available = false;
let whyNot = '';

beforeAll(async () => {
  try {
    await keychain.setPassword('flowkeeper-test-probe', 'probe');
    await keychain.deletePassword('flowkeeper-test-probe');
    available = true;
  } catch (error) {
    whyNot = (error as Error).message;
  }
});

describe('the OS keychain', () => {
  it('is available where CI promises one', () => {
    if (process.env.FLOWKEEPER_REQUIRE_KEYCHAIN === '1') expect(whyNot).toBe('');
  });

  describe('with a real keychain', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    const id = `test-${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      ({ dir, cleanup } = await tempDir());
    });
    afterAll(async () => {
      await keychain.deletePassword(id).catch(() => undefined);
      await cleanup();
    });

    it('stores values in the keychain and only names on disk', async (ctx) => {
      if (!available) ctx.skip();
      const vault = new Vault(dir, keychain, {});
      const info = await vault.set(id, 'http.bearer', 'CRM', { token: 'keychain-secret-value', region: 'eu' });
      expect(info.fields).toEqual(['region', 'token']);
      // The value is in the OS keychain, under the Flowkeeper service…
      expect(JSON.parse((await keychain.getPassword(id))!)).toEqual({ token: 'keychain-secret-value', region: 'eu' });
      // …and nowhere in the data folder.
      const onDisk = await readFile(join(dir, 'credentials.json'), 'utf8');
      expect(onDisk).toContain(id);
      expect(onDisk).not.toContain('keychain-secret-value');
      expect(await vault.list()).toEqual([expect.objectContaining({ id, type: 'http.bearer', label: 'CRM', fields: ['region', 'token'] })]);
      // A run gets the values.
      expect(await vault.get(id)).toEqual({ token: 'keychain-secret-value', region: 'eu' });
    });

    it('replaces and deletes', async (ctx) => {
      if (!available) ctx.skip();
      const vault = new Vault(dir, keychain, {});
      await vault.set(id, 'http.bearer', 'CRM', { token: 'second-value' });
      expect(await vault.get(id)).toEqual({ token: 'second-value' });
      await vault.delete(id);
      expect(await keychain.getPassword(id)).toBeNull();
      expect(await vault.list()).toEqual([]);
      await expect(vault.get(id)).rejects.toThrow(/Credential "[^"]+" is not available/);
    });
  });
});

describe('without a usable keychain', () => {
  const broken: KeychainBackend = {
    getPassword: () => Promise.reject(new KeychainUnavailableError('no Secret Service on the session bus')),
    setPassword: () => Promise.reject(new KeychainUnavailableError('no Secret Service on the session bus')),
    deletePassword: () => Promise.reject(new KeychainUnavailableError('no Secret Service on the session bus')),
  };

  it('refuses to store a credential with a plain error and writes nothing', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const vault = new Vault(dir, broken, {});
      const error = await vault.set('crm', 'http.bearer', '', { token: 'x-secret' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).code).toBe('KEYCHAIN_UNAVAILABLE');
      expect((error as ApiError).message).toMatch(/system keychain cannot be used/);
      expect((error as ApiError).hint).toMatch(/FLOWKEEPER_CREDENTIAL_<ID>/);
      await expect(readFile(join(dir, 'credentials.json'), 'utf8')).rejects.toThrow(/ENOENT/);
    } finally {
      await cleanup();
    }
  });

  it('falls back to the documented environment variable, and only to it', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const vault = new Vault(dir, broken, { FLOWKEEPER_CREDENTIAL_CRM: '{"token":"from-env"}' });
      expect(await vault.get('crm')).toEqual({ token: 'from-env' });
      const missing = await new Vault(dir, broken, {}).get('crm').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(NodeError);
      expect((missing as NodeError).hint).toMatch(/FLOWKEEPER_CREDENTIAL_CRM/);
    } finally {
      await cleanup();
    }
  });
});
