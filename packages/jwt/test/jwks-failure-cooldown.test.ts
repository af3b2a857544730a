import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRemoteJwks, JwksFetchError, verifyIdToken, type RemoteJwks } from '../src/index.js';
import { startJwksServer, type JwksServer } from './helpers/jwks-server.js';
import { CLIENT_ID, ISSUER, NONCE, NOW, signToken, signingKey, validClaims, type SigningKey } from './helpers/tokens.js';

// A JWKS endpoint that fails must not be requested, and its timeout waited for, by every verification:
// after a failed download, verifications that need one fail at once until the cooldown has passed. Time
// moves with vitest's fake Date only; tokens are checked against NOW through currentDate.

const COOLDOWN = 10_000;
const CACHE_MAX_AGE = 60_000;
/** Short, as the slow-endpoint test waits it out once; the others never reach it. */
const TIMEOUT = 500;

let server: JwksServer;
let key: SigningKey;
let rotatedKey: SigningKey;
let token: string;
let rotatedToken: string;

beforeAll(async () => {
  [key, rotatedKey] = await Promise.all([signingKey('RS256', 'key-1'), signingKey('RS256', 'key-2')]);
  [token, rotatedToken] = await Promise.all([signToken(validClaims(), key), signToken(validClaims(), rotatedKey)]);
  server = await startJwksServer({ kind: 'keys', keys: [key.publicJwk] });
});

afterAll(() => server.close());

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  server.behaviour = { kind: 'keys', keys: [key.publicJwk] };
});

afterEach(() => {
  vi.useRealTimers();
});

function later(milliseconds: number): void {
  vi.setSystemTime(Date.now() + milliseconds);
}

function remote(): RemoteJwks {
  return createRemoteJwks(server.url, { cooldown: COOLDOWN, cacheMaxAge: CACHE_MAX_AGE, timeout: TIMEOUT });
}

function verify(jwks: RemoteJwks, idToken = token) {
  return verifyIdToken(idToken, { issuer: ISSUER, audience: CLIENT_ID, jwks, nonce: NONCE, currentDate: NOW });
}

async function failure(jwks: RemoteJwks, idToken = token): Promise<unknown> {
  return verify(jwks, idToken).then(
    () => expect.unreachable('the verification should have failed'),
    (error: unknown) => error,
  );
}

describe('after a failed JWKS download', () => {
  it('makes no request during the cooldown, fails at once with the last failure, then tries again', async () => {
    server.behaviour = { kind: 'status', status: 503 };
    const jwks = remote();
    const before = server.requests;

    expect(await failure(jwks)).toMatchObject({ code: 'ERR_JWKS_FETCH', status: 503 });
    expect(server.requests).toBe(before + 1);

    for (let step = 0; step < 5; step += 1) {
      later(1_000);
      const error = await failure(jwks);
      expect(error).toBeInstanceOf(JwksFetchError);
      expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH', status: 503, url: server.url });
      expect((error as Error).message).toMatch(/not downloaded again: .* failed with: the endpoint answered HTTP 503/);
      expect((error as Error).cause).toBeInstanceOf(JwksFetchError);
    }
    expect(jwks.coolingDown).toBe(true);
    expect(server.requests).toBe(before + 1);

    later(COOLDOWN - 5_000);
    expect(jwks.coolingDown).toBe(false);
    expect(await failure(jwks)).toMatchObject({ code: 'ERR_JWKS_FETCH', status: 503 });
    expect(server.requests).toBe(before + 2);

    server.behaviour = { kind: 'keys', keys: [key.publicJwk] };
    later(COOLDOWN);
    await expect(verify(jwks)).resolves.toMatchObject({ sub: 'user-42' });
    expect(server.requests).toBe(before + 3);
  });

  it('does not wait for the timeout of an endpoint that does not answer again during the cooldown', async () => {
    server.behaviour = { kind: 'no-response' };
    const jwks = remote();
    const before = server.requests;
    expect(await failure(jwks)).toMatchObject({ code: 'ERR_JWKS_FETCH', message: expect.stringMatching(/within 500 ms/) });

    later(1_000);
    const started = performance.now();
    const error = await failure(jwks);

    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH', message: expect.stringMatching(/not downloaded again/) });
    expect(performance.now() - started).toBeLessThan(TIMEOUT);
    expect(server.requests).toBe(before + 1);
  });

  it('does not use keys past cacheMaxAge, and does not request the failing endpoint again during the cooldown', async () => {
    const jwks = remote();
    await verify(jwks);
    const afterFirst = server.requests;

    server.behaviour = { kind: 'status', status: 500 };
    later(CACHE_MAX_AGE + 1);
    expect(jwks.fresh).toBe(false);
    expect(await failure(jwks)).toMatchObject({ code: 'ERR_JWKS_FETCH', status: 500 });
    later(1_000);
    expect(await failure(jwks)).toMatchObject({ code: 'ERR_JWKS_FETCH', status: 500 });

    expect(server.requests).toBe(afterFirst + 1);
  });

  it('keeps verifying with fresh keys, and refuses unknown kids without a request during the cooldown', async () => {
    const jwks = remote();
    await verify(jwks);
    const afterFirst = server.requests;
    later(COOLDOWN + 1); // past the cooldown of the successful download: an unknown kid may refetch

    server.behaviour = { kind: 'status', status: 502 };
    expect(await failure(jwks, rotatedToken)).toMatchObject({ code: 'ERR_JWKS_FETCH', status: 502 });
    expect(server.requests).toBe(afterFirst + 1);

    later(1_000);
    await expect(verify(jwks)).resolves.toMatchObject({ sub: 'user-42' });
    const otherKid = await signToken(validClaims(), { ...rotatedKey, kid: 'key-3' });
    for (const unknown of [rotatedToken, otherKid, rotatedToken]) {
      expect(await failure(jwks, unknown)).toMatchObject({ code: 'ERR_JWKS_FETCH', status: 502 });
    }
    expect(server.requests).toBe(afterFirst + 1);

    server.behaviour = { kind: 'keys', keys: [key.publicJwk, rotatedKey.publicJwk] };
    later(COOLDOWN);
    await expect(verify(jwks, rotatedToken)).resolves.toMatchObject({ sub: 'user-42' });
    expect(server.requests).toBe(afterFirst + 2);
  });

  it('lets reload() download at once, ignoring the cooldown', async () => {
    server.behaviour = { kind: 'status', status: 503 };
    const jwks = remote();
    expect(await failure(jwks)).toMatchObject({ code: 'ERR_JWKS_FETCH' });
    const before = server.requests;

    server.behaviour = { kind: 'keys', keys: [key.publicJwk] };
    await jwks.reload();
    expect(server.requests).toBe(before + 1);

    await expect(verify(jwks)).resolves.toMatchObject({ sub: 'user-42' });
    expect(jwks.coolingDown).toBe(true); // the successful download's own cooldown, for unknown kids
    expect(server.requests).toBe(before + 1);
  });
});
