import type { IdTokenClaims } from '@x/jwt';
import { requestToken } from '../context.js';
import type { CallOptions, ClientContext } from '../context.js';
import { NoRefreshTokenError, OAuth2ResponseError } from '../errors.js';
import type { IdTokenVerifier } from '../oidc/id-token.js';
import { AccessToken } from '../token.js';
import type { RefreshParams } from '../token.js';
import type { TokenFields } from '../token-response.js';

type MakeToken = (fields: TokenFields, claims?: IdTokenClaims) => AccessToken;

/**
 * The refresh token grant (RFC 6749 §6). Concurrent refreshes of the same refresh token without
 * parameters share one request: a rotating refresh token is single-use, so a second request would fail
 * (or make the server revoke the whole grant, RFC 9700 §4.14.2).
 */
export function createRefresher(context: ClientContext, idTokens: IdTokenVerifier, makeToken: MakeToken) {
  const inFlight = new Map<string, Promise<AccessToken>>();

  async function perform(previous: AccessToken | string, refreshToken: string, params: RefreshParams, call: CallOptions): Promise<AccessToken> {
    const fields = await requestToken(context, 'refresh_token', { ...params, refresh_token: refreshToken }, { idempotent: false, ...call });
    const before = typeof previous === 'string' ? undefined : previous;
    // Providers that do not rotate omit refresh_token (and often id_token): keep what we had.
    const merged: TokenFields = {
      ...fields,
      refreshToken: fields.refreshToken ?? refreshToken,
      ...(fields.idToken === undefined && before?.idToken !== undefined ? { idToken: before.idToken } : {}),
    };
    if (fields.idToken === undefined || !idTokens.available) {
      return makeToken(merged, fields.idToken === undefined ? before?.idTokenClaims : undefined);
    }
    const claims = await idTokens.verify(fields.idToken, { accessToken: fields.accessToken });
    // OpenID Connect Core §12.2: a refreshed ID token must be about the same user.
    const previousSubject = before?.idTokenClaims?.sub;
    if (previousSubject !== undefined && claims.sub !== previousSubject) {
      throw new OAuth2ResponseError({ status: 200, endpoint: 'token', reason: 'the refreshed ID token is about another subject' });
    }
    return makeToken(merged, claims);
  }

  return function refresh(token: AccessToken | string, params?: RefreshParams, call: CallOptions = {}): Promise<AccessToken> {
    const refreshToken = typeof token === 'string' ? token : token instanceof AccessToken ? token.refreshToken : undefined;
    if (typeof refreshToken !== 'string' || refreshToken === '') return Promise.reject(new NoRefreshTokenError());
    const shareable = (params === undefined || Object.keys(params).length === 0) && call.signal === undefined;
    if (!shareable) return perform(token, refreshToken, params ?? {}, call);
    const pending = inFlight.get(refreshToken);
    if (pending !== undefined) return pending;
    const request = perform(token, refreshToken, {}, call).finally(() => inFlight.delete(refreshToken));
    inFlight.set(refreshToken, request);
    return request;
  };
}
