import { IdTokenValidationError, type IdTokenErrorCode } from './errors.js';
import type { IdTokenClaims } from './types.js';

/** What the claims are checked against; times in seconds, as in the specifications. */
export interface ClaimExpectations {
  issuer: string;
  audience: string;
  nonce: string | undefined;
  maxAge: number | undefined;
  clockTolerance: number;
  /** The current time, in seconds since the Unix epoch. */
  now: number;
}

/** Claim values are not secret, but they come from outside: quote them, and short. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function date(seconds: number): string {
  const time = seconds * 1000;
  return Number.isFinite(time) && Math.abs(time) <= 8.64e15 ? new Date(time).toISOString() : String(seconds);
}

function fail(code: IdTokenErrorCode, claim: string, message: string): never {
  throw new IdTokenValidationError(code, message, { claim });
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Checks the `typ` header parameter (RFC 7515 §4.1.9) of a verified token: absent, `JWT` or
 * `application/jwt` (media types compare case-insensitively, and the `application/` prefix may be
 * omitted). Anything else is another kind of JWT from the same issuer, signed with the same keys, that
 * must not pass for an ID token: an RFC 9068 access token (`at+jwt`) whose `aud` is the client id, a
 * back-channel logout token (`logout+jwt`), a JWT introspection response... (RFC 8725 §3.11).
 */
export function checkIdTokenType(header: { typ?: unknown }): void {
  const { typ } = header;
  if (typ === undefined) return;
  const mediaType = typeof typ === 'string' ? typ.toLowerCase() : undefined;
  if (mediaType === 'jwt' || mediaType === 'application/jwt') return;
  throw new IdTokenValidationError(
    'ERR_ID_TOKEN_TYPE',
    `the token's "typ" header is ${quote(typ)}, so it is not an ID token (which has typ "JWT" or none): another kind of token from this issuer, such as an access token (at+jwt) or a logout token (logout+jwt), is never accepted as an ID token`,
  );
}

/**
 * Applies the claim rules of OpenID Connect Core §3.1.3.7 (and §2 for required claims) to a payload whose
 * signature is already verified; throws `IdTokenValidationError` naming the first rule broken. The hash
 * claims, which need WebCrypto, are checked separately (hashes.ts).
 */
