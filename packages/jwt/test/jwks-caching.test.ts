import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRemoteJwks, verifyIdToken, type VerifyIdTokenOptions } from '../src/index.js';
import { startJwksServer, type JwksServer } from './helpers/jwks-server.js';
import { CLIENT_ID, ISSUER, NONCE, NOW, signToken, signingKey, validClaims, type SigningKey } from './helpers/tokens.js';

let server: JwksServer;
let key: SigningKey;

beforeAll(async () => {
  key = await signingKey('RS256', 'rsa-1');
  server = await startJwksServer({ kind: 'keys', keys: [key.publicJwk] });
});

afterAll(() => server.close());

afterEach(() => {
  vi.useRealTimers();
});

function options(jwks: VerifyIdTokenOptions['jwks']): VerifyIdTokenOptions {
  return { issuer: ISSUER, audience: CLIENT_ID, jwks, nonce: NONCE, currentDate: NOW };
}

describe('remote JWKS caching', () => {
  it('downloads nothing when created, and once for the first verification', async () => {
    const before = server.requests;
    const jwks = createRemoteJwks(server.url);
    expect(server.requests).toBe(before);
    expect(jwks.fresh).toBe(false);
    expect(jwks.jwks()).toBeUndefined();

    await verifyIdToken(await signToken(validClaims(), key), options(jwks));

    expect(server.requests).toBe(before + 1);
    expect(jwks.fresh).toBe(true);
    expect(jwks.jwks()).toEqual({ keys: [key.publicJwk] });
  });

  it('makes no request for a second verification', async () => {
    const jwks = createRemoteJwks(server.url);
    await verifyIdToken(await signToken(validClaims(), key), options(jwks));
    const afterFirst = server.requests;

    await verifyIdToken(await signToken(validClaims({ sub: 'someone-else' }), key), options(jwks));

    expect(server.requests).toBe(afterFirst);
  });

  it('shares one download between concurrent verifications', async () => {
    const jwks = createRemoteJwks(server.url);
    const token = await signToken(validClaims(), key);
    const before = server.requests;

    const results = await Promise.all(Array.from({ length: 10 }, () => verifyIdToken(token, options(jwks))));

    expect(results).toHaveLength(10);
    expect(server.requests).toBe(before + 1);
  });

  it('downloads again once cacheMaxAge has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const jwks = createRemoteJwks(server.url, { cacheMaxAge: 60_000 });
    const token = await signToken(validClaims(), key);
    await verifyIdToken(token, options(jwks));
    const afterFirst = server.requests;

    vi.setSystemTime(Date.now() + 59_000);
    await verifyIdToken(token, options(jwks));
    expect(server.requests).toBe(afterFirst);

    vi.setSystemTime(Date.now() + 2_000);
    expect(jwks.fresh).toBe(false);
    await verifyIdToken(token, options(jwks));
    expect(server.requests).toBe(afterFirst + 1);
  });

  it('keeps one shared key set per JWKS URL given as a string', async () => {
    const url = `${server.url}?shared-string`;
    const token = await signToken(validClaims(), key);
    const before = server.requests;

    await verifyIdToken(token, options(url));
    await verifyIdToken(token, options(url));
    await verifyIdToken(token, options(new URL(url)));

    expect(server.requests).toBe(before + 1);
  });

  it('reload() downloads now, bypassing the cache', async () => {
    const jwks = createRemoteJwks(server.url);
    await jwks.reload();
    const before = server.requests;

    await jwks.reload();

    expect(server.requests).toBe(before + 1);
  });

  it('validates its options when created', () => {
    expect(() => createRemoteJwks('not a url')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', argument: 'url' }));
    expect(() => createRemoteJwks(server.url, { timeout: -1 })).toThrow(expect.objectContaining({ argument: 'timeout' }));
    expect(() => createRemoteJwks(server.url, { cooldown: Number.NaN })).toThrow(expect.objectContaining({ argument: 'cooldown' }));
  });
});

describe('a caller-supplied fetch', () => {
  it('is used for a RemoteJwks, with GET, no redirects, JSON accept header and an abort signal', async () => {
    const calls: { url: string; init: Parameters<typeof fetch>[1] }[] = [];
    const jwks = createRemoteJwks(server.url, {
      fetch: (url, init) => {
        calls.push({ url, init });
        return fetch(url, init);
      },
      headers: { 'user-agent': 'x-test' },
    });

    await verifyIdToken(await signToken(validClaims(), key), options(jwks));

    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(server.url);
    expect(calls[0]?.init).toMatchObject({
      method: 'GET',
      redirect: 'manual',
      headers: { accept: 'application/jwk-set+json, application/json', 'user-agent': 'x-test' },
    });
    expect(calls[0]?.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('is used for a JWKS URL passed to verifyIdToken through its fetch option', async () => {
    const requested: string[] = [];
    const customFetch = (url: string) => {
      requested.push(url);
      return Promise.resolve(Response.json({ keys: [key.publicJwk] }));
    };
    const url = 'https://issuer.example/jwks-through-custom-fetch';

    await verifyIdToken(await signToken(validClaims(), key), { ...options(url), fetch: customFetch });
    await verifyIdToken(await signToken(validClaims(), key), { ...options(url), fetch: customFetch });

    expect(requested).toEqual([url]);
  });
});
