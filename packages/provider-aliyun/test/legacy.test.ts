import { stringify as nodeStringify } from 'node:querystring';
import { describe, expect, it } from 'vitest';
import { IdTokenValidationError, OAuth2Error, OAuth2NetworkError, OAuth2ResponseError, OAuth2ServerError } from '@x/oauth2-core';
import { AliyunOAuth2, AliyunOAuthServerError } from '../src/index.js';
import { stringifyQuery } from '../src/querystring.js';
import { seededAccounts } from '../src/testing/index.js';
import type { AliyunMockServer } from '../src/testing/index.js';
import { codeOf, expectNoSecrets, regions, rejection, useMockServer, web } from './helpers/aliyun.js';

const documentedUrl =
  'https://signin.aliyun.com/oauth2/v1/auth?client_id=123456&redirect_uri=https%3A%2F%2Fyourwebapp.com%2Fauthcallback%2F&response_type=code&scope=openid%20%2Facs%2Fccc&access_type=offline&state=1234567890';
const readmeRedirect = 'https://yourwebapp.com/authcallback/';

const mock = useMockServer({ refreshTokenRotation: false });
const numericMock = useMockServer({ expiresInType: 'number', refreshTokenRotation: true });
// ID tokens whose iss is the real host's, while a client pointed at this server expects its origin:
// verifying one of them fails.
const foreignIssuerMock = useMockServer({ refreshTokenRotation: true, issuer: 'https://oauth.aliyun.com' });
const jsonHeaders = { 'content-type': 'application/json;charset=UTF-8' };

function legacyClient(server: AliyunMockServer, region: 'cn' | 'intl' = 'cn'): AliyunOAuth2 {
  return new AliyunOAuth2({ clientId: web.clientId, clientSecret: web.clientSecret, region, signinOrigin: server.origin, oauthOrigin: server.origin });
}

/** Signs in through the legacy URL and returns the code from the callback. */
async function legacyCode(server: AliyunMockServer, oauth: AliyunOAuth2, scope = 'openid aliuid profile', accessType?: 'online' | 'offline'): Promise<string> {
  return codeOf(await server.authorize(oauth.getAuthorizeURL(readmeRedirect, 'legacy-state', scope, accessType), { account: seededAccounts.ramUser.id }));
}

async function legacyError(action: () => Promise<unknown>): Promise<AliyunOAuthServerError> {
  const error = await rejection(action);
  expect(error).toBeInstanceOf(AliyunOAuthServerError);
  return error as AliyunOAuthServerError;
}

describe('AliyunOAuth2#getAuthorizeURL', () => {
  it('equals the documented @alicloud/oauth2 example byte for byte', () => {
    const oauth = new AliyunOAuth2({ clientId: '123456', clientSecret: 'secret' });
    expect(oauth.getAuthorizeURL('https://yourwebapp.com/authcallback/', '1234567890', 'openid /acs/ccc', 'offline')).toBe(documentedUrl);
  });

  it('defaults accessType to online and uses the international sign-in host for region intl', () => {
    const oauth = new AliyunOAuth2({ clientId: '123456', clientSecret: 'secret', region: 'intl' });
    expect(oauth.getAuthorizeURL('https://yourwebapp.com/authcallback/', '1234567890', 'openid /acs/ccc')).toBe(
      documentedUrl.replace('signin.aliyun.com', 'signin.alibabacloud.com').replace('access_type=offline', 'access_type=online'),
    );
  });

  it('honours the old SDK endpoint overrides and the new origin overrides', () => {
    const byUri = new AliyunOAuth2({
      clientId: '1',
      clientSecret: 's',
      authorizationUri: 'http://127.0.0.1:9/custom/auth',
      accessTokenUri: 'http://127.0.0.1:9/custom/token',
    });
    expect(byUri.getAuthorizeURL('https://a.example/', 's', 'openid')).toMatch(/^http:\/\/127\.0\.0\.1:9\/custom\/auth\?client_id=1&/);
    const byOrigin = new AliyunOAuth2({ clientId: '1', clientSecret: 's', signinOrigin: 'http://127.0.0.1:9', oauthOrigin: 'http://127.0.0.1:9' });
    expect(byOrigin.getAuthorizeURL('https://a.example/', 's', 'openid')).toMatch(/^http:\/\/127\.0\.0\.1:9\/oauth2\/v1\/auth\?/);
  });

  it('encodes exactly like Node querystring.stringify, without Node', () => {
    const samples: Record<string, string | number | boolean | undefined | null | string[]>[] = [
      { a: 'x y/z?&=#+', b: undefined, c: null, d: ['1', '2'], e: true, f: Number.NaN, g: 42 },
      { unreserved: "!'()*-._~", unicode: 'ü 中文 😀', empty: '', keys: 'k', 'we ird': 'v' },
      { none: [] },
    ];
    for (const sample of samples) expect(stringifyQuery(sample)).toBe(nodeStringify(sample as never));
  });
});

