import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** The instant every test token is issued around; verifications pass it as `currentDate`. */
export const NOW = new Date('2030-06-01T12:00:00Z');
export const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

export const ISSUER = 'https://issuer.example';
export const CLIENT_ID = 'client-123';
export const NONCE = 'n-0S6_WzA2Mj';

export interface SigningKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function signingKey(alg: 'RS256' | 'ES256' | 'PS256' | 'EdDSA', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}

/** The claims of a valid ID token for CLIENT_ID, issued at NOW, with NONCE. */
export function validClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: CLIENT_ID,
    sub: 'user-42',
    iat: NOW_SECONDS,
    exp: NOW_SECONDS + 600,
    nonce: NONCE,
    ...overrides,
  };
}

/**
 * Signs `claims` exactly as given (an `undefined` value removes the claim) with `key`, or with the bytes of
 * a secret for the HS algorithms.
 */
export async function signToken(
  claims: JWTPayload,
  key: SigningKey | { alg: 'HS256' | 'HS384' | 'HS512'; secret: Uint8Array | string },
  header: Record<string, unknown> = {},
): Promise<string> {
  const present = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  if ('secret' in key) {
    const secret = typeof key.secret === 'string' ? new TextEncoder().encode(key.secret) : key.secret;
    return new SignJWT(present).setProtectedHeader({ alg: key.alg, ...header }).sign(secret);
  }
  return new SignJWT(present).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/** Base64url of a UTF-8 string or of bytes, for hand-made tokens. */
export function b64url(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** A token with the given header and payload objects and an arbitrary signature segment. */
export function handMadeToken(header: object, payload: object, signature = ''): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${signature}`;
}
