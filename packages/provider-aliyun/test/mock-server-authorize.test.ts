import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  seededAccounts,
  seededApps,
  startAliyunMockServer,
  type AliyunMockServer,
  type AliyunMockServerOptions,
  type AliyunMockWebApp,
} from '../src/testing/index.js';
import { exchangeWebAppCode } from './helpers/mock-pool.js';

const web = seededApps.web;
const webRedirect = web.redirectUris[0] ?? '';

function authorizationUrl(server: AliyunMockServer, params: Record<string, string>): string {
  const url = new URL(server.endpoints.authorization);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

const webRequest = { client_id: web.clientId, redirect_uri: webRedirect, response_type: 'code', state: 'state-123' };

async function getPage(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual' });
}

function transactionOf(html: string): string {
  const match = /name="transaction" value="([^"]+)"/.exec(html);
  if (match?.[1] === undefined) throw new Error('no transaction field on the login page');
  return match[1];
}

async function submitLoginForm(server: AliyunMockServer, form: Record<string, string>): Promise<Response> {
  return fetch(server.endpoints.authorization, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
    redirect: 'manual',
  });
}

const exchange = exchangeWebAppCode;

describe('discovery document', () => {
  let server: AliyunMockServer;
  beforeAll(async () => {
    server = await startAliyunMockServer();
  });
  afterAll(() => server.close());

  it('lists the endpoints of both sites on one origin, like the real one', async () => {
    const response = await fetch(server.endpoints.discovery);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    const document = (await response.json()) as Record<string, unknown>;
    expect(document).toMatchObject({
      issuer: server.origin,
      authorization_endpoint: `${server.origin}/oauth2/v1/auth`,
      token_endpoint: `${server.origin}/v1/token`,
      revocation_endpoint: `${server.origin}/v1/revoke`,
      jwks_uri: `${server.origin}/v1/keys`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['plain', 'S256'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'aliuid', 'profile'],
    });
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.issuer).toBe(server.origin);
  });

  it('omits userinfo_endpoint and the client-authentication method lists', async () => {
    const document = (await (await fetch(server.endpoints.discovery)).json()) as Record<string, unknown>;
    expect(document).not.toHaveProperty('userinfo_endpoint');
    expect(document).not.toHaveProperty('token_endpoint_auth_methods_supported');
    expect(document).not.toHaveProperty('revocation_endpoint_auth_methods_supported');
  });

  it('announces an overridden issuer while the endpoints stay on the local origin', async () => {
    const custom = await startAliyunMockServer({ issuer: 'https://oauth.aliyun.com' });
    try {
      const document = (await (await fetch(custom.endpoints.discovery)).json()) as Record<string, unknown>;
      expect(custom.issuer).toBe('https://oauth.aliyun.com');
      expect(document.issuer).toBe('https://oauth.aliyun.com');
      expect(document.token_endpoint).toBe(`${custom.origin}/v1/token`);
    } finally {
      await custom.close();
    }
  });
});

