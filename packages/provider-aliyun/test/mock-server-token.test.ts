import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  seededApps,
  type AliyunMockServer,
} from '../src/testing/index.js';
import { mockServerPool } from './helpers/mock-pool.js';

const { web, native, server: daemon } = seededApps;
const webRedirect = web.redirectUris[0] ?? '';
const nativeRedirect = native.redirectUris[0] ?? '';

type Json = Record<string, unknown>;

const { shared: sharedServer, start } = mockServerPool();

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers, body: new URLSearchParams(form) });
}

/** Approves an authorization request through the programmatic API and returns the code. */
async function codeFor(mock: AliyunMockServer, params: Record<string, string>): Promise<string> {
  const url = new URL(mock.endpoints.authorization);
  url.search = new URLSearchParams({ response_type: 'code', state: 's', ...params }).toString();
  const code = new URL(await mock.authorize(url)).searchParams.get('code');
  if (code === null) throw new Error('no code in the callback');
  return code;
}

function webCode(mock: AliyunMockServer, extra: Record<string, string> = {}): Promise<string> {
  return codeFor(mock, { client_id: web.clientId, redirect_uri: webRedirect, ...extra });
}

function exchangeWebCode(mock: AliyunMockServer, code: string, extra: Record<string, string> = {}): Promise<Response> {
  return postForm(mock.endpoints.token, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: webRedirect,
    client_id: web.clientId,
    client_secret: web.clientSecret,
    ...extra,
  });
}

async function json(response: Response, status = 200): Promise<Json> {
  expect(response.status).toBe(status);
  return (await response.json()) as Json;
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

describe('authorization_code grant: web apps', () => {
  it('answers an online request with an access token, an ID token and no refresh token', async () => {
    const mock = sharedServer();
    const response = await exchangeWebCode(mock, await webCode(mock, { scope: 'openid profile' }));
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await json(response);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: '3600', scope: 'openid profile' });
    expect(body.access_token).toMatch(/^[\w-]{32,}$/);
    expect(body.id_token).toEqual(expect.any(String));
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('adds a refresh token for access_type=offline', async () => {
    const mock = sharedServer();
    const body = await json(await exchangeWebCode(mock, await webCode(mock, { access_type: 'offline' })));
    expect(body.refresh_token).toMatch(/^[\w-]{32,}$/);
  });

  it('omits the ID token when openid was not granted', async () => {
    const mock = sharedServer();
    const body = await json(await exchangeWebCode(mock, await webCode(mock, { scope: '/acs/ccc' })));
    expect(body).not.toHaveProperty('id_token');
    expect(body.scope).toBe('/acs/ccc');
  });

  it('rejects a reused code with invalid_grant "code is invalid"', async () => {
    const mock = sharedServer();
    const code = await webCode(mock);
    await json(await exchangeWebCode(mock, code));
    const body = await json(await exchangeWebCode(mock, code), 400);
    expect(body).toMatchObject({ error: 'invalid_grant', error_description: 'code is invalid', http_code: 400 });
  });

  it('binds the code to the client that asked for it', async () => {
    const mock = sharedServer();
    const code = await webCode(mock);
    const response = await postForm(mock.endpoints.token, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: webRedirect,
      client_id: native.clientId,
    });
    expect(await json(response, 400)).toMatchObject({ error: 'invalid_grant', error_description: 'code is invalid' });
  });

  it('binds the code to its redirect_uri', async () => {
    const mock = sharedServer();
    const code = await webCode(mock);
    const body = await json(await exchangeWebCode(mock, code, { redirect_uri: web.redirectUris[1] ?? '' }), 400);
    expect(body.error).toBe('invalid_grant');
  });

  it('expires codes after codeValidity', async () => {
    const mock = await start({ codeValidity: 60 });
    const code = await webCode(mock);
    mock.advanceTime(61);
    expect(await json(await exchangeWebCode(mock, code), 400)).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a wrong client secret with 401 invalid_client', async () => {
    const mock = sharedServer();
    const response = await exchangeWebCode(mock, await webCode(mock), { client_secret: 'not-the-secret' });
    expect(await json(response, 401)).toMatchObject({ error: 'invalid_client', http_code: 401 });
  });

  it('refuses HTTP Basic for web apps unless webAppBasicAuth is on', async () => {
    const strict = sharedServer();
    const form = { grant_type: 'authorization_code', code: await webCode(strict), redirect_uri: webRedirect };
    const refused = await postForm(strict.endpoints.token, form, { authorization: basic(web.clientId, web.clientSecret) });
    expect(await json(refused, 401)).toMatchObject({ error: 'invalid_client' });

    const lenient = await start({ webAppBasicAuth: true });
    const accepted = await postForm(
      lenient.endpoints.token,
      { ...form, code: await webCode(lenient) },
      { authorization: basic(web.clientId, web.clientSecret) },
    );
    expect((await json(accepted)).access_token).toEqual(expect.any(String));
  });

  it('reads parameters from the query string too, like the real server', async () => {
    const mock = sharedServer();
    const query = new URLSearchParams({
      grant_type: 'authorization_code',
      code: await webCode(mock),
      redirect_uri: webRedirect,
      client_id: web.clientId,
      client_secret: web.clientSecret,
    });
    const body = await json(await fetch(`${mock.endpoints.token}?${query.toString()}`, { method: 'POST' }));
    expect(body.access_token).toEqual(expect.any(String));
  });
});

