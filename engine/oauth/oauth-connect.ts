/**
 * Connecting an `oauth2.authorization-code` credential (RFC 6749 §4.1, PKCE S256 per RFC 7636,
 * loopback redirect per RFC 8252 §7.3): a listener on 127.0.0.1 at a random port receives the
 * provider's redirect, the code is exchanged at the token address, and the refresh and access
 * tokens go to the keychain. The caller opens the returned sign-in address in the browser (the
 * desktop app: the system browser; the CLI prints it). Nothing of the tokens is returned.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, type CredentialInfo } from '../model/contract.ts';
import { NodeError } from '../model/node-kit.ts';
import { AUTHORIZATION_CODE, lifetimeMs, requestToken, settingsUrl } from './oauth-tokens.ts';
import type { Vault } from '../vault.ts';

/** How long the loopback waits for the person to finish signing in. */
export const CONNECT_TIMEOUT_MS = 10 * 60_000;

export interface ConnectStart {
  /** The provider's sign-in page, to open in a browser. */
  url: string;
  redirectUri: string;
  /** Settles when the sign-in finished (the tokens are stored) or failed. */
  done: Promise<CredentialInfo>;
}

export type ConnectResult = { state: 'waiting' } | { state: 'connected'; credential: CredentialInfo } | { state: 'failed'; message: string; hint?: string };

interface Pending {
  server: Server;
  result: ConnectResult;
  done: Promise<CredentialInfo>;
  cancel(reason: string): void;
}

export class OAuthConnector {
  private readonly pending = new Map<string, Pending>();
  /** The outcome of each credential's last sign-in, for callers that poll after it ended. */
  private readonly last = new Map<string, ConnectResult>();

  constructor(
    private readonly vault: Vault,
    private readonly options: { fetch?: typeof fetch; timeoutMs?: number } = {},
  ) {}

