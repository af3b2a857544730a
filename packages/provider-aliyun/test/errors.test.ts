import { describe, expect, it } from 'vitest';
import { AuthorizationResponseError, OAuth2ServerError, StateMismatchError } from '@x/oauth2-core';
import { isAliyunInvalidTokenError, mapAliyunServerError } from '../src/index.js';
import {
  codeOf,
  expectNoSecrets,
  login,
  regions,
  rejection,
  useMockServer,
  web,
  webClient,
} from './helpers/aliyun.js';

const mock = useMockServer();
const jsonHeaders = { 'content-type': 'application/json;charset=UTF-8' };

describe.each(regions)('server errors on the %s site', (region) => {
  it('an unknown code: invalid_grant with status and request id, nothing secret in it', async () => {
    const client = webClient(mock(), region);
    const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest();
    const callback = new URL(await mock().authorize(url));
    const realCode = callback.searchParams.get('code')!;
    callback.searchParams.set('code', 'forged-code-value');

    const error = await rejection(() => client.authorizationCode.handleCallback(callback.toString(), checks));
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({
      code: 'ERR_OAUTH2_SERVER',
      error: 'invalid_grant',
      errorDescription: 'code is invalid',
      status: 400,
      endpoint: 'token',
      requestId: expect.stringMatching(/^[0-9A-F-]{36}$/),
    });
    expectNoSecrets(error, [web.clientSecret, realCode, 'forged-code-value', checks.codeVerifier]);
  });

  it('a code used twice: the second exchange fails with invalid_grant', async () => {
    const client = webClient(mock(), region);
    const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest();
    const callback = await mock().authorize(url);
    const token = await client.authorizationCode.handleCallback(callback, checks);

    const error = await rejection(() => client.authorizationCode.handleCallback(callback, checks));
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({ error: 'invalid_grant', errorDescription: 'code is invalid', status: 400, requestId: expect.any(String) });
    expectNoSecrets(error, [web.clientSecret, codeOf(callback), token.accessToken, token.idToken, checks.codeVerifier]);
  });

  it('an invalid refresh token: invalid_grant / "invalid refreshToken"', async () => {
    const client = webClient(mock(), region);
    const error = await rejection(() => client.refresh('made-up-refresh-token'));
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({ error: 'invalid_grant', errorDescription: 'invalid refreshToken', status: 400, endpoint: 'token', requestId: expect.any(String) });
    expectNoSecrets(error, [web.clientSecret, 'made-up-refresh-token']);
  });

  it('a bad access token at userinfo: access_denied / "parse token failed", recognised as an invalid token', async () => {
    const client = webClient(mock(), region);
    const error = await rejection(() => client.userinfo('not-a-valid-access-token'));
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({ error: 'access_denied', errorDescription: 'parse token failed', status: 401, endpoint: 'userinfo', requestId: expect.any(String) });
    expect(isAliyunInvalidTokenError(error)).toBe(true);
    expectNoSecrets(error, ['not-a-valid-access-token']);
  });

  it('a token without the scope userinfo needs: HTTP 403, not an invalid token', async () => {
    const client = webClient(mock(), region);
    const { token } = await login(client, mock(), { scope: '/acs/ccc' });
    expect(token.idToken).toBeUndefined();
    const error = await rejection(() => client.userinfo(token));
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({ status: 403, endpoint: 'userinfo', requestId: expect.any(String) });
    expect(isAliyunInvalidTokenError(error)).toBe(false);
    expectNoSecrets(error, [token.accessToken]);
  });

  it('the user denies consent: AuthorizationResponseError access_denied, after the state check', async () => {
    const client = webClient(mock(), region);
    const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest();
    const callback = await mock().authorize(url, { decision: 'deny' });

    const forged = await rejection(() => client.authorizationCode.handleCallback(callback, { ...checks, state: 'another-login' }));
    expect(forged).toBeInstanceOf(StateMismatchError);

    const error = await rejection(() => client.authorizationCode.handleCallback(callback, checks));
    expect(error).toBeInstanceOf(AuthorizationResponseError);
    expect(error).toMatchObject({ code: 'ERR_OAUTH2_AUTHORIZATION', error: 'access_denied' });
    expectNoSecrets(error, [checks.state, checks.codeVerifier, web.clientSecret]);
  });

  it('an error body answered with HTTP 200: http_code becomes the status, requestId the request id', async () => {
    const client = webClient(mock(), region);
    mock().failNext({
      kind: 'status',
      path: '/v1/token',
      status: 200,
      headers: jsonHeaders,
      body: JSON.stringify({ error: 'invalid_grant', error_description: 'code is invalid', http_code: 400, requestId: 'C0FFEE00-0000-4000-8000-000000000001' }),
    });
    const error = await rejection(() => client.authorizationCode.getToken({ code: 'any-code' }));
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400, requestId: 'C0FFEE00-0000-4000-8000-000000000001' });
  });

  it('an error body without http_code keeps the HTTP status; request_id is read too', async () => {
    const client = webClient(mock(), region);
    mock().failNext({
      kind: 'status',
      path: '/v1/token',
      status: 401,
      headers: jsonHeaders,
      body: JSON.stringify({ error: 'invalid_client', error_description: 'App not exists:x', request_id: 'REQ-1' }),
    });
    const error = await rejection(() => client.refresh('some-refresh-token'));
    expect(error).toMatchObject({ error: 'invalid_client', status: 401, requestId: 'REQ-1' });
  });
});