describe('authorization_code grant: native apps and PKCE', () => {
  function exchangeNative(mock: AliyunMockServer, code: string, extra: Record<string, string> = {}): Promise<Response> {
    return postForm(mock.endpoints.token, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: nativeRedirect,
      client_id: native.clientId,
      ...extra,
    });
  }
  const nativeRequest = { client_id: native.clientId, redirect_uri: nativeRedirect };

  it('exchanges an S256-protected code for tokens, always with a refresh token', async () => {
    const mock = sharedServer();
    const code = await codeFor(mock, { ...nativeRequest, code_challenge: s256(verifier), code_challenge_method: 'S256' });
    const body = await json(await exchangeNative(mock, code, { code_verifier: verifier }));
    expect(body.access_token).toEqual(expect.any(String));
    expect(body.refresh_token).toEqual(expect.any(String));
  });

  it('treats a challenge without a method as plain', async () => {
    const mock = sharedServer();
    const code = await codeFor(mock, { ...nativeRequest, code_challenge: verifier });
    expect((await json(await exchangeNative(mock, code, { code_verifier: verifier }))).access_token).toEqual(expect.any(String));
  });

  it('rejects a wrong or missing code_verifier', async () => {
    const mock = sharedServer();
    const challenge = { ...nativeRequest, code_challenge: s256(verifier), code_challenge_method: 'S256' };
    const wrong = await exchangeNative(mock, await codeFor(mock, challenge), { code_verifier: `${verifier.slice(1)}x` });
    expect(await json(wrong, 400)).toMatchObject({ error: 'invalid_grant', error_description: 'code_verifier is invalid' });
    const missing = await exchangeNative(mock, await codeFor(mock, challenge));
    expect(await json(missing, 400)).toMatchObject({ error: 'invalid_grant' });
  });

  it('does not accept the S256 challenge itself as a verifier', async () => {
    const mock = sharedServer();
    const challenge = s256(verifier);
    const code = await codeFor(mock, { ...nativeRequest, code_challenge: challenge, code_challenge_method: 'S256' });
    expect((await json(await exchangeNative(mock, code, { code_verifier: challenge }), 400)).error).toBe('invalid_grant');
  });

  it('works without PKCE, which is optional', async () => {
    const mock = sharedServer();
    const body = await json(await exchangeNative(mock, await codeFor(mock, nativeRequest)));
    expect(body.refresh_token).toEqual(expect.any(String));
  });

  it('rejects a code_verifier for a code issued without a challenge (no silent PKCE downgrade)', async () => {
    const mock = sharedServer();
    const refused = await exchangeNative(mock, await codeFor(mock, nativeRequest), { code_verifier: verifier });
    expect(await json(refused, 400)).toMatchObject({
      error: 'invalid_grant',
      error_description: 'code_verifier was sent, but the authorization request had no code_challenge',
    });
    const webAnswer = await exchangeWebCode(mock, await webCode(mock), { code_verifier: verifier });
    expect((await json(webAnswer, 400)).error).toBe('invalid_grant');
  });

  it('ignores that code_verifier with codeVerifierWithoutChallenge: "ignore"', async () => {
    const mock = await start({ codeVerifierWithoutChallenge: 'ignore' });
    const body = await json(await exchangeNative(mock, await codeFor(mock, nativeRequest), { code_verifier: verifier }));
    expect(body.access_token).toEqual(expect.any(String));
  });
});

