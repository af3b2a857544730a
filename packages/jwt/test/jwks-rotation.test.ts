import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRemoteJwks, verifyIdToken, type RemoteJwks, type VerifyIdTokenOptions } from '../src/index.js';
import { startJwksServer, type JwksServer } from './helpers/jwks-server.js';
import { CLIENT_ID, ISSUER, NONCE, NOW, signToken, signingKey, validClaims, type SigningKey } from './helpers/tokens.js';

let server: JwksServer;
let oldKey: SigningKey;
let newKey: SigningKey;

beforeAll(async () => {
  [oldKey, newKey] = await Promise.all([signingKey('RS256', 'key-2030-05'), signingKey('ES256', 'key-2030-06')]);
  server = await startJwksServer({ kind: 'keys', keys: [oldKey.publicJwk] });
});

afterAll(() => server.close());

beforeEach(() => {
  server.behaviour = { kind: 'keys', keys: [oldKey.publicJwk] };
});

afterEach(() => {
  vi.useRealTimers();
});

function options(jwks: RemoteJwks): VerifyIdTokenOptions {
  return { issuer: ISSUER, audience: CLIENT_ID, jwks, nonce: NONCE, currentDate: NOW };
}

describe('JWKS key rotation', () => {
  it('refetches on an unknown kid and verifies a token signed with the new key', async () => {
    const jwks = createRemoteJwks(server.url, { cooldown: 0 });
    await verifyIdToken(await signToken(validClaims(), oldKey), options(jwks));
    const before = server.requests;

    server.behaviour = { kind: 'keys', keys: [newKey.publicJwk] }; // the issuer rotates
    const claims = await verifyIdToken(await signToken(validClaims({ sub: 'after-rotation' }), newKey), options(jwks));

    expect(claims.sub).toBe('after-rotation');
    expect(server.requests).toBe(before + 1);
  });

  it('stops accepting a key the issuer removed once the key set is downloaded again', async () => {
    const jwks = createRemoteJwks(server.url, { cooldown: 0 });
    const oldToken = await signToken(validClaims(), oldKey);
    await verifyIdToken(oldToken, options(jwks));

    server.behaviour = { kind: 'keys', keys: [newKey.publicJwk] };
    await verifyIdToken(await signToken(validClaims(), newKey), options(jwks));

    await expect(verifyIdToken(oldToken, options(jwks))).rejects.toMatchObject({ code: 'ERR_ID_TOKEN_KEY_NOT_FOUND' });
  });

  it('keeps the old key while it is still published next to the new one', async () => {
    const jwks = createRemoteJwks(server.url, { cooldown: 0 });
    server.behaviour = { kind: 'keys', keys: [oldKey.publicJwk, newKey.publicJwk] };

    await verifyIdToken(await signToken(validClaims(), newKey), options(jwks));
    await verifyIdToken(await signToken(validClaims(), oldKey), options(jwks));

    expect(jwks.jwks()?.keys.map((k) => k.kid)).toEqual(['key-2030-05', 'key-2030-06']);
  });

  it('during the cooldown, rejects an unknown kid without a request; after it, refetches', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const jwks = createRemoteJwks(server.url, { cooldown: 30_000 });
    await verifyIdToken(await signToken(validClaims(), oldKey), options(jwks));
    const afterFirst = server.requests;
    server.behaviour = { kind: 'keys', keys: [newKey.publicJwk] };
    const newToken = await signToken(validClaims(), newKey);

    vi.setSystemTime(Date.now() + 10_000);
    expect(jwks.coolingDown).toBe(true);
    const early = await verifyIdToken(newToken, options(jwks)).catch((error: unknown) => error);
    expect(early).toMatchObject({ code: 'ERR_ID_TOKEN_KEY_NOT_FOUND' });
    expect((early as Error).message).toMatch(/downloaded less than 30000 ms ago/);
    expect(server.requests).toBe(afterFirst);

    vi.setSystemTime(Date.now() + 21_000);
    expect(jwks.coolingDown).toBe(false);
    await expect(verifyIdToken(newToken, options(jwks))).resolves.toMatchObject({ sub: 'user-42' });
    expect(server.requests).toBe(afterFirst + 1);
  });

  it('does not let tokens with made-up kids turn into one request each', async () => {
    const jwks = createRemoteJwks(server.url); // default cooldown: 30 s
    await verifyIdToken(await signToken(validClaims(), oldKey), options(jwks));
    const afterFirst = server.requests;

    for (const kid of ['a', 'b', 'c', 'd', 'e']) {
      const forged = await signToken(validClaims(), { ...newKey, kid });
      await expect(verifyIdToken(forged, options(jwks))).rejects.toMatchObject({ code: 'ERR_ID_TOKEN_KEY_NOT_FOUND' });
    }

    expect(server.requests).toBe(afterFirst);
  });

  it('keeps the previous keys when a refetch fails, and reports the failure', async () => {
    const jwks = createRemoteJwks(server.url, { cooldown: 0 });
    const oldToken = await signToken(validClaims(), oldKey);
    await verifyIdToken(oldToken, options(jwks));

    server.behaviour = { kind: 'status', status: 503 };
    const failure = await verifyIdToken(await signToken(validClaims(), newKey), options(jwks)).catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: 'ERR_JWKS_FETCH', status: 503 });
    await expect(verifyIdToken(oldToken, options(jwks))).resolves.toMatchObject({ sub: 'user-42' });
  });
});