  async start(credentialId: string): Promise<ConnectStart> {
    const { info, values } = await this.vault.settings(credentialId);
    if (info.type !== AUTHORIZATION_CODE) {
      throw new ApiError({ code: 'CREDENTIAL_NOT_CONNECTABLE', message: `"${credentialId}" is not an OAuth2 sign-in as a person, so there is nothing to connect.`, hint: 'Only credentials of the kind "OAuth2 sign-in as a person" are connected in the browser.' });
    }
    const authorize = asApiError(() => settingsUrl(credentialId, values, 'authorizeUrl'));
    asApiError(() => settingsUrl(credentialId, values, 'tokenUrl'));
    // A second Connect replaces a sign-in still waiting.
    this.pending.get(credentialId)?.cancel('A newer sign-in was started.');

    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    let settle!: { resolve(info: CredentialInfo): void; reject(error: Error): void };
    const done = new Promise<CredentialInfo>((resolve, reject) => (settle = { resolve, reject }));
    // Callers may only poll `result`; an unobserved failure is not an unhandled rejection.
    done.catch(() => undefined);
    let redirectUri = '';
    let finished = false;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/callback' || finished) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        return void res.end('Nothing here.');
      }
      const page = (status: number, title: string, text: string) => {
        res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(`<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;max-width:32rem;margin:4rem auto"><h1>${title}</h1><p>${text}</p></body>`);
      };
      if (url.searchParams.get('state') !== state) return page(400, 'This sign-in is not the one Flowkeeper started', 'Start it again from Flowkeeper (Credentials → Connect).');
      finished = true;
      const problem = url.searchParams.get('error');
      if (problem !== null) {
        const description = url.searchParams.get('error_description');
        page(200, 'Not connected', 'The sign-in was not completed. You can close this window and try again in Flowkeeper.');
        return fail(problem === 'access_denied' ? 'The sign-in was declined on the provider\'s page, so nothing was connected.' : `The provider did not sign in: ${problem}${description ? ` (${description})` : ''}.`);
      }
      const code = url.searchParams.get('code');
      if (!code) return (page(400, 'Not connected', 'The provider sent no code.'), fail('The provider sent no sign-in code back.'));
      const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
      if (!values.clientSecret) body.set('client_id', values.clientId ?? '');
      requestToken(this.options.fetch ?? fetch, credentialId, values, body)
        .then(async (answer) => {
          if (!answer.refresh_token) {
            throw new NodeError({ message: `The provider gave "${credentialId}" no refresh token, so Flowkeeper could not keep the sign-in.`, code: 'CREDENTIAL_INVALID', retryable: false, hint: 'Many providers give one only when asked for offline access: add the scope they document for it (e.g. offline_access) and connect again.' });
          }
          await this.vault.writeTokens(credentialId, { refreshToken: answer.refresh_token, accessToken: answer.access_token!, expiresAt: this.vault.oauth.now() + lifetimeMs(answer) });
          this.vault.oauth.forget(credentialId);
          await this.vault.setConnection(credentialId, 'connected');
          const connected = (await this.vault.list()).find((c) => c.id === credentialId)!;
          page(200, 'Connected', 'Flowkeeper is signed in. You can close this window and return to Flowkeeper.');
          entry.result = { state: 'connected', credential: connected };
          close();
          settle.resolve(connected);
        })
        .catch((error: unknown) => {
          page(200, 'Not connected', 'Flowkeeper could not finish the sign-in. The reason is shown in Flowkeeper.');
          fail((error as Error).message, (error as NodeError).hint);
        });
    });
    const close = () => {
      clearTimeout(timer);
      server.close();
      server.closeAllConnections?.();
      if (this.pending.get(credentialId) === entry) {
        this.pending.delete(credentialId);
        this.last.set(credentialId, entry.result);
      }
    };
    const fail = (message: string, hint?: string) => {
      entry.result = { state: 'failed', message, ...(hint ? { hint } : {}) };
      // Let the answer page reach the browser before the listener goes.
      setImmediate(close);
      settle.reject(new ApiError({ code: 'OAUTH_CONNECT_FAILED', message, ...(hint ? { hint } : {}) }));
    };
    const timer = setTimeout(() => fail('The sign-in was not finished in time, so nothing was connected.', 'Press Connect again and finish signing in on the page that opens.'), this.options.timeoutMs ?? CONNECT_TIMEOUT_MS);
    timer.unref();
    const entry: Pending = {
      server,
      result: { state: 'waiting' },
      done,
      cancel: (reason) => {
        finished = true;
        fail(reason);
      },
    };
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
    this.pending.set(credentialId, entry);

    authorize.searchParams.set('response_type', 'code');
    authorize.searchParams.set('client_id', values.clientId ?? '');
    authorize.searchParams.set('redirect_uri', redirectUri);
    if (values.scopes) authorize.searchParams.set('scope', values.scopes);
    authorize.searchParams.set('state', state);
    authorize.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
    authorize.searchParams.set('code_challenge_method', 'S256');
    return { url: authorize.toString(), redirectUri, done };
  }

  /** Where a started sign-in stands; waits up to `waitMs` for it to finish. */
  async result(credentialId: string, waitMs = 0): Promise<ConnectResult> {
    const entry = this.pending.get(credentialId);
    if (entry === undefined) {
      const ended = this.last.get(credentialId);
      if (ended !== undefined) return ended;
      const info = (await this.vault.list()).find((c) => c.id === credentialId);
      if (info?.connection?.state === 'connected') return { state: 'connected', credential: info };
      return { state: 'failed', message: 'No sign-in is in progress for this credential.', hint: 'Press Connect to start one.' };
    }
    if (entry.result.state === 'waiting' && waitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([entry.done.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    }
    return entry.result;
  }

  /** Stops every waiting sign-in (the service is closing). */
  close(): void {
    for (const entry of [...this.pending.values()]) entry.cancel('Flowkeeper was closed before the sign-in finished.');
  }
}

function asApiError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof NodeError) throw new ApiError({ code: 'CREDENTIAL_NOT_CONNECTABLE', message: error.message, ...(error.hint ? { hint: error.hint } : {}) });
    throw error;
  }
}