describe('refresh_token grant', () => {
  async function offlineTokens(mock: AliyunMockServer): Promise<Json> {
    return json(await exchangeWebCode(mock, await webCode(mock, { access_type: 'offline', scope: 'openid profile' })));
  }
  function refresh(mock: AliyunMockServer, refreshToken: string, extra: Record<string, string> = {}): Promise<Response> {
    return postForm(mock.endpoints.token, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: web.clientId,
      client_secret: web.clientSecret,
      ...extra,
    });
  }

  it('answers without refresh_token and id_token by default, and the refresh token keeps working', async () => {
    const mock = sharedServer();
    const first = await offlineTokens(mock);
    const refreshed = await json(await refresh(mock, String(first.refresh_token)));
    expect(refreshed.access_token).toEqual(expect.any(String));
    expect(refreshed.access_token).not.toBe(first.access_token);
    expect(refreshed).toMatchObject({ token_type: 'Bearer', expires_in: '3600', scope: 'openid profile' });
    expect(refreshed).not.toHaveProperty('refresh_token');
    expect(refreshed).not.toHaveProperty('id_token');
    expect((await json(await refresh(mock, String(first.refresh_token)))).access_token).toEqual(expect.any(String));
  });

  it('rotates the refresh token with refreshTokenRotation, and the old one stops working', async () => {
    const mock = await start({ refreshTokenRotation: true });
    const first = await offlineTokens(mock);
    const refreshed = await json(await refresh(mock, String(first.refresh_token)));
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);
    expect(refreshed.id_token).toEqual(expect.any(String));
    const reused = await json(await refresh(mock, String(first.refresh_token)), 400);
    expect(reused).toMatchObject({ error: 'invalid_grant', error_description: 'invalid refreshToken' });
    expect((await json(await refresh(mock, String(refreshed.refresh_token)))).access_token).toEqual(expect.any(String));
  });

  it('rejects an unknown refresh token with invalid_grant "invalid refreshToken"', async () => {
    const mock = sharedServer();
    expect(await json(await refresh(mock, 'made-up'), 400)).toMatchObject({
      error: 'invalid_grant',
      error_description: 'invalid refreshToken',
    });
  });

  it('expires refresh tokens after refreshTokenValidity', async () => {
    const mock = await start({ refreshTokenValidity: 3600 });
    const first = await offlineTokens(mock);
    mock.advanceTime(3601);
    expect((await json(await refresh(mock, String(first.refresh_token)), 400)).error).toBe('invalid_grant');
  });

  it('lets a web app omit its secret, unless refreshRequiresClientSecret is on', async () => {
    const lenient = sharedServer();
    const lenientTokens = await offlineTokens(lenient);
    const withoutSecret = await refresh(lenient, String(lenientTokens.refresh_token), { client_secret: '' });
    expect((await json(withoutSecret)).access_token).toEqual(expect.any(String));
    const wrongSecret = await refresh(lenient, String(lenientTokens.refresh_token), { client_secret: 'wrong' });
    expect((await json(wrongSecret, 401)).error).toBe('invalid_client');

    const strict = await start({ refreshRequiresClientSecret: true });
    const strictTokens = await offlineTokens(strict);
    const refused = await refresh(strict, String(strictTokens.refresh_token), { client_secret: '' });
    expect((await json(refused, 401)).error).toBe('invalid_client');
  });

  it('refuses another client refreshing the token', async () => {
    const mock = sharedServer();
    const first = await offlineTokens(mock);
    const response = await postForm(mock.endpoints.token, {
      grant_type: 'refresh_token',
      refresh_token: String(first.refresh_token),
      client_id: native.clientId,
    });
    expect((await json(response, 400)).error).toBe('invalid_grant');
  });
});

