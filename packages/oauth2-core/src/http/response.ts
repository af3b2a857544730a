import { OAuth2ResponseError, OAuth2ServerError } from '../errors.js';
import type { ProviderQuirks, ResponseContext } from '../provider.js';
import { bodyExcerpt } from '../security/redact.js';
import type { HttpResult } from './transport.js';

/** A JSON object as parsed from a response body. */
export type JsonObject = Record<string, unknown>;

/**
 * Parses a body that must be a JSON object. Lenient about the content type (some servers send JSON as
 * `text/plain` or `text/html`), strict about the content.
 */
export function parseJsonObject(result: HttpResult, endpoint: string): JsonObject {
  const text = result.text.trim();
  const fail = (reason: string) =>
    new OAuth2ResponseError({ status: result.status, endpoint, reason, ...optional('bodyExcerpt', bodyExcerpt(text, result.sentSecrets)) });
  if (text === '') throw fail('the body is empty, a JSON object was expected');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's SyntaxError quotes the body around the failure, unredacted: it is not kept as the
    // cause (util.inspect and loggers print causes); the redacted excerpt says what came back.
    const type = result.headers.get('content-type') ?? 'no content type';
    throw fail(`the body is not JSON (${type})`);
  }
  if (!isJsonObject(value)) {
    throw fail(`a JSON object was expected, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  }
  return value;
}

/**
 * The success body of an OAuth endpoint, or the right error: an `error` member makes any response an
 * {@link OAuth2ServerError} (some servers answer errors with 200); a non-2xx status without one is an
 * {@link OAuth2ResponseError} (an HTML 502 page from a proxy, say).
 */
export function successBody(result: HttpResult, context: ResponseContext, quirks: ProviderQuirks): JsonObject {
  const ok = result.status >= 200 && result.status < 300;
  let body: JsonObject;
  try {
    body = parseJsonObject(result, context.endpoint);
  } catch (error) {
    if (ok) throw error;
    throw new OAuth2ResponseError({
      status: result.status,
      endpoint: context.endpoint,
      reason: 'an error status without an OAuth error body',
      ...optional('bodyExcerpt', bodyExcerpt(result.text, result.sentSecrets)),
    });
  }
  if (body.error !== undefined || !ok) throw serverError(body, result, context, quirks);
  return body;
}

/** Builds the typed error for an error body (RFC 6749 §5.2), with the provider's extra fields mapped. */
export function serverError(body: JsonObject, result: HttpResult, context: ResponseContext, quirks: ProviderQuirks): Error {
  if (typeof body.error !== 'string' || body.error === '') {
    return new OAuth2ResponseError({
      status: result.status,
      endpoint: context.endpoint,
      reason: 'an error response without a string `error` code',
      ...optional('bodyExcerpt', bodyExcerpt(result.text, result.sentSecrets)),
    });
  }
  const mapped = quirks.mapServerError?.(body, context);
  const requestId =
    mapped?.requestId ??
    stringField(body, 'request_id') ??
    stringField(body, 'requestId') ??
    result.headers.get('x-request-id') ??
    undefined;
  const errorDescription = mapped?.errorDescription ?? stringField(body, 'error_description');
  const errorUri = mapped?.errorUri ?? stringField(body, 'error_uri');
  // Every server-chosen string is bounded and masked: a server may echo what it was sent.
  const safe = (text: string | undefined) => (text === undefined ? undefined : bodyExcerpt(text, result.sentSecrets));
  return new OAuth2ServerError({
    error: safe(mapped?.error ?? body.error) ?? 'error',
    status: mapped?.status ?? result.status,
    endpoint: context.endpoint,
    ...optional('errorDescription', safe(errorDescription)),
    ...optional('errorUri', safe(errorUri)),
    ...optional('requestId', safe(requestId ?? undefined)),
  });
}

/**
 * The body as a JSON object when it is one, whatever the content type says; `undefined` otherwise. For
 * answers whose body is optional or informative (revocation, an authorization endpoint's error page).
 */
export function jsonObjectOrUndefined(result: HttpResult): JsonObject | undefined {
  const text = result.text.trimStart();
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A string member of a JSON object, or `undefined` when it is absent or not a string. */
export function stringField(body: JsonObject, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' ? value : undefined;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ [name]: value }` when the value is defined, `{}` otherwise: keeps optional fields truly absent. */
export function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}