describe('isAliyunInvalidTokenError reads the body, not the status', () => {
  async function userinfoError(status: number, body: Record<string, unknown>): Promise<unknown> {
    mock().failNext({ kind: 'status', path: '/v1/userinfo', status, headers: jsonHeaders, body: JSON.stringify(body) });
    return rejection(() => webClient(mock(), 'cn').userinfo('some-access-token'));
  }

  it.each([
    ['access_denied "parse token failed" with HTTP 403', 403, { error: 'access_denied', error_description: 'parse token failed' }],
    ['access_denied "parse token failed" with HTTP 400', 400, { error: 'access_denied', error_description: 'Parse token failed' }],
    ['invalid_token (RFC 6750)', 401, { error: 'invalid_token', error_description: 'the token expired' }],
  ])('recognises %s', async (_name, status, body) => {
    const error = await userinfoError(status, body);
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(isAliyunInvalidTokenError(error)).toBe(true);
  });

  it.each([
    ['access_denied about a missing scope, with HTTP 401', 401, { error: 'access_denied', error_description: 'the token lacks the openid scope' }],
    ['access_denied without a description', 400, { error: 'access_denied' }],
    ['insufficient_scope', 403, { error: 'insufficient_scope', error_description: 'parse token failed' }],
  ])('does not take %s for an invalid token', async (_name, status, body) => {
    const error = await userinfoError(status, body);
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(isAliyunInvalidTokenError(error)).toBe(false);
  });

  it('only at the UserInfo endpoint', async () => {
    mock().failNext({
      kind: 'status',
      path: '/v1/token',
      status: 401,
      headers: jsonHeaders,
      body: JSON.stringify({ error: 'access_denied', error_description: 'parse token failed' }),
    });
    const error = await rejection(() => webClient(mock(), 'cn').refresh('some-refresh-token'));
    expect(error).toMatchObject({ error: 'access_denied', endpoint: 'token' });
    expect(isAliyunInvalidTokenError(error)).toBe(false);
  });
});

describe('mapAliyunServerError', () => {
  const context = { endpoint: 'token', status: 200 };

  it('maps request_id and requestId onto requestId', () => {
    expect(mapAliyunServerError({ error: 'x', request_id: 'A' }, context)).toEqual({ requestId: 'A' });
    expect(mapAliyunServerError({ error: 'x', requestId: 'B' }, context)).toEqual({ requestId: 'B' });
    expect(mapAliyunServerError({ error: 'x', request_id: 'A', requestId: 'B' }, context)).toEqual({ requestId: 'A' });
  });

  it('takes http_code as the status when it is an error status, as a number or a numeric string', () => {
    expect(mapAliyunServerError({ error: 'x', http_code: 400 }, context)).toEqual({ status: 400 });
    expect(mapAliyunServerError({ error: 'x', http_code: '503' }, context)).toEqual({ status: 503 });
  });

  it('ignores an http_code that is not an error status, and empty request ids', () => {
    expect(mapAliyunServerError({ error: 'x', http_code: 200, request_id: '' }, context)).toEqual({});
    expect(mapAliyunServerError({ error: 'x', http_code: 'bad', requestId: '   ' }, context)).toEqual({});
    expect(mapAliyunServerError({ error: 'x', http_code: 4000 }, context)).toEqual({});
  });
});
