/**
 * The root of the error hierarchy shared by every `@x/*` package.
 *
 * It lives here, in the lowest package of the stack, so that `@x/jwt`, `@x/oauth2-core` and the provider
 * presets throw subclasses of one class: `err instanceof OAuth2Error` holds for anything they throw, and
 * `err.code` is a stable string to branch on. `@x/oauth2-core` re-exports it.
 *
 * Messages and `toJSON()` never contain secrets or token values: subclasses receive only what is safe to
 * show, and the constructors of the HTTP-facing errors redact before storing.
 *
 * @example
 * ```ts
 * import { OAuth2Error } from '@x/oauth2-core';
 *
 * try {
 *   token = await token.refresh();
 * } catch (error) {
 *   if (!(error instanceof OAuth2Error)) throw error;
 *   logger.warn({ err: error.toJSON() }, 'refresh failed'); // safe to log: no secrets inside
 *   if (error.code === 'ERR_OAUTH2_SERVER') redirectToLogin();
 * }
 * ```
 */
export class OAuth2Error extends Error {
  /** A stable, machine-readable identifier of the failure, such as `ERR_OAUTH2_SERVER`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }

  /** A plain, loggable description. Subclasses add their own safe fields. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/**
 * A caller passed an argument that cannot work (a relative redirect URI, a missing client id, a key of the
 * wrong kind...). Thrown synchronously where the API is synchronous, so mistakes surface at the call site.
 *
 * @example
 * ```ts
 * import { createClient, InvalidArgumentError } from '@x/oauth2-core';
 *
 * try {
 *   createClient(provider, { clientId: 'app', redirectUri: '/callback' });
 * } catch (error) {
 *   if (error instanceof InvalidArgumentError) console.error(error.argument, error.message); // 'redirectUri', ...
 * }
 * ```
 */
export class InvalidArgumentError extends OAuth2Error {
  /** The name of the offending option or parameter. */
  readonly argument: string;

  constructor(argument: string, message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_ARGUMENT', `${argument}: ${message}`, options);
    this.argument = argument;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), argument: this.argument };
  }
}

/**
 * A string that is not a well-formed JWT in compact serialisation: not three dot-separated segments, a
 * segment that is not base64url, a header or payload that is not a JSON object, a registered claim of the
 * wrong type, or a token longer than `MAX_JWT_LENGTH` characters. The message says which part is wrong and never
 * quotes the token.
 *
 * @example
 * ```ts
 * import { decodeJwt, JwtFormatError } from '@x/jwt';
 *
 * try {
 *   decodeJwt('not-a-jwt');
 * } catch (error) {
 *   if (error instanceof JwtFormatError) console.error(error.code); // 'ERR_JWT_MALFORMED'
 * }
 * ```
 */
export class JwtFormatError extends OAuth2Error {
  override readonly code = 'ERR_JWT_MALFORMED';

  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_JWT_MALFORMED', message, options);
  }
}

/**
 * The rule of OpenID Connect Core §3.1.3.7 / §3.1.3.8 (or the key lookup before it) that an ID token
 * failed. Branch on these rather than on messages.
 *
 * @example
 * ```ts
 * import type { IdTokenErrorCode } from '@x/jwt';
 *
 * const retryable: IdTokenErrorCode[] = ['ERR_JWKS_FETCH'];
 * ```
 */
export type IdTokenErrorCode =
  | 'ERR_ID_TOKEN_SIGNATURE'
  | 'ERR_ID_TOKEN_ALGORITHM'
  | 'ERR_ID_TOKEN_TYPE'
  | 'ERR_ID_TOKEN_KEY_NOT_FOUND'
  | 'ERR_ID_TOKEN_ISSUER'
  | 'ERR_ID_TOKEN_AUDIENCE'
  | 'ERR_ID_TOKEN_AZP'
  | 'ERR_ID_TOKEN_EXPIRED'
  | 'ERR_ID_TOKEN_NOT_YET_VALID'
  | 'ERR_ID_TOKEN_IAT'
  | 'ERR_ID_TOKEN_SUBJECT'
  | 'ERR_ID_TOKEN_NONCE'
  | 'ERR_ID_TOKEN_AUTH_TIME'
  | 'ERR_ID_TOKEN_AT_HASH'
  | 'ERR_ID_TOKEN_C_HASH'
  | 'ERR_JWKS_FETCH';

/**
 * An ID token that must not be trusted: `code` names the rule that failed and `claim`, when set, the claim
 * it concerns. The message explains what to do and never contains the token, the nonce, the access token
 * or the authorization code (claim values such as `iss` and `aud` may appear).
 *
 * @example
 * ```ts
 * import { verifyIdToken, IdTokenValidationError } from '@x/jwt';
 *
 * try {
 *   await verifyIdToken(idToken, { issuer, audience: clientId, jwks: jwksUri, nonce });
 * } catch (error) {
 *   if (error instanceof IdTokenValidationError && error.code === 'ERR_ID_TOKEN_EXPIRED') {
 *     // start a new login
 *   }
 *   throw error;
 * }
 * ```
 */
export class IdTokenValidationError extends OAuth2Error {
  override readonly code: IdTokenErrorCode;
  /** The claim the failed rule is about (`'iss'`, `'nonce'`, `'at_hash'`...), when there is one. */
  readonly claim: string | undefined;

  constructor(code: IdTokenErrorCode, message: string, options?: { claim?: string; cause?: unknown }) {
    super(code, message, options);
    this.code = code;
    this.claim = options?.claim;
  }

  override toJSON(): Record<string, unknown> {
    return this.claim === undefined ? super.toJSON() : { ...super.toJSON(), claim: this.claim };
  }
}

/**
 * The JSON Web Key Set endpoint could not supply usable keys: the request failed or timed out, the status
 * was not 200, or the body was too large, not JSON, or not a key set; or such a failure happened less than
 * the key set's `cooldown` ago, and the endpoint was not requested again (`status` and `cause` are then
 * those of that failure). Usually transient or a misconfigured `jwks` URL; the token itself was not judged.
 * `code` is always `ERR_JWKS_FETCH`.
 *
 * @example
 * ```ts
 * import { JwksFetchError } from '@x/jwt';
 *
 * try {
 *   await jwks.reload();
 * } catch (error) {
 *   if (error instanceof JwksFetchError) console.error(error.url, error.status);
 * }
 * ```
 */
export class JwksFetchError extends IdTokenValidationError {
  /** The JWKS URL that was requested. */
  readonly url: string;
  /** The HTTP status, when a response arrived. */
  readonly status: number | undefined;

  constructor(url: string, message: string, options?: { status?: number; cause?: unknown }) {
    super('ERR_JWKS_FETCH', `JWKS ${url}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.url = url;
    this.status = options?.status;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), url: this.url, ...(this.status === undefined ? {} : { status: this.status }) };
  }
}
