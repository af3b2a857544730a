import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@x/oauth2-core';
import { AliyunOAuth2 } from '../src/index.js';
import type { AliyunOAuth2Options } from '../src/index.js';
import { seededAccounts } from '../src/testing/index.js';
import type { AliyunMockServer } from '../src/testing/index.js';
import { codeOf, useMockServer, web } from './helpers/aliyun.js';

const mock = useMockServer({ refreshTokenRotation: true });
const redirectUri = web.redirectUris[0]!;

/**
 * A fetch that lets requests reach the mock server only: anything else is recorded and refused, so a
 * bearer token or a secret headed for a real Alibaba Cloud host never leaves the test.
 */
function guardedFetch(server: AliyunMockServer): { fetch: typeof fetch; elsewhere: string[] } {
  const elsewhere: string[] = [];
  const guarded: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== server.origin) {
      elsewhere.push(url.origin + url.pathname);
      return Promise.reject(new Error(`test guard: a request left for ${url.origin}`));
    }
    return fetch(input, init);
  };
  return { fetch: guarded, elsewhere };
}

function legacy(options: Omit<AliyunOAuth2Options, 'clientId' | 'clientSecret'>): AliyunOAuth2 {
  return new AliyunOAuth2({ clientId: web.clientId, clientSecret: web.clientSecret, ...options });
}

describe('the old SDK URL options move the whole OAuth host', () => {
  it('with accessTokenUri, userinfo, revocation, keys and the issuer follow its origin: no request reaches a real host', async () => {
    const server = mock();
    const guard = guardedFetch(server);
    const oauth = legacy({
      authorizationUri: server.endpoints.authorization,
      accessTokenUri: server.endpoints.token,
      fetch: guard.fetch,
    });
    expect(oauth.client.provider.endpoints).toMatchObject({
      userinfo: server.endpoints.userinfo,
      revocation: server.endpoints.revocation,
      jwks: server.endpoints.jwks,
    });
    expect(oauth.client.provider.issuer).toBe(server.origin);

    const callback = await server.authorize(oauth.getAuthorizeURL(redirectUri, 'state-1', 'openid aliuid profile', 'offline'), { account: 'ram-user' });
    const before = server.requests.length;
    const token = await oauth.getAccessToken(codeOf(callback), redirectUri);
    await expect(oauth.getUserInfo(token.access_token)).resolves.toMatchObject({ sub: seededAccounts.ramUser.sub });
    const refreshed = await oauth.refreshAccessToken(token.refresh_token!);
    await expect(oauth.revokeAccessToken(refreshed.refresh_token!)).resolves.toEqual({ success: true, message: 'success' });

    expect(guard.elsewhere).toEqual([]);
    expect(server.requests.slice(before).map((request) => `${request.method} ${request.path} ${String(request.status)}`)).toEqual([
      'POST /v1/token 200',
      'GET /v1/userinfo 200',
      'POST /v1/token 200',
      'POST /v1/revoke 200',
    ]);
  });

  it('keeps an explicit oauthOrigin for the rest of the host, and revokeTokenUri for revocation', () => {
    const oauth = legacy({
      signinOrigin: 'http://127.0.0.1:7001',
      oauthOrigin: 'http://127.0.0.1:7002',
      accessTokenUri: 'http://127.0.0.1:7003/custom/token',
      revokeTokenUri: 'http://127.0.0.1:7004/custom/revoke',
    });
    expect(oauth.client.provider.endpoints).toEqual({
      authorization: 'http://127.0.0.1:7001/oauth2/v1/auth',
      token: 'http://127.0.0.1:7003/custom/token',
      revocation: 'http://127.0.0.1:7004/custom/revoke',
      userinfo: 'http://127.0.0.1:7002/v1/userinfo',
      jwks: 'http://127.0.0.1:7002/v1/keys',
    });
    expect(oauth.client.provider.issuer).toBe('http://127.0.0.1:7002');
  });

  it('points userinfo and the issuer at the international hosts when the URLs name them', () => {
    const oauth = legacy({
      authorizationUri: 'https://signin.alibabacloud.com/oauth2/v1/auth',
      accessTokenUri: 'https://oauth.alibabacloud.com/v1/token',
      revokeTokenUri: 'https://oauth.alibabacloud.com/v1/revoke',
    });
    expect(oauth.client.provider.endpoints.userinfo).toBe('https://oauth.alibabacloud.com/v1/userinfo');
    expect(oauth.client.provider.issuer).toBe('https://oauth.alibabacloud.com');
  });

  it.each([
    ['authorizationUri', { authorizationUri: 'http://127.0.0.1:7001/oauth2/v1/auth' }],
    ['revokeTokenUri', { revokeTokenUri: 'http://127.0.0.1:7001/v1/revoke' }],
    ['signinOrigin', { signinOrigin: 'http://127.0.0.1:7001' }],
  ] as const)('refuses %s elsewhere while token and userinfo stay on the real host', (name, options) => {
    expect(() => legacy(options)).toThrow(InvalidArgumentError);
    expect(() => legacy(options)).toThrow(new RegExp(`^${name}: .* stay on https://oauth\\.aliyun\\.com; .*oauthOrigin`));
  });

  it('refuses an option it does not know, rather than ignore an endpoint override under another name', () => {
    const options = { clientId: web.clientId, clientSecret: web.clientSecret, userInfoUri: 'http://127.0.0.1:7001/v1/userinfo' };
    expect(() => new AliyunOAuth2(options)).toThrow(InvalidArgumentError);
    expect(() => new AliyunOAuth2(options)).toThrow(/unknown option "userInfoUri"/);
  });

  it('refuses a URL option that is not an absolute http(s) URL', () => {
    expect(() => legacy({ accessTokenUri: '/v1/token' })).toThrow(InvalidArgumentError);
    expect(() => legacy({ accessTokenUri: 'ftp://127.0.0.1/v1/token' })).toThrow(InvalidArgumentError);
  });
});
