/**
 * Proves the test harnesses work, using plain fetch only (never our client), so that a failing client
 * integration test can be blamed on the client and not on the servers.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { Browser, createPkcePair, postForm, randomToken } from './helpers/http.js';
import { startNodeOAuthServer, type NodeOAuthServerHarness } from './helpers/node-oauth-server.js';
import {
  OIDC_API_RESOURCE,
  startOidcProvider,
  type OidcProviderHarness,
  type OidcTestClient,
} from './helpers/oidc-provider.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Narrows a JSON body to an object with string-keyed members. */
function json(body: unknown): Record<string, unknown> {
  expect(body).toBeTypeOf('object');
  expect(body).not.toBeNull();
  return body as Record<string, unknown>;
}

function str(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  expect(value, `${key} in ${JSON.stringify(body)}`).toBeTypeOf('string');
  return value as string;
}

function authorizationUrl(endpoint: string, params: Record<string, string>): string {
  const url = new URL(endpoint);
  url.search = new URLSearchParams(params).toString();
  return url.href;
}

describe('oidc-provider harness', () => {
  let op: OidcProviderHarness;
  const extraServers: OidcProviderHarness[] = [];

  beforeAll(async () => {
    op = await startOidcProvider();
  });
  afterEach(() => {
    expect(op.serverErrors).toEqual([]);
  });
  afterAll(async () => {
    await Promise.all([op?.close(), ...extraServers.map((server) => server.close())]);
  });

  /** Builds a code+PKCE authorization URL for `client`, runs it through `authorize()`, returns the pieces. */
  async function loginWithCode(
    provider: OidcProviderHarness,
    client: OidcTestClient,
    options: { scope?: string; browser?: Browser } = {},
  ) {
    const pkce = createPkcePair();
    const state = randomToken();
    const nonce = randomToken();
    const url = authorizationUrl(provider.endpoints.authorization, {
      client_id: client.clientId,
      redirect_uri: client.redirectUri ?? '',
      response_type: 'code',
      scope: options.scope ?? 'openid profile email',
      state,
      nonce,
      code_challenge: pkce.codeChallenge,
      code_challenge_method: 'S256',
    });
    const callback = new URL(await provider.authorize(url, { browser: options.browser }));
    return { callback, state, nonce, pkce };
  }

  it('serves discovery describing the enabled endpoints and methods', async () => {
    const response = await fetch(op.endpoints.discovery);
    expect(response.status).toBe(200);
    const metadata = json(await response.json());
    expect(metadata).toMatchObject({
      issuer: op.issuer,
      authorization_endpoint: op.endpoints.authorization,
      token_endpoint: op.endpoints.token,
      jwks_uri: op.endpoints.jwks,
      userinfo_endpoint: op.endpoints.userinfo,
      introspection_endpoint: op.endpoints.introspection,
      revocation_endpoint: op.endpoints.revocation,
      device_authorization_endpoint: op.endpoints.deviceAuthorization,
      end_session_endpoint: op.endpoints.endSession,
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ['S256'],
    });
    expect(metadata.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials', DEVICE_GRANT]),
    );
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']),
    );
    expect(metadata.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'ES256']));
  });

  it('authorize() logs in and consents; the PKCE code exchanges for ID, access and refresh tokens', async () => {
    const client = op.clients.public;
    const { callback, state, nonce, pkce } = await loginWithCode(op, client);
    expect(callback.origin + callback.pathname).toBe(client.redirectUri);
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('iss')).toBe(op.issuer);

    const token = await postForm(op.endpoints.token, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: client.redirectUri,
      client_id: client.clientId,
      code_verifier: pkce.codeVerifier,
    });
    expect(token.status).toBe(200);
    const body = json(token.body);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid profile email' });

    const { payload } = await jwtVerify(str(body, 'id_token'), createRemoteJWKSet(new URL(op.endpoints.jwks)), {
      issuer: op.issuer,
      audience: client.clientId,
    });
    expect(payload).toMatchObject({ sub: op.user.sub, nonce });

    const userinfo = await fetch(op.endpoints.userinfo, {
      headers: { authorization: `Bearer ${str(body, 'access_token')}` },
    });
    expect(await userinfo.json()).toMatchObject({ sub: op.user.sub, ...op.user.claims });

    // Refresh tokens rotate; replaying the used one is refused.
    const firstRefreshToken = str(body, 'refresh_token');
    const refreshed = await postForm(op.endpoints.token, {
      grant_type: 'refresh_token',
      refresh_token: firstRefreshToken,
      client_id: client.clientId,
    });
    expect(refreshed.status).toBe(200);
    expect(str(json(refreshed.body), 'refresh_token')).not.toBe(firstRefreshToken);
    const replayed = await postForm(op.endpoints.token, {
      grant_type: 'refresh_token',
      refresh_token: firstRefreshToken,
      client_id: client.clientId,
    });
    expect(replayed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('deny() comes back with error=access_denied', async () => {
    const client = op.clients.basic;
    const url = authorizationUrl(op.endpoints.authorization, {
      client_id: client.clientId,
      redirect_uri: client.redirectUri ?? '',
      response_type: 'code',
      scope: 'openid',
      state: 'deny-state',
    });
    const callback = new URL(await op.deny(url));
    expect(Object.fromEntries(callback.searchParams)).toMatchObject({
      error: 'access_denied',
      state: 'deny-state',
      iss: op.issuer,
    });
  });

  it('endSession() logs out the browser session and returns to the post-logout redirect URI', async () => {
    const browser = new Browser();
    const client = op.clients.basic;
    await loginWithCode(op, client, { browser, scope: 'openid' });
    const url = authorizationUrl(op.endpoints.endSession, {
      client_id: client.clientId,
      post_logout_redirect_uri: client.postLogoutRedirectUri ?? '',
      state: 'bye',
    });
    expect(await op.endSession(url, { browser })).toBe(`${client.postLogoutRedirectUri}?state=bye`);
  });

  it('approveDeviceCode() lets the device poll succeed; denyDeviceCode() makes it fail', async () => {
    const client = op.clients.device;
    const start = async () => {
      const response = await postForm(op.endpoints.deviceAuthorization, {
        client_id: client.clientId,
        scope: 'openid offline_access',
      });
      expect(response.status).toBe(200);
      return json(response.body);
    };
    const poll = (deviceCode: string) =>
      postForm(op.endpoints.token, { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: client.clientId });

    const approved = await start();
    expect(await poll(str(approved, 'device_code'))).toMatchObject({
      status: 400,
      body: { error: 'authorization_pending' },
    });
    await op.approveDeviceCode(str(approved, 'user_code'));
    const tokens = await poll(str(approved, 'device_code'));
    expect(tokens.status).toBe(200);
    expect(json(tokens.body)).toMatchObject({
      access_token: expect.any(String),
      id_token: expect.any(String),
      refresh_token: expect.any(String),
    });

    const denied = await start();
    await op.denyDeviceCode(str(denied, 'user_code'));
    expect(await poll(str(denied, 'device_code'))).toMatchObject({ status: 400, body: { error: 'access_denied' } });

    await expect(op.approveDeviceCode('BBBB-BBBB')).rejects.toThrow(/rejected/);
  });

  it('client_credentials works with every confidential auth method and the token introspects as active', async () => {
    const { basic, post, secretJwt, privateKeyJwt, service } = op.clients;
    const assertion = async (clientId: string, alg: string, key: CryptoKey | Uint8Array, kid?: string) =>
      new SignJWT({})
        .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(op.issuer)
        .setJti(randomToken())
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(key);
    const jwtAuth = (token: string) => ({
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: token,
    });
    const grant = { grant_type: 'client_credentials', scope: 'api:read' };

    const responses = [
      await postForm(op.endpoints.token, grant, { basic: [basic.clientId, basic.clientSecret ?? ''] }),
      await postForm(op.endpoints.token, { ...grant, client_id: post.clientId, client_secret: post.clientSecret }),
      await postForm(op.endpoints.token, {
        ...grant,
        ...jwtAuth(await assertion(secretJwt.clientId, 'HS256', new TextEncoder().encode(secretJwt.clientSecret))),
      }),
      await postForm(op.endpoints.token, {
        ...grant,
        ...jwtAuth(await assertion(privateKeyJwt.clientId, 'RS256', privateKeyJwt.privateKey, privateKeyJwt.kid)),
      }),
      await postForm(
        op.endpoints.token,
        { ...grant, resource: OIDC_API_RESOURCE },
        { basic: [service.clientId, service.clientSecret ?? ''] },
      ),
    ];
    for (const response of responses) {
      expect(response, JSON.stringify(response.body)).toMatchObject({
        status: 200,
        body: { token_type: 'Bearer', scope: 'api:read' },
      });
    }

    const serviceToken = str(json(responses[4]?.body), 'access_token');
    const introspection = await postForm(
      op.endpoints.introspection,
      { token: serviceToken },
      { basic: [service.clientId, service.clientSecret ?? ''] },
    );
    expect(introspection).toMatchObject({
      status: 200,
      body: { active: true, client_id: service.clientId, scope: 'api:read', aud: OIDC_API_RESOURCE },
    });

    const revoked = await postForm(
      op.endpoints.revocation,
      { token: serviceToken },
      { basic: [service.clientId, service.clientSecret ?? ''] },
    );
    expect(revoked.status).toBe(200);
    const afterRevocation = await postForm(
      op.endpoints.introspection,
      { token: serviceToken },
      { basic: [service.clientId, service.clientSecret ?? ''] },
    );
    expect(afterRevocation.body).toEqual({ active: false });
  });

  it('rotateKeys() publishes a new first key, keeps the old one, and signs new ID tokens with it', async () => {
    const rotating = await startOidcProvider();
    extraServers.push(rotating);
    const jwks = async () => {
      const body = json(await (await fetch(rotating.endpoints.jwks)).json());
      return (body.keys as Array<{ kid: string }>).map((key) => key.kid);
    };
    const before = rotating.signingKids;
    expect(await jwks()).toEqual([before.RS256, before.ES256]);

    const after = await rotating.rotateKeys();
    expect(after.RS256).not.toBe(before.RS256);
    expect(await jwks()).toEqual([after.RS256, after.ES256, before.RS256, before.ES256]);
    expect(rotating.publicJwks().keys.map((key) => key.kid)).toEqual(await jwks());

    const client = rotating.clients.basic;
    const { callback, pkce } = await loginWithCode(rotating, client, { scope: 'openid' });
    const token = await postForm(
      rotating.endpoints.token,
      {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') ?? '',
        redirect_uri: client.redirectUri,
        code_verifier: pkce.codeVerifier,
      },
      { basic: [client.clientId, client.clientSecret ?? ''] },
    );
    expect(decodeProtectedHeader(str(json(token.body), 'id_token')).kid).toBe(after.RS256);
    expect(rotating.serverErrors).toEqual([]);
  });
});

