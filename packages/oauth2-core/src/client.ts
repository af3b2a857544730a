import type { IdTokenClaims } from '@x/jwt';
import type { CallOptions, ClientContext } from './context.js';
import { InvalidArgumentError, NoRefreshTokenError } from './errors.js';
import { createAuthorizationCodeGrant } from './grants/authorization-code.js';
import type { AuthorizationCodeGrant } from './grants/authorization-code.js';
import { createDeviceCodeGrant } from './grants/device-code.js';
import type { DeviceCodeGrant } from './grants/device-code.js';
import { createRefresher } from './grants/refresh.js';
import { createClientCredentialsGrant, createPasswordGrant, requestGenericGrant } from './grants/simple-grants.js';
import type { ClientCredentialsGrant, PasswordGrant } from './grants/simple-grants.js';
import { introspectToken } from './endpoints/introspection.js';
import type { IntrospectionResponse } from './endpoints/introspection.js';
import { revokeToken } from './endpoints/revocation.js';
import { createHttpClient } from './http/transport.js';
import { buildEndSessionUrl } from './oidc/end-session.js';
import type { EndSessionParams } from './oidc/end-session.js';
import { createIdTokenVerifier } from './oidc/id-token.js';
import type { IdTokenCheckOptions } from './oidc/id-token.js';
import { fetchUserinfo } from './oidc/userinfo.js';
import type { UserinfoClaims, UserinfoOptions } from './oidc/userinfo.js';
import { resolveOptions } from './options.js';
import type { ClientOptions } from './options.js';
import type { ExtraParams } from './params.js';
import type { ProviderPreset } from './provider.js';
import { AccessToken } from './token.js';
import type { RefreshParams, TokenOwner, TokenTypeHint } from './token.js';
import { tokenFieldsFromJson } from './token-response.js';
import type { TokenFields } from './token-response.js';

/** An OAuth 2.0 / OpenID Connect client for one provider and one registered application. */
export interface OAuth2Client {
  readonly provider: ProviderPreset;
  readonly clientId: string;
  readonly authorizationCode: AuthorizationCodeGrant;
  readonly clientCredentials: ClientCredentialsGrant;
  readonly password: PasswordGrant;
  readonly deviceCode: DeviceCodeGrant;
  /**
   * Exchanges a refresh token (or the one inside a token) for a new token. Concurrent calls for the same
   * refresh token share one request. The new token keeps the old refresh token when none comes back.
   *
   * @example
   * ```ts
   * const token = await client.refresh(storedRefreshToken);
   * ```
   */
  refresh(token: AccessToken | string, params?: RefreshParams, options?: CallOptions): Promise<AccessToken>;
  /**
   * Any other grant by its type: token exchange, JWT bearer... Never retried.
   *
   * @example
   * ```ts
   * const token = await client.grant('urn:ietf:params:oauth:grant-type:token-exchange', {
   *   subject_token: incoming, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
   * });
   * ```
   */
  grant(grantType: string, params: ExtraParams, options?: CallOptions): Promise<AccessToken>;
  /**
   * Revokes a token (RFC 7009). With an `AccessToken`, revokes its access token unless the hint says
   * `refresh_token`. Resolves with the answer's body when the server sent a JSON object (RFC 7009 defines
   * none; some providers say `{"success":true}`), else `undefined`.
   *
   * @example
   * ```ts
   * await client.revoke(token.refreshToken!, 'refresh_token');
   * ```
   */
  revoke(token: AccessToken | string, tokenTypeHint?: TokenTypeHint, options?: CallOptions): Promise<Record<string, unknown> | undefined>;
  /**
   * Asks the server about a token (RFC 7662).
   *
   * @example
   * ```ts
   * const { active, scope } = await client.introspect(incomingToken);
   * ```
   */
  introspect(token: AccessToken | string, tokenTypeHint?: TokenTypeHint, options?: CallOptions): Promise<IntrospectionResponse>;
  /**
   * Fetches the user's claims from the UserInfo endpoint; with an `AccessToken` whose ID token was
   * verified, the answer's `sub` must match it.
   *
   * @example
   * ```ts
   * const { sub, name } = await client.userinfo(token);
   * ```
   */
  userinfo(token: AccessToken | string, options?: UserinfoOptions): Promise<UserinfoClaims>;
  /**
   * The URL that logs the user out at the provider (RP-initiated logout).
   *
   * @example
   * ```ts
   * res.redirect(client.endSessionURL({ idTokenHint: token.idToken, postLogoutRedirectUri: 'https://app.example/' }));
   * ```
   */
  endSessionURL(params?: EndSessionParams): string;
  /**
   * Verifies an ID token with the provider's keys and the OpenID Connect Core §3.1.3.7 rules.
   *
   * @example
   * ```ts
   * const claims = await client.verifyIdToken(token.idToken!, { nonce: session.nonce });
   * ```
   */
  verifyIdToken(idToken: string, options?: IdTokenCheckOptions): Promise<IdTokenClaims>;
  /**
   * Restores a token from `AccessToken#toJSON()` output, a raw token response, or a simple-oauth2 token.
   *
   * @example
   * ```ts
   * const token = client.createToken(JSON.parse(await store.get('token')));
   * ```
   */
  createToken(json: unknown): AccessToken;
}