describe('client_credentials grant', () => {
  it('issues a token to a server app authenticated with HTTP Basic', async () => {
    const mock = sharedServer();
    const response = await postForm(
      mock.endpoints.token,
      { grant_type: 'client_credentials' },
      { authorization: basic(daemon.clientId, daemon.clientSecret) },
    );
    const body = await json(response);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: '3600', scope: '/acs/ccc' });
    expect(body).not.toHaveProperty('refresh_token');
    expect(body).not.toHaveProperty('id_token');
  });

  it('refuses server app credentials in the form body, with a Basic challenge', async () => {
    const mock = sharedServer();
    const response = await postForm(mock.endpoints.token, {
      grant_type: 'client_credentials',
      client_id: daemon.clientId,
      client_secret: daemon.clientSecret,
    });
    expect((await json(response, 401)).error).toBe('invalid_client');
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('refuses a wrong Basic secret', async () => {
    const mock = sharedServer();
    const response = await postForm(
      mock.endpoints.token,
      { grant_type: 'client_credentials' },
      { authorization: basic(daemon.clientId, 'wrong') },
    );
    expect((await json(response, 401)).error).toBe('invalid_client');
  });

  it('refuses client_credentials for web apps and the code flow for server apps', async () => {
    const mock = sharedServer();
    const webAttempt = await postForm(mock.endpoints.token, {
      grant_type: 'client_credentials',
      client_id: web.clientId,
      client_secret: web.clientSecret,
    });
    expect((await json(webAttempt, 400)).error).toBe('unauthorized_client');
    const daemonAttempt = await postForm(
      mock.endpoints.token,
      { grant_type: 'authorization_code', code: 'x', redirect_uri: webRedirect },
      { authorization: basic(daemon.clientId, daemon.clientSecret) },
    );
    expect((await json(daemonAttempt, 400)).error).toBe('unauthorized_client');
  });

  it('refuses scopes the server app is not allowed', async () => {
    const mock = sharedServer();
    const response = await postForm(
      mock.endpoints.token,
      { grant_type: 'client_credentials', scope: 'openid' },
      { authorization: basic(daemon.clientId, daemon.clientSecret) },
    );
    expect((await json(response, 400)).error).toBe('invalid_scope');
  });
});

describe('token lifetimes and expires_in', () => {
  it('sends expires_in as a number with expiresInType: "number"', async () => {
    const mock = await start({ expiresInType: 'number' });
    const body = await json(await exchangeWebCode(mock, await webCode(mock)));
    expect(body.expires_in).toBe(3600);
  });

  it('uses accessTokenValidity, and a per-app value over it', async () => {
    const mock = await start({
      accessTokenValidity: 900,
      apps: [web, { ...daemon, accessTokenValidity: 10_800 }],
    });
    expect((await json(await exchangeWebCode(mock, await webCode(mock)))).expires_in).toBe('900');
    const daemonTokens = await json(
      await postForm(
        mock.endpoints.token,
        { grant_type: 'client_credentials' },
        { authorization: basic(daemon.clientId, daemon.clientSecret) },
      ),
    );
    expect(daemonTokens.expires_in).toBe('10800');
  });

  it('rejects unsupported or missing grant types', async () => {
    const mock = sharedServer();
    const password = await postForm(mock.endpoints.token, { grant_type: 'password', client_id: web.clientId });
    expect((await json(password, 400)).error).toBe('unsupported_grant_type');
    const missing = await postForm(mock.endpoints.token, { client_id: web.clientId });
    expect(await json(missing, 400)).toMatchObject({ error: 'invalid_request', error_description: 'grant_type is required' });
  });
});