describe('login-and-consent page', () => {
  let server: AliyunMockServer;
  beforeAll(async () => {
    server = await startAliyunMockServer();
  });
  afterAll(() => server.close());

  it('renders the accounts, the app and the scopes with stable ids and no external assets', async () => {
    const response = await getPage(authorizationUrl(server, { ...webRequest, scope: 'openid profile /acs/ccc' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    for (const id of ['account-root', 'account-ram-user', 'account-ram-role', 'authorize', 'deny', 'app-name', 'scopes']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toContain(web.displayName);
    expect(html).toContain('data-scope="/acs/ccc"');
    expect(html).not.toContain('data-scope="aliuid"');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('redirects with a code for the chosen account when the form is submitted with Authorize', async () => {
    const page = await (await getPage(authorizationUrl(server, { ...webRequest, scope: 'openid profile' }))).text();
    const response = await submitLoginForm(server, {
      transaction: transactionOf(page),
      account: seededAccounts.ramUser.id,
      decision: 'approve',
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(webRedirect);
    expect(location.searchParams.get('state')).toBe('state-123');
    const tokens = await exchange(server, location.searchParams.get('code') ?? '');
    const userinfo = await fetch(server.endpoints.userinfo, {
      headers: { authorization: `Bearer ${String(tokens.access_token)}` },
    });
    expect(await userinfo.json()).toMatchObject({ sub: seededAccounts.ramUser.sub, upn: seededAccounts.ramUser.upn });
  });

  it('redirects with error=access_denied and the state when the user presses Deny', async () => {
    const page = await (await getPage(authorizationUrl(server, webRequest))).text();
    const response = await submitLoginForm(server, { transaction: transactionOf(page), account: 'root', decision: 'deny' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('state-123');
    expect(location.searchParams.has('code')).toBe(false);
  });

  it('accepts each login form only once', async () => {
    const page = await (await getPage(authorizationUrl(server, webRequest))).text();
    const form = { transaction: transactionOf(page), account: 'root', decision: 'approve' };
    expect((await submitLoginForm(server, form)).status).toBe(302);
    const replay = await submitLoginForm(server, form);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('expired or was already answered');
  });

  it('refuses a form naming an unknown account', async () => {
    const page = await (await getPage(authorizationUrl(server, webRequest))).text();
    const response = await submitLoginForm(server, { transaction: transactionOf(page), account: 'mallory', decision: 'approve' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('shows an administrator-consent notice for prompt=admin_consent', async () => {
    const html = await (await getPage(authorizationUrl(server, { ...webRequest, prompt: 'admin_consent' }))).text();
    expect(html).toContain('id="admin-consent"');
  });

  it('escapes app names and scopes it echoes', async () => {
    const hostileApp: AliyunMockWebApp = {
      appType: 'WebApp',
      clientId: 'hostile',
      clientSecret: 'hostile-secret',
      displayName: '<img src=x onerror=alert(1)>"Evil"',
      redirectUris: ['http://127.0.0.1:3000/callback'],
      scopes: ['openid', '<script>alert(2)</script>'],
    };
    const hostile = await startAliyunMockServer({ apps: [hostileApp] });
    try {
      const response = await getPage(
        authorizationUrl(hostile, { client_id: 'hostile', redirect_uri: 'http://127.0.0.1:3000/callback', response_type: 'code' }),
      );
      const html = await response.text();
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<script>');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;Evil&quot;');
      expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    } finally {
      await hostile.close();
    }
  });
});

describe('authorization request validation', () => {
  let server: AliyunMockServer;
  beforeAll(async () => {
    server = await startAliyunMockServer();
  });
  afterAll(() => server.close());

  it('answers an unknown client_id with the JSON error page, not a redirect', async () => {
    const response = await getPage(authorizationUrl(server, { ...webRequest, client_id: 'no-such-app' }));
    expect(response.status).toBe(401);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await response.json()).toMatchObject({
      error: 'invalid_client',
      error_description: 'App not exists:no-such-app',
      http_code: 401,
    });
  });

  it('does not redirect to an unregistered redirect_uri, even one differing by a slash', async () => {
    for (const redirectUri of ['https://evil.example/cb', 'https://yourwebapp.com/authcallback']) {
      const response = await getPage(authorizationUrl(server, { ...webRequest, redirect_uri: redirectUri }));
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('redirects other errors back to the client with the state', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: 'openid /not/allowed' }, 'invalid_scope'],
      [{ access_type: 'forever' }, 'invalid_request'],
      [{ prompt: 'login' }, 'invalid_request'],
      [{ code_challenge: 'short' }, 'invalid_request'],
      [{ code_challenge: 'a'.repeat(43), code_challenge_method: 'S512' }, 'invalid_request'],
    ];
    for (const [override, error] of cases) {
      const response = await getPage(authorizationUrl(server, { ...webRequest, ...override }));
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location') ?? '');
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('state')).toBe('state-123');
    }
  });

  it('refuses a parameter sent twice', async () => {
    const url = `${authorizationUrl(server, webRequest)}&state=again`;
    const response = await getPage(url);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', error_description: 'state was sent more than once' });
  });

  it('accepts the legacy @alicloud/oauth2 URL byte for byte (scope values with slashes, %20)', async () => {
    const legacyApp: AliyunMockWebApp = {
      appType: 'WebApp',
      clientId: '123456',
      clientSecret: 'legacy-secret',
      displayName: 'Legacy',
      redirectUris: ['https://yourwebapp.com/authcallback/'],
      scopes: ['openid', '/acs/ccc'],
    };
    const legacy = await startAliyunMockServer({ apps: [legacyApp], autoApprove: 'root' });
    try {
      const url =
        `${legacy.origin}/oauth2/v1/auth?client_id=123456&redirect_uri=https%3A%2F%2Fyourwebapp.com%2Fauthcallback%2F` +
        '&response_type=code&scope=openid%20%2Facs%2Fccc&access_type=offline&state=1234567890';
      const response = await getPage(url);
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location') ?? '');
      expect(location.origin + location.pathname).toBe('https://yourwebapp.com/authcallback/');
      expect(location.searchParams.get('state')).toBe('1234567890');
      expect(location.searchParams.get('code')).toMatch(/^[\w-]{20,}$/);
    } finally {
      await legacy.close();
    }
  });
});

describe('programmatic approval', () => {
  let server: AliyunMockServer | undefined;
  async function start(options?: AliyunMockServerOptions): Promise<AliyunMockServer> {
    server = await startAliyunMockServer(options);
    return server;
  }
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('redirects GET /oauth2/v1/auth at once with the autoApprove option', async () => {
    const mock = await start({ autoApprove: 'root' });
    const response = await getPage(authorizationUrl(mock, webRequest));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('state-123');
    const tokens = await exchange(mock, location.searchParams.get('code') ?? '');
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  it('lets a test switch autoApprove on and off at run time, and rejects unknown accounts', async () => {
    const mock = await start();
    expect((await getPage(authorizationUrl(mock, webRequest))).status).toBe(200);
    mock.autoApprove = 'ram-role';
    expect((await getPage(authorizationUrl(mock, webRequest))).status).toBe(302);
    mock.autoApprove = undefined;
    expect((await getPage(authorizationUrl(mock, webRequest))).status).toBe(200);
    expect(() => {
      mock.autoApprove = 'nobody';
    }).toThrow('unknown account "nobody"');
  });

  it('refuses to start with autoApprove naming an unknown account', async () => {
    await expect(startAliyunMockServer({ autoApprove: 'nobody' })).rejects.toThrow('unknown account "nobody"');
  });

  it('server.authorize() returns the callback URL for an account, or a denial', async () => {
    const mock = await start();
    const approved = new URL(await mock.authorize(authorizationUrl(mock, webRequest), { account: 'ram-user' }));
    expect(approved.searchParams.get('code')).toEqual(expect.any(String));
    expect(approved.searchParams.get('state')).toBe('state-123');
    const denied = new URL(await mock.authorize(authorizationUrl(mock, webRequest), { decision: 'deny' }));
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe('state-123');
  });

  it('server.authorize() returns error redirects and throws where the server shows an error page', async () => {
    const mock = await start();
    const redirected = new URL(await mock.authorize(authorizationUrl(mock, { ...webRequest, response_type: 'token' })));
    expect(redirected.searchParams.get('error')).toBe('unsupported_response_type');
    await expect(mock.authorize(authorizationUrl(mock, { ...webRequest, client_id: 'nope' }))).rejects.toThrow(
      'App not exists:nope',
    );
    await expect(mock.authorize(authorizationUrl(mock, webRequest), { account: 'nobody' })).rejects.toThrow('unknown account');
  });

  it('server.authorize() refuses a URL on another origin, such as the real sign-in host', async () => {
    const mock = await start();
    const real = `https://signin.aliyun.com/oauth2/v1/auth${new URL(authorizationUrl(mock, webRequest)).search}`;
    await expect(mock.authorize(real)).rejects.toThrow(TypeError);
    await expect(mock.authorize(real)).rejects.toThrow(
      `authorize() needs a URL on this mock server (${mock.origin}); got one on https://signin.aliyun.com. Point the sign-in host at the mock`,
    );
    const otherPort = new URL(authorizationUrl(mock, webRequest));
    otherPort.port = String(Number(otherPort.port) === 65_535 ? 65_534 : Number(otherPort.port) + 1);
    await expect(mock.authorize(otherPort)).rejects.toThrow(`got one on ${otherPort.origin}`);
  });

  it('server.authorize() can grant only some of the requested scopes', async () => {
    const mock = await start();
    const callback = new URL(
      await mock.authorize(authorizationUrl(mock, { ...webRequest, scope: 'openid profile /acs/ccc' }), {
        grantOnly: ['openid', 'profile'],
      }),
    );
    const tokens = await exchange(mock, callback.searchParams.get('code') ?? '');
    expect(tokens.scope).toBe('openid profile');
  });

  it('grants all of the app scopes when scope is omitted', async () => {
    const mock = await start();
    const callback = new URL(await mock.authorize(authorizationUrl(mock, webRequest)));
    const tokens = await exchange(mock, callback.searchParams.get('code') ?? '');
    expect(tokens.scope).toBe(web.scopes.join(' '));
  });

  it('drops scopes the app is not allowed with unknownScopes: "drop"', async () => {
    const mock = await start({ unknownScopes: 'drop' });
    const callback = new URL(await mock.authorize(authorizationUrl(mock, { ...webRequest, scope: 'openid /not/allowed' })));
    const tokens = await exchange(mock, callback.searchParams.get('code') ?? '');
    expect(tokens.scope).toBe('openid');
  });

  it('shows redirectable errors as a JSON page with authorizeErrors: "page"', async () => {
    const mock = await start({ authorizeErrors: 'page' });
    const response = await getPage(authorizationUrl(mock, { ...webRequest, response_type: 'token' }));
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.json()).toMatchObject({ error: 'unsupported_response_type', http_code: 400 });
  });
});
