import { InvalidArgumentError, OAuth2ResponseError } from './errors.js';
import type { JsonObject } from './http/response.js';
import { log } from './log.js';

/** A token response as it travels (RFC 6749 §5.1), after validation: wire names, `expires_in` a number. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  [field: string]: unknown;
}

/** The parts of a validated token response a token is built from. */
export interface TokenFields {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  idToken?: string;
  scope?: string[];
  expiresAt?: Date;
  raw: TokenResponse;
}

type Problem = (reason: string) => Error;

/** RFC 6749 §7.1 / Appendix A.13: a token type name is an HTTP token (RFC 9110 §5.6.2), safe in a header. */
const tokenTypeSyntax = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What an access token may not contain: it travels in an `Authorization` header (RFC 6750 §2.1). */
const unsafeInHeader = /[\s\p{Cc}]/u;

/** A provider's `expires_at` further than this from the time of receipt is not believed. */
const expiresAtPast = 24 * 3600 * 1000;
const expiresAtFuture = 10 * 365 * 24 * 3600 * 1000;
/** Epoch seconds this large (year 5138) are milliseconds, or garbage. */
const maxEpochSeconds = 1e11;

/**
 * Validates a token response and computes its absolute expiry once, at receipt. `expires_in` may be a
 * number or a numeric string (Aliyun sends `"3600"`). A provider's own `expires_at` (epoch seconds, not in
 * any specification) wins when it is plausible, being exact; one that is not (an ISO string, milliseconds,
 * a date decades away or long past) is ignored in favour of `expires_in`, since failing here would waste a
 * single-use code or refresh token that the server has already spent. Anything else unusable, including
 * an access token or token type that cannot go into an `Authorization` header, is an
 * {@link OAuth2ResponseError}.
 */
export function tokenFieldsFromResponse(
  body: JsonObject,
  context: { status: number; endpoint: string; scopeSeparator: string; receivedAt: number },
): TokenFields {
  const problem: Problem = (reason) => new OAuth2ResponseError({ status: context.status, endpoint: context.endpoint, reason });
  return tokenFields(body, problem, context.scopeSeparator, () => {
    const providerExpiresAt = plausibleExpiresAt(body.expires_at, context.receivedAt);
    if (providerExpiresAt !== undefined) return providerExpiresAt;
    if (body.expires_at !== undefined && body.expires_at !== null) log.token('ignored an unusable expires_at from the %s endpoint', context.endpoint);
    const expiresIn = secondsField(body, 'expires_in', problem);
    return expiresIn === undefined ? undefined : new Date(context.receivedAt + expiresIn * 1000);
  });
}

/** A provider's `expires_at` as a date, when it is epoch seconds close enough to the time of receipt. */
function plausibleExpiresAt(value: unknown, receivedAt: number): Date | undefined {
  const seconds = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return undefined;
  const time = seconds * 1000;
  return time >= receivedAt - expiresAtPast && time <= receivedAt + expiresAtFuture ? new Date(time) : undefined;
}

/**
 * Reads a token back from storage: the output of `AccessToken#toJSON()`, a raw token response (its
 * `expires_in` counted from now), or a token persisted by simple-oauth2 (`expires_at` as an ISO string).
 * Stricter than a server's answer about `expires_at`: a stored value that cannot be read (or a number in
 * milliseconds) is an {@link InvalidArgumentError}, since ignoring it would make the token look eternal.
 */
export function tokenFieldsFromJson(json: unknown, scopeSeparator: string): TokenFields {
  const problem: Problem = (reason) => new InvalidArgumentError('token', reason);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw problem('expected the object produced by AccessToken#toJSON() or a token response');
  }
  const body = json as JsonObject;
  return tokenFields(body, problem, scopeSeparator, () => {
    const stored = body.expires_at;
    if (typeof stored === 'string' && !/^\d+$/.test(stored)) {
      const date = new Date(stored);
      if (Number.isNaN(date.getTime())) throw problem('expires_at is not a valid date');
      return date;
    }
    if (stored instanceof Date) return new Date(stored.getTime());
    const epoch = epochField(body, 'expires_at', problem);
    if (epoch !== undefined) return epoch;
    const expiresIn = secondsField(body, 'expires_in', problem);
    return expiresIn === undefined ? undefined : new Date(Date.now() + expiresIn * 1000);
  });
}

function tokenFields(body: JsonObject, problem: Problem, scopeSeparator: string, expiry: () => Date | undefined): TokenFields {
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') throw problem('access_token is missing or not a string');
  // A CR/LF would reach the Authorization header, where the runtime refuses it with a message that quotes
  // the whole value. The messages here never quote either value.
  if (unsafeInHeader.test(accessToken)) throw problem('access_token contains whitespace or control characters');
  const tokenType = body.token_type === undefined || body.token_type === null || body.token_type === '' ? 'Bearer' : body.token_type;
  if (typeof tokenType !== 'string') throw problem('token_type is not a string');
  if (!tokenTypeSyntax.test(tokenType)) throw problem('token_type is not a valid token type name (RFC 6749 §7.1)');
  const refreshToken = optionalString(body, 'refresh_token', problem);
  const idToken = optionalString(body, 'id_token', problem);
  const scopeText = optionalString(body, 'scope', problem);
  const expiresAt = expiry();
  // A huge expires_in/expires_at (1e20) makes an Invalid Date, whose toISOString() throws a RangeError.
  if (expiresAt !== undefined && Number.isNaN(expiresAt.getTime())) throw problem('the expiry is beyond any representable date');

  const raw: TokenResponse = { ...body, access_token: accessToken, token_type: tokenType };
  if (typeof body.expires_in === 'string') raw.expires_in = Number(body.expires_in);
  for (const name of ['refresh_token', 'id_token', 'scope'] as const) if (raw[name] === null || raw[name] === '') delete raw[name];

  return {
    accessToken,
    // RFC 6749 §5.1: the type is case-insensitive; "bearer" from some servers means "Bearer".
    tokenType: tokenType.toLowerCase() === 'bearer' ? 'Bearer' : tokenType,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(idToken === undefined ? {} : { idToken }),
    ...(scopeText === undefined ? {} : { scope: splitScope(scopeText, scopeSeparator) }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    raw,
  };
}

/** A string field; absent, `null` and `""` all mean absent (an empty refresh token must not replace a stored one). */
function optionalString(body: JsonObject, name: string, problem: Problem): string | undefined {
  const value = body[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw problem(`${name} is not a string`);
  return value;
}

/** A non-negative number of seconds, given as a JSON number or a numeric string. */
function secondsField(body: JsonObject, name: string, problem: Problem): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  const seconds = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw problem(`${name} must be a non-negative number of seconds, got ${describe(value)}`);
  }
  return seconds;
}

/** An absolute time in epoch seconds (a number or numeric string). */
function epochField(body: JsonObject, name: string, problem: Problem): Date | undefined {
  const seconds = secondsField(body, name, problem);
  if (seconds !== undefined && seconds >= maxEpochSeconds) throw problem(`${name} must be in epoch seconds; this value is far too large (milliseconds?)`);
  return seconds === undefined ? undefined : new Date(seconds * 1000);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 16 ? 'a non-numeric string' : JSON.stringify(value);
  return typeof value === 'number' ? String(value) : typeof value;
}

/** Splits a scope string on the provider's separator, dropping empty items. */
export function splitScope(scope: string, separator: string): string[] {
  return scope.split(separator).map((item) => item.trim()).filter((item) => item !== '');
}
