import { OAuth2Error } from '@x/jwt/errors';

export { InvalidArgumentError, OAuth2Error } from '@x/jwt/errors';

/** The fields of an RFC 6749 §5.2 error response, as the server sent them. */
export interface ServerErrorDetails {
  /** The RFC 6749 error code, such as `invalid_grant`. */
  error: string;
  errorDescription?: string;
  errorUri?: string;
  /** The request id the provider attached (Aliyun's `request_id`/`requestId`, a `x-request-id` header...). */
  requestId?: string;
}

/**
 * The authorization server answered with an OAuth 2.0 error: an RFC 6749 §5.2 error response, an error
 * object in a 2xx body, or an RFC 6750 `WWW-Authenticate` error from a protected resource.
 */
export class OAuth2ServerError extends OAuth2Error {
  readonly error: string;
  readonly errorDescription: string | undefined;
  readonly errorUri: string | undefined;
  /** The HTTP status of the response (a provider's own `http_code` where its preset says so). */
  readonly status: number;
  readonly requestId: string | undefined;
  /** Which endpoint answered: `token`, `revocation`, `userinfo`... */
  readonly endpoint: string;

  constructor(details: ServerErrorDetails & { status: number; endpoint: string }) {
    const description = details.errorDescription ? `: ${details.errorDescription}` : '';
    super(
      'ERR_OAUTH2_SERVER',
      `the ${details.endpoint} endpoint answered ${details.error}${description} (HTTP ${details.status})`,
    );
    this.error = details.error;
    this.errorDescription = details.errorDescription;
    this.errorUri = details.errorUri;
    this.status = details.status;
    this.requestId = details.requestId;
    this.endpoint = details.endpoint;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      error: this.error,
      errorDescription: this.errorDescription,
      errorUri: this.errorUri,
      status: this.status,
      requestId: this.requestId,
      endpoint: this.endpoint,
    };
  }
}

/**
 * The server's answer could not be used: not JSON, the wrong shape, a token response without
 * `access_token`, an `expires_in` that is not a number... `bodyExcerpt` is short and has token-like values
 * masked, so it is safe to log.
 */
export class OAuth2ResponseError extends OAuth2Error {
  readonly status: number;
  readonly endpoint: string;
  readonly bodyExcerpt: string | undefined;

  constructor(
    details: { status: number; endpoint: string; reason: string; bodyExcerpt?: string },
    options?: { cause?: unknown; code?: string },
  ) {
    super(
      options?.code ?? 'ERR_OAUTH2_INVALID_RESPONSE',
      `unusable response from the ${details.endpoint} endpoint (HTTP ${details.status}): ${details.reason}`,
      options,
    );
    this.status = details.status;
    this.endpoint = details.endpoint;
    this.bodyExcerpt = details.bodyExcerpt;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status, endpoint: this.endpoint, bodyExcerpt: this.bodyExcerpt };
  }
}

/** A response body exceeded `maxResponseBytes` and was abandoned instead of buffered without limit. */
export class ResponseTooLargeError extends OAuth2ResponseError {
  readonly limit: number;

  constructor(details: { status: number; endpoint: string; limit: number }) {
    super(
      { status: details.status, endpoint: details.endpoint, reason: `the body exceeds ${details.limit} bytes` },
      { code: 'ERR_OAUTH2_RESPONSE_TOO_LARGE' },
    );
    this.limit = details.limit;
  }
}

/** No complete answer arrived within the `timeout` of the client (connection, headers and body). */
export class OAuth2TimeoutError extends OAuth2Error {
  readonly endpoint: string;
  readonly timeout: number;

  constructor(details: { endpoint: string; timeout: number }, options?: { cause?: unknown }) {
    super(
      'ERR_OAUTH2_TIMEOUT',
      `the ${details.endpoint} endpoint did not answer within ${details.timeout} ms`,
      options,
    );
    this.endpoint = details.endpoint;
    this.timeout = details.timeout;
  }
}

