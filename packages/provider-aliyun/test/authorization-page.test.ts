import { describe, expect, it } from 'vitest';
import {
  AuthorizationResponseError,
  InvalidArgumentError,
  OAuth2NetworkError,
  OAuth2ServerError,
  OAuth2TimeoutError,
} from '@x/oauth2-core';
import { aliyunClient, regions, rejection, useMockServer, webClient, webRedirect } from './helpers/aliyun.js';

const mock = useMockServer();

describe.each(regions)('the authorize endpoint rejecting the client itself, on the %s site', (region) => {
  it('shows a JSON page, not a redirect, for an unknown client id: the callback is never reached', async () => {
    const client = aliyunClient(mock(), region, { clientId: '9999999999', clientSecret: 'secret', redirectUri: webRedirect });
    const { url } = await client.authorizationCode.createAuthorizationRequest({ scope: 'openid' });

    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(401);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.json()).toMatchObject({ error: 'invalid_client', error_description: 'App not exists:9999999999' });
    await expect(mock().authorize(url)).rejects.toThrow(/error page/);
  });

  it('checkAuthorizationUrl turns that page into an OAuth2ServerError with the request id', async () => {
    const client = aliyunClient(mock(), region, { clientId: '9999999999', clientSecret: 'secret', redirectUri: webRedirect });
    const url = client.authorizationCode.authorizeURL({ scope: 'openid', state: 'startup-check' });
    const error = await rejection(() => client.authorizationCode.checkAuthorizationUrl(url));
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({
      error: 'invalid_client',
      errorDescription: 'App not exists:9999999999',
      status: 401,
      endpoint: 'authorization',
      requestId: expect.stringMatching(/^[0-9A-F-]{36}$/),
    });
    expect(JSON.stringify(error)).not.toContain('startup-check');
  });

  it('reports the mock server\'s page for an unregistered redirect URI the same way (that page is a guess)', async () => {
    const client = webClient(mock(), region, { redirectUri: 'https://attacker.example/callback' });
    const error = await rejection(() => client.authorizationCode.checkAuthorizationUrl(client.authorizationCode.authorizeURL({ state: 's' })));
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({ error: 'invalid_request', status: 400, endpoint: 'authorization' });
  });

  it('resolves for a valid request (the login page is shown)', async () => {
    const client = webClient(mock(), region);
    const before = mock().requests.length;
    await expect(client.authorizationCode.checkAuthorizationUrl(client.authorizationCode.authorizeURL({ state: 's' }))).resolves.toBeUndefined();
    expect(mock().requests.slice(before)[0]).toMatchObject({ method: 'GET', path: '/oauth2/v1/auth', status: 200 });
  });

  it('reports a redirect back with error= as an AuthorizationResponseError', async () => {
    const client = webClient(mock(), region);
    const url = client.authorizationCode.authorizeURL({ scope: 'openid not-a-scope-of-this-app', state: 's' });
    const error = await rejection(() => client.authorizationCode.checkAuthorizationUrl(url));
    expect(error).toBeInstanceOf(AuthorizationResponseError);
    expect(error).toMatchObject({ error: 'invalid_scope' });
  });
});

describe('checkAuthorizationUrl transport failures', () => {
  it('refuses a relative URL', async () => {
    const client = webClient(mock(), 'cn');
    await expect(client.authorizationCode.checkAuthorizationUrl('/oauth2/v1/auth?client_id=1')).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('reports a hung sign-in host as a timeout', async () => {
    const client = webClient(mock(), 'cn', { timeout: 200 });
    mock().failNext({ kind: 'hang', path: '/oauth2/v1/auth' });
    const error = await rejection(() => client.authorizationCode.checkAuthorizationUrl(client.authorizationCode.authorizeURL({ state: 's' })));
    expect(error).toBeInstanceOf(OAuth2TimeoutError);
  });

  it('reports a reset connection as a network error without the query string', async () => {
    // Without retries: the check is idempotent, so a single reset would otherwise be retried away.
    const client = webClient(mock(), 'cn', { retry: false });
    mock().failNext({ kind: 'reset', path: '/oauth2/v1/auth' });
    const error = await rejection(() => client.authorizationCode.checkAuthorizationUrl(client.authorizationCode.authorizeURL({ state: 'private' })));
    expect(error).toBeInstanceOf(OAuth2NetworkError);
    expect((error as Error).message).not.toContain('state=private');
  });
});
