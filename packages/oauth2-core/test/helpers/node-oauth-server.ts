/**
 * A real OAuth 2.0 server (`@node-oauth/oauth2-server` 5) on 127.0.0.1 for integration tests: plain OAuth, no
 * OpenID Connect, no discovery — the client is configured with explicit endpoints.
 *
 * ```ts
 * const as = await startNodeOAuthServer();
 * const provider = defineProvider({ name: 'node-oauth', endpoints: { authorization: as.authorizationEndpoint, token: as.tokenEndpoint } });
 * const callbackUrl = await as.authorize(urlBuiltByTheClient); // the server approves for the test user at once
 * await as.close();
 * ```
 *
 * Library behaviour worth knowing (from its sources):
 * - Client authentication: HTTP Basic or `client_id`/`client_secret` in the body, for any client. A public
 *   client authenticates with `client_id` alone only when it sends a `code_verifier` (PKCE code exchange) or
 *   refreshes (this harness sets `requireClientAuthentication: { refresh_token: false }`).
 * - Invalid client credentials: 401 `invalid_client` with `WWW-Authenticate: Basic realm="Service"` when the
 *   client used Basic, 400 `invalid_client` when it used the body.
 * - `state` is mandatory at the authorization endpoint; the error redirect carries `error`,
 *   `error_description` and `state`, never `iss`. The response has no `iss` either.
 * - `expires_in` is the remaining lifetime floored to whole seconds: 3600, or 3599 when a millisecond ticked.
 * - Refresh tokens rotate (`alwaysIssueNewRefreshToken`): the old one is revoked, reusing it is `invalid_grant`.
 * - Access tokens from `client_credentials` come without a refresh token.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import OAuth2Server from '@node-oauth/oauth2-server';

import {
  Browser,
  excerpt,
  flattenHeaders,
  readBody,
  redirectTarget,
  sendJson,
  startHttpServer,
  type RecordedRequest,
} from './http.js';

/** A registered client of the node-oauth-server harness. */
export interface NodeOAuthTestClient {
  readonly clientId: string;
  /** Absent for the public client. */
  readonly clientSecret?: string;
  readonly redirectUri: string;
  readonly grants: readonly string[];
  /** Scopes this client may obtain. */
  readonly scopes: readonly string[];
}

/** The end-user: password-grant credentials, and the user every `/authorize` request is approved for. */
export interface NodeOAuthTestUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}

/** Options for {@link startNodeOAuthServer}. */
export interface NodeOAuthServerOptions {
  /** Access token lifetime in seconds (default 3600). Also changeable later with `setAccessTokenLifetime`. */
  accessTokenLifetime?: number;
  /** Refresh token lifetime in seconds (default 14 days). */
  refreshTokenLifetime?: number;
  /** Authorization code lifetime in seconds (default 300). */
  authorizationCodeLifetime?: number;
  /** Rotate refresh tokens on use (default true; the library's `alwaysIssueNewRefreshToken`). */
  rotateRefreshTokens?: boolean;
}

/** A running node-oauth-server. */
export interface NodeOAuthServerHarness {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** `POST`, form body: `authorization_code`, `password`, `client_credentials`, `refresh_token`. */
  readonly tokenEndpoint: string;
  /** `GET` (or `POST`): approves at once for the test user and redirects with `code` and `state`. */
  readonly authorizationEndpoint: string;
  /** `GET` with `Authorization: Bearer <token>`: `{ sub, username, scope, client_id }`, or 401. */
  readonly userinfoEndpoint: string;
  readonly clients: {
    /** Confidential client: authenticate with HTTP Basic or in the body; every grant; scopes read write profile. */
    readonly confidential: NodeOAuthTestClient;
    /** Public client (no secret): authorization_code with mandatory PKCE S256, refresh_token; scopes read profile. */
    readonly public: NodeOAuthTestClient;
  };
  /** Every scope the server knows. A request without `scope` gets `['read']`. */
  readonly scopes: readonly string[];
  readonly user: NodeOAuthTestUser;
  /** Every request received, with form bodies. Clear with `requests.length = 0`. */
  readonly requests: RecordedRequest[];
  /** Number of requests received so far (`requests.length`). */
  readonly requestCount: number;
  /** Changes the lifetime (seconds, ≥ 1) of access tokens issued from now on. */
  setAccessTokenLifetime(seconds: number): void;
  /** `'deny'`: the authorization endpoint answers `error=access_denied` until set back to `'approve'` (default). */
  setAuthorizationDecision(decision: 'approve' | 'deny'): void;
  /**
   * Sends the authorization URL the client built (must point at this server) and returns the redirect to the
   * client's redirect_uri (`code` and `state`, or `error`). Throws when the server answers without redirecting
   * (unknown client, unregistered redirect_uri).
   */
  authorize(authorizationUrl: string | URL): Promise<string>;
  /** Stops the server and closes every socket. Idempotent. */
  close(): Promise<void>;
}

