import { createClient, defineProvider, InvalidArgumentError, OAuth2ServerError } from '@x/oauth2-core';
import type { AccessToken, OAuth2Client, ProviderPreset, ResponseContext } from '@x/oauth2-core';
import type { AliyunUserinfoClaims } from './claims.js';
import { aliyunSites } from './endpoints.js';
import type { AliyunRegion } from './endpoints.js';
import { AliyunOAuthServerError, mapAliyunServerError } from './errors.js';
import { log } from './log.js';
import { aliyunProvider } from './provider.js';
import { stringifyQuery } from './querystring.js';

/**
 * Options of {@link AliyunOAuth2}: those of `@alicloud/oauth2` plus the site and host overrides.
 *
 * @example
 * ```ts
 * const options: AliyunOAuth2Options = { clientId: '123456', clientSecret: process.env.ALIYUN_SECRET!, region: 'intl' };
 * ```
 */
export interface AliyunOAuth2Options {
  clientId: string;
  /** The web app's secret. Omit it for a native (public) app. */
  clientSecret?: string;
  /** Default `'cn'`, the only site `@alicloud/oauth2` knew. */
  region?: AliyunRegion;
  /** Replaces the sign-in host (see `aliyunProvider`). */
  signinOrigin?: string;
  /** Replaces the OAuth host (see `aliyunProvider`): token, revocation, userinfo, keys, and the issuer. */
  oauthOrigin?: string;
  /** A full authorization URL; wins over `signinOrigin`. */
  authorizationUri?: string;
  /**
   * A full token URL; wins over `oauthOrigin`. Without `oauthOrigin`, the rest of the OAuth host
   * (revocation, userinfo, keys, issuer) moves to this URL's origin, so a bearer token never goes to the
   * real host when the token endpoint points elsewhere.
   */
  accessTokenUri?: string;
  /** A full revocation URL; wins over `oauthOrigin` and `accessTokenUri`'s origin. */
  revokeTokenUri?: string;
  /** A fetch implementation for the underlying client. */
  fetch?: typeof fetch;
  /** Milliseconds allowed per call. Default 10 000. */
  timeout?: number;
}

/**
 * A token response as Alibaba Cloud sent it: `expires_in` may be a string (`"3600"`), and a refresh
 * answer may lack `refresh_token` and `id_token`.
 *
 * @example
 * ```ts
 * const { access_token, refresh_token }: AliyunTokenResponseBody = await oauth.getAccessToken(code, redirectUri);
 * ```
 */
export interface AliyunTokenResponseBody {
  access_token: string;
  token_type: string;
  expires_in?: string | number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  [field: string]: unknown;
}

/**
 * What {@link AliyunOAuth2.revokeAccessToken} resolves with: the revocation endpoint's JSON body as
 * Alibaba Cloud sent it, e.g. `{ success: true, message: 'success' }`. (A body with `success: false` is
 * thrown as an error instead.)
 *
 * @example
 * ```ts
 * const { success, message } = (await oauth.revokeAccessToken(refreshToken)) ?? {};
 * ```
 */
export interface AliyunRevocationResult {
  success?: true;
  message?: string;
  [field: string]: unknown;
}

const optionNames: readonly string[] = [
  'clientId',
  'clientSecret',
  'region',
  'signinOrigin',
  'oauthOrigin',
  'authorizationUri',
  'accessTokenUri',
  'revokeTokenUri',
  'fetch',
  'timeout',
];

/** Where the token response's body, as received, travels from the preset hook to the legacy method. */
const wireBody = Symbol('aliyun.wireBody');

