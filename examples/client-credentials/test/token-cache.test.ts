import { createClient } from '@x/oauth2-core';
import { aliyunProvider } from '@x/provider-aliyun';
import { seededApps, startAliyunMockServer } from '@x/provider-aliyun/testing';
import type { AliyunMockServer } from '@x/provider-aliyun/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TokenCache } from '../src/token-cache.js';

let mock: AliyunMockServer;
beforeAll(async () => {
  mock = await startAliyunMockServer({ accessTokenValidity: 3600 });
});
afterAll(() => mock.close());
afterEach(() => vi.useRealTimers());

function newCache(): TokenCache {
  const client = createClient(aliyunProvider('cn', { signinOrigin: mock.origin, oauthOrigin: mock.origin }), {
    clientId: seededApps.server.clientId,
    clientSecret: seededApps.server.clientSecret,
    tokenEndpointAuthMethod: 'client_secret_basic',
  });
  return new TokenCache(() => client.clientCredentials.getToken(), { renewBeforeSeconds: 60 });
}

const tokenRequests = () => mock.requests.filter((request) => request.path === '/v1/token').length;

describe('TokenCache', () => {
  it('serves the cached token until it is about to expire, then asks for a new one', async () => {
    // Only Date is faked: the token's expiry and the mock server's clock move together, timers stay real.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const cache = newCache();
    const before = tokenRequests();

    const first = await cache.get();
    vi.setSystemTime(new Date('2030-01-01T00:58:59Z')); // 61 s left: still good
    expect(await cache.get()).toBe(first);
    vi.setSystemTime(new Date('2030-01-01T00:59:01Z')); // 59 s left: inside the renewal window
    const second = await cache.get();

    expect(second).not.toBe(first);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.expiresAt).toEqual(new Date('2030-01-01T01:59:01Z'));
    expect(tokenRequests() - before).toBe(2);
  });

  it('shares one token request between concurrent callers', async () => {
    const cache = newCache();
    const before = tokenRequests();

    const tokens = await Promise.all([cache.get(), cache.get(), cache.get(), cache.get(), cache.get()]);

    expect(new Set(tokens).size).toBe(1);
    expect(tokenRequests() - before).toBe(1);
  });

  it('asks again after a failed request instead of caching the failure', async () => {
    const cache = newCache();
    mock.failNext({ kind: 'status', path: '/v1/token', status: 400, body: '{"error":"invalid_client","http_code":400}' });

    await expect(cache.get()).rejects.toMatchObject({ code: 'ERR_OAUTH2_SERVER', error: 'invalid_client' });
    await expect(cache.get()).resolves.toMatchObject({ tokenType: 'Bearer' });
  });
});
