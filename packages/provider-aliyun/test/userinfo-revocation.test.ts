import { describe, expect, it } from 'vitest';
import { OAuth2ServerError } from '@x/oauth2-core';
import { aliyunAccountKind } from '../src/index.js';
import type { AliyunUserinfoClaims } from '../src/index.js';
import { seededAccounts } from '../src/testing/index.js';
import { expectNoSecrets, login, nativeClient, regions, rejection, useMockServer, web, webClient } from './helpers/aliyun.js';

const mock = useMockServer();
const jsonHeaders = { 'content-type': 'application/json;charset=UTF-8' };

describe.each(regions)('userinfo on the %s site', (region) => {
  it('returns the claims the scopes allow, with a Bearer token', async () => {
    const client = webClient(mock(), region);
    const { token } = await login(client, mock(), {}, { account: 'root' });
    const before = mock().requests.length;
    const info = (await client.userinfo(token)) as AliyunUserinfoClaims;
    expect(info).toEqual({
      sub: seededAccounts.root.sub,
      type: 'account',
      name: seededAccounts.root.name,
      login_name: seededAccounts.root.login_name,
      aid: seededAccounts.root.aid,
      uid: seededAccounts.root.uid,
    });
    expect(aliyunAccountKind(info)).toBe('root-account');
    expect(mock().requests.slice(before)[0]).toMatchObject({ method: 'GET', path: '/v1/userinfo', authorization: 'bearer', status: 200 });
  });

  it('filters the claims by scope: openid alone gives only sub', async () => {
    const client = webClient(mock(), region);
    const { token } = await login(client, mock(), { scope: 'openid' }, { account: 'ram-user' });
    await expect(client.userinfo(token.accessToken)).resolves.toEqual({ sub: seededAccounts.ramUser.sub });
  });
});

describe.each(regions)('revocation on the %s site', (region) => {
  it('revokes the refresh token (the JSON body is ignored); refreshing then fails with invalid_grant', async () => {
    const client = webClient(mock(), region);
    const { token } = await login(client, mock(), { accessType: 'offline' });
    const before = mock().requests.length;
    await expect(token.revoke('refresh_token')).resolves.toBeUndefined();

    const [request] = mock().requests.slice(before);
    expect(request).toMatchObject({ method: 'POST', path: '/v1/revoke', status: 200, authorization: 'none' });
    expect(request?.form).toMatchObject({ token: '[redacted]', client_id: web.clientId, client_secret: '[redacted]' });

    const error = await rejection(() => token.refresh());
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400, endpoint: 'token', requestId: expect.any(String) });
    expectNoSecrets(error, [token.refreshToken, token.accessToken, web.clientSecret]);
  });

  it('answers an unknown token like a known one (RFC 7009 §2.2)', async () => {
    const client = nativeClient(mock(), region);
    await expect(client.revoke('not-a-token-we-issued', 'refresh_token')).resolves.toEqual({ success: true, message: 'success' });
  });

  it('client.revoke() returns other 2xx bodies as they are, undefined without a JSON body, and throws for an error body', async () => {
    const client = webClient(mock(), region);
    const answer = (body: string) => mock().failNext({ kind: 'status', path: '/v1/revoke', status: 200, headers: jsonHeaders, body });

    answer(JSON.stringify({ success: false, message: 'not revoked' }));
    await expect(client.revoke('some-refresh-token', 'refresh_token')).resolves.toEqual({ success: false, message: 'not revoked' });
    answer('');
    await expect(client.revoke('some-refresh-token', 'refresh_token')).resolves.toBeUndefined();
    answer(JSON.stringify({ error: 'invalid_client', error_description: 'App not exists:x', request_id: 'REQ-R' }));
    const error = await rejection(() => client.revoke('some-refresh-token', 'refresh_token'));
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({ error: 'invalid_client', endpoint: 'revocation', requestId: 'REQ-R' });
    expectNoSecrets(error, ['some-refresh-token', web.clientSecret]);
  });
});