export function checkIdTokenClaims(
  claims: Record<string, unknown>,
  expected: ClaimExpectations,
): asserts claims is IdTokenClaims {
  const { issuer, audience, nonce, maxAge, clockTolerance, now } = expected;

  // A Security Event Token (RFC 8417), such as a back-channel logout token (OIDC Back-Channel Logout §2.4),
  // has an "events" claim and may carry iss, aud, iat and sub like an ID token; its typ header is only a
  // SHOULD there, so the claim is what tells it apart.
  if (claims.events !== undefined) {
    fail(
      'ERR_ID_TOKEN_TYPE',
      'events',
      'the token has an "events" claim: it is a security event token such as a back-channel logout token, not an ID token',
    );
  }

  // §3.1.3.7 rule 2: the issuer must match exactly (no normalisation of trailing slashes or case).
  if (claims.iss !== issuer) {
    fail(
      'ERR_ID_TOKEN_ISSUER',
      'iss',
      claims.iss === undefined
        ? `the ID token has no "iss" claim; expected ${quote(issuer)}`
        : `the ID token's issuer ${quote(claims.iss)} is not the expected ${quote(issuer)}; check the issuer option, which must match the provider's issuer exactly (including any trailing slash)`,
    );
  }

  // Rule 3: aud must contain the client id.
  const { aud } = claims;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : undefined;
  if (audiences === undefined || !audiences.every((item) => typeof item === 'string')) {
    fail('ERR_ID_TOKEN_AUDIENCE', 'aud', 'the ID token has no "aud" claim that is a string or an array of strings');
  }
  if (!audiences.includes(audience)) {
    fail(
      'ERR_ID_TOKEN_AUDIENCE',
      'aud',
      `the ID token's audience ${quote(aud)} does not include this client id ${quote(audience)}: it was issued to another client; check the audience option`,
    );
  }

  // Rules 4-5: with several audiences an authorized party is required, and when present it must be us.
  const { azp } = claims;
  if (azp === undefined && audiences.length > 1) {
    fail(
      'ERR_ID_TOKEN_AZP',
      'azp',
      'the ID token has several audiences but no "azp" (authorized party) claim, so nothing says it was issued to this client',
    );
  }
  if (azp !== undefined && azp !== audience) {
    fail(
      'ERR_ID_TOKEN_AZP',
      'azp',
      `the ID token's authorized party ${quote(azp)} is not this client id ${quote(audience)}: it was issued to another client`,
    );
  }

  // Rule 9 and §2: exp is required; the token is invalid at or after it.
  const { exp } = claims;
  if (!isNumber(exp)) fail('ERR_ID_TOKEN_EXPIRED', 'exp', 'the ID token has no numeric "exp" claim; ID tokens must expire (OIDC Core §2)');
  if (exp <= now - clockTolerance) {
    fail(
      'ERR_ID_TOKEN_EXPIRED',
      'exp',
      `the ID token expired at ${date(exp)} (now ${date(now)}, clock tolerance ${clockTolerance} s); obtain a fresh one by signing in again`,
    );
  }

  // RFC 7519 §4.1.5: not before.
  const { nbf } = claims;
  if (nbf !== undefined && !isNumber(nbf)) fail('ERR_ID_TOKEN_NOT_YET_VALID', 'nbf', 'the ID token\'s "nbf" claim is not a number');
  if (nbf !== undefined && nbf > now + clockTolerance) {
    fail(
      'ERR_ID_TOKEN_NOT_YET_VALID',
      'nbf',
      `the ID token is not valid before ${date(nbf)} (now ${date(now)}, clock tolerance ${clockTolerance} s); check this machine's clock or raise clockTolerance`,
    );
  }

  // Rule 10 and §2: iat is required.
  const { iat } = claims;
  if (!isNumber(iat)) fail('ERR_ID_TOKEN_IAT', 'iat', 'the ID token has no numeric "iat" (issued at) claim, which OIDC Core §2 requires');
  // An issuer cannot have issued a token in the future: beyond the clock tolerance, it was minted with a
  // wrong clock or made to outlive its real lifetime.
  if (iat > now + clockTolerance) {
    fail(
      'ERR_ID_TOKEN_IAT',
      'iat',
      `the ID token claims to be issued at ${date(iat)}, in the future (now ${date(now)}, clock tolerance ${clockTolerance} s); check this machine's clock or raise clockTolerance`,
    );
  }

  // §2: sub is required, a non-empty string.
  if (typeof claims.sub !== 'string' || claims.sub.length === 0) {
    fail('ERR_ID_TOKEN_SUBJECT', 'sub', 'the ID token has no "sub" (subject) claim, which OIDC Core §2 requires');
  }

  // Rule 11: when a nonce was sent it must come back unchanged. Its value never appears in a message.
  if (claims.nonce !== undefined && typeof claims.nonce !== 'string') {
    fail('ERR_ID_TOKEN_NONCE', 'nonce', 'the ID token\'s "nonce" claim is not a string');
  }
  if (nonce !== undefined && claims.nonce === undefined) {
    fail(
      'ERR_ID_TOKEN_NONCE',
      'nonce',
      'the ID token has no "nonce" claim although a nonce was sent in the authorization request (possible replay, or a provider that ignores nonce); start a new login',
    );
  }
  if (nonce !== undefined && claims.nonce !== nonce) {
    fail(
      'ERR_ID_TOKEN_NONCE',
      'nonce',
      'the ID token\'s nonce does not match the one sent in the authorization request (a replayed token, or a login from another tab or session); start a new login',
    );
  }

  // Rule 13: with max_age, auth_time is required and must be recent enough.
  const authTime = claims.auth_time;
  if (authTime !== undefined && !isNumber(authTime)) fail('ERR_ID_TOKEN_AUTH_TIME', 'auth_time', 'the ID token\'s "auth_time" claim is not a number');
  if (maxAge !== undefined) {
    if (authTime === undefined) {
      fail(
        'ERR_ID_TOKEN_AUTH_TIME',
        'auth_time',
        'maxAge was requested but the ID token has no "auth_time" claim (OIDC Core §3.1.2.1 requires it with max_age); the provider may not support max_age',
      );
    }
    if (authTime + maxAge < now - clockTolerance) {
      fail(
        'ERR_ID_TOKEN_AUTH_TIME',
        'auth_time',
        `the end-user authenticated at ${date(authTime)}, more than maxAge (${maxAge} s) ago; ask them to sign in again (prompt=login)`,
      );
    }
  }
}