describe('AliyunOAuth2 over the core client', () => {
  it('is safe to log: the secret is not a property', () => {
    const oauth = new AliyunOAuth2({ clientId: '123456', clientSecret: 'super-secret-value' });
    expect(JSON.stringify(oauth)).not.toContain('super-secret-value');
    expect(Object.values(oauth)).not.toContain('super-secret-value');
  });

  for (const region of regions) {
    it(`getAccessToken returns the token body as sent (expires_in a string) with POST requests, on the ${region} site`, async () => {
      const oauth = legacyClient(mock(), region);
      const code = await legacyCode(mock(), oauth, 'openid /acs/ccc', 'offline');
      const before = mock().requests.length;
      const body = await oauth.getAccessToken(code, readmeRedirect);

      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: '3600', scope: 'openid /acs/ccc' });
      expect(Object.getOwnPropertySymbols(body)).toEqual([]);

      const [request] = mock().requests.slice(before);
      expect(request).toMatchObject({ method: 'POST', path: '/v1/token', query: {}, authorization: 'none' });
      expect(request?.form).toMatchObject({ grant_type: 'authorization_code', code: '[redacted]', redirect_uri: readmeRedirect, client_secret: '[redacted]' });
    });

    it(`refreshes (no refresh_token in the answer), reads userinfo, revokes, on the ${region} site`, async () => {
      const oauth = legacyClient(mock(), region);
      const token = await oauth.getAccessToken(await legacyCode(mock(), oauth, 'openid aliuid profile', 'offline'), readmeRedirect);
      const refreshToken = token.refresh_token!;

      const refreshed = await oauth.refreshAccessToken(refreshToken);
      expect(refreshed.refresh_token).toBeUndefined();
      expect(refreshed.id_token).toBeUndefined();
      expect(refreshed.expires_in).toBe('3600');
      expect(refreshed.access_token).not.toBe(token.access_token);

      await expect(oauth.getUserInfo(refreshed.access_token)).resolves.toEqual({
        sub: seededAccounts.ramUser.sub,
        type: 'user',
        name: seededAccounts.ramUser.name,
        upn: seededAccounts.ramUser.upn,
        aid: seededAccounts.ramUser.aid,
        uid: seededAccounts.ramUser.uid,
      });

      await expect(oauth.revokeAccessToken(refreshToken)).resolves.toEqual({ success: true, message: 'success' });
      const error = await legacyError(() => oauth.refreshAccessToken(refreshToken));
      expect(error.code).toBe('invalid_grant');
      expectNoSecrets(error, [refreshToken, token.access_token, refreshed.access_token, web.clientSecret]);
    });
  }

  it('passes a numeric expires_in and a rotated refresh token through unchanged', async () => {
    const oauth = legacyClient(numericMock(), 'intl');
    const token = await oauth.getAccessToken(await legacyCode(numericMock(), oauth, 'openid', 'offline'), readmeRedirect);
    expect(token.expires_in).toBe(3600);
    const refreshed = await oauth.refreshAccessToken(token.refresh_token!);
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(token.refresh_token);
    expect(refreshed.id_token).toEqual(expect.any(String));
  });
});

