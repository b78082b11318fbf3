/**
 * OAuth2 access tokens for credentials of the `oauth2.*` types (RFC 6749). A node never sees the
 * client secret or a refresh token: the vault hands it `{ token }`, an access token this class
 * fetched, kept in memory until shortly before it expires, and renewed
 *
 * - when it is about to expire (`expires_in` less a margin),
 * - when a step reports it was refused (one 401): `rejected` names the token the API refused;
 *   if a newer one is already there it is returned, else one renewal is made.
 *
 * Renewals are single-flight per credential: steps asking at the same time share one request to
 * the token endpoint. Tokens live only in this memory and, for the authorization-code type, in
 * the keychain (through `TokenStore`); never in a trace, a log, a flow file or the renderer.
 */
import { createHash } from 'node:crypto';
import { NodeError } from '../model/node-kit.ts';

export const CLIENT_CREDENTIALS = 'oauth2.client-credentials';
export const AUTHORIZATION_CODE = 'oauth2.authorization-code';

export function isOAuthType(type: string | undefined): boolean {
  return type === CLIENT_CREDENTIALS || type === AUTHORIZATION_CODE;
}

/** Renew this long before the stated expiry (less for very short-lived tokens). */
const EXPIRY_MARGIN_MS = 60_000;
/** A token endpoint that says nothing about expiry: ask again after this long (or on a 401). */
const DEFAULT_LIFETIME_MS = 3_600_000;
const TOKEN_TIMEOUT_MS = 30_000;

/** What the authorization-code type keeps in the keychain next to its settings. */
export interface StoredTokens {
  refreshToken?: string;
  accessToken?: string;
  /** Epoch ms. */
  expiresAt?: number;
}

export interface TokenStore {
  readTokens(credentialId: string): Promise<StoredTokens | undefined>;
  writeTokens(credentialId: string, tokens: StoredTokens): Promise<void>;
  /** The provider refused the refresh token: the credential must be connected again. */
  markExpired(credentialId: string): Promise<void>;
}

export interface OAuthOptions {
  now?: () => number;
  fetch?: typeof fetch;
}

interface Cached {
  accessToken: string;
  expiresAt: number;
  /** Which settings the token was made with: an edited credential gets a new token. */
  fingerprint: string;
}

/** A token endpoint's JSON answer (RFC 6749 §5.1 / §5.2). */
export interface TokenAnswer {
  access_token?: string;
  token_type?: string;
  expires_in?: number | string;
  refresh_token?: string;
  error?: string;
  error_description?: string;
}

export class OAuthTokens {
  private readonly cache = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<Cached>>();
  readonly now: () => number;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly store: TokenStore,
    options: OAuthOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? fetch;
  }

  /** An access token for the credential, fetched or renewed as needed. */
  async accessToken(credentialId: string, type: string, settings: Record<string, string>, rejected?: string): Promise<string> {
    const fingerprint = createHash('sha256').update(JSON.stringify([type, settings])).digest('hex');
    const cached = this.cache.get(credentialId);
    const usable = (c: Cached | undefined): c is Cached => c !== undefined && c.fingerprint === fingerprint && c.accessToken !== rejected && c.expiresAt > this.now();
    if (usable(cached)) return cached.accessToken;
    let pending = this.inFlight.get(credentialId);
    if (pending === undefined) {
      pending = this.renew(credentialId, type, settings, fingerprint, rejected).finally(() => this.inFlight.delete(credentialId));
      this.inFlight.set(credentialId, pending);
    }
    const fresh = await pending;
    this.cache.set(credentialId, fresh);
    return fresh.accessToken;
  }

  /** Forget what is cached (the credential was changed, deleted or connected again). */
  forget(credentialId: string): void {
    this.cache.delete(credentialId);
  }

  private async renew(credentialId: string, type: string, settings: Record<string, string>, fingerprint: string, rejected: string | undefined): Promise<Cached> {
    if (type === CLIENT_CREDENTIALS) {
      const body = new URLSearchParams({ grant_type: 'client_credentials' });
      if (settings.scope) body.set('scope', settings.scope);
      if (settings.audience) body.set('audience', settings.audience);
      const answer = await this.request(credentialId, settings, body);
      return this.cached(answer, fingerprint);
    }
    // Authorization code: an access token kept in the keychain is used while it lasts.
    const stored = await this.store.readTokens(credentialId);
    if (stored?.accessToken && stored.accessToken !== rejected && (stored.expiresAt ?? 0) - EXPIRY_MARGIN_MS > this.now()) {
      return { accessToken: stored.accessToken, expiresAt: stored.expiresAt! - EXPIRY_MARGIN_MS, fingerprint };
    }
    if (!stored?.refreshToken) throw notConnected(credentialId);
    let refreshToken = stored.refreshToken;
    let answer: TokenAnswer;
    for (;;) {
      try {
        answer = await this.request(credentialId, settings, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }));
        break;
      } catch (error) {
        if (!(error instanceof NodeError) || error.code !== 'OAUTH_GRANT_INVALID') throw error;
        // Another process sharing the keychain (the app and the CLI) may have just rotated it.
        const now = await this.store.readTokens(credentialId);
        if (now?.refreshToken && now.refreshToken !== refreshToken) {
          refreshToken = now.refreshToken;
          continue;
        }
        await this.store.markExpired(credentialId);
        throw signInExpired(credentialId);
      }
    }
    const fresh = this.cached(answer, fingerprint);
    // Stored back before use; a provider that rotates refresh tokens sends a new one.
    await this.store.writeTokens(credentialId, {
      refreshToken: answer.refresh_token ?? refreshToken,
      accessToken: fresh.accessToken,
      expiresAt: this.now() + lifetimeMs(answer),
    });
    return fresh;
  }

  private cached(answer: TokenAnswer, fingerprint: string): Cached {
    const lifetime = lifetimeMs(answer);
    return { accessToken: answer.access_token!, expiresAt: this.now() + Math.max(0, lifetime - Math.min(EXPIRY_MARGIN_MS, lifetime / 10)), fingerprint };
  }

  /** One POST to the token endpoint, client authenticated as the settings say (Basic by default). */
  async request(credentialId: string, settings: Record<string, string>, body: URLSearchParams): Promise<TokenAnswer> {
    return requestToken(this.fetch, credentialId, settings, body);
  }
}

