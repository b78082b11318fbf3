/**
 * A real local OAuth2 server on 127.0.0.1 for tests, speaking RFC 6749 over HTTP: the
 * authorization endpoint (code flow with PKCE S256, RFC 7636; consent is granted at once and the
 * browser redirected to the loopback), the token endpoint (client_credentials,
 * authorization_code, refresh_token; client auth Basic or in the body; errors as RFC 6749 §5.2
 * JSON) and a protected API (`/api/me`) that answers 401 to a token it did not issue or revoked.
 */
import { createHash, randomUUID } from 'node:crypto';
import { json, startServer, type ReceivedRequest, type TestServer } from './http-server.ts';

export interface OAuthServerOptions {
  clientId?: string;
  clientSecret?: string;
  /** Seconds given as expires_in. */
  expiresIn?: number;
  /** A new refresh token on every refresh (the old one stops working). */
  rotateRefreshTokens?: boolean;
}

export interface OAuthTestServer {
  url: string;
  tokenUrl: string;
  authorizeUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  /** Every request to the token endpoint, in order. */
  tokenRequests: Array<{ grant: string; body: URLSearchParams; headers: ReceivedRequest['headers'] }>;
  /** Every access token and refresh token handed out (to grep the data folder for). */
  issued: string[];
  /** Access tokens the API accepts. */
  valid: Set<string>;
  refreshTokens: Set<string>;
  /** The API refuses every token issued so far (as after a key rotation on the server). */
  invalidateAccessTokens(): void;
  /** The provider revokes every refresh token (the person withdrew consent). */
  revokeRefreshTokens(): void;
  /** What `/api/*` answers under `data` (e.g. a list for polling). */
  apiData: unknown[];
  /** While true, the API refuses every token, even fresh ones. */
  refuseApi: boolean;
  /** Holds token answers until `release()`: for single-flight tests. */
  holdTokens(): { release(): void };
  server: TestServer;
  close(): Promise<void>;
}

export async function startOAuthServer(options: OAuthServerOptions = {}): Promise<OAuthTestServer> {
  const clientId = options.clientId ?? 'flowkeeper-test';
  const clientSecret = options.clientSecret ?? `client-secret-${randomUUID()}`;
  const tokenRequests: OAuthTestServer['tokenRequests'] = [];
  const issued: string[] = [];
  const valid = new Set<string>();
  const refreshTokens = new Set<string>();
  const codes = new Map<string, { redirectUri: string; challenge: string; scope: string }>();
  let held: Promise<void> | undefined;
  let count = 0;
  // eslint-disable-next-line prefer-const -- assigned once the server (which the handler closes over) exists
  let self: OAuthTestServer;

  const issue = (withRefresh: boolean, scope: string) => {
    const access = `access-${++count}-${randomUUID()}`;
    valid.add(access);
    issued.push(access);
    const answer: Record<string, unknown> = { access_token: access, token_type: 'Bearer', expires_in: options.expiresIn ?? 3600, scope };
    if (withRefresh) {
      const refresh = `refresh-${count}-${randomUUID()}`;
      refreshTokens.add(refresh);
      issued.push(refresh);
      answer.refresh_token = refresh;
    }
    return answer;
  };

  const clientOk = (req: ReceivedRequest, body: URLSearchParams): boolean => {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (basic) {
      const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent);
      return id === clientId && secret === clientSecret;
    }
    return body.get('client_id') === clientId && body.get('client_secret') === clientSecret;
  };

  const server = await startServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const q = url.searchParams;
      const redirect = q.get('redirect_uri') ?? '';
      if (q.get('client_id') !== clientId || q.get('response_type') !== 'code' || !/^http:\/\/127\.0\.0\.1:\d+\//.test(redirect)) return json(res, 400, { error: 'invalid_request' });
      if (q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return json(res, 400, { error: 'invalid_request', error_description: 'PKCE S256 is required' });
      const code = `code-${randomUUID()}`;
      codes.set(code, { redirectUri: redirect, challenge: q.get('code_challenge')!, scope: q.get('scope') ?? '' });
      const target = new URL(redirect);
      target.searchParams.set('code', code);
      if (q.get('state') !== null) target.searchParams.set('state', q.get('state')!);
      res.writeHead(302, { location: target.toString() });
      return void res.end();
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      const body = new URLSearchParams(req.body);
      const grant = body.get('grant_type') ?? '';
      tokenRequests.push({ grant, body, headers: req.headers });
      if (held) await held;
      if (!clientOk(req, body)) return json(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
      if (grant === 'client_credentials') return json(res, 200, issue(false, body.get('scope') ?? ''));
      if (grant === 'authorization_code') {
        const entry = codes.get(body.get('code') ?? '');
        codes.delete(body.get('code') ?? '');
        if (!entry || entry.redirectUri !== body.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant', error_description: 'Unknown code or redirect' });
        const challenge = createHash('sha256').update(body.get('code_verifier') ?? '').digest('base64url');
        if (challenge !== entry.challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        return json(res, 200, issue(true, entry.scope));
      }
      if (grant === 'refresh_token') {
        const refresh = body.get('refresh_token') ?? '';
        if (!refreshTokens.has(refresh)) return json(res, 400, { error: 'invalid_grant', error_description: 'The refresh token is invalid or was revoked' });
        if (options.rotateRefreshTokens) {
          refreshTokens.delete(refresh);
          return json(res, 200, issue(true, ''));
        }
        return json(res, 200, issue(false, ''));
      }
      return json(res, 400, { error: 'unsupported_grant_type' });
    }
    if (url.pathname.startsWith('/api/')) {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !valid.has(token) || self.refuseApi) {
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error: 'invalid_token' }));
      }
      return json(res, 200, { ok: true, path: url.pathname, data: self.apiData });
    }
    json(res, 404, { error: 'not_found' });
  });

  self = {
    apiData: [],
    refuseApi: false,
    url: server.url,
    tokenUrl: `${server.url}/token`,
    authorizeUrl: `${server.url}/authorize`,
    apiUrl: `${server.url}/api/me`,
    clientId,
    clientSecret,
    tokenRequests,
    issued,
    valid,
    refreshTokens,
    invalidateAccessTokens: () => valid.clear(),
    revokeRefreshTokens: () => refreshTokens.clear(),
    holdTokens: () => {
      let release = () => {};
      held = new Promise<void>((resolve) => (release = resolve));
      return {
        release: () => {
          held = undefined;
          release();
        },
      };
    },
    server,
    close: () => server.close(),
  };
  return self;
}
