import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  seededAccounts,
  seededApps,
  type AliyunMockServer,
} from '../src/testing/index.js';
import { exchangeWebAppCode, mockServerPool } from './helpers/mock-pool.js';

const { web, native, server: daemon } = seededApps;
const webRedirect = web.redirectUris[0] ?? '';

interface TokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
}

const { shared: sharedServer, start } = mockServerPool();

/** Signs in through the programmatic API and exchanges the code at the token endpoint. */
async function signIn(mock: AliyunMockServer, account: string, scope: string, extra: Record<string, string> = {}): Promise<TokenResponse> {
  const url = new URL(mock.endpoints.authorization);
  url.search = new URLSearchParams({
    client_id: web.clientId,
    redirect_uri: webRedirect,
    response_type: 'code',
    scope,
    state: 's',
    ...extra,
  }).toString();
  const code = new URL(await mock.authorize(url, { account })).searchParams.get('code') ?? '';
  return (await exchangeWebAppCode(mock, code)) as unknown as TokenResponse;
}

async function jwks(mock: AliyunMockServer): Promise<JSONWebKeySet> {
  const response = await fetch(mock.endpoints.jwks);
  expect(response.status).toBe(200);
  return (await response.json()) as JSONWebKeySet;
}

async function verify(mock: AliyunMockServer, idToken: string | undefined, keySet?: JSONWebKeySet): Promise<JWTPayload> {
  if (idToken === undefined) throw new Error('no id_token in the token response');
  const { payload } = await jwtVerify(idToken, createLocalJWKSet(keySet ?? (await jwks(mock))), {
    issuer: mock.issuer,
    audience: web.clientId,
    algorithms: ['RS256'],
  });
  return payload;
}

describe('ID token', () => {
  it('is an RS256 JWS with a kid that verifies against /v1/keys', async () => {
    const tokens = await signIn(sharedServer(), 'root', 'openid');
    const header = decodeProtectedHeader(tokens.id_token ?? '');
    expect(header.alg).toBe('RS256');
    const keySet = await jwks(sharedServer());
    expect(keySet.keys.map((key) => key.kid)).toContain(header.kid);
    expect(keySet.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(keySet.keys[0]).not.toHaveProperty('d');
    const payload = await verify(sharedServer(), tokens.id_token, keySet);
    expect(payload.iss).toBe(sharedServer().origin);
    expect(payload.aud).toBe(web.clientId);
    expect(payload.sub).toBe(seededAccounts.root.sub);
    expect(payload.exp).toBe((payload.iat ?? 0) + 3600);
    expect(payload).not.toHaveProperty('nonce');
  });

  it('carries only sub with openid alone', async () => {
    const payload = await verify(sharedServer(), (await signIn(sharedServer(), 'root', 'openid')).id_token);
    for (const claim of ['type', 'name', 'upn', 'login_name', 'aid', 'uid']) expect(payload).not.toHaveProperty(claim);
  });

  it('adds type, name and login_name with profile for a root account, and aid === uid with aliuid', async () => {
    const payload = await verify(sharedServer(), (await signIn(sharedServer(), 'root', 'openid profile aliuid')).id_token);
    expect(payload).toMatchObject({
      type: 'account',
      name: seededAccounts.root.name,
      login_name: seededAccounts.root.login_name,
      aid: seededAccounts.root.aid,
      uid: seededAccounts.root.aid,
    });
    expect(payload).not.toHaveProperty('upn');
  });

  it('describes a RAM user with upn and distinct uid and aid', async () => {
    const payload = await verify(sharedServer(), (await signIn(sharedServer(), 'ram-user', 'openid profile aliuid')).id_token);
    expect(payload).toMatchObject({ type: 'user', upn: seededAccounts.ramUser.upn, uid: seededAccounts.ramUser.uid });
    expect(payload.uid).not.toBe(payload.aid);
  });

  it('describes a RAM role, and leaves out aid and uid without aliuid', async () => {
    const payload = await verify(sharedServer(), (await signIn(sharedServer(), 'ram-role', 'openid profile')).id_token);
    expect(payload).toMatchObject({ type: 'role', name: seededAccounts.ramRole.name, sub: seededAccounts.ramRole.sub });
    expect(payload).not.toHaveProperty('aid');
    expect(payload).not.toHaveProperty('uid');
  });

  it('binds the access token with at_hash', async () => {
    const tokens = await signIn(sharedServer(), 'root', 'openid');
    const payload = await verify(sharedServer(), tokens.id_token);
    const digest = createHash('sha256').update(tokens.access_token).digest();
    expect(payload.at_hash).toBe(digest.subarray(0, 16).toString('base64url'));
  });

  it('uses the issuer option as iss', async () => {
    const mock = await start({ issuer: 'https://oauth.aliyun.com' });
    const payload = await verify(mock, (await signIn(mock, 'root', 'openid')).id_token);
    expect(payload.iss).toBe('https://oauth.aliyun.com');
  });

  it('sets aud to the native app’s client id for native apps', async () => {
    const redirectUri = native.redirectUris[0] ?? '';
    const url = new URL(sharedServer().endpoints.authorization);
    url.search = new URLSearchParams({ client_id: native.clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid' }).toString();
    const code = new URL(await sharedServer().authorize(url)).searchParams.get('code') ?? '';
    const response = await fetch(sharedServer().endpoints.token, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: native.clientId }),
    });
    const tokens = (await response.json()) as TokenResponse;
    const { payload } = await jwtVerify(tokens.id_token ?? '', createLocalJWKSet(await jwks(sharedServer())), { audience: native.clientId });
    expect(payload.aud).toBe(native.clientId);
  });
});