describe('node-oauth-server harness', () => {
  let as: NodeOAuthServerHarness;

  beforeAll(async () => {
    as = await startNodeOAuthServer();
  });
  afterAll(async () => {
    await as?.close();
  });

  it('authorization code with PKCE for the public client, then a rotating refresh', async () => {
    const client = as.clients.public;
    const pkce = createPkcePair();
    const url = authorizationUrl(as.authorizationEndpoint, {
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      response_type: 'code',
      scope: 'read profile',
      state: 'pkce-state',
      code_challenge: pkce.codeChallenge,
      code_challenge_method: 'S256',
    });
    const callback = new URL(await as.authorize(url));
    expect(callback.searchParams.get('state')).toBe('pkce-state');
    const code = callback.searchParams.get('code') ?? '';

    const wrongVerifier = await postForm(as.tokenEndpoint, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: client.redirectUri,
      client_id: client.clientId,
      code_verifier: createPkcePair().codeVerifier,
    });
    expect(wrongVerifier).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    // A failed verifier consumes the code (the library's anti-brute-force rule), so authorize again.
    const retry = new URL(await as.authorize(url));
    const token = await postForm(as.tokenEndpoint, {
      grant_type: 'authorization_code',
      code: retry.searchParams.get('code') ?? '',
      redirect_uri: client.redirectUri,
      client_id: client.clientId,
      code_verifier: pkce.codeVerifier,
    });
    expect(token).toMatchObject({ status: 200, body: { token_type: 'Bearer', scope: 'read profile' } });

    const refreshToken = str(json(token.body), 'refresh_token');
    const refreshed = await postForm(as.tokenEndpoint, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: client.clientId,
    });
    expect(refreshed.status).toBe(200);
    expect(str(json(refreshed.body), 'refresh_token')).not.toBe(refreshToken);
    const replayed = await postForm(as.tokenEndpoint, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: client.clientId,
    });
    expect(replayed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('password grant with HTTP Basic; the token works at /me', async () => {
    const { confidential } = as.clients;
    const token = await postForm(
      as.tokenEndpoint,
      { grant_type: 'password', username: as.user.username, password: as.user.password, scope: 'read write' },
      { basic: [confidential.clientId, confidential.clientSecret ?? ''] },
    );
    expect(token).toMatchObject({ status: 200, body: { scope: 'read write', refresh_token: expect.any(String) } });

    const me = await fetch(as.userinfoEndpoint, {
      headers: { authorization: `Bearer ${str(json(token.body), 'access_token')}` },
    });
    expect(await me.json()).toEqual({
      sub: as.user.id,
      username: as.user.username,
      scope: 'read write',
      client_id: confidential.clientId,
    });

    const wrongPassword = await postForm(
      as.tokenEndpoint,
      { grant_type: 'password', username: as.user.username, password: 'nope' },
      { basic: [confidential.clientId, confidential.clientSecret ?? ''] },
    );
    expect(wrongPassword).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('client_credentials with credentials in the body, honouring the access token lifetime switch', async () => {
    const { confidential } = as.clients;
    const request = () =>
      postForm(as.tokenEndpoint, {
        grant_type: 'client_credentials',
        client_id: confidential.clientId,
        client_secret: confidential.clientSecret,
      });
    const normal = await request();
    expect(normal).toMatchObject({ status: 200, body: { token_type: 'Bearer', scope: 'read' } });
    expect(json(normal.body)).not.toHaveProperty('refresh_token');

    as.setAccessTokenLifetime(120);
    try {
      const short = json((await request()).body);
      expect(short.expires_in).toBeGreaterThanOrEqual(119);
      expect(short.expires_in).toBeLessThanOrEqual(120);
    } finally {
      as.setAccessTokenLifetime(3600);
    }

    const badSecret = await postForm(
      as.tokenEndpoint,
      { grant_type: 'client_credentials' },
      { basic: [confidential.clientId, 'wrong'] },
    );
    expect(badSecret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(as.requests.at(-1)).toMatchObject({ method: 'POST', path: '/token', status: 401 });
  });
});