describe('revocation', () => {
  async function offline(mock: AliyunMockServer): Promise<Json> {
    return json(await exchangeWebCode(mock, await webCode(mock, { access_type: 'offline' })));
  }
  function revoke(mock: AliyunMockServer, token: string, extra: Record<string, string> = {}): Promise<Response> {
    return postForm(mock.endpoints.revocation, { token, client_id: web.clientId, client_secret: web.clientSecret, ...extra });
  }
  function userinfo(mock: AliyunMockServer, accessToken: unknown): Promise<Response> {
    return fetch(mock.endpoints.userinfo, { headers: { authorization: `Bearer ${String(accessToken)}` } });
  }

  it('revokes a refresh token: refreshing then fails, and its access tokens stop working', async () => {
    const mock = sharedServer();
    const tokens = await offline(mock);
    expect(await json(await revoke(mock, String(tokens.refresh_token)))).toEqual({ success: true, message: 'success' });
    const refreshed = await postForm(mock.endpoints.token, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.refresh_token),
      client_id: web.clientId,
      client_secret: web.clientSecret,
    });
    expect(await json(refreshed, 400)).toMatchObject({ error: 'invalid_grant', error_description: 'invalid refreshToken' });
    expect((await userinfo(mock, tokens.access_token)).status).toBe(401);
  });

  it('answers 200 success for unknown tokens, and without a client secret', async () => {
    const mock = sharedServer();
    expect(await json(await revoke(mock, 'never-issued'))).toEqual({ success: true, message: 'success' });
    expect(await json(await revoke(mock, 'never-issued', { client_secret: '' }))).toEqual({ success: true, message: 'success' });
  });

  it('does not revoke another client’s token', async () => {
    const mock = sharedServer();
    const nativeCode = await codeFor(mock, { client_id: native.clientId, redirect_uri: nativeRedirect });
    const nativeTokens = await json(
      await postForm(mock.endpoints.token, {
        grant_type: 'authorization_code',
        code: nativeCode,
        redirect_uri: nativeRedirect,
        client_id: native.clientId,
      }),
    );
    await json(await revoke(mock, String(nativeTokens.refresh_token)));
    const refreshed = await postForm(mock.endpoints.token, {
      grant_type: 'refresh_token',
      refresh_token: String(nativeTokens.refresh_token),
      client_id: native.clientId,
    });
    expect(refreshed.status).toBe(200);
  });

  it('leaves access tokens alone unless revokeAccessTokens is on', async () => {
    const defaults = sharedServer();
    const kept = await offline(defaults);
    await json(await revoke(defaults, String(kept.access_token)));
    expect((await userinfo(defaults, kept.access_token)).status).toBe(200);

    const revoking = await start({ revokeAccessTokens: true });
    const revoked = await offline(revoking);
    await json(await revoke(revoking, String(revoked.access_token)));
    expect((await userinfo(revoking, revoked.access_token)).status).toBe(401);
  });

  it('refuses a wrong client secret and a missing token', async () => {
    const mock = sharedServer();
    expect((await json(await revoke(mock, 'x', { client_secret: 'wrong' }), 401)).error).toBe('invalid_client');
    const missing = await postForm(mock.endpoints.revocation, { client_id: web.clientId });
    expect(await json(missing, 400)).toMatchObject({ error: 'invalid_request', error_description: 'token is required' });
  });
});