describe('key rotation', () => {
  it('signs with the new key while the old one stays published, until it is dropped', async () => {
    const mock = await start();
    const before = await signIn(mock, 'root', 'openid');
    const oldKid = decodeProtectedHeader(before.id_token ?? '').kid;

    const newKid = await mock.rotateKeys();
    expect(newKid).not.toBe(oldKid);
    const afterRotation = await jwks(mock);
    expect(afterRotation.keys.map((key) => key.kid)).toEqual([newKid, oldKid]);

    const after = await signIn(mock, 'root', 'openid');
    expect(decodeProtectedHeader(after.id_token ?? '').kid).toBe(newKid);
    await verify(mock, before.id_token, afterRotation);
    await verify(mock, after.id_token, afterRotation);

    expect(mock.dropPreviousKeys()).toEqual([oldKid]);
    const afterDrop = await jwks(mock);
    expect(afterDrop.keys.map((key) => key.kid)).toEqual([newKid]);
    await expect(verify(mock, before.id_token, afterDrop)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await verify(mock, after.id_token, afterDrop);
  });
});

describe('key rotation keeps two keys published', () => {
  it('drops the oldest key when a third one is added', async () => {
    const mock = await start();
    const first = await signIn(mock, 'root', 'openid');
    const firstKid = decodeProtectedHeader(first.id_token ?? '').kid;
    const secondKid = await mock.rotateKeys();
    const thirdKid = await mock.rotateKeys();

    const published = await jwks(mock);
    expect(published.keys.map((key) => key.kid)).toEqual([thirdKid, secondKid]);
    expect(published.keys.map((key) => key.kid)).not.toContain(firstKid);
    await expect(verify(mock, first.id_token, published)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect(decodeProtectedHeader((await signIn(mock, 'root', 'openid')).id_token ?? '').kid).toBe(thirdKid);
  });
});

describe('userinfo', () => {
  function userinfo(mock: AliyunMockServer, authorization?: string): Promise<Response> {
    return fetch(mock.endpoints.userinfo, { headers: authorization === undefined ? {} : { authorization } });
  }

  it('answers the claims the token’s scopes allow', async () => {
    const profileOnly = await signIn(sharedServer(), 'ram-user', 'openid profile');
    const response = await userinfo(sharedServer(), `Bearer ${profileOnly.access_token}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await response.json()).toEqual({
      sub: seededAccounts.ramUser.sub,
      type: 'user',
      name: seededAccounts.ramUser.name,
      upn: seededAccounts.ramUser.upn,
    });

    const aliuidOnly = await signIn(sharedServer(), 'ram-user', 'openid aliuid');
    expect(await (await userinfo(sharedServer(), `Bearer ${aliuidOnly.access_token}`)).json()).toEqual({
      sub: seededAccounts.ramUser.sub,
      aid: seededAccounts.ramUser.aid,
      uid: seededAccounts.ramUser.uid,
    });
  });

  it('answers a bad or missing token with access_denied "parse token failed"', async () => {
    for (const authorization of ['Bearer not-a-token', undefined, 'Basic abc']) {
      const response = await userinfo(sharedServer(), authorization);
      expect(response.status).toBe(401);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ error: 'access_denied', error_description: 'parse token failed', http_code: 401 });
      expect(body.requestId).toMatch(/^[0-9A-F-]{36}$/);
    }
  });

  it('answers 403 to a token without the openid scope', async () => {
    const noOpenid = await signIn(sharedServer(), 'root', 'profile /acs/ccc');
    const response = await userinfo(sharedServer(), `Bearer ${noOpenid.access_token}`);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'insufficient_scope', http_code: 403 });

    const daemonToken = (await (
      await fetch(sharedServer().endpoints.token, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${daemon.clientId}:${daemon.clientSecret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      })
    ).json()) as TokenResponse;
    expect((await userinfo(sharedServer(), `Bearer ${daemonToken.access_token}`)).status).toBe(403);
  });

  it('stops accepting an access token once it expires', async () => {
    const mock = await start({ accessTokenValidity: 900 });
    const tokens = await signIn(mock, 'root', 'openid');
    expect((await userinfo(mock, `Bearer ${tokens.access_token}`)).status).toBe(200);
    mock.advanceTime(901);
    expect(await (await userinfo(mock, `Bearer ${tokens.access_token}`)).json()).toMatchObject({
      error: 'access_denied',
      error_description: 'parse token failed',
    });
  });

  it('takes the required scope and the statuses from the options', async () => {
    const mock = await start({ userinfoRequiredScope: 'profile', errorStatuses: { scope: 401, token: 400 } });
    const openidOnly = await signIn(mock, 'root', 'openid');
    expect((await userinfo(mock, `Bearer ${openidOnly.access_token}`)).status).toBe(401);
    expect((await userinfo(mock, 'Bearer nope')).status).toBe(400);
  });
});