/**
 * Creates a client for a provider preset and a registered application. Options are validated at once,
 * with errors that say what to fix.
 *
 * @example
 * ```ts
 * import { createClient, discover } from '@x/oauth2-core';
 *
 * const client = createClient(await discover('https://accounts.example.com'), {
 *   clientId: 'my-app',
 *   clientSecret: process.env.CLIENT_SECRET,
 *   redirectUri: 'https://app.example.com/callback',
 *   scope: 'openid profile',
 * });
 * ```
 */
export function createClient(provider: ProviderPreset, options: ClientOptions): OAuth2Client {
  if (typeof provider !== 'object' || provider === null || typeof provider.endpoints?.token !== 'string' || provider.quirks === undefined) {
    throw new InvalidArgumentError('provider', 'expected a ProviderPreset from defineProvider(), discover() or a preset package');
  }
  const resolved = resolveOptions(provider, options);
  const http = createHttpClient({
    ...(options.fetch ? { fetch: options.fetch } : {}),
    timeout: resolved.timeout,
    maxResponseBytes: resolved.maxResponseBytes,
    retry: resolved.retry,
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const context: ClientContext = { provider, options: resolved, http };
  const idTokens = createIdTokenVerifier(context);

  const owner: TokenOwner = {
    refresh: (token, params) => refresh(token, params),
    revoke: (token, hint) => revokeToken(context, token, hint),
    scopeSeparator: provider.quirks.scopeSeparator,
  };
  const makeToken = (fields: TokenFields, claims?: IdTokenClaims) => new AccessToken(fields, owner, claims);
  const refresh = createRefresher(context, idTokens, makeToken);

  const tokenValue = (token: AccessToken | string, hint?: TokenTypeHint): string => {
    if (!(token instanceof AccessToken)) return token;
    if (hint !== 'refresh_token') return token.accessToken;
    if (token.refreshToken === undefined) throw new NoRefreshTokenError();
    return token.refreshToken;
  };

  return {
    provider,
    clientId: resolved.clientId,
    authorizationCode: createAuthorizationCodeGrant(context, idTokens, makeToken),
    clientCredentials: createClientCredentialsGrant(context, makeToken),
    password: createPasswordGrant(context, makeToken),
    deviceCode: createDeviceCodeGrant(context, idTokens, makeToken),
    refresh,
    grant: (grantType, params, call) => requestGenericGrant(context, makeToken, grantType, params, call),
    revoke: async (token, hint, call) => revokeToken(context, tokenValue(token, hint), hint, call),
    introspect: async (token, hint, call) => introspectToken(context, tokenValue(token, hint), hint, call),
    userinfo: (token, userinfoOptions) => fetchUserinfo(context, idTokens, token, userinfoOptions),
    endSessionURL: (params) => buildEndSessionUrl(context, params),
    verifyIdToken: (idToken, checks) => idTokens.verify(idToken, checks),
    createToken: (json) => makeToken(tokenFieldsFromJson(json, provider.quirks.scopeSeparator)),
  };
}

export type { CallOptions };
