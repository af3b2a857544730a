import { describe, expect, it } from 'vitest';
import { createClient, InvalidArgumentError } from '@x/oauth2-core';
import { aliyunProvider, aliyunSites } from '../src/index.js';
import type { AliyunRegion } from '../src/index.js';

/** The table of aliyun-protocol.md, "Two sites, two hosts each". */
const documented = {
  cn: {
    authorization: 'https://signin.aliyun.com/oauth2/v1/auth',
    token: 'https://oauth.aliyun.com/v1/token',
    revocation: 'https://oauth.aliyun.com/v1/revoke',
    userinfo: 'https://oauth.aliyun.com/v1/userinfo',
    jwks: 'https://oauth.aliyun.com/v1/keys',
    issuer: 'https://oauth.aliyun.com',
  },
  intl: {
    authorization: 'https://signin.alibabacloud.com/oauth2/v1/auth',
    token: 'https://oauth.alibabacloud.com/v1/token',
    revocation: 'https://oauth.alibabacloud.com/v1/revoke',
    userinfo: 'https://oauth.alibabacloud.com/v1/userinfo',
    jwks: 'https://oauth.alibabacloud.com/v1/keys',
    issuer: 'https://oauth.alibabacloud.com',
  },
} as const;

describe('aliyunProvider default hosts', () => {
  for (const region of ['cn', 'intl'] as const) {
    it(`uses the documented ${region} endpoints and issuer, userinfo included`, () => {
      const { issuer, ...endpoints } = documented[region];
      const preset = aliyunProvider(region);
      expect(preset.name).toBe(`aliyun-${region}`);
      expect(preset.endpoints).toEqual(endpoints);
      expect(preset.issuer).toBe(issuer);
      expect(aliyunSites[region].issuer).toBe(issuer);
    });
  }

  it('describes the quirks as data: client_secret_post, space separator, no nonce, RS256 only', () => {
    const preset = aliyunProvider('cn');
    expect(preset.tokenEndpointAuthMethod).toBe('client_secret_post');
    expect(preset.quirks.scopeSeparator).toBe(' ');
    expect(preset.quirks.supportsNonce).toBe(false);
    expect(preset.quirks.idTokenSigningAlgorithms).toEqual(['RS256']);
    expect(preset.quirks.mapServerError).toBeTypeOf('function');
  });
});

describe('aliyunProvider overrides', () => {
  it('points every endpoint at the overriding origins and expects the oauth origin as issuer', () => {
    const preset = aliyunProvider('intl', { signinOrigin: 'http://127.0.0.1:4000/', oauthOrigin: 'http://127.0.0.1:4001' });
    expect(preset.endpoints).toEqual({
      authorization: 'http://127.0.0.1:4000/oauth2/v1/auth',
      token: 'http://127.0.0.1:4001/v1/token',
      revocation: 'http://127.0.0.1:4001/v1/revoke',
      userinfo: 'http://127.0.0.1:4001/v1/userinfo',
      jwks: 'http://127.0.0.1:4001/v1/keys',
    });
    expect(preset.issuer).toBe('http://127.0.0.1:4001');
  });

  it('keeps the site issuer when only the sign-in host is replaced', () => {
    const preset = aliyunProvider('cn', { signinOrigin: 'http://localhost:9000' });
    expect(preset.endpoints.authorization).toBe('http://localhost:9000/oauth2/v1/auth');
    expect(preset.endpoints.token).toBe(documented.cn.token);
    expect(preset.issuer).toBe(documented.cn.issuer);
  });

  it('lets an explicit issuer win over the oauth origin', () => {
    const preset = aliyunProvider('cn', { oauthOrigin: 'http://127.0.0.1:4001', issuer: 'https://oauth.aliyun.com' });
    expect(preset.endpoints.token).toBe('http://127.0.0.1:4001/v1/token');
    expect(preset.issuer).toBe('https://oauth.aliyun.com');
  });

  const refused: { name: string; region: AliyunRegion; overrides?: object; argument: string }[] = [
    { name: 'an unknown site', region: 'us' as AliyunRegion, argument: 'region' },
    { name: 'an origin with a path', region: 'cn', overrides: { oauthOrigin: 'https://proxy.example/aliyun' }, argument: 'oauthOrigin' },
    { name: 'an origin with a query', region: 'cn', overrides: { signinOrigin: 'https://proxy.example/?x=1' }, argument: 'signinOrigin' },
    { name: 'a relative origin', region: 'cn', overrides: { signinOrigin: 'localhost:4000' }, argument: 'signinOrigin' },
    { name: 'a non-http origin', region: 'intl', overrides: { oauthOrigin: 'ftp://127.0.0.1' }, argument: 'oauthOrigin' },
    { name: 'a relative issuer', region: 'intl', overrides: { issuer: 'oauth.alibabacloud.com' }, argument: 'issuer' },
    { name: 'a misspelt override, which would reach the real site', region: 'cn', overrides: { oauthOrign: 'http://127.0.0.1:1' }, argument: 'overrides' },
  ];
  for (const { name, region, overrides, argument } of refused) {
    it(`refuses ${name}`, () => {
      let caught: unknown;
      try {
        aliyunProvider(region, overrides);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidArgumentError);
      expect((caught as InvalidArgumentError).argument).toBe(argument);
    });
  }
});

describe('authorization URL built by the core with the preset', () => {
  const client = createClient(aliyunProvider('cn'), {
    clientId: '123456',
    clientSecret: 'web-secret',
    redirectUri: 'https://yourwebapp.com/authcallback/',
  });

  it('encodes space-separated scopes with slashes as %20 and %2F', () => {
    const url = client.authorizationCode.authorizeURL({ scope: ['openid', '/acs/ccc'], state: 'abc' });
    expect(url.startsWith('https://signin.aliyun.com/oauth2/v1/auth?')).toBe(true);
    expect(url).toContain('&scope=openid%20%2Facs%2Fccc&');
    expect(new URL(url).searchParams.get('scope')).toBe('openid /acs/ccc');
    expect(url).toContain('redirect_uri=https%3A%2F%2Fyourwebapp.com%2Fauthcallback%2F');
  });

  it('creates a login with state and PKCE S256 but no nonce, since Alibaba Cloud does not echo one', async () => {
    const request = await client.authorizationCode.createAuthorizationRequest({ scope: 'openid profile' });
    const params = new URL(request.url).searchParams;
    expect(request.nonce).toBeUndefined();
    expect(params.has('nonce')).toBe(false);
    expect(params.get('state')).toBe(request.state);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/);
  });
});
