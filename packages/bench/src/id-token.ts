/**
 * Measurement 3: ID-token verifications per second, `@x/jwt`'s `verifyIdToken` (signature plus the OIDC
 * claim rules) against a bare `jose.jwtVerify` (signature, iss, aud, exp), on the same RS256 token and
 * key, each from a local JWK set, in alternating rounds.
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { loadJwt } from './core.js';
import { errorMessage, median, rotate } from './stats.js';

export interface IdTokenOptions {
  readonly verificationsPerRound: number;
  readonly rounds: number;
}

export interface IdTokenRow {
  readonly name: string;
  /** Median verifications per second. */
  readonly perSecond?: number;
  readonly error?: string;
}

const ISSUER = 'https://issuer.bench.test';
const AUDIENCE = 'bench-client';

interface Verifier {
  readonly name: string;
  verify(): Promise<unknown>;
}

async function fixture(): Promise<{ token: string; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-key', alg: 'RS256', use: 'sig' };
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub: 'user-1', auth_time: now - 10 })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench-key', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(privateKey);
  return { token, jwk };
}

export async function measureIdToken(options: IdTokenOptions): Promise<IdTokenRow[]> {
  const { token, jwk } = await fixture();
  // One key-set object for the whole run, as an application holds it: both sides may cache per object.
  const jwks = { keys: [jwk] };
  const keySet = createLocalJWKSet(jwks);
  const verifiers: Verifier[] = [
    {
      name: 'bare jose.jwtVerify',
      verify: () => jwtVerify(token, keySet, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'] }),
    },
  ];
  const failures: IdTokenRow[] = [];
  const loaded = await loadJwt();
  if (loaded.ok) {
    const { verifyIdToken } = loaded.api;
    verifiers.unshift({
      name: 'us (@x/jwt verifyIdToken)',
      verify: () => verifyIdToken(token, { issuer: ISSUER, audience: AUDIENCE, jwks }),
    });
  } else {
    failures.push({ name: 'us (@x/jwt verifyIdToken)', error: loaded.reason });
  }

  const samples = new Map<string, number[]>();
  const errors = new Map<string, string>();
  const run = async (verifier: Verifier, count: number): Promise<number | undefined> => {
    if (errors.has(verifier.name)) return undefined;
    try {
      const started = performance.now();
      for (let i = 0; i < count; i++) await verifier.verify();
      return (count / (performance.now() - started)) * 1000;
    } catch (error) {
      errors.set(verifier.name, errorMessage(error));
      return undefined;
    }
  };
  for (const verifier of verifiers) await run(verifier, Math.ceil(options.verificationsPerRound / 4)); // warm-up
  for (let round = 0; round < options.rounds; round++) {
    for (const verifier of rotate(verifiers, round)) {
      const perSecond = await run(verifier, options.verificationsPerRound);
      if (perSecond !== undefined) samples.set(verifier.name, [...(samples.get(verifier.name) ?? []), perSecond]);
    }
  }
  return [
    ...failures,
    ...verifiers.map((v): IdTokenRow => {
      const error = errors.get(v.name);
      if (error !== undefined) return { name: v.name, error };
      return { name: v.name, perSecond: median(samples.get(v.name) ?? []) };
    }),
  ];
}