describe('AliyunOAuth2#refreshAccessToken verifies nothing, like getAccessToken and the old SDK', () => {
  it('returns a rotated id_token as sent although it would not verify, without fetching the keys', async () => {
    const server = foreignIssuerMock();
    const oauth = legacyClient(server);
    const token = await oauth.getAccessToken(await legacyCode(server, oauth, 'openid', 'offline'), readmeRedirect);
    const before = server.requests.length;

    const refreshed = await oauth.refreshAccessToken(token.refresh_token!);

    expect(refreshed.id_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(token.refresh_token);
    expect(server.requests.slice(before).map((request) => request.path)).toEqual(['/v1/token']);
  });

  it('returns an id_token that is not even a JWT as it came', async () => {
    const oauth = legacyClient(mock());
    const body = { access_token: 'at-from-proxy', token_type: 'Bearer', expires_in: '3600', id_token: 'not-a-jwt', request_id: 'R-1' };
    mock().failNext({ kind: 'status', path: '/v1/token', status: 200, headers: jsonHeaders, body: JSON.stringify(body) });
    await expect(oauth.refreshAccessToken('any-refresh-token')).resolves.toEqual(body);
  });

  it('leaves verification to the new API underneath: oauth.client.authorizationCode.handleCallback still checks the ID token', async () => {
    const server = foreignIssuerMock();
    const oauth = legacyClient(server);
    const { url, ...checks } = await oauth.client.authorizationCode.createAuthorizationRequest({ redirectUri: readmeRedirect, scope: 'openid' });
    const error = await rejection(async () => oauth.client.authorizationCode.handleCallback(await server.authorize(url), { ...checks, redirectUri: readmeRedirect }));
    expect(error).toBeInstanceOf(IdTokenValidationError);
    expect(error).toMatchObject({ claim: 'iss' });
  });
});

describe('AliyunOAuth2#revokeAccessToken returns the body as sent', () => {
  it('resolves with Alibaba Cloud\'s { success, message } body, also for an unknown token', async () => {
    const oauth = legacyClient(mock());
    await expect(oauth.revokeAccessToken('never-issued-refresh-token')).resolves.toEqual({ success: true, message: 'success' });
  });

  it('rejects a { success: false } body answered with HTTP 200, in the legacy error shape', async () => {
    const oauth = legacyClient(mock());
    mock().failNext({
      kind: 'status',
      path: '/v1/revoke',
      status: 200,
      headers: jsonHeaders,
      body: JSON.stringify({ success: false, message: 'token revoke failed', request_id: 'REQ-REVOKE' }),
    });
    const error = await legacyError(() => oauth.revokeAccessToken('some-refresh-token'));
    expect(error).toMatchObject({
      name: 'OAuthServerError',
      code: 'server_error',
      message: 'server_error: token revoke failed',
      data: { httpcode: 200, requestid: 'REQ-REVOKE' },
      error: 'server_error',
      endpoint: 'revocation',
    });
    expectNoSecrets(error, ['some-refresh-token', web.clientSecret]);
  });

  it('masks what it sent when a failure message echoes it, and keeps http_code as the status', async () => {
    const oauth = legacyClient(mock());
    const token = 'echoed-refresh-token-value';
    mock().failNext({
      kind: 'status',
      path: '/v1/revoke',
      status: 200,
      headers: jsonHeaders,
      body: JSON.stringify({ success: false, message: `cannot revoke ${token} for secret ${web.clientSecret}`, http_code: 400 }),
    });
    const error = await legacyError(() => oauth.revokeAccessToken(token));
    expect(error.message).toBe('server_error: cannot revoke [redacted] for secret [redacted]');
    expect(error.data).toEqual({ httpcode: 400, requestid: undefined });
    expectNoSecrets(error, [token, web.clientSecret]);
  });

  it('resolves with undefined when a 2xx answer has no JSON body', async () => {
    const oauth = legacyClient(mock());
    mock().failNext({ kind: 'status', path: '/v1/revoke', status: 200, body: '' });
    await expect(oauth.revokeAccessToken('some-refresh-token')).resolves.toBeUndefined();
  });
});

describe('AliyunOAuth2 errors', () => {
  it('have the old shape: name OAuthServerError, code, "<error>: <description>", data { httpcode, requestid }', async () => {
    const oauth = legacyClient(mock());
    const error = await legacyError(() => oauth.getAccessToken('no-such-code', readmeRedirect));

    expect(error.name).toBe('OAuthServerError');
    expect(error.code).toBe('invalid_grant');
    expect(error.message).toBe('invalid_grant: code is invalid');
    expect(error.data).toEqual({ httpcode: 400, requestid: expect.stringMatching(/^[0-9A-F-]{36}$/) });
    // ...and remain part of the one hierarchy.
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toBeInstanceOf(OAuth2Error);
    expect(error).toMatchObject({ error: 'invalid_grant', errorDescription: 'code is invalid', status: 400, endpoint: 'token', requestId: error.data.requestid });
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name: 'OAuthServerError', code: 'invalid_grant', data: error.data });
    expect(String(error)).toBe('OAuthServerError: invalid_grant: code is invalid');
    expectNoSecrets(error, ['no-such-code', web.clientSecret]);
  });

  it('at userinfo: access_denied with the request id from requestId', async () => {
    const oauth = legacyClient(mock());
    const error = await legacyError(() => oauth.getUserInfo('bad-access-token'));
    expect(error).toMatchObject({ name: 'OAuthServerError', code: 'access_denied', message: 'access_denied: parse token failed' });
    expect(error.data).toEqual({ httpcode: 401, requestid: expect.any(String) });
    expectNoSecrets(error, ['bad-access-token']);
  });

  it('a code exchanged without the redirect URI is refused, since Alibaba Cloud requires it', async () => {
    const oauth = legacyClient(mock());
    const code = await legacyCode(mock(), oauth);
    const error = await legacyError(() => oauth.getAccessToken(code));
    expect(error.code).toBe('invalid_grant');
    expectNoSecrets(error, [code, web.clientSecret]);
  });

  it('reports http_code from an error body answered with HTTP 200', async () => {
    const oauth = legacyClient(mock());
    mock().failNext({
      kind: 'status',
      path: '/v1/token',
      status: 200,
      headers: { 'content-type': 'application/json;charset=UTF-8' },
      body: JSON.stringify({ error: 'invalid_grant', error_description: 'invalid refreshToken', http_code: 400, request_id: 'REQ-200' }),
    });
    const error = await legacyError(() => oauth.refreshAccessToken('whatever'));
    expect(error.data).toEqual({ httpcode: 400, requestid: 'REQ-200' });
    expect(error.message).toBe('invalid_grant: invalid refreshToken');
  });

  it('refuses answers the core cannot use instead of returning them: a token without access_token, userinfo without sub', async () => {
    const oauth = legacyClient(mock());
    mock().failNext({ kind: 'status', path: '/v1/token', status: 200, headers: jsonHeaders, body: JSON.stringify({ token_type: 'Bearer' }) });
    const tokenError = await rejection(() => oauth.refreshAccessToken('some-refresh-token'));
    expect(tokenError).toBeInstanceOf(OAuth2ResponseError);
    expect(tokenError).toMatchObject({ endpoint: 'token', status: 200 });
    mock().failNext({ kind: 'status', path: '/v1/userinfo', status: 200, headers: jsonHeaders, body: JSON.stringify({ name: 'nobody' }) });
    const userinfoError = await rejection(() => oauth.getUserInfo('some-access-token'));
    expect(userinfoError).toBeInstanceOf(OAuth2ResponseError);
    expect(userinfoError).toMatchObject({ endpoint: 'userinfo' });
  });

  it('lets transport failures through as the core errors they are', async () => {
    const oauth = legacyClient(mock());
    mock().failNext({ kind: 'reset', path: '/v1/token' });
    const error = await rejection(() => oauth.refreshAccessToken('whatever'));
    expect(error).toBeInstanceOf(OAuth2NetworkError);
    expect(error).not.toBeInstanceOf(AliyunOAuthServerError);
  });
});