/** Redirect URI registered for both clients. Nothing listens on port 1. */
export const NODE_OAUTH_REDIRECT_URI = 'http://127.0.0.1:1/callback';
/** The test user. */
export const NODE_OAUTH_TEST_USER: NodeOAuthTestUser = { id: 'user-1', username: 'bob', password: 'builder' };
/** Confidential client credentials. */
export const NODE_OAUTH_CONFIDENTIAL_CLIENT = {
  clientId: 'confidential-client',
  clientSecret: 'confidential-secret',
} as const;
/** Public client id. */
export const NODE_OAUTH_PUBLIC_CLIENT_ID = 'public-client';

const SCOPES = ['read', 'write', 'profile'] as const;
const DEFAULT_SCOPE = ['read'];

type Model = OAuth2Server.AuthorizationCodeModel &
  OAuth2Server.PasswordModel &
  OAuth2Server.RefreshTokenModel &
  OAuth2Server.ClientCredentialsModel;

interface StoredClient extends OAuth2Server.Client {
  id: string;
  redirectUris: string[];
  grants: string[];
  secret?: string;
  scopes: readonly string[];
}

function secretEquals(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}

function singleValued(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) out[key] = value;
  return out;
}

function writeLibraryResponse(res: ServerResponse, response: OAuth2Server.Response): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) headers[name] = String(value);
  const status = response.status ?? 200;
  if (status >= 300 && status < 400) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  sendJson(res, status, response.body ?? {}, headers);
}

/**
 * Starts `@node-oauth/oauth2-server` on 127.0.0.1 (random port) with an in-memory model: authorization code
 * with PKCE (S256), password, client credentials and refresh token (rotating) grants, scopes `read`, `write`,
 * `profile`. `GET /authorize` authenticates {@link NODE_OAUTH_TEST_USER} without any page and redirects at once.
 */
