import { createClient, defineProvider, InvalidArgumentError, OAuth2ServerError } from '@x/oauth2-core';
import type { AccessToken, OAuth2Client, ProviderPreset, ResponseContext } from '@x/oauth2-core';
import type { AliyunUserinfoClaims } from './claims.js';
import type { AliyunRegion } from './endpoints.js';
import { AliyunOAuthServerError } from './errors.js';
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
  /** Replaces the OAuth host (see `aliyunProvider`). */
  oauthOrigin?: string;
  /** `@alicloud/oauth2`'s full authorization URL override; wins over `signinOrigin`. */
  authorizationUri?: string;
  /** `@alicloud/oauth2`'s full token URL override; wins over `oauthOrigin`. */
  accessTokenUri?: string;
  /** `@alicloud/oauth2`'s full revocation URL override; wins over `oauthOrigin`. */
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
 * What {@link AliyunOAuth2.revokeAccessToken} resolves with once the server accepted the revocation.
 *
 * @example
 * ```ts
 * const { success } = await oauth.revokeAccessToken(refreshToken);
 * ```
 */
export interface AliyunRevocationResult {
  success: true;
}

/** Where the token response's body, as received, travels from the preset hook to the legacy method. */
const wireBody = Symbol('aliyun.wireBody');

/**
 * The 2018 `@alicloud/oauth2` client's API, so its users switch by changing one import. Same method names,
 * arguments, return values (the JSON bodies as Alibaba Cloud sends them) and errors (`name`
 * `'OAuthServerError'`, `code`, `message`, `data: { httpcode, requestid }`; see
 * {@link AliyunOAuthServerError}).
 *
 * What changed underneath: requests go through `@x/oauth2-core` as POST form bodies (the old SDK put the
 * client secret, codes and tokens in GET query strings, where proxies and logs keep them), with timeouts,
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

  constructor(options: AliyunOAuth2Options) {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'expected { clientId, clientSecret }');
    const provider = legacyProvider(options);
    this.clientId = options.clientId;
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
   * Cloud requires it to match (`@alicloud/oauth2` never sent it correctly). Like the old SDK, this does
   * not verify the `id_token`; `oauth.client.authorizationCode.handleCallback()` checks state and verifies
   * it.
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
   * Exchanges a refresh token for a new access token. The answer has a `refresh_token` only when Alibaba
   * Cloud rotated it: otherwise keep using the one you have.
   *
   * @example
   * ```ts
   * const fresh = await oauth.refreshAccessToken(stored.refresh_token);
   * stored = { ...stored, ...fresh };
   * ```
   */
  async refreshAccessToken(refreshToken: string): Promise<AliyunTokenResponseBody> {
    log('legacy refreshAccessToken');
    return bodyOf(await legacyCall(() => this.client.refresh(refreshToken)));
  }

  /**
   * Revokes a refresh token (Alibaba Cloud documents revocation of refresh tokens only); do it on logout.
   * Resolves with `{ success: true }` once the server accepted it: Alibaba Cloud answers so even for
   * unknown tokens (RFC 7009 §2.2).
   *
   * @example
   * ```ts
   * await oauth.revokeAccessToken(stored.refresh_token);
   * ```
   */
  async revokeAccessToken(token: string): Promise<AliyunRevocationResult> {
    log('legacy revokeAccessToken');
    await legacyCall(() => this.client.revoke(token));
    return { success: true };
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

/** The Aliyun preset with the legacy endpoint overrides, and a hook that keeps each token body as sent. */
function legacyProvider(options: AliyunOAuth2Options): ProviderPreset {
  const base = aliyunProvider(options.region ?? 'cn', {
    ...(options.signinOrigin === undefined ? {} : { signinOrigin: options.signinOrigin }),
    ...(options.oauthOrigin === undefined ? {} : { oauthOrigin: options.oauthOrigin }),
  });
  return defineProvider({
    name: base.name,
    ...(base.issuer === undefined ? {} : { issuer: base.issuer }),
    endpoints: {
      ...base.endpoints,
      ...(options.authorizationUri === undefined ? {} : { authorization: options.authorizationUri }),
      ...(options.accessTokenUri === undefined ? {} : { token: options.accessTokenUri }),
      ...(options.revokeTokenUri === undefined ? {} : { revocation: options.revokeTokenUri }),
    },
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
