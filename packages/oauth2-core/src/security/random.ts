import { base64url } from './encoding.js';

/**
 * A URL-safe random string from `byteLength` bytes of the platform CSPRNG: 32 bytes (256 bits) by default,
 * far beyond the 128 bits RFC 9700 asks of state, nonce and PKCE verifiers.
 */
export function randomToken(byteLength = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(byteLength)));
}

/** Compares two strings in time independent of where they differ (for state and nonce checks). */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}