export async function startNodeOAuthServer(options: NodeOAuthServerOptions = {}): Promise<NodeOAuthServerHarness> {
  let accessTokenLifetime = options.accessTokenLifetime ?? 3600;
  let decision: 'approve' | 'deny' = 'approve';

  const clients = new Map<string, StoredClient>([
    [
      NODE_OAUTH_CONFIDENTIAL_CLIENT.clientId,
      {
        id: NODE_OAUTH_CONFIDENTIAL_CLIENT.clientId,
        secret: NODE_OAUTH_CONFIDENTIAL_CLIENT.clientSecret,
        redirectUris: [NODE_OAUTH_REDIRECT_URI],
        grants: ['authorization_code', 'password', 'client_credentials', 'refresh_token'],
        scopes: SCOPES,
      },
    ],
    [
      NODE_OAUTH_PUBLIC_CLIENT_ID,
      {
        id: NODE_OAUTH_PUBLIC_CLIENT_ID,
        redirectUris: [NODE_OAUTH_REDIRECT_URI],
        grants: ['authorization_code', 'refresh_token'],
        scopes: ['read', 'profile'],
      },
    ],
  ]);
  const codes = new Map<string, OAuth2Server.AuthorizationCode>();
  const accessTokens = new Map<string, OAuth2Server.Token>();
  const refreshTokens = new Map<string, OAuth2Server.RefreshToken>();

  const model: Model = {
    /**
     * The library passes `null` as the secret at the authorization endpoint (identification only), `undefined`
     * at the token endpoint when the client sent none (PKCE exchange or refresh), else the secret it sent.
     */
    async getClient(clientId: string, clientSecret: string | null | undefined) {
      const client = clients.get(clientId);
      if (!client) return undefined;
      if (clientSecret === null) return client;
      if (client.secret === undefined) return clientSecret === undefined ? client : undefined;
      return clientSecret !== undefined && secretEquals(client.secret, clientSecret) ? client : undefined;
    },
    async validateScope(_user, client, scope) {
      const requested = scope ?? DEFAULT_SCOPE;
      const allowed = (client as StoredClient).scopes;
      return requested.every((item) => allowed.includes(item)) ? requested : false;
    },
    async saveAuthorizationCode(code, client, user) {
      if ((client as StoredClient).secret === undefined && !code.codeChallenge) {
        throw new OAuth2Server.InvalidRequestError('Invalid request: public clients must use PKCE (code_challenge)');
      }
      const stored: OAuth2Server.AuthorizationCode = { ...code, client, user };
      codes.set(code.authorizationCode, stored);
      return stored;
    },
    async getAuthorizationCode(authorizationCode) {
      return codes.get(authorizationCode);
    },
    async revokeAuthorizationCode(code) {
      return codes.delete(code.authorizationCode);
    },
    async getUser(username, password) {
      const user = NODE_OAUTH_TEST_USER;
      return username === user.username && secretEquals(user.password, password) ? { ...user } : undefined;
    },
    async getUserFromClient(client) {
      return { id: `client:${client.id}`, clientOnly: true };
    },
    async saveToken(token, client, user) {
      const stored: OAuth2Server.Token = { ...token, client, user };
      accessTokens.set(token.accessToken, stored);
      if (token.refreshToken !== undefined) {
        refreshTokens.set(token.refreshToken, {
          refreshToken: token.refreshToken,
          refreshTokenExpiresAt: token.refreshTokenExpiresAt,
          scope: token.scope,
          client,
          user,
        });
      }
      return stored;
    },
    async getAccessToken(accessToken) {
      return accessTokens.get(accessToken);
    },
    async getRefreshToken(refreshToken) {
      return refreshTokens.get(refreshToken);
    },
    async revokeToken(token) {
      return refreshTokens.delete(token.refreshToken);
    },
    async verifyScope(token, scope) {
      return scope.every((item) => token.scope?.includes(item) ?? false);
    },
  };

  const oauth = new OAuth2Server({
    model,
    refreshTokenLifetime: options.refreshTokenLifetime ?? 14 * 24 * 3600,
    authorizationCodeLifetime: options.authorizationCodeLifetime ?? 300,
    alwaysIssueNewRefreshToken: options.rotateRefreshTokens ?? true,
    requireClientAuthentication: { refresh_token: false },
  });

  const http = await startHttpServer(async (req, res, record) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = method === 'POST' ? await readBody(req) : '';
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const form = new URLSearchParams(isForm ? raw : '');
    if (isForm) record.form = form;

    const request = new OAuth2Server.Request({
      headers: flattenHeaders(req),
      method,
      query: singleValued(url.searchParams),
      body: singleValued(form),
    });
    const response = new OAuth2Server.Response({});

    switch (`${method} ${url.pathname}`) {
      case 'POST /token':
        try {
          await oauth.token(request, response, { accessTokenLifetime });
        } catch {
          // The library has written the RFC 6749 §5.2 error into `response`.
        }
        writeLibraryResponse(res, response);
        return;
      case 'GET /authorize':
      case 'POST /authorize':
        if (decision === 'deny') request.query = { ...request.query, allowed: 'false' };
        try {
          await oauth.authorize(request, response, {
            authenticateHandler: { handle: () => ({ ...NODE_OAUTH_TEST_USER }) },
          });
        } catch (error) {
          // Errors after the redirect URI is known were turned into an error redirect; others were not.
          if (response.status !== 302) {
            const oauthError = error instanceof OAuth2Server.OAuthError ? error : undefined;
            sendJson(res, oauthError?.code ?? 500, {
              error: oauthError?.name ?? 'server_error',
              error_description: oauthError?.message ?? String(error),
            });
            return;
          }
        }
        writeLibraryResponse(res, response);
        return;
      case 'GET /me':
        try {
          const token = await oauth.authenticate(request, response);
          const user = token.user as Partial<NodeOAuthTestUser> & { id: string };
          sendJson(res, 200, {
            sub: user.id,
            username: user.username,
            scope: token.scope?.join(' '),
            client_id: token.client.id,
          });
        } catch (error) {
          const oauthError = error instanceof OAuth2Server.OAuthError ? error : undefined;
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers ?? {})) headers[name] = String(value);
          sendJson(
            res,
            oauthError?.code ?? 500,
            { error: oauthError?.name ?? 'server_error', error_description: oauthError?.message ?? String(error) },
            headers,
          );
        }
        return;
      default:
        sendJson(res, 404, { error: 'not_found', error_description: `${method} ${url.pathname}` });
    }
  });

  const { origin } = http;
  const authorizationEndpoint = `${origin}/authorize`;

  return {
    origin,
    tokenEndpoint: `${origin}/token`,
    authorizationEndpoint,
    userinfoEndpoint: `${origin}/me`,
    clients: {
      confidential: {
        ...NODE_OAUTH_CONFIDENTIAL_CLIENT,
        redirectUri: NODE_OAUTH_REDIRECT_URI,
        grants: ['authorization_code', 'password', 'client_credentials', 'refresh_token'],
        scopes: SCOPES,
      },
      public: {
        clientId: NODE_OAUTH_PUBLIC_CLIENT_ID,
        redirectUri: NODE_OAUTH_REDIRECT_URI,
        grants: ['authorization_code', 'refresh_token'],
        scopes: ['read', 'profile'],
      },
    },
    scopes: SCOPES,
    user: NODE_OAUTH_TEST_USER,
    requests: http.requests,
    get requestCount() {
      return http.requests.length;
    },
    setAccessTokenLifetime(seconds: number) {
      if (!Number.isInteger(seconds) || seconds < 1) throw new RangeError('access token lifetime must be an integer ≥ 1');
      accessTokenLifetime = seconds;
    },
    setAuthorizationDecision(next: 'approve' | 'deny') {
      decision = next;
    },
    async authorize(authorizationUrl: string | URL) {
      const url = new URL(authorizationUrl);
      if (url.origin !== origin) throw new Error(`authorization URL ${url.href} is not on this server (${origin})`);
      const response = await new Browser().get(url);
      if (response.status !== 302) {
        throw new Error(`authorization endpoint answered HTTP ${response.status}: ${excerpt(await response.text())}`);
      }
      await response.arrayBuffer();
      return redirectTarget(response, url).href;
    },
    close: () => http.close(),
  };
}
