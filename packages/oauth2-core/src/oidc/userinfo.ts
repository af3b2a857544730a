import { decodeJwt } from '@x/jwt/decode';
import { endpointUrl } from '../context.js';
import type { CallOptions, ClientContext } from '../context.js';
import { InvalidArgumentError, OAuth2ResponseError, OAuth2ServerError } from '../errors.js';
import { parseJsonObject, successBody } from '../http/response.js';
import type { HttpResult } from '../http/transport.js';
import { AccessToken } from '../token.js';
import type { IdTokenVerifier } from './id-token.js';

/** Claims from the UserInfo endpoint (OpenID Connect Core §5.3.2). `sub` is always there. */
export interface UserinfoClaims {
  sub: string;
  [claim: string]: unknown;
}

/** Options of `client.userinfo`. */
export interface UserinfoOptions extends CallOptions {
  /**
   * The `sub` the answer must carry (OpenID Connect Core §5.3.2: it must match the ID token's). Taken from
   * the token's ID token when an `AccessToken` is passed (its `sub`, decoded from the ID token stored with it).
   */
  expectedSubject?: string;
}

/**
 * The user a token is about: the `sub` of its verified ID-token claims or, for a token restored with
 * `client.createToken()` (which has no claims), the `sub` of its stored ID token, decoded without
 * verification. Decoding is enough here: that ID token was verified when the token was received (the
 * code, refresh and device flows verify ID tokens whenever the provider has an issuer and a JWKS), it
 * comes back from the application's own storage, and the subject only narrows what is accepted (a
 * UserInfo answer, a refreshed ID token), never grants anything. `undefined` without a usable ID token.
 */
export function tokenSubject(token: AccessToken): string | undefined {
  if (token.idTokenClaims !== undefined) return token.idTokenClaims.sub;
  if (token.idToken === undefined) return undefined;
  try {
    const { sub } = decodeJwt(token.idToken).payload;
    return typeof sub === 'string' && sub !== '' ? sub : undefined;
  } catch {
    // Not a JWT at all (an opaque or placeholder value): there is no subject to hold answers to.
    return undefined;
  }
}

/**
 * Calls the UserInfo endpoint with the access token. Plain JSON answers are returned as they are; signed
 * (`application/jwt`) answers are verified against the provider's keys first. Answers about another
 * subject than the ID token's are refused (token substitution).
 */
export async function fetchUserinfo(
  context: ClientContext,
  idTokens: IdTokenVerifier,
  token: AccessToken | string,
  options: UserinfoOptions = {},
): Promise<UserinfoClaims> {
  const url = endpointUrl(context, 'userinfo', 'userinfo');
  const accessToken = token instanceof AccessToken ? token.accessToken : token;
  if (typeof accessToken !== 'string' || accessToken === '') throw new InvalidArgumentError('token', 'an access token is required');
  const tokenType = token instanceof AccessToken ? token.tokenType : 'Bearer';
  const result = await context.http.send({
    endpoint: 'userinfo',
    url,
    method: 'GET',
    headers: { authorization: `${tokenType} ${accessToken}` },
    accept: 'application/json, application/jwt',
    idempotent: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const bearerError = wwwAuthenticateError(result);
  if (bearerError !== undefined) throw bearerError;

  const isJwt = (result.headers.get('content-type') ?? '').toLowerCase().startsWith('application/jwt');
  const claims = isJwt && result.status >= 200 && result.status < 300
    ? await idTokens.verifyUserinfoJwt(result.text.trim())
    : successBody(result, { endpoint: 'userinfo', status: result.status }, context.provider.quirks);
  if (typeof claims.sub !== 'string' || claims.sub === '') {
    throw new OAuth2ResponseError({ status: result.status, endpoint: 'userinfo', reason: 'the answer has no `sub` (OpenID Connect Core §5.3.2)' });
  }
  const expected = options.expectedSubject ?? (token instanceof AccessToken ? tokenSubject(token) : undefined);
  if (expected !== undefined && claims.sub !== expected) {
    throw new OAuth2ResponseError({ status: result.status, endpoint: 'userinfo', reason: "the answer's `sub` differs from the ID token's (possible token substitution)" });
  }
  return claims as UserinfoClaims;
}

/** RFC 6750 §3: a protected resource reports errors in `WWW-Authenticate`, often with an empty body. */
function wwwAuthenticateError(result: HttpResult): OAuth2ServerError | undefined {
  if (result.status < 400) return undefined;
  const header = result.headers.get('www-authenticate');
  if (header === null || !/^\s*(bearer|dpop)\b/i.test(header)) return undefined;
  const parameters = new Map<string, string>();
  for (const match of header.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/gi)) {
    parameters.set(match[1]!.toLowerCase(), match[2]!.replace(/\\(.)/g, '$1'));
  }
  const error = parameters.get('error');
  if (error === undefined) {
    // No error code in the header: the body may still have one; let the body handling decide.
    try {
      parseJsonObject(result, 'userinfo');
      return undefined;
    } catch {
      return new OAuth2ServerError({ error: 'invalid_token', status: result.status, endpoint: 'userinfo' });
    }
  }
  const description = parameters.get('error_description');
  const uri = parameters.get('error_uri');
  return new OAuth2ServerError({
    error,
    status: result.status,
    endpoint: 'userinfo',
    ...(description === undefined ? {} : { errorDescription: description }),
    ...(uri === undefined ? {} : { errorUri: uri }),
  });
}
