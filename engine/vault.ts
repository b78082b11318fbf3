/**
 * Credentials. Values live in the OS keychain (one entry per credential, service "Flowkeeper");
 * only metadata (id, type, label, field names) is kept in <data>/credentials.json. Values are
 * write-only through the API: they can be set and deleted, never read back.
 *
 * No keychain → a clear error. The documented opt-in fallback for headless machines is the
 * environment: FLOWKEEPER_CREDENTIAL_<ID> holding a JSON object. Never a plain-text file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ApiError, type CredentialInfo } from './model/contract.ts';
import { NodeError } from './model/node-kit.ts';
import { EnvSecretResolver, envVarFor, type SecretResolver } from './secrets.ts';
import type * as Keyring from '@napi-rs/keyring';
import { Serial } from './serial.ts';
import { dataDirLayout } from './storage/layout.ts';
import { OAuthConnector } from './oauth/oauth-connect.ts';
import { OAuthTokens, isOAuthType, type OAuthOptions, type StoredTokens, type TokenStore } from './oauth/oauth-tokens.ts';

type KeyringModule = typeof Keyring;

export const KEYCHAIN_SERVICE = 'Flowkeeper';

/** The keytar-shaped slice of a keychain Flowkeeper needs. */
export interface KeychainBackend {
  getPassword(account: string): Promise<string | null>;
  setPassword(account: string, password: string): Promise<void>;
  deletePassword(account: string): Promise<boolean>;
}

export class KeychainUnavailableError extends ApiError {
  constructor(cause: string) {
    super({
      code: 'KEYCHAIN_UNAVAILABLE',
      // The system's own words go to details: useful to support, noise to an operator.
      message: 'The system keychain cannot be used, so credentials cannot be stored or read.',
      details: { cause },
      hint:
        'On Linux, install and unlock a Secret Service keyring (GNOME Keyring or KWallet) in your desktop session. ' +
        'On a server without one, provide credentials as environment variables instead: FLOWKEEPER_CREDENTIAL_<ID>=\'{"token":"…"}\'.',
    });
  }
}

/**
 * OS keychain through @napi-rs/keyring. Its keytar-compatible module cannot pin a store, so
 * entries are made with its Entry API and pinned to the Secret Service on Linux: the kernel
 * keyring fallback would silently lose credentials at logout.
 */
export class OsKeychain implements KeychainBackend {
  private module: Promise<KeyringModule> | undefined;

  private async entry(account: string) {
    this.module ??= import('@napi-rs/keyring');
    let keyring: KeyringModule;
    try {
      keyring = await this.module;
    } catch (error) {
      throw new KeychainUnavailableError(`the keychain module did not load: ${(error as Error).message}`);
    }
    try {
      return new keyring.AsyncEntry(KEYCHAIN_SERVICE, account, { linux: { store: 'secret-service' } });
    } catch (error) {
      throw new KeychainUnavailableError((error as Error).message);
    }
  }

  private async attempt<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new KeychainUnavailableError((error as Error).message);
    }
  }

  async getPassword(account: string): Promise<string | null> {
    const entry = await this.entry(account);
    return this.attempt(() => entry.getPassword());
  }

  async setPassword(account: string, password: string): Promise<void> {
    const entry = await this.entry(account);
    await this.attempt(() => entry.setPassword(password));
  }

  async deletePassword(account: string): Promise<boolean> {
    const entry = await this.entry(account);
    return this.attempt(() => entry.deletePassword());
  }
}

interface Metadata {
  credentials: CredentialInfo[];
}

/** The keychain account holding an OAuth2 credential's tokens (":" never occurs in an id). */
export function tokenAccount(credentialId: string): string {
  return `${credentialId}:tokens`;
}

export class Vault implements SecretResolver, TokenStore {
  private readonly file: string;
  private readonly env: EnvSecretResolver;
  /** OAuth2 access tokens: fetched, cached in memory and renewed here, handed to nodes as `token`. */
  readonly oauth: OAuthTokens;

