import { describe, expect, it } from 'vitest';
import { aliyunAccountKind, aliyunAuthorizeParams } from '../src/index.js';
import type { AliyunIdTokenClaims } from '../src/index.js';
import { seededAccounts } from '../src/testing/index.js';
import { login, native, nativeClient, regions, useMockServer, web, webClient } from './helpers/aliyun.js';

const mock = useMockServer();

function tokenRequests() {
  return mock().requests.filter((entry) => entry.path === '/v1/token');
}

describe.each(regions)('authorization code flow on the %s site', (region) => {
  it('web app, online access: a verified ID token and no refresh token', async () => {
    const client = webClient(mock(), region);
    expect(client.provider.name).toBe(`aliyun-${region}`);
    const before = tokenRequests().length;
    const { token, url } = await login(client, mock(), aliyunAuthorizeParams({ accessType: 'online' }), { account: 'ram-user' });

    expect(new URL(url).searchParams.get('access_type')).toBe('online');
    expect(token.accessToken).not.toBe('');
    expect(token.tokenType).toBe('Bearer');
    expect(token.refreshToken).toBeUndefined();
    expect(token.scope).toEqual(['openid', 'aliuid', 'profile']);
    const claims = token.idTokenClaims as AliyunIdTokenClaims;
    expect(claims.iss).toBe(mock().issuer);
    expect(claims.aud).toBe(web.clientId);
    expect(claims).toMatchObject({
      sub: seededAccounts.ramUser.sub,
      type: 'user',
      uid: seededAccounts.ramUser.uid,
      aid: seededAccounts.ramUser.aid,
      upn: seededAccounts.ramUser.upn,
      name: seededAccounts.ramUser.name,
    });
    expect(claims.nonce).toBeUndefined();
    expect(aliyunAccountKind(claims)).toBe('ram-user');

    // client_secret_post: id and secret in the form body, no Basic header, PKCE verifier sent.
    const [exchange] = tokenRequests().slice(before);
    expect(exchange).toMatchObject({ method: 'POST', authorization: 'none', status: 200 });
    expect(exchange?.form).toMatchObject({ grant_type: 'authorization_code', client_id: web.clientId, client_secret: '[redacted]' });
    expect(exchange?.form.code_verifier).toBe('[redacted]');
    expect(exchange?.query).toEqual({});
  });

  it('web app, offline access: a refresh token as well', async () => {
    const client = webClient(mock(), region);
    const { token, url } = await login(client, mock(), { accessType: 'offline' }, { account: 'root' });
    expect(new URL(url).searchParams.get('access_type')).toBe('offline');
    expect(token.refreshToken).toEqual(expect.any(String));
    expect(token.idToken).toEqual(expect.any(String));
    expect(aliyunAccountKind(token.idTokenClaims as AliyunIdTokenClaims)).toBe('root-account');
  });

  it('native app: a public client with PKCE S256 and always a refresh token', async () => {
    const client = nativeClient(mock(), region);
    const before = tokenRequests().length;
    const { token, url } = await login(client, mock(), {}, { account: 'ram-role' });

    const params = new URL(url).searchParams;
    expect(params.get('client_id')).toBe(native.clientId);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(token.refreshToken).toEqual(expect.any(String));
    expect(aliyunAccountKind(token.idTokenClaims as AliyunIdTokenClaims)).toBe('ram-role');

    const [exchange] = tokenRequests().slice(before);
    expect(exchange?.authorization).toBe('none');
    expect(exchange?.form.client_id).toBe(native.clientId);
    expect('client_secret' in (exchange?.form ?? {})).toBe(false);
    expect(exchange?.form.code_verifier).toBe('[redacted]');
  });

  it('sends prompt=admin_consent and API scopes with slashes, and reports the granted scopes', async () => {
    const client = webClient(mock(), region);
    const { token, url } = await login(
      client,
      mock(),
      aliyunAuthorizeParams({ scope: ['openid', '/acs/ccc'], prompt: 'admin_consent' }),
      { account: 'ram-user' },
    );
    expect(url).toContain('scope=openid%20%2Facs%2Fccc');
    expect(new URL(url).searchParams.get('prompt')).toBe('admin_consent');
    expect(token.scope).toEqual(['openid', '/acs/ccc']);
  });

  it('shows in the granted scope what the user did not consent to', async () => {
    const client = webClient(mock(), region);
    const { token } = await login(client, mock(), { scope: 'openid profile /acs/ccc' }, { grantOnly: ['openid', 'profile'] });
    expect(token.scope).toEqual(['openid', 'profile']);
    expect(token.scope).not.toContain('/acs/ccc');
  });
});
