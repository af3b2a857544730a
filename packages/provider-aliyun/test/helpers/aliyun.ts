import { afterAll, beforeAll, expect } from 'vitest';
import { createClient } from '@x/oauth2-core';
import type { AccessToken, AuthorizeUrlParams, ClientOptions, OAuth2Client } from '@x/oauth2-core';
import { aliyunProvider } from '../../src/index.js';
import type { AliyunRegion } from '../../src/index.js';
import { seededApps, startAliyunMockServer } from '../../src/testing/index.js';
import type { AliyunMockAuthorizeOptions, AliyunMockServer, AliyunMockServerOptions } from '../../src/testing/index.js';

/** Both sites: every flow runs on each (with overrides, both point at the mock). */
export const regions: readonly AliyunRegion[] = ['cn', 'intl'];

export const { web, native, server: daemon } = seededApps;
export const webRedirect = web.redirectUris[0]!;
export const nativeRedirect = native.redirectUris[0]!;

/**
 * A mock server started before the file's tests and closed after them. The getter throws when used
 * before `beforeAll` ran, so a misplaced call fails loudly.
 */
export function useMockServer(options?: AliyunMockServerOptions): () => AliyunMockServer {
  let mock: AliyunMockServer | undefined;
  beforeAll(async () => {
    mock = await startAliyunMockServer(options);
  });
  afterAll(async () => {
    await mock?.close();
  });
  return () => {
    if (mock === undefined) throw new Error('the mock server is not started yet');
    return mock;
  };
}

/** A client for the site, with both hosts pointed at the mock. */
export function aliyunClient(mock: AliyunMockServer, region: AliyunRegion, options: ClientOptions): OAuth2Client {
  return createClient(aliyunProvider(region, { signinOrigin: mock.origin, oauthOrigin: mock.origin }), options);
}

export function webClient(mock: AliyunMockServer, region: AliyunRegion, options: Partial<ClientOptions> = {}): OAuth2Client {
  return aliyunClient(mock, region, {
    clientId: web.clientId,
    clientSecret: web.clientSecret,
    redirectUri: webRedirect,
    scope: 'openid aliuid profile',
    ...options,
  });
}

export function nativeClient(mock: AliyunMockServer, region: AliyunRegion): OAuth2Client {
  return aliyunClient(mock, region, { clientId: native.clientId, redirectUri: nativeRedirect, scope: 'openid aliuid profile' });
}

export function serverAppClient(mock: AliyunMockServer, region: AliyunRegion): OAuth2Client {
  return aliyunClient(mock, region, {
    clientId: daemon.clientId,
    clientSecret: daemon.clientSecret,
    tokenEndpointAuthMethod: 'client_secret_basic',
  });
}

/** A whole login: authorization request, the user's answer on the mock's page, `handleCallback`. */
export async function login(
  client: OAuth2Client,
  mock: AliyunMockServer,
  params: AuthorizeUrlParams = {},
  answer: AliyunMockAuthorizeOptions = {},
): Promise<{ token: AccessToken; url: string; callback: string }> {
  const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest(params);
  const callback = await mock.authorize(url, answer);
  const token = await client.authorizationCode.handleCallback(callback, checks);
  return { token, url, callback };
}

/** The code of a callback URL. */
export function codeOf(callback: string): string {
  const code = new URL(callback).searchParams.get('code');
  if (code === null) throw new Error(`no code in the callback: ${callback}`);
  return code;
}

/** Runs `action`, which must reject, and returns what it rejected with. */
export async function rejection(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, the call succeeded');
}

/** None of the secrets appears in the error's message, its JSON form or its stack. */
export function expectNoSecrets(error: unknown, secrets: readonly (string | undefined)[]): void {
  expect(error).toBeInstanceOf(Error);
  const { message, stack } = error as Error;
  const json = JSON.stringify(error);
  expect(json).not.toBe('{}');
  for (const secret of secrets) {
    if (secret === undefined || secret === '') continue;
    expect(message).not.toContain(secret);
    expect(json).not.toContain(secret);
    expect(stack ?? '').not.toContain(secret);
  }
}
