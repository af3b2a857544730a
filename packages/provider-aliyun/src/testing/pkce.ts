import { createHash } from 'node:crypto';
import { secretMatches } from './client-auth.js';
import type { CodeRecord } from './store.js';

/** RFC 7636 §4.1–4.2: verifiers and challenges are 43–128 unreserved characters. */
export const pkceValuePattern = /^[A-Za-z0-9\-._~]{43,128}$/;

/** RFC 7636 §4.6: checks a `code_verifier` against the challenge stored with the code. */
export function verifierMatches(challenge: NonNullable<CodeRecord['codeChallenge']>, verifier: string): boolean {
  if (!pkceValuePattern.test(verifier)) return false;
  const derived = challenge.method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
  return secretMatches(challenge.value, derived);
}
