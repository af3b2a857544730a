/**
 * Names of fields whose values are credentials, as servers spell them (snake_case on the wire, camelCase
 * in some JSON APIs). Their values never reach an error message, an error's `toJSON()` or a log line.
 */
const secretFields = [
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'client_assertion',
  'assertion',
  'code',
  'code_verifier',
  'device_code',
  'user_code',
  'password',
  'token',
  'subject_token',
  'actor_token',
  'accessToken',
  'refreshToken',
  'idToken',
  'clientSecret',
  'clientAssertion',
  'codeVerifier',
  'deviceCode',
];

const names = secretFields.join('|');
// A field name, quoted or bare, then `:`, `=` or `=>`, then its value: a quoted string (to its closing
// quote, or to the end of a truncated body) or a bare word. This covers JSON, form bodies and query
// strings, printed Python dicts, Ruby hashes and YAML-ish `name: value` lines.
const field = new RegExp(
  `((?:["']|\\b)(?:${names})["']?\\s*(?:=>|:|=)\\s*)(?:"(?:[^"\\\\]|\\\\.)*(?:"|$)|'(?:[^'\\\\]|\\\\.)*(?:'|$)|[^\\s"'&,;}\\]]+)`,
  'gi',
);
// A compact JWS/JWE found anywhere, credentials after an auth scheme, and Authorization header lines.
const jwtLike = /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*(?:\.[\w-]*\.[\w-]*)?/g;
const authorizationValue = /\b(Bearer|Basic|DPoP)\s+[\w\-.~+/]+=*/gi;
const authorizationHeader = /\b(authorization["']?\s*[:=]\s*["']?)(?:[\w-]+\s+)?[^\s"',;]+/gi;

const maxExcerpt = 200;
/** Secrets shorter than this are not searched for: masking "ab" everywhere would garble text, not protect. */
const minSecretLength = 6;

/**
 * Masks credentials in a piece of response or request text: values of known secret fields, JWTs,
 * Authorization values, and every literal value in `secrets` (what the request actually sent, which a
 * server may echo in an `error_description`).
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret.length >= minSecretLength) redacted = redacted.split(secret).join('[redacted]');
  }
  return redacted
    .replace(field, (_match, prefix: string) => `${prefix}[redacted]`)
    .replace(jwtLike, '[redacted-jwt]')
    .replace(authorizationHeader, '$1[redacted]')
    .replace(authorizationValue, '$1 [redacted]');
}

/**
 * A short, single-line, redacted excerpt of server-sent text (a body, an `error_description`), for error
 * messages that help a developer see what came back without leaking what should stay secret.
 */
export function bodyExcerpt(text: string, secrets: readonly string[] = []): string | undefined {
  if (text === '') return undefined;
  // Redact before cutting, so that a cut cannot split a secret out of the pattern that masks it.
  const redacted = redactText(text.slice(0, 16 * 1024), secrets).replace(/\s+/g, ' ').trim();
  return redacted.length > maxExcerpt ? `${redacted.slice(0, maxExcerpt)}…` : redacted;
}

/** The URL without its query string and fragment, for logs (a query may carry codes or tokens). */
export function urlForLog(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : `${url.slice(0, cut)}?[…]`;
}
