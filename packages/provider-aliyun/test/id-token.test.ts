import { decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, IdTokenValidationError } from '@x/oauth2-core';
import { aliyunProvider } from '../src/index.js';
import type { AliyunIdTokenClaims } from '../src/index.js';
import { startAliyunMockServer } from '../src/testing/index.js';
import { login, regions, rejection, useMockServer, web, webClient, webRedirect } from './helpers/aliyun.js';

const mock = useMockServer();

afterEach(() => {
  vi.useRealTimers();
});

function kidOf(idToken: string | undefined): unknown {
  if (idToken === undefined) throw new Error('no ID token');
  return decodeProtectedHeader(idToken).kid;
}

function jwksDownloads(): number {
  return mock().requests.filter((entry) => entry.path === '/v1/keys').length;
}

describe.each(regions)('ID tokens on the %s site', (region) => {
  it('are RS256 with a kid, checked against the issuer, audience and at_hash, with no nonce', async () => {
    const client = webClient(mock(), region);
    const { token } = await login(client, mock());
    expect(decodeProtectedHeader(token.idToken!)).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    const claims = token.idTokenClaims as AliyunIdTokenClaims;
    expect(claims).toMatchObject({ iss: mock().origin, aud: web.clientId, at_hash: expect.any(String) });
    expect(claims.nonce).toBeUndefined();
    await expect(client.verifyIdToken(token.idToken!)).resolves.toMatchObject({ sub: claims.sub });
  });

  it('follow a key rotation mid-session: the JWKS is downloaded again for the new kid, old tokens still verify', async () => {
    const client = webClient(mock(), region);
    const first = await login(client, mock());
    const downloadsBefore = jwksDownloads();
    const oldKid = kidOf(first.token.idToken);

    const newKid = await mock().rotateKeys();
    expect(newKid).not.toBe(oldKid);
    // The key set is downloaded again for an unknown kid at most once per cooldown (30 s): let that much
    // time pass on the Date clock, which the mock server and the client share.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31_000 });

    const second = await login(client, mock());
    expect(kidOf(second.token.idToken)).toBe(newKid);
    expect(second.token.idTokenClaims?.sub).toBe(first.token.idTokenClaims?.sub);
    expect(jwksDownloads()).toBe(downloadsBefore + 1);
    // Both keys are published during the rotation, so a token signed before it still verifies.
    await expect(client.verifyIdToken(first.token.idToken!)).resolves.toMatchObject({ iss: mock().issuer });
  });

  it('are refused when the issuer is not the expected one', async () => {
    const provider = aliyunProvider(region, {
      signinOrigin: mock().origin,
      oauthOrigin: mock().origin,
      issuer: region === 'cn' ? 'https://oauth.aliyun.com' : 'https://oauth.alibabacloud.com',
    });
    const client = createClient(provider, { clientId: web.clientId, clientSecret: web.clientSecret, redirectUri: webRedirect, scope: 'openid' });
    const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest();
    const error = await rejection(async () => client.authorizationCode.handleCallback(await mock().authorize(url), checks));
    expect(error).toBeInstanceOf(IdTokenValidationError);
    expect((error as IdTokenValidationError).code).toBe('ERR_ID_TOKEN_ISSUER');
  });

  it('verify against an explicit issuer override when the server uses the real one', async () => {
    const issuer = region === 'cn' ? 'https://oauth.aliyun.com' : 'https://oauth.alibabacloud.com';
    const realIssuerMock = await startAliyunMockServer({ issuer });
    try {
      const provider = aliyunProvider(region, { signinOrigin: realIssuerMock.origin, oauthOrigin: realIssuerMock.origin, issuer });
      const client = createClient(provider, { clientId: web.clientId, clientSecret: web.clientSecret, redirectUri: webRedirect, scope: 'openid' });
      const { token } = await login(client, realIssuerMock);
      expect(token.idTokenClaims?.iss).toBe(issuer);
    } finally {
      await realIssuerMock.close();
    }
  });
});
