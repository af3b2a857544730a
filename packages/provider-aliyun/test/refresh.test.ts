import { describe, expect, it } from 'vitest';
import { OAuth2ServerError } from '@x/oauth2-core';
import type { AliyunIdTokenClaims } from '../src/index.js';
import { seededAccounts } from '../src/testing/index.js';
import { expectNoSecrets, login, nativeClient, regions, rejection, useMockServer, web, webClient } from './helpers/aliyun.js';

const documented = useMockServer({ refreshTokenRotation: false });
const rotating = useMockServer({ refreshTokenRotation: true });

describe.each(regions)('refresh on the %s site', (region) => {
  it('keeps the refresh token and the ID token when the answer has neither (the documented behaviour)', async () => {
    const client = webClient(documented(), region);
    const { token } = await login(client, documented(), { accessType: 'offline' }, { account: 'ram-user' });
    const refreshed = await token.refresh();

    expect(refreshed.accessToken).not.toBe(token.accessToken);
    expect(refreshed.raw.refresh_token).toBeUndefined();
    expect(refreshed.raw.id_token).toBeUndefined();
    expect(refreshed.refreshToken).toBe(token.refreshToken);
    expect(refreshed.idToken).toBe(token.idToken);
    expect(refreshed.idTokenClaims?.sub).toBe(seededAccounts.ramUser.sub);

    // The kept refresh token still works, and the new access token is accepted at userinfo.
    const again = await refreshed.refresh();
    expect(again.refreshToken).toBe(token.refreshToken);
    await expect(client.userinfo(again)).resolves.toMatchObject({ sub: seededAccounts.ramUser.sub });
  });

  it('sends client_id and client_secret with the refresh token, and no scope', async () => {
    const client = webClient(documented(), region);
    const { token } = await login(client, documented(), { accessType: 'offline' });
    const before = documented().requests.length;
    await client.refresh(token.refreshToken!);
    const [request] = documented().requests.slice(before);
    expect(request?.authorization).toBe('none');
    expect(request?.form).toEqual({
      grant_type: 'refresh_token',
      refresh_token: '[redacted]',
      client_id: web.clientId,
      client_secret: '[redacted]',
    });
  });

  it('replaces a rotated refresh token, verifies the new ID token, and the old one stops working', async () => {
    const client = webClient(rotating(), region);
    const { token } = await login(client, rotating(), { accessType: 'offline' }, { account: 'root' });
    const refreshed = await token.refresh();

    expect(refreshed.refreshToken).toEqual(expect.any(String));
    expect(refreshed.refreshToken).not.toBe(token.refreshToken);
    expect(refreshed.idToken).not.toBe(token.idToken);
    const claims = refreshed.idTokenClaims as AliyunIdTokenClaims;
    expect(claims).toMatchObject({ sub: seededAccounts.root.sub, type: 'account', iss: rotating().issuer });

    const error = await rejection(() => client.refresh(token.refreshToken!));
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({ error: 'invalid_grant', errorDescription: 'invalid refreshToken', status: 400, endpoint: 'token' });
    expectNoSecrets(error, [token.refreshToken, refreshed.refreshToken, web.clientSecret]);
    await expect(refreshed.refresh()).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('refreshes a native app token without a secret', async () => {
    const client = nativeClient(rotating(), region);
    const { token } = await login(client, rotating());
    const before = rotating().requests.length;
    const refreshed = await token.refresh();
    expect(refreshed.refreshToken).not.toBe(token.refreshToken);
    const [request] = rotating().requests.slice(before);
    expect('client_secret' in (request?.form ?? {})).toBe(false);
  });

  it('shares one request between concurrent refreshes of a rotating refresh token', async () => {
    const client = webClient(rotating(), region);
    const { token } = await login(client, rotating(), { accessType: 'offline' });
    const before = rotating().requests.length;
    const [first, second] = await Promise.all([token.refresh(), token.refresh()]);
    expect(first).toBe(second);
    expect(rotating().requests.slice(before).filter((entry) => entry.path === '/v1/token')).toHaveLength(1);
  });
});
