import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthorizationResponseError,
  CallbackError,
  createClient,
  defineProvider,
  InvalidArgumentError,
  OAuth2ResponseError,
  StateMismatchError,
  UnsupportedOperationError,
} from '../src/index.js';
import type { CallbackChecks, OAuth2Client, ProviderDefinition } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeServer } from './helpers/edge-server.js';

const redirectUri = 'https://app.example/auth/callback';
let server: EdgeServer;

beforeAll(async () => {
  server = await startEdgeServer((_request, response) =>
    sendJson(response, 200, { access_token: 'at-code', token_type: 'Bearer', refresh_token: 'rt-code', expires_in: 3600 }),
  );
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.requests.length = 0;
});

function clientFor(definition: Partial<ProviderDefinition> = {}, options: { redirectUri?: string; scope?: string } = { redirectUri }): OAuth2Client {
  const provider = defineProvider({
    name: 'code-flow',
    ...definition,
    endpoints: { authorization: 'https://as.example/oauth/authorize', token: server.url('/token'), ...definition.endpoints },
  });
  return createClient(provider, { clientId: 'web-app', clientSecret: 'web-secret', ...options });
}

const base64url = /^[A-Za-z0-9_-]+$/;
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

describe('authorizeURL', () => {
  it('builds the URL from the client defaults and the given parameters', () => {
    const url = new URL(clientFor().authorizationCode.authorizeURL({ scope: 'openid profile', state: 'state-1' }));
    expect(url.origin + url.pathname).toBe('https://as.example/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'web-app',
      redirect_uri: redirectUri,
      scope: 'openid profile',
      state: 'state-1',
    });
  });

  it('sends extra parameters, camelCase names in snake_case, snake_case names as they are', () => {
    const url = new URL(
      clientFor().authorizationCode.authorizeURL({ accessType: 'offline', loginHint: 'alice@example.com', prompt: 'consent', include_granted_scopes: 'true', maxAge: 300 }),
    );
    expect(url.searchParams.get('access_type')).toBe('offline');
    expect(url.searchParams.get('login_hint')).toBe('alice@example.com');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('include_granted_scopes')).toBe('true');
    expect(url.searchParams.get('max_age')).toBe('300');
    expect(url.searchParams.has('accessType')).toBe(false);
  });

  it("joins a scope array with the provider's separator", () => {
    expect(new URL(clientFor().authorizationCode.authorizeURL({ scope: ['openid', 'email'] })).searchParams.get('scope')).toBe('openid email');
    const commaClient = clientFor({ quirks: { scopeSeparator: ',' } });
    const raw = commaClient.authorizationCode.authorizeURL({ scope: ['openid', 'aliuid'] });
    expect(new URL(raw).searchParams.get('scope')).toBe('openid,aliuid');
  });

  it('encodes a space as %20 (never +) and "/" and ":" as percent escapes, keeping a literal + distinct', () => {
    const url = clientFor().authorizationCode.authorizeURL({ scope: ['openid', 'profile'], state: 'a+b c' });
    expect(url).toContain('scope=openid%20profile');
    expect(url).toContain(`redirect_uri=${encodeURIComponent(redirectUri)}`);
    expect(url).toContain('redirect_uri=https%3A%2F%2Fapp.example%2Fauth%2Fcallback');
    expect(url).toContain('state=a%2Bb%20c');
    expect(url).not.toContain('+');
    expect(new URL(url).searchParams.get('state')).toBe('a+b c');
  });

  it("keeps a query already in the provider's authorization endpoint", () => {
    const client = clientFor({ endpoints: { token: server.url('/token'), authorization: 'https://as.example/authorize?tenant=contoso&p=B2C_1_signin' } });
    const url = new URL(client.authorizationCode.authorizeURL({ state: 's' }));
    expect(url.searchParams.get('tenant')).toBe('contoso');
    expect(url.searchParams.get('p')).toBe('B2C_1_signin');
    expect(url.searchParams.get('client_id')).toBe('web-app');
  });

  it("adds the provider's authorizationParams, which the caller's parameters override", () => {
    const client = clientFor({ quirks: { authorizationParams: { access_type: 'offline', prompt: 'consent' } } });
    const defaults = new URL(client.authorizationCode.authorizeURL());
    expect(defaults.searchParams.get('access_type')).toBe('offline');
    expect(defaults.searchParams.get('prompt')).toBe('consent');
    const overridden = new URL(client.authorizationCode.authorizeURL({ prompt: 'none' }));
    expect(overridden.searchParams.getAll('prompt')).toEqual(['none']);
    expect(overridden.searchParams.get('access_type')).toBe('offline');
  });

  it('uses a per-call redirect URI and scope over the client defaults', () => {
    const client = clientFor({}, { redirectUri, scope: 'openid' });
    const url = new URL(client.authorizationCode.authorizeURL({ redirectUri: 'https://app.example/other', scope: 'email' }));
    expect(url.searchParams.get('redirect_uri')).toBe('https://app.example/other');
    expect(url.searchParams.get('scope')).toBe('email');
    expect(new URL(client.authorizationCode.authorizeURL()).searchParams.get('scope')).toBe('openid');
  });

  it('refuses a missing or relative redirect URI', () => {
    const noDefault = clientFor({}, {});
    expect(() => noDefault.authorizationCode.authorizeURL()).toThrow(InvalidArgumentError);
    expect(() => noDefault.authorizationCode.authorizeURL({ redirectUri: '/cb' })).toThrow(/redirectUri/);
  });

  it('needs an authorization endpoint', () => {
    const provider = defineProvider({ name: 'token-only', endpoints: { token: server.url('/token') } });
    const client = createClient(provider, { clientId: 'app', redirectUri });
    expect(() => client.authorizationCode.authorizeURL()).toThrow(UnsupportedOperationError);
  });
});