/**
 * The 2018 `@alicloud/oauth2` client's API, so its users switch by changing one import. Same method names,
 * arguments, return values (the JSON bodies as Alibaba Cloud sends them) and errors (`name`
 * `'OAuthServerError'`, `code`, `message`, `data: { httpcode, requestid }`; see
 * {@link AliyunOAuthServerError}).
 *
 * What changed underneath: requests go through `@x/oauth2-core` as POST form bodies (the old SDK sent its
 * secrets in GET query strings, where proxies and logs keep them), with timeouts,
 * typed errors for network and response failures, and the international site (`region: 'intl'`).
 *
 * @example
 * ```ts
 * import { AliyunOAuth2 } from '@x/provider-aliyun'; // was: import AliyunOAuth2 from '@alicloud/oauth2';
 *
 * const oauth = new AliyunOAuth2({ clientId: '123456', clientSecret: process.env.ALIYUN_SECRET! });
 * res.redirect(oauth.getAuthorizeURL('https://yourwebapp.com/authcallback/', state, 'openid /acs/ccc', 'offline'));
 * // in the callback:
 * const token = await oauth.getAccessToken(req.query.code, 'https://yourwebapp.com/authcallback/');
 * const user = await oauth.getUserInfo(token.access_token);
 * ```
 */
export class AliyunOAuth2 {
  /** The application id. (The secret is kept out of reach, so the object is safe to log.) */
  readonly clientId: string;
  /** The `@x/oauth2-core` client underneath, for moving to the new API one call at a time. */
  readonly client: OAuth2Client;
  readonly #authorizationUrl: string;
  /** Only to mask it in a server message that might echo it; a private field is neither enumerable nor inspected. */
  readonly #clientSecret: string | undefined;

  constructor(options: AliyunOAuth2Options) {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'expected { clientId, clientSecret }');
    const unknown = Object.keys(options).filter((name) => !optionNames.includes(name));
    if (unknown.length > 0) {
      // An endpoint option under another name would be ignored, and its requests would go to the real host.
      throw new InvalidArgumentError('options', `unknown option ${unknown.map((name) => `"${name}"`).join(', ')}; expected ${optionNames.join(', ')}`);
    }
    const provider = legacyProvider(options);
    this.clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.client = createClient(provider, {
      clientId: options.clientId,
      ...(options.clientSecret === undefined ? {} : { clientSecret: options.clientSecret }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    });
    // The preset always has the authorization endpoint.
    this.#authorizationUrl = provider.endpoints.authorization ?? '';
  }

  /**
   * The authorization URL, byte for byte what `@alicloud/oauth2` built: parameters in the order
   * `client_id, redirect_uri, response_type, scope, access_type, state`, encoded like Node's
   * `querystring.stringify` (spaces as `%20`).
   *
   * @example
   * ```ts
   * oauth.getAuthorizeURL('https://yourwebapp.com/authcallback/', '1234567890', 'openid /acs/ccc', 'offline');
   * // https://signin.aliyun.com/oauth2/v1/auth?client_id=123456&redirect_uri=https%3A%2F%2Fyourwebapp.com%2Fauthcallback%2F&response_type=code&scope=openid%20%2Facs%2Fccc&access_type=offline&state=1234567890
   * ```
   */
  getAuthorizeURL(redirectUri: string, state: string, scope: string, accessType: 'online' | 'offline' = 'online'): string {
    const query = stringifyQuery({
      client_id: this.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope,
      access_type: accessType,
      state,
    });
    return `${this.#authorizationUrl}?${query}`;
  }

  /**
   * Exchanges the callback's code for tokens. Pass the redirect URI used in `getAuthorizeURL`: Alibaba
   * Cloud requires the two to be equal. Like the old SDK, this does not verify the `id_token`;
   * `oauth.client.authorizationCode.handleCallback()` checks state and verifies it.
   *
   * @example
   * ```ts
   * const { access_token, refresh_token, id_token } = await oauth.getAccessToken(code, redirectUri);
   * ```
   */
  async getAccessToken(code: string, redirectUri?: string): Promise<AliyunTokenResponseBody> {
    log('legacy getAccessToken');
    const token = await legacyCall(() =>
      this.client.authorizationCode.getToken({ code, ...(redirectUri === undefined || redirectUri === '' ? {} : { redirectUri }) }),
    );
    return bodyOf(token);
  }

