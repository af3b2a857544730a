import type { JWK } from 'jose';

/**
 * The JOSE header of a JWS-signed JWT (RFC 7515 §4). Only `alg` is guaranteed; the other registered
 * parameters are typed when present, and anything else is `unknown`.
 *
 * @example
 * ```ts
 * import { decodeJwt, type JwtHeader } from '@x/jwt';
 *
 * const header: JwtHeader = decodeJwt(idToken).header;
 * console.log(header.alg, header.kid);
 * ```
 */
export interface JwtHeader {
  /** The signature algorithm, e.g. `RS256`. */
  alg: string;
  /** The id of the signing key in the issuer's JSON Web Key Set. */
  kid?: string;
  /** The media type of the whole token, e.g. `JWT`. */
  typ?: string;
  /** The media type of the payload. */
  cty?: string;
  [parameter: string]: unknown;
}

/**
 * The claims of a JWT (RFC 7519 §4.1). The registered claims are typed when present (`decodeJwt` checks
 * their types); every other claim is `unknown` until you check it.
 *
 * @example
 * ```ts
 * import { decodeJwt, type JwtPayload } from '@x/jwt';
 *
 * const payload: JwtPayload = decodeJwt(idToken).payload;
 * if (payload.exp !== undefined) console.log(new Date(payload.exp * 1000));
 * ```
 */
export interface JwtPayload {
  /** Issuer. */
  iss?: string;
  /** Subject. */
  sub?: string;
  /** Audience: one recipient or several. */
  aud?: string | string[];
  /** Expiration time, in seconds since the Unix epoch. */
  exp?: number;
  /** Not-before time, in seconds since the Unix epoch. */
  nbf?: number;
  /** Issued-at time, in seconds since the Unix epoch. */
  iat?: number;
  /** JWT id. */
  jti?: string;
  [claim: string]: unknown;
}

/**
 * The claims of an ID token that passed `verifyIdToken`. The claims OpenID Connect Core §2 requires
 * are present and typed; the optional ones `verifyIdToken` checks are typed when present. Profile claims
 * (`email`, `name`...) are `unknown`: providers disagree on their types, so check them before use.
 *
 * @example
 * ```ts
 * import { verifyIdToken, type IdTokenClaims } from '@x/jwt';
 *
 * const claims: IdTokenClaims = await verifyIdToken(idToken, { issuer, audience: clientId, jwks: jwksUri });
 * const email = typeof claims.email === 'string' ? claims.email : undefined;
 * ```
 */
export interface IdTokenClaims extends JwtPayload {
  /** The issuer, equal to the expected `issuer`. */
  iss: string;
  /** The end-user's stable identifier at the issuer. */
  sub: string;
  /** The audiences; they include the client id. */
  aud: string | string[];
  /** Expiration time, in seconds since the Unix epoch. */
  exp: number;
  /** Issued-at time, in seconds since the Unix epoch. */
  iat: number;
  /** When the end-user authenticated, in seconds since the Unix epoch. */
  auth_time?: number;
  /** The value sent in the authorization request, echoed back. */
  nonce?: string;
  /** The authorized party: the client the token was issued to. */
  azp?: string;
  /** Left half of the hash of the access token issued with this ID token, base64url. */
  at_hash?: string;
  /** Left half of the hash of the authorization code issued with this ID token, base64url. */
  c_hash?: string;
}

/**
 * A JSON Web Key Set (RFC 7517 §5): the issuer's public signing keys.
 *
 * @example
 * ```ts
 * import type { JsonWebKeySet } from '@x/jwt';
 *
 * const jwks: JsonWebKeySet = await (await fetch('https://issuer.example/jwks')).json();
 * ```
 */
export interface JsonWebKeySet {
  /** The keys, as JSON Web Keys (RFC 7517 §4). */
  keys: JWK[];
}