describe('createAuthorizationRequest', () => {
  it('generates a long, fresh state each time', async () => {
    const client = clientFor();
    const requests = await Promise.all(Array.from({ length: 5 }, () => client.authorizationCode.createAuthorizationRequest()));
    for (const request of requests) {
      expect(request.state.length).toBeGreaterThanOrEqual(43);
      expect(request.state).toMatch(base64url);
      expect(new URL(request.url).searchParams.get('state')).toBe(request.state);
    }
    expect(new Set(requests.map((request) => request.state)).size).toBe(5);
    expect(new Set(requests.map((request) => request.codeVerifier)).size).toBe(5);
  });

  it('adds a PKCE S256 challenge: base64url(sha256(verifier))', async () => {
    const request = await clientFor().authorizationCode.createAuthorizationRequest();
    expect(request.codeVerifier.length).toBeGreaterThanOrEqual(43);
    expect(request.codeVerifier.length).toBeLessThanOrEqual(128);
    expect(request.codeVerifier).toMatch(base64url);
    const url = new URL(request.url);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toBe(s256(request.codeVerifier));
  });

  it('adds a nonce when openid is requested and the provider supports it', async () => {
    const request = await clientFor().authorizationCode.createAuthorizationRequest({ scope: ['openid', 'profile'] });
    expect(request.nonce).toBeDefined();
    expect(request.nonce!.length).toBeGreaterThanOrEqual(43);
    expect(new URL(request.url).searchParams.get('nonce')).toBe(request.nonce);
    const fromDefaults = await clientFor({}, { redirectUri, scope: 'openid' }).authorizationCode.createAuthorizationRequest();
    expect(fromDefaults.nonce).toBeDefined();
  });

  it('adds no nonce without openid in the scope', async () => {
    const request = await clientFor().authorizationCode.createAuthorizationRequest({ scope: 'profile openidish' });
    expect(request.nonce).toBeUndefined();
    expect(request).not.toHaveProperty('nonce');
    expect(new URL(request.url).searchParams.has('nonce')).toBe(false);
  });

  it('refuses a caller nonce for a provider with supportsNonce: false (every login would fail verification)', async () => {
    const client = clientFor({ quirks: { supportsNonce: false } });
    await expect(client.authorizationCode.createAuthorizationRequest({ scope: 'openid', nonce: 'n' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      argument: 'nonce',
    });
  });

  it('adds no nonce for a provider with supportsNonce: false', async () => {
    const request = await clientFor({ quirks: { supportsNonce: false } }).authorizationCode.createAuthorizationRequest({ scope: 'openid' });
    expect(request.nonce).toBeUndefined();
    expect(new URL(request.url).searchParams.has('nonce')).toBe(false);
  });

  it('keeps a state the caller chose, and extra parameters', async () => {
    const request = await clientFor().authorizationCode.createAuthorizationRequest({ state: 'my-own-state-value', prompt: 'login' });
    expect(request.state).toBe('my-own-state-value');
    const url = new URL(request.url);
    expect(url.searchParams.get('state')).toBe('my-own-state-value');
    expect(url.searchParams.get('prompt')).toBe('login');
  });
});

describe('handleCallback', () => {
  const checks: CallbackChecks = { state: 'expected-state-value', codeVerifier: 'verifier-'.padEnd(43, 'x') };
  const tokenRequests = () => server.requests.filter((request) => request.url === '/token');

  it('exchanges the code with the PKCE verifier and the redirect URI (callback as a string)', async () => {
    const token = await clientFor().authorizationCode.handleCallback(`${redirectUri}?code=the-code&state=expected-state-value`, checks);
    expect(token.accessToken).toBe('at-code');
    expect(token.refreshToken).toBe('rt-code');
    const [request] = tokenRequests();
    expect(Object.fromEntries(request!.form)).toEqual({
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: redirectUri,
      code_verifier: checks.codeVerifier,
    });
    expect(request?.headers.authorization).toMatch(/^Basic /);
  });

  it('accepts the callback as a URL, as URLSearchParams, or as a bare query string', async () => {
    const client = clientFor();
    await client.authorizationCode.handleCallback(new URL(`${redirectUri}?code=code-url&state=expected-state-value`), checks);
    await client.authorizationCode.handleCallback(new URLSearchParams({ code: 'code-params', state: 'expected-state-value' }), checks);
    await client.authorizationCode.handleCallback('code=code-query&state=expected-state-value', checks);
    await client.authorizationCode.handleCallback('/auth/callback?code=code-path&state=expected-state-value#_=_', checks);
    expect(tokenRequests().map((request) => request.form.get('code'))).toEqual(['code-url', 'code-params', 'code-query', 'code-path']);
  });

  it('sends the redirect URI stored with the checks when it is not the default', async () => {
    await clientFor().authorizationCode.handleCallback('?code=c&state=expected-state-value', { ...checks, redirectUri: 'https://app.example/alt' });
    expect(tokenRequests()[0]?.form.get('redirect_uri')).toBe('https://app.example/alt');
  });

  it('completes a login started with createAuthorizationRequest', async () => {
    const client = clientFor();
    const { url, ...stored } = await client.authorizationCode.createAuthorizationRequest({ scope: 'openid' });
    const sent = new URL(url).searchParams;
    // The authorization server redirects back with a code and the state it was given.
    const token = await client.authorizationCode.handleCallback(`${redirectUri}?code=fresh-code&state=${sent.get('state')}`, stored);
    expect(token.accessToken).toBe('at-code');
    const verifier = tokenRequests()[0]?.form.get('code_verifier');
    expect(verifier).toBe(stored.codeVerifier);
    expect(s256(verifier!)).toBe(sent.get('code_challenge'));
  });

  const stateProblems: { name: string; callback: string }[] = [
    { name: 'a different state', callback: `${redirectUri}?code=c&state=attacker-state` },
    { name: 'a state differing only in length', callback: `${redirectUri}?code=c&state=expected-state-value-and-more` },
    { name: 'no state', callback: `${redirectUri}?code=c` },
    { name: 'an error with a different state', callback: `${redirectUri}?error=access_denied&state=attacker-state` },
  ];
  for (const { name, callback } of stateProblems) {
    it(`refuses ${name} with StateMismatchError, without a token request`, async () => {
      const error = await clientFor().authorizationCode.handleCallback(callback, checks).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(StateMismatchError);
      expect((error as StateMismatchError).code).toBe('ERR_OAUTH2_STATE_MISMATCH');
      expect((error as StateMismatchError).message).toMatch(/state mismatch/);
      expect(server.requests).toHaveLength(0);
    });
  }

  it('turns error=access_denied into an AuthorizationResponseError', async () => {
    const error = await clientFor()
      .authorizationCode.handleCallback(
        `${redirectUri}?error=access_denied&error_description=The+user+said+no&error_uri=https%3A%2F%2Fas.example%2Fdenied&state=expected-state-value`,
        checks,
      )
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(AuthorizationResponseError);
    expect(error).toMatchObject({
      code: 'ERR_OAUTH2_AUTHORIZATION',
      error: 'access_denied',
      errorDescription: 'The user said no',
      errorUri: 'https://as.example/denied',
    });
    expect(server.requests).toHaveLength(0);
  });

  it("refuses an iss that is not the provider's issuer (RFC 9207) with CallbackError", async () => {
    const client = clientFor({ issuer: 'https://as.example' });
    const error = await client.authorizationCode
      .handleCallback(`${redirectUri}?code=c&state=expected-state-value&iss=${encodeURIComponent('https://evil.example')}`, checks)
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CallbackError);
    expect((error as CallbackError).code).toBe('ERR_OAUTH2_CALLBACK');
    expect((error as CallbackError).message).toMatch(/https:\/\/evil\.example/);
    expect(server.requests).toHaveLength(0);
  });

  it("accepts an iss equal to the provider's issuer", async () => {
    const client = clientFor({ issuer: 'https://as.example' });
    const token = await client.authorizationCode.handleCallback(
      `${redirectUri}?code=c&state=expected-state-value&iss=${encodeURIComponent('https://as.example')}`,
      checks,
    );
    expect(token.accessToken).toBe('at-code');
  });

  it('refuses a callback without iss when the provider always sends one (RFC 9207 §2.4)', async () => {
    const client = clientFor({ issuer: 'https://as.example', quirks: { requireIssParameter: true } });
    const error = await client.authorizationCode.handleCallback(`${redirectUri}?code=c&state=expected-state-value`, checks).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CallbackError);
    expect(tokenRequests()).toHaveLength(0);
  });

  it('refuses an iss it cannot check because the preset has no issuer', async () => {
    const error = await clientFor()
      .authorizationCode.handleCallback(`${redirectUri}?code=c&state=expected-state-value&iss=https%3A%2F%2Fevil.example`, checks)
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CallbackError);
    expect((error as CallbackError).message).toMatch(/no issuer to compare/);
    expect(tokenRequests()).toHaveLength(0);
  });

  it.each(['code', 'state', 'iss', 'error'])('refuses a callback that repeats %s (RFC 6749 §3.1)', async (name) => {
    const callback = `${redirectUri}?code=REAL&state=expected-state-value&${name}=ATTACKER&${name}=AGAIN`;
    const error = await clientFor({ issuer: 'https://as.example' }).authorizationCode.handleCallback(callback, checks).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CallbackError);
    expect(tokenRequests()).toHaveLength(0);
  });

  it('says so when the response came in the URL fragment', async () => {
    const error = await clientFor()
      .authorizationCode.handleCallback(`${redirectUri}#code=c&state=expected-state-value`, checks)
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CallbackError);
    expect((error as CallbackError).message).toMatch(/fragment/);
  });

  it('bounds and masks what an error redirect carries', async () => {
    const description = `${'x'.repeat(5000)}\nrefresh_token=rt-leaked-value`;
    const callback = `${redirectUri}?state=expected-state-value&error=access_denied&error_description=${encodeURIComponent(`refresh_token=rt-leaked-value ${description}`)}`;
    const error = await clientFor().authorizationCode.handleCallback(callback, checks).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(AuthorizationResponseError);
    const shown = JSON.stringify(error) + String(error);
    expect(shown).not.toContain('rt-leaked-value');
    expect((error as AuthorizationResponseError).errorDescription!.length).toBeLessThanOrEqual(201);
  });

  it('refuses a callback without a code with CallbackError', async () => {
    for (const callback of [`${redirectUri}?state=expected-state-value`, `${redirectUri}?code=&state=expected-state-value`]) {
      const error = await clientFor().authorizationCode.handleCallback(callback, checks).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(CallbackError);
      expect((error as CallbackError).message).toMatch(/neither a code nor an error/);
    }
    expect(server.requests).toHaveLength(0);
  });

  it('refuses missing checks.state with an InvalidArgumentError', async () => {
    const client = clientFor();
    for (const bad of [{} as CallbackChecks, { state: '' }, undefined as unknown as CallbackChecks]) {
      const error = await client.authorizationCode.handleCallback(`${redirectUri}?code=c&state=`, bad).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('checks.state');
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('checkAuthorizationUrl', () => {
  let pages: EdgeServer;
  beforeAll(async () => {
    // RFC 6749 §4.1.2.1: a bad client or redirect URI gets an error page, never a redirect.
    pages = await startEdgeServer((request, response) => {
      const params = new URL(request.url, 'http://x').searchParams;
      if (params.get('client_id') === 'unknown') {
        response.writeHead(400, { 'content-type': 'text/html' }).end('<h1>Unknown application</h1>');
      } else if (params.get('client_id') === 'json-unknown') {
        sendJson(response, 401, { error: 'invalid_client', error_description: 'no such app', request_id: 'req-1' });
      } else if (params.get('client_id') === 'json-as-html') {
        response.writeHead(200, { 'content-type': 'text/html' }).end('{"error":"invalid_client","error_description":"App not exists"}');
      } else if (params.get('scope') === 'forbidden') {
        response.writeHead(302, { location: `${params.get('redirect_uri')}?error=invalid_scope&state=${params.get('state')}` }).end();
      } else {
        response.writeHead(200, { 'content-type': 'text/html' }).end('<form id="login"></form>');
      }
    });
  });
  afterAll(() => pages.close());

  const client = (clientId: string) =>
    createClient(defineProvider({ name: 'pages', endpoints: { authorization: pages.url('/authorize'), token: pages.url('/token') } }), { clientId, redirectUri });

  it('resolves when the server shows its login page', async () => {
    const app = client('known');
    await expect(app.authorizationCode.checkAuthorizationUrl(app.authorizationCode.authorizeURL({ state: 's' }))).resolves.toBeUndefined();
  });

  it('turns an HTML error page into an OAuth2ResponseError with the status', async () => {
    const app = client('unknown');
    const error = await app.authorizationCode.checkAuthorizationUrl(app.authorizationCode.authorizeURL({ state: 's' })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OAuth2ResponseError);
    expect(error).toMatchObject({ status: 400, endpoint: 'authorization', bodyExcerpt: '<h1>Unknown application</h1>' });
  });

  it('turns a JSON error page into an OAuth2ServerError', async () => {
    const app = client('json-unknown');
    await expect(app.authorizationCode.checkAuthorizationUrl(app.authorizationCode.authorizeURL({ state: 's' }))).rejects.toMatchObject({
      code: 'ERR_OAUTH2_SERVER',
      error: 'invalid_client',
      status: 401,
      requestId: 'req-1',
    });
  });

  it('reads a JSON error page whatever its content type says', async () => {
    const app = client('json-as-html');
    await expect(app.authorizationCode.checkAuthorizationUrl(app.authorizationCode.authorizeURL({ state: 's' }))).rejects.toMatchObject({
      error: 'invalid_client',
      errorDescription: 'App not exists',
      status: 200,
    });
  });

  it('turns a redirect back with error= into an AuthorizationResponseError, without following it', async () => {
    const app = client('known');
    const before = pages.requests.length;
    await expect(app.authorizationCode.checkAuthorizationUrl(app.authorizationCode.authorizeURL({ state: 's', scope: 'forbidden' }))).rejects.toMatchObject({
      code: 'ERR_OAUTH2_AUTHORIZATION',
      error: 'invalid_scope',
    });
    expect(pages.requests.length).toBe(before + 1);
  });
});
