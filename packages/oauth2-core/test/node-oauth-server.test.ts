/**
 * End to end against @node-oauth/oauth2-server, a real authorization server we did not write: every
 * grant the core offers a plain OAuth 2.0 server, through the public API only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, defineProvider, OAuth2ServerError } from '@x/oauth2-core';
import type { OAuth2Client } from '@x/oauth2-core';
import { startNodeOAuthServer } from './helpers/node-oauth-server.js';
import type { NodeOAuthServerHarness } from './helpers/node-oauth-server.js';

describe('against @node-oauth/oauth2-server', () => {
  let server: NodeOAuthServerHarness;
  let confidential: OAuth2Client;
  let publicClient: OAuth2Client;

  beforeAll(async () => {
    server = await startNodeOAuthServer();
    const provider = defineProvider({
      name: 'node-oauth2-server',
      endpoints: { authorization: server.authorizationEndpoint, token: server.tokenEndpoint },
    });
    const { confidential: app, public: native } = server.clients;
    confidential = createClient(provider, { clientId: app.clientId, clientSecret: app.clientSecret!, redirectUri: app.redirectUri });
    publicClient = createClient(provider, { clientId: native.clientId, redirectUri: native.redirectUri });
  });
  afterAll(() => server.close());

  it('runs the authorization code flow with PKCE for a public client', async () => {
    const { url, ...checks } = await publicClient.authorizationCode.createAuthorizationRequest({ scope: 'read' });
    expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
    const callback = await server.authorize(url);

    const token = await publicClient.authorizationCode.handleCallback(callback, checks);

    expect(token.accessToken).toMatch(/.{16,}/);
    expect(token.refreshToken).toBeDefined();
    expect(token.scope).toEqual(['read']);
    expect(token.expired()).toBe(false);
    const exchange = server.requests.at(-1)!;
    expect(exchange.form?.get('code_verifier')).toBe(checks.codeVerifier);
  });

  it('refuses a code exchanged with the wrong verifier', async () => {
    const { url, state } = await publicClient.authorizationCode.createAuthorizationRequest({ scope: 'read' });
    const callback = await server.authorize(url);
    const error = await publicClient.authorizationCode
      .handleCallback(callback, { state, codeVerifier: 'x'.repeat(43) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect((error as OAuth2ServerError).error).toBe('invalid_grant');
  });

  it('runs the authorization code flow for a confidential client with HTTP Basic', async () => {
    const { url, ...checks } = await confidential.authorizationCode.createAuthorizationRequest({ scope: ['read', 'write'] });
    const token = await confidential.authorizationCode.handleCallback(await server.authorize(url), checks);
    expect(token.scope).toEqual(['read', 'write']);
    expect(server.requests.at(-1)!.headers.authorization).toMatch(/^Basic /);
  });

  it('gets a token with the password grant', async () => {
    const token = await confidential.password.getToken({ username: server.user.username, password: server.user.password, scope: 'read' });
    expect(token.tokenType).toBe('Bearer');
    expect(token.refreshToken).toBeDefined();
  });

  it('rejects a wrong password with invalid_grant', async () => {
    const error = await confidential.password
      .getToken({ username: server.user.username, password: 'wrong' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_OAUTH2_SERVER', error: 'invalid_grant', status: 400 });
  });

  it('gets a token with client credentials, without a refresh token', async () => {
    const token = await confidential.clientCredentials.getToken({ scope: 'read' });
    expect(token.accessToken).toBeTruthy();
    expect(token.refreshToken).toBeUndefined();
    expect(token.expiresAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it('refreshes with rotation, and the spent refresh token is refused', async () => {
    const first = await confidential.password.getToken({ username: server.user.username, password: server.user.password });
    const second = await first.refresh();
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);

    const replay = await confidential.refresh(first.refreshToken!).catch((caught: unknown) => caught);
    expect(replay).toMatchObject({ error: 'invalid_grant' });
    const third = await second.refresh();
    expect(third.accessToken).not.toBe(second.accessToken);
  });

  it('restores a stored token and refreshes it', async () => {
    const token = await confidential.password.getToken({ username: server.user.username, password: server.user.password });
    const restored = confidential.createToken(JSON.parse(JSON.stringify(token)));
    expect(restored.expiresAt).toEqual(token.expiresAt);
    const refreshed = await restored.refresh();
    expect(refreshed.accessToken).not.toBe(token.accessToken);
  });

  it('reports a denied authorization as an AuthorizationResponseError', async () => {
    server.setAuthorizationDecision('deny');
    try {
      const { url, ...checks } = await confidential.authorizationCode.createAuthorizationRequest({ scope: 'read' });
      const callback = await server.authorize(url);
      await expect(confidential.authorizationCode.handleCallback(callback, checks)).rejects.toMatchObject({
        code: 'ERR_OAUTH2_AUTHORIZATION',
        error: 'access_denied',
      });
    } finally {
      server.setAuthorizationDecision('approve');
    }
  });
});