export function lifetimeMs(answer: TokenAnswer): number {
  const seconds = Number(answer.expires_in);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_LIFETIME_MS;
}

export async function requestToken(fetcher: typeof fetch, credentialId: string, settings: Record<string, string>, body: URLSearchParams): Promise<TokenAnswer> {
  const tokenUrl = settingsUrl(credentialId, settings, 'tokenUrl');
  const clientId = need(credentialId, settings, 'clientId');
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (settings.clientAuthentication === 'post' || !settings.clientSecret) {
    // A public client (no secret) names itself in the body (RFC 6749 §4.1.3).
    body.set('client_id', clientId);
    if (settings.clientSecret) body.set('client_secret', settings.clientSecret);
    else body.delete('client_secret');
  } else {
    // RFC 6749 §2.3.1: both parts form-encoded before the Basic encoding.
    const pair = `${encodeURIComponent(clientId)}:${encodeURIComponent(settings.clientSecret ?? '')}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  const where = tokenUrl.host;
  let response: Response;
  try {
    response = await fetcher(tokenUrl, { method: 'POST', headers, body: body.toString(), signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS), redirect: 'error' });
  } catch (error) {
    throw new NodeError({
      message: `Signing in for "${credentialId}" failed: the token service at ${where} could not be reached (${(error as Error).message}).`,
      code: 'NETWORK',
      retryable: true,
      hint: 'Check the network and the credential\'s token address; the step tries again by its retry policy.',
    });
  }
  const text = await response.text();
  let answer: TokenAnswer = {};
  try {
    answer = JSON.parse(text) as TokenAnswer;
  } catch {
    /* handled below: no access token */
  }
  if (response.ok && typeof answer.access_token === 'string' && answer.access_token !== '') {
    if (answer.token_type && answer.token_type.toLowerCase() !== 'bearer') {
      throw new NodeError({ message: `The token service at ${where} gave "${credentialId}" a ${answer.token_type} token; Flowkeeper can only use Bearer tokens.`, code: 'CREDENTIAL_INVALID', retryable: false });
    }
    return answer;
  }
  // RFC 6749 §5.2: invalid_grant means the refresh token (or code) is no longer good.
  const said = typeof answer.error === 'string' ? `${answer.error}${answer.error_description ? ` (${answer.error_description})` : ''}` : `${response.status} ${response.statusText}`;
  if (answer.error === 'invalid_grant') {
    throw new NodeError({ message: `The token service at ${where} refused the sign-in of "${credentialId}": ${said}.`, code: 'OAUTH_GRANT_INVALID', retryable: false });
  }
  const serverTrouble = response.status >= 500 || response.status === 429;
  throw new NodeError({
    message: `Signing in for "${credentialId}" at ${where} failed: ${said}.`,
    code: serverTrouble ? 'OAUTH_UNAVAILABLE' : 'CREDENTIAL_REJECTED',
    retryable: serverTrouble,
    status: response.status,
    hint: serverTrouble
      ? 'The token service had a problem; the step tries again by its retry policy.'
      : answer.error === 'invalid_scope'
        ? 'Check the scope in the credential: the service does not grant it to this client.'
        : 'Check the client id and client secret in the credential (and, if the service needs it, the audience).',
  });
}

function need(credentialId: string, settings: Record<string, string>, field: string): string {
  const value = settings[field];
  if (value === undefined || value === '') {
    throw new NodeError({ message: `The credential "${credentialId}" has no "${field}".`, code: 'CREDENTIAL_INVALID', retryable: false, hint: `Edit the credential under Credentials and fill in "${field}".` });
  }
  return value;
}

export function settingsUrl(credentialId: string, settings: Record<string, string>, field: string): URL {
  const raw = need(credentialId, settings, field);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new NodeError({ message: `The credential "${credentialId}" has "${raw}" as its ${field}, which is not a web address.`, code: 'CREDENTIAL_INVALID', retryable: false, hint: 'Edit the credential and write the full address, starting with https://' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new NodeError({ message: `The credential "${credentialId}" has a ${field} that is not an http or https address.`, code: 'CREDENTIAL_INVALID', retryable: false });
  }
  return url;
}

export function signInExpired(credentialId: string): NodeError {
  return new NodeError({
    message: `The sign-in for ${credentialId} has expired or was revoked: reconnect it in Credentials.`,
    code: 'CREDENTIAL_EXPIRED',
    retryable: false,
    hint: `In the app: Credentials → ${credentialId} → Reconnect. On the command line: flowkeeper credentials connect ${credentialId}`,
  });
}

function notConnected(credentialId: string): NodeError {
  return new NodeError({
    message: `The credential ${credentialId} is not connected yet: connect it in Credentials.`,
    code: 'CREDENTIAL_NOT_CONNECTED',
    retryable: false,
    hint: `In the app: Credentials → ${credentialId} → Connect. On the command line: flowkeeper credentials connect ${credentialId}`,
  });
}