/** The caller's `AbortSignal` cancelled the operation. The signal's reason is the `cause`. */
export class OAuth2AbortError extends OAuth2Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super('ERR_OAUTH2_ABORTED', `${what} was aborted by the caller's signal`, options);
  }
}

/** The request never got an HTTP answer: DNS failure, refused or reset connection, TLS failure... */
export class OAuth2NetworkError extends OAuth2Error {
  readonly endpoint: string;

  constructor(details: { endpoint: string; url: string }, options?: { cause?: unknown }) {
    super(
      'ERR_OAUTH2_NETWORK',
      `could not reach the ${details.endpoint} endpoint at ${details.url}: ${describeCause(options?.cause)}`,
      options,
    );
    this.endpoint = details.endpoint;
  }
}

/** The `state` of the callback is missing or differs from the one stored for this login (RFC 6749 §10.12). */
export class StateMismatchError extends OAuth2Error {
  constructor() {
    super(
      'ERR_OAUTH2_STATE_MISMATCH',
      "state mismatch: the callback's state does not match the one stored for this login " +
        '(possible CSRF, a replayed callback or a stale tab); start a new login',
    );
  }
}

/**
 * The authorization server redirected back with `error=` (RFC 6749 §4.1.2.1), e.g. the user denied
 * consent (`access_denied`).
 */
export class AuthorizationResponseError extends OAuth2Error {
  readonly error: string;
  readonly errorDescription: string | undefined;
  readonly errorUri: string | undefined;

  constructor(details: { error: string; errorDescription?: string; errorUri?: string }) {
    const description = details.errorDescription ? `: ${details.errorDescription}` : '';
    super('ERR_OAUTH2_AUTHORIZATION', `the authorization server refused the request: ${details.error}${description}`);
    this.error = details.error;
    this.errorDescription = details.errorDescription;
    this.errorUri = details.errorUri;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), error: this.error, errorDescription: this.errorDescription, errorUri: this.errorUri };
  }
}

/** The callback cannot be processed: no `code`, an `iss` from another issuer (RFC 9207), a malformed URL. */
export class CallbackError extends OAuth2Error {
  constructor(message: string) {
    super('ERR_OAUTH2_CALLBACK', message);
  }
}

/** `refresh()` was called on a token that has no refresh token. */
export class NoRefreshTokenError extends OAuth2Error {
  constructor() {
    super(
      'ERR_OAUTH2_NO_REFRESH_TOKEN',
      'this token has no refresh token; request offline access (e.g. scope offline_access or access_type=offline) or log in again',
    );
  }
}

/**
 * A refresh could not run because a concurrent refresh of the same token already spent its refresh token
 * and the server rotated it: the new refresh token belongs to that refresh's result.
 */
export class RefreshTokenSpentError extends OAuth2Error {
  constructor() {
    super(
      'ERR_OAUTH2_REFRESH_TOKEN_SPENT',
      'its refresh token was spent by a concurrent refresh, which returned a new one; refresh the token that refresh returned',
    );
  }
}

/** The device code expired locally before the user approved it (RFC 8628 §3.5, `expires_in`). */
export class DeviceCodeExpiredError extends OAuth2Error {
  constructor() {
    super('ERR_OAUTH2_DEVICE_CODE_EXPIRED', 'the device code expired before the user approved it; start again');
  }
}

/** The provider preset lacks an endpoint that the operation needs (e.g. `revocation`). */
export class UnsupportedOperationError extends OAuth2Error {
  constructor(provider: string, endpoint: string, what: string) {
    super(
      'ERR_OAUTH2_UNSUPPORTED',
      `${what} needs the ${endpoint} endpoint, which the "${provider}" provider preset does not define`,
    );
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause.cause as { code?: unknown } | undefined)?.code ?? (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${cause.message} (${code})` : cause.message;
  }
  return 'network failure';
}
