/**
 * Names of fields whose values are credentials. Their values never reach an error message, an error's
 * `toJSON()` or a log line.
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
];

const secretFieldPattern = secretFields.join('|');
// "field": "value" in JSON, and field=value in form bodies or query strings. Broken servers also send
// single-quoted fields (a printed Python dict) or unquoted values: those are masked too.
// An unterminated value (a truncated body) is masked to the end.
const jsonField = new RegExp(
  `((["'])(?:${secretFieldPattern})\\2\\s*:\\s*)(?:"(?:[^"\\\\]|\\\\.)*(?:"|$)|'(?:[^'\\\\]|\\\\.)*(?:'|$)|[^\\s,}\\]]+)`,
  'gi',
);
const formField = new RegExp(`(\\b(?:${secretFieldPattern})=)[^&\\s"']+`, 'gi');
// A compact JWS/JWE found anywhere, and Bearer/Basic credentials.
const jwtLike = /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*(?:\.[\w-]*\.[\w-]*)?/g;
const authorizationValue = /\b(Bearer|Basic)\s+[\w\-.~+/]+=*/gi;

const maxExcerpt = 200;

/** Masks credentials in a piece of response or request text. */
export function redactText(text: string): string {
  return text
    .replace(jsonField, '$1"[redacted]"')
    .replace(formField, '$1[redacted]')
    .replace(jwtLike, '[redacted-jwt]')
    .replace(authorizationValue, '$1 [redacted]');
}

/**
 * A short, single-line, redacted excerpt of a response body, for error messages that help a developer
 * see what came back (an HTML error page, a truncated JSON) without leaking what should stay secret.
 */
export function bodyExcerpt(text: string): string | undefined {
  if (text === '') return undefined;
  // Redact before cutting, so that a cut cannot split a secret out of the pattern that masks it.
  const redacted = redactText(text.slice(0, 16 * 1024)).replace(/\s+/g, ' ').trim();
  return redacted.length > maxExcerpt ? `${redacted.slice(0, maxExcerpt)}…` : redacted;
}

/** The URL without its query string and fragment, for logs (a query may carry codes or tokens). */
export function urlForLog(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : `${url.slice(0, cut)}?[…]`;
}
