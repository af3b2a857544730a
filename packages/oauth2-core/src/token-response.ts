import { InvalidArgumentError, OAuth2ResponseError } from './errors.js';
import type { JsonObject } from './http/response.js';

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

/**
 * Validates a token response and computes its absolute expiry once, at receipt. `expires_in` may be a
 * number or a numeric string (Aliyun sends `"3600"`); a provider's own `expires_at` (epoch seconds) wins,
 * being exact. Anything unusable is an {@link OAuth2ResponseError}.
 */
export function tokenFieldsFromResponse(
  body: JsonObject,
  context: { status: number; endpoint: string; scopeSeparator: string; receivedAt: number },
): TokenFields {
  const problem: Problem = (reason) => new OAuth2ResponseError({ status: context.status, endpoint: context.endpoint, reason });
  return tokenFields(body, problem, context.scopeSeparator, () => {
    const expiresAt = epochField(body, 'expires_at', problem);
    if (expiresAt !== undefined) return expiresAt;
    const expiresIn = secondsField(body, 'expires_in', problem);
    return expiresIn === undefined ? undefined : new Date(context.receivedAt + expiresIn * 1000);
  });
}

/**
 * Reads a token back from storage: the output of `AccessToken#toJSON()`, a raw token response (its
 * `expires_in` counted from now), or a token persisted by simple-oauth2 (`expires_at` as an ISO string).
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
  const tokenType = body.token_type === undefined || body.token_type === null ? 'Bearer' : body.token_type;
  if (typeof tokenType !== 'string') throw problem('token_type is not a string');
  const refreshToken = optionalString(body, 'refresh_token', problem);
  const idToken = optionalString(body, 'id_token', problem);
  const scopeText = optionalString(body, 'scope', problem);
  const expiresAt = expiry();
  // A huge expires_in/expires_at (1e20) makes an Invalid Date, whose toISOString() throws a RangeError.
  if (expiresAt !== undefined && Number.isNaN(expiresAt.getTime())) throw problem('the expiry is beyond any representable date');

  const raw: TokenResponse = { ...body, access_token: accessToken, token_type: tokenType };
  if (typeof body.expires_in === 'string') raw.expires_in = Number(body.expires_in);
  for (const name of ['refresh_token', 'id_token', 'scope'] as const) if (raw[name] === null) delete raw[name];

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

function optionalString(body: JsonObject, name: string, problem: Problem): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
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
