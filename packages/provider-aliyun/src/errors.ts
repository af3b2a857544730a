import { OAuth2ServerError } from '@x/oauth2-core';
import type { ResponseContext, ServerErrorMapping } from '@x/oauth2-core';
import { log } from './log.js';

/**
 * The preset's `mapServerError` hook. Alibaba Cloud error bodies carry `error` and `error_description`
 * plus `http_code` and a request id named `request_id` on some endpoints and `requestId` on others
 * (aliyun-protocol.md, "Errors"). The request id becomes `requestId`; `http_code` becomes `status`
 * when it is an error status (4xx/5xx), so an error answered with HTTP 200 still reports the status
 * Alibaba Cloud meant.
 *
 * @example
 * ```ts
 * mapAliyunServerError({ error: 'invalid_grant', http_code: 400, request_id: 'A1B2' }, { endpoint: 'token', status: 200 });
 * // → { requestId: 'A1B2', status: 400 }
 * ```
 */
export function mapAliyunServerError(body: Record<string, unknown>, context: ResponseContext): ServerErrorMapping {
  const requestId = nonEmptyString(body.request_id) ?? nonEmptyString(body.requestId);
  const httpCode = errorStatus(body.http_code);
  const mapping: ServerErrorMapping = {
    ...(requestId === undefined ? {} : { requestId }),
    ...(httpCode === undefined ? {} : { status: httpCode }),
  };
  log('%s endpoint answered %s (HTTP %d, http_code %s, request id %s)', context.endpoint, String(body.error), context.status, httpCode ?? 'none', requestId ?? 'none');
  return mapping;
}

/**
 * Whether an error means "this access token is no good" at Alibaba Cloud's UserInfo endpoint. Alibaba
 * Cloud answers a bad, expired or revoked token with `access_denied` / "parse token failed" rather than
 * RFC 6750's `invalid_token`; the preset keeps the server's code (so it matches Alibaba Cloud's
 * documentation and the legacy SDK), and this helper recognises both.
 *
 * It reads the body, never the HTTP status, which Alibaba Cloud does not document: `access_denied`
 * counts only with the "parse token failed" description, so any other `access_denied` (such as a token
 * without the scope UserInfo needs, answered with HTTP 403) and `insufficient_scope` are not invalid tokens:
 * refreshing would not help, asking for consent again would.
 *
 * @example
 * ```ts
 * try {
 *   return await client.userinfo(token);
 * } catch (error) {
 *   if (isAliyunInvalidTokenError(error)) return client.userinfo(await token.refresh());
 *   throw error;
 * }
 * ```
 */
export function isAliyunInvalidTokenError(error: unknown): error is OAuth2ServerError {
  if (!(error instanceof OAuth2ServerError) || error.endpoint !== 'userinfo') return false;
  // RFC 6750 §3.1, from a WWW-Authenticate header or a body.
  if (error.error === 'invalid_token') return true;
  return error.error === 'access_denied' && (error.errorDescription ?? '').toLowerCase().includes(invalidTokenDescription);
}

/** Alibaba Cloud's description of an access token it cannot read (aliyun-protocol.md, "UserInfo" [code]). */
const invalidTokenDescription = 'parse token failed';

/**
 * The error of the legacy {@link AliyunOAuth2} API, shaped like the 2018 `@alicloud/oauth2` SDK's:
 * `name` is `'OAuthServerError'`, `message` is `"<error>: <error_description>"`, `code` is the OAuth
 * error (`invalid_grant`...), and `data` is `{ httpcode, requestid }`.
 *
 * It is still part of the one hierarchy: an `OAuth2ServerError` (so an `OAuth2Error`) with `error`,
 * `errorDescription`, `status`, `requestId` and `endpoint`. The one departure is `code`: everywhere else
 * `code` names the error class (`ERR_OAUTH2_SERVER`), here it is the server's RFC 6749 error code,
 * because code written for `@alicloud/oauth2` branches on `err.code === 'invalid_grant'`. It stays a
 * stable, machine-readable string (a value of the IANA OAuth error registry, never a message); to know the
 * class, use `instanceof`.
 *
 * @example
 * ```ts
 * try {
 *   await oauth.refreshAccessToken(refreshToken);
 * } catch (err) {
 *   if (!(err instanceof AliyunOAuthServerError)) throw err;
 *   if (err.code === 'invalid_grant') return redirectToLogin();
 *   console.error(err.message, err.data.requestid);
 * }
 * ```
 */
export class AliyunOAuthServerError extends OAuth2ServerError {
  /** `'OAuthServerError'`, as the legacy SDK set it. */
  override name = 'OAuthServerError';
  /** The OAuth error code, e.g. `invalid_grant` (not a class code: see the class description). */
  override readonly code: string;
  /** `httpcode`: the status Alibaba Cloud reported (`http_code`, else the HTTP status); `requestid`: its request id. */
  readonly data: { readonly httpcode: number; readonly requestid: string | undefined };

  constructor(details: {
    error: string;
    errorDescription?: string;
    errorUri?: string;
    status: number;
    requestId?: string;
    endpoint: string;
  }) {
    super(details);
    this.code = details.error;
    this.message = details.errorDescription === undefined ? details.error : `${details.error}: ${details.errorDescription}`;
    this.data = Object.freeze({ httpcode: details.status, requestid: details.requestId });
  }

  /**
   * The legacy form of an error from the core client.
   *
   * @example
   * ```ts
   * const legacy = AliyunOAuthServerError.from(serverError);
   * ```
   */
  static from(error: OAuth2ServerError): AliyunOAuthServerError {
    return new AliyunOAuthServerError({
      error: error.error,
      status: error.status,
      endpoint: error.endpoint,
      ...(error.errorDescription === undefined ? {} : { errorDescription: error.errorDescription }),
      ...(error.errorUri === undefined ? {} : { errorUri: error.errorUri }),
      ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    });
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), data: this.data };
  }
}

function nonEmptyString(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** `http_code` as a number or numeric string, kept only when it is an error status. */
function errorStatus(value: unknown): number | undefined {
  const status = typeof value === 'string' && /^\s*\d{3}\s*$/.test(value) ? Number(value) : value;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599 ? status : undefined;
}
