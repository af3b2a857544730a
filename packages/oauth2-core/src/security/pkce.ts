import { base64url } from './encoding.js';
import { randomToken } from './random.js';

/** A PKCE pair (RFC 7636): the verifier stays with the client, the S256 challenge goes in the URL. */
export interface PkcePair {
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

/** Creates a verifier of 43 characters (32 random bytes) and its S256 challenge. */
export async function createPkcePair(): Promise<PkcePair> {
  const codeVerifier = randomToken(32);
  return { codeVerifier, codeChallenge: await s256(codeVerifier), codeChallengeMethod: 'S256' };
}

/** `BASE64URL(SHA256(ASCII(verifier)))`, RFC 7636 §4.2. */
export async function s256(codeVerifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier));
  return base64url(new Uint8Array(digest));
}