  /**
   * Exchanges a refresh token for a new access token, and returns the answer as sent, without verifying
   * an `id_token` in it (as `getAccessToken`, and as the old SDK). The answer has a `refresh_token` only
   * when Alibaba Cloud rotated it: otherwise keep using the one you have.
   *
   * @example
   * ```ts
   * const fresh = await oauth.refreshAccessToken(stored.refresh_token);
   * stored = { ...stored, ...fresh };
   * ```
   */
  async refreshAccessToken(refreshToken: string): Promise<AliyunTokenResponseBody> {
    log('legacy refreshAccessToken');
    // `client.refresh()` is the new API's renewal: it keeps the previous refresh token and verifies a new
    // ID token against the issuer and JWKS. The legacy method returns the body untouched and, like the
    // 2018 SDK, verifies nothing, so it sends the bare grant through `client.grant()`, which does neither.
    // (A preset without `jwks` would also skip verification, but it would take it away from `oauth.client`,
    // whose `handleCallback()` is the documented next step of a migration.)
    return bodyOf(await legacyCall(() => this.client.grant('refresh_token', { refresh_token: refreshToken })));
  }

  /**
   * Revokes a refresh token (Alibaba Cloud documents revocation of refresh tokens only); do it on logout.
   * Resolves with the JSON body as Alibaba Cloud sent it, `{ success: true, message: 'success' }`, which
   * it answers even for unknown tokens (RFC 7009 §2.2), or `undefined` when a 2xx answer had no JSON
   * object body. A body with `success: false` rejects with an {@link AliyunOAuthServerError} (`code`
   * `server_error`), even when its HTTP status is 200.
   *
   * @example
   * ```ts
   * await oauth.revokeAccessToken(stored.refresh_token);
   * ```
   */
  async revokeAccessToken(token: string): Promise<AliyunRevocationResult | undefined> {
    log('legacy revokeAccessToken');
    const body = await legacyCall(() => this.client.revoke(token));
    if (body?.success === false) throw revocationRefused(body, [token, this.#clientSecret]);
    return body;
  }

  /**
   * The UserInfo endpoint's JSON body, as is: `sub`, and `type`, `name`, `upn`, `login_name`, `uid`, `aid`
   * as the token's scopes allow.
   *
   * @example
   * ```ts
   * const { sub, name, uid } = await oauth.getUserInfo(token.access_token);
   * ```
   */
  async getUserInfo(accessToken: string): Promise<AliyunUserinfoClaims> {
    log('legacy getUserInfo');
    return legacyCall(() => this.client.userinfo(accessToken)) as Promise<AliyunUserinfoClaims>;
  }
}

/**
 * The Aliyun preset with the legacy endpoint overrides, and a hook that keeps each token body as sent.
 *
 * The OAuth host serves the token, revocation, userinfo and keys endpoints and names the issuer, so when
 * `accessTokenUri` moves the token endpoint (and `oauthOrigin` is not given), the rest of the host moves
 * to its origin: otherwise a test pointing the token endpoint at a local server would still send access
 * tokens to the real userinfo endpoint. An override that splits the flow between the real OAuth host and
 * another one (a sign-in page or revocation endpoint elsewhere while token and userinfo stay on Alibaba
 * Cloud) is refused: codes and tokens from one would be sent to the other.
 */
function legacyProvider(options: AliyunOAuth2Options): ProviderPreset {
  const authorizationUri = optionalUrl('authorizationUri', options.authorizationUri);
  const accessTokenUri = optionalUrl('accessTokenUri', options.accessTokenUri);
  const revokeTokenUri = optionalUrl('revokeTokenUri', options.revokeTokenUri);
  const oauthOrigin = options.oauthOrigin ?? (accessTokenUri === undefined ? undefined : new URL(accessTokenUri).origin);
  const region = options.region ?? 'cn';
  const base = aliyunProvider(region, {
    ...(options.signinOrigin === undefined ? {} : { signinOrigin: options.signinOrigin }),
    ...(oauthOrigin === undefined ? {} : { oauthOrigin }),
  });
  const endpoints = {
    ...base.endpoints,
    ...(authorizationUri === undefined ? {} : { authorization: authorizationUri }),
    ...(accessTokenUri === undefined ? {} : { token: accessTokenUri }),
    ...(revokeTokenUri === undefined ? {} : { revocation: revokeTokenUri }),
  };
  refuseSplitHosts(region, endpoints, options);
  return defineProvider({
    name: base.name,
    ...(base.issuer === undefined ? {} : { issuer: base.issuer }),
    endpoints,
    tokenEndpointAuthMethod: base.tokenEndpointAuthMethod,
    quirks: {
      ...base.quirks,
      // The core normalises token responses (`expires_in` becomes a number); the legacy API returned them
      // untouched, so the body as parsed rides along, under a symbol that JSON and Object.keys ignore.
      normalizeTokenResponse: (body: Record<string, unknown>, context: ResponseContext) => {
        const normalized = base.quirks.normalizeTokenResponse?.(body, context) ?? body;
        return { ...normalized, [wireBody]: { ...body } };
      },
    },
  });
}

/** An absolute http(s) URL, kept as written (the authorization URL is rebuilt byte for byte). */
function optionalUrl(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new InvalidArgumentError(name, `must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  const { protocol } = new URL(value);
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new InvalidArgumentError(name, `must use https (or http for a local server), got "${protocol}"`);
  }
  return value;
}

/** While the OAuth host is Alibaba Cloud's, the sign-in page and revocation must be Alibaba Cloud's too. */
function refuseSplitHosts(region: AliyunRegion, endpoints: { authorization?: string; token: string; revocation?: string }, options: AliyunOAuth2Options): void {
  const site = aliyunSites[region];
  if (new URL(endpoints.token).origin !== site.oauthOrigin) return;
  const moved: [string, string | undefined, string][] = [
    [options.authorizationUri === undefined ? 'signinOrigin' : 'authorizationUri', endpoints.authorization, site.signinOrigin],
    ['revokeTokenUri', endpoints.revocation, site.oauthOrigin],
  ];
  for (const [name, url, realOrigin] of moved) {
    const origin = url === undefined ? realOrigin : new URL(url).origin;
    if (origin !== realOrigin) {
      throw new InvalidArgumentError(
        name,
        `points at ${origin} while the token and userinfo endpoints stay on ${site.oauthOrigin}; codes and tokens from one host would be sent to the other. Give accessTokenUri or oauthOrigin too (e.g. oauthOrigin: "${origin}").`,
      );
    }
  }
}

function bodyOf(token: AccessToken): AliyunTokenResponseBody {
  const body = (token.raw as Readonly<Record<symbol, unknown>>)[wireBody];
  return { ...(body as AliyunTokenResponseBody) };
}

/** Runs a core call and gives its server errors the legacy shape; other errors pass unchanged. */
async function legacyCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof OAuth2ServerError ? AliyunOAuthServerError.from(error) : error;
  }
}

/**
 * The legacy error for a revocation answered `{ "success": false, ... }`. The body names no OAuth error,
 * so `code` is `server_error` (the registry's catch-all) and the description is the body's `message`,
 * bounded, with the values this request sent masked in case the server echoes them. The core reports only
 * that the answer was 2xx, so `httpcode` is the body's `http_code` when it is an error status, else 200.
 */
function revocationRefused(body: Readonly<Record<string, unknown>>, sent: readonly (string | undefined)[]): AliyunOAuthServerError {
  const mapped = mapAliyunServerError({ ...body, error: 'server_error' }, { endpoint: 'revocation', status: 200 });
  const message = typeof body.message === 'string' && body.message.trim() !== '' ? masked(body.message, sent) : undefined;
  return new AliyunOAuthServerError({
    error: 'server_error',
    errorDescription: message ?? 'the revocation was not confirmed (success: false)',
    status: mapped.status ?? 200,
    endpoint: 'revocation',
    ...(mapped.requestId === undefined ? {} : { requestId: mapped.requestId }),
  });
}

const maxMessageLength = 200;

function masked(text: string, sent: readonly (string | undefined)[]): string {
  let result = text;
  for (const value of sent) if (value !== undefined && value !== '') result = result.split(value).join('[redacted]');
  result = result.replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[redacted-jwt]');
  return result.length > maxMessageLength ? `${result.slice(0, maxMessageLength)}…` : result;
}