  /** `where`: a data folder (its layout decides the file) or the metadata file itself. */
  constructor(
    where: string | { credentials: string },
    private readonly keychain: KeychainBackend,
    env: NodeJS.ProcessEnv = process.env,
    oauth: OAuthOptions = {},
  ) {
    this.file = typeof where === 'string' ? dataDirLayout(where).credentials : where.credentials;
    this.env = new EnvSecretResolver(env);
    this.envValues = env;
    this.oauth = new OAuthTokens(this, oauth);
    this.oauthOptions = oauth;
  }

  private readonly oauthOptions: OAuthOptions;
  private connector: OAuthConnector | undefined;
  /** Connecting OAuth2 sign-ins as a person (the browser, a loopback listener). */
  get connections(): OAuthConnector {
    this.connector ??= new OAuthConnector(this, this.oauthOptions.fetch ? { fetch: this.oauthOptions.fetch } : {});
    return this.connector;
  }

  /** Stops sign-ins still waiting for the browser (the service is closing). */
  closeConnections(): void {
    this.connector?.close();
  }

  private readonly envValues: NodeJS.ProcessEnv;
  /** Metadata is read-modify-written: one change at a time. */
  private readonly serial = new Serial();

  private async read(): Promise<Metadata> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as Metadata;
      return { credentials: Array.isArray(parsed.credentials) ? parsed.credentials : [] };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { credentials: [] };
      throw new ApiError({ code: 'CREDENTIALS_DAMAGED', message: 'The list of credentials (credentials.json in the data folder) cannot be read.', hint: 'Restore it from a backup, or delete it and add the credentials again (their values stay in the keychain).' });
    }
  }

  private async write(meta: Metadata): Promise<void> {
    await mkdir(join(this.file, '..'), { recursive: true });
    const tmp = `${this.file}.${randomUUID()}.tmp`;
    await writeFile(tmp, `${JSON.stringify(meta, null, 2)}\n`);
    await rename(tmp, this.file);
  }

  async list(): Promise<CredentialInfo[]> {
    return (await this.read()).credentials.sort((a, b) => a.id.localeCompare(b.id));
  }

  set(id: string, type: string, label: string, values: Record<string, string>): Promise<CredentialInfo> {
    return this.serial.run('metadata', async () => {
      // Keychain first: if it fails, the list does not claim a credential that has no value.
      await this.keychain.setPassword(id, JSON.stringify(values));
      const meta = await this.read();
      const info: CredentialInfo = { id, type, label, fields: Object.keys(values).sort(), updatedAt: new Date().toISOString() };
      // Changed settings: tokens made with the old ones are not used again.
      const before = meta.credentials.find((c) => c.id === id);
      this.oauth.forget(id);
      if (before?.connection !== undefined && type === before.type) info.connection = before.connection;
      meta.credentials = [...meta.credentials.filter((c) => c.id !== id), info];
      await this.write(meta);
      return info;
    });
  }

  delete(id: string): Promise<void> {
    return this.serial.run('metadata', async () => {
      const meta = await this.read();
      if (!meta.credentials.some((c) => c.id === id)) {
        throw new ApiError({ code: 'CREDENTIAL_NOT_FOUND', message: `There is no credential "${id}".` });
      }
      await this.keychain.deletePassword(id);
      if (isOAuthType(meta.credentials.find((c) => c.id === id)?.type)) await this.keychain.deletePassword(tokenAccount(id));
      this.oauth.forget(id);
      meta.credentials = meta.credentials.filter((c) => c.id !== id);
      await this.write(meta);
    });
  }

  // TokenStore: the authorization-code type's tokens, in the keychain beside its settings.
  async readTokens(credentialId: string): Promise<StoredTokens | undefined> {
    let stored: string | null;
    try {
      stored = await this.keychain.getPassword(tokenAccount(credentialId));
    } catch (error) {
      const info = error instanceof ApiError ? error : new KeychainUnavailableError(String(error));
      throw new NodeError({ message: `The sign-in of credential "${credentialId}" could not be read: ${info.message}`, code: 'CREDENTIAL_UNAVAILABLE', retryable: false, ...(info.hint ? { hint: info.hint } : {}) });
    }
    if (stored === null) return undefined;
    try {
      return JSON.parse(stored) as StoredTokens;
    } catch {
      return undefined;
    }
  }

  async writeTokens(credentialId: string, tokens: StoredTokens): Promise<void> {
    await this.keychain.setPassword(tokenAccount(credentialId), JSON.stringify(tokens));
  }

  /** Connected (tokens stored) or expired (the provider refused the refresh token), in the metadata: no secret. */
  setConnection(credentialId: string, state: 'connected' | 'expired'): Promise<void> {
    return this.serial.run('metadata', async () => {
      const meta = await this.read();
      const info = meta.credentials.find((c) => c.id === credentialId);
      if (info === undefined) return;
      info.connection = { state, at: new Date().toISOString() };
      await this.write(meta);
    });
  }

  markExpired(credentialId: string): Promise<void> {
    return this.setConnection(credentialId, 'expired');
  }

  /** A credential's type and stored settings, for connecting it (never to an API caller). */
  async settings(credentialId: string): Promise<{ info: CredentialInfo; values: Record<string, string> }> {
    const info = (await this.read()).credentials.find((c) => c.id === credentialId);
    if (info === undefined) throw new ApiError({ code: 'CREDENTIAL_NOT_FOUND', message: `There is no credential "${credentialId}".` });
    return { info, values: await this.values(credentialId, true) };
  }

  /**
   * Whether the keychain can be used, found by reading an entry that never exists (nothing is
   * written), and which credentials the environment fallback provides (names only).
   */
  async status(): Promise<{ keychain: 'available' | 'missing'; message?: string; hint?: string; fromEnvironment: string[] }> {
    const fromEnvironment = Object.keys(this.envValues)
      .filter((name) => name.startsWith('FLOWKEEPER_CREDENTIAL_') && name.length > 'FLOWKEEPER_CREDENTIAL_'.length)
      .map((name) => name.slice('FLOWKEEPER_CREDENTIAL_'.length).toLowerCase())
      .sort();
    try {
      await this.keychain.getPassword('flowkeeper-status-probe');
      return { keychain: 'available', fromEnvironment };
    } catch (error) {
      const info = error instanceof ApiError ? error : new KeychainUnavailableError(String(error));
      return { keychain: 'missing', message: info.message, ...(info.hint ? { hint: info.hint } : {}), fromEnvironment };
    }
  }

  /**
   * For runs: the keychain value, else the explicit environment fallback. An OAuth2 credential
   * gives `{ token }`, a current access token (its settings and refresh token stay here);
   * `rejected` is a token an API just refused, to be renewed once.
   */
  async get(credentialId: string, options: { rejected?: string } = {}): Promise<Record<string, string>> {
    const info = (await this.read()).credentials.find((c) => c.id === credentialId);
    const values = await this.values(credentialId, info !== undefined);
    // The environment fallback names its type itself: {"type":"oauth2.client-credentials", …}.
    const type = info?.type ?? values.type;
    if (type !== undefined && isOAuthType(type)) return { token: await this.oauth.accessToken(credentialId, type, values, options.rejected) };
    return values;
  }

  private async values(credentialId: string, known: boolean): Promise<Record<string, string>> {
    if (known) {
      let stored: string | null;
      try {
        stored = await this.keychain.getPassword(credentialId);
      } catch (error) {
        if (this.envValues[envVarFor(credentialId)] !== undefined) return this.env.get(credentialId);
        const info = error instanceof ApiError ? error : new KeychainUnavailableError(String(error));
        throw new NodeError({ message: `Credential "${credentialId}" could not be read: ${info.message}`, code: 'CREDENTIAL_UNAVAILABLE', retryable: false, ...(info.hint ? { hint: info.hint } : {}) });
      }
      if (stored !== null) {
        try {
          return JSON.parse(stored) as Record<string, string>;
        } catch {
          throw new NodeError({ message: `Credential "${credentialId}" in the keychain is damaged.`, code: 'CREDENTIAL_INVALID', retryable: false, hint: 'Enter its values again under Credentials.' });
        }
      }
    }
    return this.env.get(credentialId);
  }
}

