import { encodeBase64url } from './base64url.js';
import { IdTokenValidationError } from './errors.js';

// OIDC Core §3.1.3.6 / §3.3.2.11: at_hash and c_hash are the base64url of the left-most half of the hash
// of the ASCII access token / code, with the hash function of the ID token's JWS `alg`. For EdDSA the
// OpenID Foundation settled on SHA-512 for Ed25519, the only EdDSA curve jose verifies.
const HASH_OF_ALG: Readonly<Record<string, 'SHA-256' | 'SHA-384' | 'SHA-512'>> = {
  HS256: 'SHA-256',
  RS256: 'SHA-256',
  PS256: 'SHA-256',
  ES256: 'SHA-256',
  HS384: 'SHA-384',
  RS384: 'SHA-384',
  PS384: 'SHA-384',
  ES384: 'SHA-384',
  HS512: 'SHA-512',
  RS512: 'SHA-512',
  PS512: 'SHA-512',
  ES512: 'SHA-512',
  EdDSA: 'SHA-512',
  Ed25519: 'SHA-512',
};

const encoder = new TextEncoder();

/**
 * The `at_hash` / `c_hash` value for `value` under the JWS algorithm `alg`, or `undefined` when the
 * specifications define no hash for that algorithm.
 */
export async function leftHalfHash(value: string, alg: string): Promise<string | undefined> {
  const hash = HASH_OF_ALG[alg];
  if (hash === undefined) return undefined;
  const digest = new Uint8Array(await crypto.subtle.digest(hash, encoder.encode(value)));
  return encodeBase64url(digest.subarray(0, digest.length / 2));
}

const RULES = {
  at_hash: { code: 'ERR_ID_TOKEN_AT_HASH', input: 'access token' },
  c_hash: { code: 'ERR_ID_TOKEN_C_HASH', input: 'authorization code' },
} as const;

/**
 * Checks `at_hash` or `c_hash` against the access token or code it binds, when both are present: a missing
 * claim is accepted (it is optional in the code flow), a present one must match.
 */
export async function checkHashClaim(
  claim: 'at_hash' | 'c_hash',
  claimValue: unknown,
  input: string | undefined,
  alg: string,
): Promise<void> {
  const { code, input: inputName } = RULES[claim];
  if (claimValue === undefined) return;
  if (typeof claimValue !== 'string') {
    throw new IdTokenValidationError(code, `the ID token's "${claim}" claim is not a string`, { claim });
  }
  if (input === undefined) return;
  const expected = await leftHalfHash(input, alg);
  if (expected === undefined) {
    throw new IdTokenValidationError(
      code,
      `cannot check "${claim}": no hash function is defined for alg ${alg}; configure the provider to sign ID tokens with RS256 or ES256`,
      { claim },
    );
  }
  if (expected !== claimValue) {
    throw new IdTokenValidationError(
      code,
      `the ID token's "${claim}" does not match the ${inputName} it came with: they were not issued together (possible token substitution); discard both and start a new login`,
      { claim },
    );
  }
}
