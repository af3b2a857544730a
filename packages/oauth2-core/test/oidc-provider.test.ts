/**
 * OpenID Connect end to end against oidc-provider, a certified OpenID provider we did not write:
 * discovery, code flow with PKCE and nonce, ID-token verification (with a key rotation), userinfo,
 * refresh rotation, client credentials, device flow, introspection, revocation, logout, and every
 * client authentication method.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient, discover, IdTokenValidationError, OAuth2ServerError } from '@x/oauth2-core';
import type { ClientOptions, OAuth2Client, ProviderPreset } from '@x/oauth2-core';
import { Browser } from './helpers/http.js';
import { OIDC_POST_LOGOUT_REDIRECT_URI, OIDC_REDIRECT_URI, startOidcProvider } from './helpers/oidc-provider.js';
import type { OidcProviderHarness, OidcTestClient } from './helpers/oidc-provider.js';

describe('against oidc-provider', () => {
  let op: OidcProviderHarness;
  let provider: ProviderPreset;

  beforeAll(async () => {
    op = await startOidcProvider();
    provider = await discover(op.issuer);
  });
  afterAll(() => op.close());

  function clientFor(registered: OidcTestClient, extra: Partial<ClientOptions> = {}): OAuth2Client {
    return createClient(provider, {
      clientId: registered.clientId,
      ...(registered.clientSecret === undefined ? {} : { clientSecret: registered.clientSecret }),
      ...(registered.redirectUri === undefined ? {} : { redirectUri: registered.redirectUri }),
      tokenEndpointAuthMethod: registered.tokenEndpointAuthMethod,
      ...extra,
    });
  }

  async function login(client: OAuth2Client, scope = 'openid profile email offline_access', browser?: Browser) {
    const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest({ scope });
    const callback = await op.authorize(url, browser ? { browser } : {});
    return { checks, callback, token: await client.authorizationCode.handleCallback(callback, checks) };
  }

  it('discovers every endpoint the client uses', () => {
    expect(provider.issuer).toBe(op.issuer);
    expect(provider.endpoints).toMatchObject({
      authorization: op.endpoints.authorization,
      token: op.endpoints.token,
      userinfo: op.endpoints.userinfo,
      jwks: op.endpoints.jwks,
      introspection: op.endpoints.introspection,
      revocation: op.endpoints.revocation,
      deviceAuthorization: op.endpoints.deviceAuthorization,
      endSession: op.endpoints.endSession,
    });
  });

  it('logs in with code + PKCE + nonce and verifies the ID token', async () => {
    const client = clientFor(op.clients.basic);
    const { checks, callback, token } = await login(client);

    expect(checks.nonce).toBeDefined();
    expect(new URL(callback).searchParams.get('iss')).toBe(op.issuer);
    expect(token.idToken).toBeDefined();
    expect(token.idTokenClaims).toMatchObject({ sub: op.user.sub, aud: op.clients.basic.clientId, nonce: checks.nonce, iss: op.issuer });
    expect(token.refreshToken).toBeDefined();
  });

  it('refuses the ID token when the stored nonce differs', async () => {
    const client = clientFor(op.clients.basic);
    const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest({ scope: 'openid' });
    const callback = await op.authorize(url);
    const error = await client.authorizationCode
      .handleCallback(callback, { ...checks, nonce: 'a-nonce-from-another-login' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IdTokenValidationError);
    expect((error as IdTokenValidationError).code).toBe('ERR_ID_TOKEN_NONCE');
  });

  it('reports a denied consent as access_denied', async () => {
    const client = clientFor(op.clients.basic);
    const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest({ scope: 'openid' });
    const callback = await op.deny(url);
    await expect(client.authorizationCode.handleCallback(callback, checks)).rejects.toMatchObject({
      code: 'ERR_OAUTH2_AUTHORIZATION',
      error: 'access_denied',
    });
  });

  it('fetches userinfo and checks its subject against the ID token', async () => {
    const client = clientFor(op.clients.basic);
    const { token } = await login(client);
    const claims = await client.userinfo(token);
    expect(claims).toMatchObject({ sub: op.user.sub, email: op.user.claims.email, name: op.user.claims.name });
    await expect(client.userinfo(token.accessToken, { expectedSubject: 'somebody-else' })).rejects.toMatchObject({
      code: 'ERR_OAUTH2_INVALID_RESPONSE',
    });
  });

  it('refreshes with rotation; the new ID token is verified; the old refresh token is refused', async () => {
    const client = clientFor(op.clients.post);
    const { token } = await login(client);
    const refreshed = await token.refresh();

    expect(refreshed.accessToken).not.toBe(token.accessToken);
    expect(refreshed.refreshToken).not.toBe(token.refreshToken);
    expect(refreshed.idTokenClaims?.sub).toBe(op.user.sub);
    await expect(client.refresh(token.refreshToken!)).rejects.toBeInstanceOf(OAuth2ServerError);
  });

  it('verifies ID tokens across a key rotation on the provider', async () => {
    const client = clientFor(op.clients.basic);
    const before = await login(client);
    const jwksFetches = () => op.requests.filter((request) => request.path === '/jwks').length;
    const fetchesBefore = jwksFetches();

    const kids = await op.rotateKeys();
    // An unknown kid triggers a JWKS download at most once per cooldown (30 s), which bounds the requests
    // that made-up kids can cause. Real rotations are rarer than that; move the clock past it.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    const after = await login(client).finally(() => vi.useRealTimers());

    expect(after.token.idTokenClaims?.sub).toBe(op.user.sub);
    expect(JSON.parse(atob(after.token.idToken!.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'))).kid).toBe(kids.RS256);
    expect(jwksFetches()).toBe(fetchesBefore + 1);
    // The old key is still published, so a token signed before the rotation still verifies.
    await expect(client.verifyIdToken(before.token.idToken!)).resolves.toMatchObject({ sub: op.user.sub });
  });

  it('gets client credentials tokens with every client authentication method', async () => {
    const methods = [op.clients.basic, op.clients.post, op.clients.secretJwt, op.clients.service];
    for (const registered of methods) {
      const token = await clientFor(registered).clientCredentials.getToken({ scope: 'api:read' });
      expect(token.scope, registered.tokenEndpointAuthMethod).toEqual(['api:read']);
    }
    const jwtClient = op.clients.privateKeyJwt;
    const withCryptoKey = clientFor(jwtClient, { privateKey: jwtClient.privateKey });
    const withJwk = clientFor(jwtClient, { privateKey: jwtClient.privateJwk });
    expect((await withCryptoKey.clientCredentials.getToken({ scope: 'api:read' })).accessToken).toBeTruthy();
    expect((await withJwk.clientCredentials.getToken({ scope: 'api:read' })).accessToken).toBeTruthy();
  });

  it('runs the code flow with private_key_jwt client authentication', async () => {
    const client = clientFor(op.clients.privateKeyJwt, { privateKey: op.clients.privateKeyJwt.privateJwk });
    const { token } = await login(client, 'openid');
    expect(token.idTokenClaims?.aud).toBe(op.clients.privateKeyJwt.clientId);
  });

  it('introspects active and revoked tokens, then revocation makes them inactive', async () => {
    const client = clientFor(op.clients.basic);
    const token = await client.clientCredentials.getToken({ scope: 'api:read' });
    const active = await client.introspect(token);
    expect(active).toMatchObject({ active: true, client_id: op.clients.basic.clientId, scope: 'api:read' });

    await token.revoke('access_token');
    expect(await client.introspect(token)).toEqual({ active: false });
  });

  it('revokes the refresh token of a login with revokeAll', async () => {
    const client = clientFor(op.clients.basic);
    const { token } = await login(client);
    await token.revokeAll();
    expect((await client.introspect(token.refreshToken!, 'refresh_token')).active).toBe(false);
    await expect(token.refresh()).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('runs the device flow with the user code approved by the test', async () => {
    const client = clientFor(op.clients.device);
    const authorization = await client.deviceCode.start({ scope: 'openid profile' });
    expect(authorization.userCode).toBeTruthy();
    expect(authorization.verificationUri).toBe(op.endpoints.deviceVerification);

    const pending: number[] = [];
    const polling = client.deviceCode.poll(
      { ...authorization, interval: 0.05 },
      { onPending: ({ attempt }) => pending.push(attempt) },
    );
    await op.approveDeviceCode(authorization.userCode);
    const token = await polling;
    expect(token.accessToken).toBeTruthy();
    expect(token.idTokenClaims).toMatchObject({ sub: op.user.sub, aud: op.clients.device.clientId });
    expect(pending.length).toBeGreaterThanOrEqual(1);
  });

  it('stops the device flow with access_denied when the user refuses', async () => {
    const client = clientFor(op.clients.device);
    const authorization = await client.deviceCode.start({ scope: 'openid' });
    const polling = client.deviceCode.poll({ ...authorization, interval: 0.05 });
    await op.denyDeviceCode(authorization.userCode);
    await expect(polling).rejects.toMatchObject({ code: 'ERR_OAUTH2_SERVER', error: 'access_denied' });
  });

  it('builds an end-session URL the provider accepts', async () => {
    const browser = new Browser();
    const client = clientFor(op.clients.basic);
    const { token } = await login(client, 'openid', browser);
    const url = client.endSessionURL({ idTokenHint: token.idToken!, postLogoutRedirectUri: OIDC_POST_LOGOUT_REDIRECT_URI, state: 'bye' });

    const params = new URL(url).searchParams;
    expect(params.get('client_id')).toBe(op.clients.basic.clientId);
    expect(params.get('id_token_hint')).toBe(token.idToken);
    const landing = new URL(await op.endSession(url, { browser }));
    expect(`${landing.origin}${landing.pathname}`).toBe(OIDC_POST_LOGOUT_REDIRECT_URI);
    expect(landing.searchParams.get('state')).toBe('bye');
  });
});

describe('against oidc-provider with signed UserInfo answers', () => {
  let op: OidcProviderHarness;
  const registered = { client_id: 'jwt-userinfo-client', client_secret: 'a-secret-long-enough-for-hs256-0123456789' };

  beforeAll(async () => {
    op = await startOidcProvider({
      clients: [
        {
          ...registered,
          redirect_uris: [OIDC_REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          userinfo_signed_response_alg: 'RS256',
        },
      ],
      configure: (configuration) => {
        configuration.features.jwtUserinfo = { enabled: true };
      },
    });
  });
  afterAll(() => op.close());

  it('verifies an application/jwt answer and returns its claims', async () => {
    const client = createClient(await discover(op.issuer), {
      clientId: registered.client_id,
      clientSecret: registered.client_secret,
      redirectUri: OIDC_REDIRECT_URI,
    });
    const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest({ scope: 'openid email' });
    const token = await client.authorizationCode.handleCallback(await op.authorize(url), checks);

    const claims = await client.userinfo(token);

    expect(claims).toMatchObject({ sub: op.user.sub, email: op.user.claims.email, iss: op.issuer, aud: registered.client_id });
    const userinfoRequest = op.requests.filter((request) => request.path === '/me').at(-1);
    expect(userinfoRequest?.status).toBe(200);
  });
});
