import { decodeBase64url } from './base64url.js';
import { JwtFormatError } from './errors.js';
import type { JwtHeader, JwtPayload } from './types.js';

/**
 * The longest token `decodeJwt` and `verifyIdToken` accept, in characters (128 KiB). ID tokens are a few
 * kilobytes; anything this large is refused before any decoding work.
 *
 * @example
 * ```ts
 * import { MAX_JWT_LENGTH } from '@x/jwt';
 *
 * const acceptable = idToken.length <= MAX_JWT_LENGTH;
 * ```
 */
export const MAX_JWT_LENGTH = 128 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function countDots(token: string): number {
  let count = 0;
  for (let index = token.indexOf('.'); index !== -1; index = token.indexOf('.', index + 1)) count += 1;
  return count;
}

/**
 * Checks that `token` is a string of bounded length with three dot-separated segments, or throws
 * `JwtFormatError`. Shared with `verifyIdToken`, which runs it before handing the token to jose so that
 * garbage fails fast and typed; it counts dots rather than splitting, to allocate nothing on that hot path.
 */
export function assertCompactJwt(token: unknown): asserts token is string {
  if (typeof token !== 'string') {
    throw new JwtFormatError(`a JWT must be a string, not ${token === null ? 'null' : typeof token}`);
  }
  if (token.length === 0) throw new JwtFormatError('the JWT is an empty string');
  if (token.length > MAX_JWT_LENGTH) {
    throw new JwtFormatError(
      `the JWT is ${token.length} characters long, over the ${MAX_JWT_LENGTH}-character limit; this is not an ID token`,
    );
  }
  const dots = countDots(token);
  if (dots === 4) {
    throw new JwtFormatError('the JWT has 5 segments: it is encrypted (JWE), and only signed (JWS) tokens are supported');
  }
  if (dots !== 2) {
    throw new JwtFormatError(`a JWT in compact serialisation has 3 dot-separated segments; this one has ${dots + 1}`);
  }
}

function decodeJsonObject(segment: string, part: 'header' | 'payload'): Record<string, unknown> {
  const bytes = decodeBase64url(segment);
  if (bytes === undefined) throw new JwtFormatError(`the JWT ${part} is not valid base64url`);
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (cause) {
    throw new JwtFormatError(`the JWT ${part} is not UTF-8 JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwtFormatError(`the JWT ${part} is JSON but not an object`);
  }
  return value as Record<string, unknown>;
}

function checkTypes(part: 'header' | 'payload', object: Record<string, unknown>, names: string[], type: string) {
  for (const name of names) {
    if (object[name] !== undefined && typeof object[name] !== type) {
      throw new JwtFormatError(`the JWT ${part} parameter "${name}" must be a ${type}`);
    }
  }
}

/**
 * Decodes a JWT's header and payload **WITHOUT VERIFYING ANYTHING**: not the signature, not the issuer,
 * not the audience, not the expiry. Anyone can forge a token that decodes; never base a decision about
 * who the user is on this result. Use {@link verifyIdToken} for that. `decodeJwt` is for looking inside a
 * token you already trust, or for debugging.
 *
 * It does check the form: three base64url segments, a header and a payload that are JSON objects, an
 * `alg` string, and registered claims of the right types (`exp` a number, `aud` a string or array of
 * strings...). Anything else throws `JwtFormatError` (`ERR_JWT_MALFORMED`). It does not load jose.
 *
 * @example
 * ```ts
 * import { decodeJwt } from '@x/jwt';
 *
 * // NOT VERIFIED: only for display or debugging.
 * const { header, payload } = decodeJwt(idToken);
 * console.log(header.alg, header.kid, payload.iss, payload.sub);
 * ```
 */
export function decodeJwt(token: string): {
  /** The JOSE header, unverified. */
  header: JwtHeader;
  /** The claims, unverified. */
  payload: JwtPayload;
} {
  assertCompactJwt(token);
  const [encodedHeader, encodedPayload, signature] = token.split('.') as [string, string, string];
  const header = decodeJsonObject(encodedHeader, 'header');
  if (typeof header.alg !== 'string') throw new JwtFormatError('the JWT header has no "alg" string');
  checkTypes('header', header, ['kid', 'typ', 'cty'], 'string');
  const payload = decodeJsonObject(encodedPayload, 'payload');
  checkTypes('payload', payload, ['iss', 'sub', 'jti'], 'string');
  checkTypes('payload', payload, ['exp', 'nbf', 'iat'], 'number');
  const { aud } = payload;
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((item) => typeof item === 'string'))) {
    throw new JwtFormatError('the JWT payload claim "aud" must be a string or an array of strings');
  }
  if (decodeBase64url(signature) === undefined) throw new JwtFormatError('the JWT signature is not valid base64url');
  return { header: header as JwtHeader, payload: payload as JwtPayload };
}
