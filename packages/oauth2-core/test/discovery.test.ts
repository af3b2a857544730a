import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createClient,
  discover,
  InvalidArgumentError,
  OAuth2AbortError,
  OAuth2ResponseError,
  OAuth2TimeoutError,
  presetFromMetadata,
} from '../src/index.js';
import type { AuthorizationServerMetadata } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeHandler, EdgeServer } from './helpers/edge-server.js';

const servers: EdgeServer[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: EdgeHandler): Promise<EdgeServer> {
  const server = await startEdgeServer(handler);
  servers.push(server);
  return server;
}

function metadataFor(issuer: string, extra: Record<string, unknown> = {}): AuthorizationServerMetadata {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    revocation_endpoint: `${issuer}/revoke`,
    introspection_endpoint: `${issuer}/introspect`,
    userinfo_endpoint: `${issuer}/userinfo`,
    device_authorization_endpoint: `${issuer}/device`,
    end_session_endpoint: `${issuer}/logout`,
    jwks_uri: `${issuer}/jwks`,
    ...extra,
  };
}

/** Serves metadata at the given paths only, 404 everywhere else; `metadata` gets the server's origin. */
function metadataServer(paths: string[], metadata: (origin: string) => Record<string, unknown>): Promise<EdgeServer> {
  return serve((request, response) => {
    if (!paths.includes(request.url)) return sendJson(response, 404, { error: 'not_found' });
    sendJson(response, 200, metadata(`http://${request.headers.host}`));
  });
}

describe('discover()', () => {
  it('reads /.well-known/openid-configuration and builds a preset from it', async () => {
    const server = await metadataServer(['/.well-known/openid-configuration'], (origin) => metadataFor(origin));
    const preset = await discover(server.origin);
    expect(server.requests.map((request) => [request.method, request.url])).toEqual([['GET', '/.well-known/openid-configuration']]);
    expect(server.requests[0]?.headers.accept).toBe('application/json');
    expect(preset.issuer).toBe(server.origin);
    expect(preset.name).toBe(new URL(server.origin).host);
    expect(preset.endpoints).toEqual({
      authorization: server.url('/authorize'),
      token: server.url('/token'),
      revocation: server.url('/revoke'),
      introspection: server.url('/introspect'),
      userinfo: server.url('/userinfo'),
      deviceAuthorization: server.url('/device'),
      endSession: server.url('/logout'),
      jwks: server.url('/jwks'),
    });
    expect(preset.tokenEndpointAuthMethod).toBe('client_secret_basic');
  });

  it('falls back to RFC 8414 /.well-known/oauth-authorization-server when the first answers 404', async () => {
    const server = await metadataServer(['/.well-known/oauth-authorization-server'], (origin) => metadataFor(origin));
    const preset = await discover(server.origin);
    expect(server.requests.map((request) => request.url)).toEqual(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']);
    expect(preset.endpoints.token).toBe(server.url('/token'));
  });

  it('places the well-known segments around an issuer path as each specification says', async () => {
    const server = await metadataServer(['/.well-known/oauth-authorization-server/realms/demo'], (origin) => metadataFor(`${origin}/realms/demo`));
    const preset = await discover(`${server.origin}/realms/demo`);
    expect(server.requests.map((request) => request.url)).toEqual([
      '/realms/demo/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server/realms/demo',
    ]);
    expect(preset.issuer).toBe(`${server.origin}/realms/demo`);
  });

  it("refuses a document whose issuer is not the one asked for, with OAuth2ResponseError", async () => {
    const server = await metadataServer(['/.well-known/openid-configuration'], () => metadataFor('https://attacker.example'));
    const error = await discover(server.origin).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ResponseError);
    expect((error as OAuth2ResponseError).code).toBe('ERR_OAUTH2_INVALID_RESPONSE');
    expect((error as OAuth2ResponseError).endpoint).toBe('discovery');
    expect((error as OAuth2ResponseError).message).toContain('https://attacker.example');
    // A document for another issuer is not "missing": no fallback to the second location.
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a document without a token endpoint', async () => {
    const server = await metadataServer(['/.well-known/openid-configuration'], (origin) => ({ issuer: origin }));
    await expect(discover(server.origin)).rejects.toBeInstanceOf(OAuth2ResponseError);
  });

  it('reports a server error instead of falling back', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/html' }).end('<h1>oops</h1>');
    });
    const error = await discover(server.origin).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ResponseError);
    expect((error as OAuth2ResponseError).status).toBe(500);
    expect(server.requests).toHaveLength(1);
  });

  it('reports the last 404 when neither location has metadata', async () => {
    const server = await metadataServer([], () => ({}));
    const error = await discover(server.origin).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ResponseError);
    expect((error as OAuth2ResponseError).status).toBe(404);
    expect(server.requests).toHaveLength(2);
  });

  it('caches the result per issuer: a second call makes no request', async () => {
    const server = await metadataServer(['/.well-known/openid-configuration'], (origin) => metadataFor(origin));
    const first = await discover(server.origin);
    const second = await discover(server.origin);
    expect(second).toBe(first);
    expect(server.requests).toHaveLength(1);
    const refreshed = await discover(server.origin, { refresh: true });
    expect(refreshed).not.toBe(first);
    expect(refreshed.endpoints).toEqual(first.endpoints);
    expect(server.requests).toHaveLength(2);
  });

  it('shares one request between concurrent calls', async () => {
    const server = await metadataServer(['/.well-known/openid-configuration'], (origin) => metadataFor(origin));
    const presets = await Promise.all([discover(server.origin), discover(server.origin), discover(server.origin)]);
    expect(new Set(presets).size).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it('does not cache failures: the next call asks again', async () => {
    let healthy = false;
    const server = await serve((request, response) => {
      if (!healthy) return sendJson(response, 500, { error: 'server_error' });
      sendJson(response, 200, metadataFor(`http://${request.headers.host}`));
    });
    await expect(discover(server.origin)).rejects.toBeDefined();
    expect(server.requests).toHaveLength(1);
    healthy = true;
    const preset = await discover(server.origin);
    expect(preset.endpoints.token).toBe(server.url('/token'));
    expect(server.requests).toHaveLength(2);
  });

  it('refuses an issuer that is not an absolute URL, or has a query or fragment', async () => {
    for (const issuer of ['accounts.example.com', 'https://as.example?tenant=1', 'https://as.example#x']) {
      const error = await discover(issuer).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('issuer');
    }
  });

  it('gives a preset a client can use at once', async () => {
    const server = await serve((request, response) => {
      if (request.url === '/.well-known/openid-configuration') return sendJson(response, 200, metadataFor(`http://${request.headers.host}`));
      if (request.url === '/token') return sendJson(response, 200, { access_token: 'discovered-at', token_type: 'Bearer' });
      sendJson(response, 404, { error: 'not_found' });
    });
    const client = createClient(await discover(server.origin), { clientId: 'app', clientSecret: 'secret' });
    const token = await client.clientCredentials.getToken();
    expect(token.accessToken).toBe('discovered-at');
    expect(server.requests.at(-1)?.headers.authorization).toMatch(/^Basic /);
  });
});

/**
 * A metadata server that holds every answer until the test releases it; `arrived` resolves when the
 * n-th request (counting from 1) has come in.
 */
async function holdingServer() {
  const held: ServerResponse[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = await serve((_request, response) => {
    held.push(response);
    for (const waiter of waiters) if (held.length >= waiter.count) waiter.resolve();
  });
  return {
    server,
    arrived: (count: number) => new Promise<void>((resolve) => (held.length >= count ? resolve() : waiters.push({ count, resolve }))),
    /** Answers the n-th request (from 1) with the metadata. */
    release: (count: number) => sendJson(held[count - 1]!, 200, metadataFor(server.origin)),
  };
}

describe('discover() shared between callers', () => {
  it("one caller's abort does not fail another caller waiting for the same download", async () => {
    const { server, arrived, release } = await holdingServer();
    const controller = new AbortController();
    const first = discover(server.origin, { signal: controller.signal });
    const second = discover(server.origin);
    await arrived(1);
    controller.abort(new Error('first caller gave up'));
    const error = await first.catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2AbortError);
    expect((error as OAuth2AbortError).cause).toEqual(new Error('first caller gave up'));
    release(1);
    const preset = await second;
    expect(preset.endpoints.token).toBe(server.url('/token'));
    expect(server.requests).toHaveLength(1);
    // And the download the first caller abandoned is cached for everyone.
    expect(await discover(server.origin)).toBe(preset);
    expect(server.requests).toHaveLength(1);
  });

  it("a caller's own timeout bounds its wait for a download started with a longer one", async () => {
    const { server, arrived, release } = await holdingServer();
    const patient = discover(server.origin, { timeout: 8000 });
    await arrived(1);
    const started = performance.now();
    const error = await discover(server.origin, { timeout: 200 }).catch((reason: unknown) => reason);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(OAuth2TimeoutError);
    expect((error as OAuth2TimeoutError).timeout).toBe(200);
    release(1);
    expect((await patient).issuer).toBe(server.origin);
    expect(server.requests).toHaveLength(1);
  }, 10_000);

  it('a caller with a longer timeout tries again when a download started with a shorter one times out', async () => {
    // The first request is never answered; the second is, at once.
    const server = await serve((request, response) => {
      if (server.requests.length === 1) return;
      sendJson(response, 200, metadataFor(`http://${request.headers.host}`));
    });
    const hasty = discover(server.origin, { timeout: 200 });
    const patient = discover(server.origin, { timeout: 5000 });
    const error = await hasty.catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2TimeoutError);
    expect((error as OAuth2TimeoutError).timeout).toBe(200);
    const preset = await patient;
    expect(preset.endpoints.token).toBe(server.url('/token'));
    expect(server.requests).toHaveLength(2);
  }, 10_000);

  it('builds the preset of each call from its own name and quirks, from one download', async () => {
    const server = await metadataServer(['/.well-known/openid-configuration'], (origin) => metadataFor(origin));
    const named = await discover(server.origin, { name: 'first', quirks: { scopeSeparator: ',' } });
    const other = await discover(server.origin, { name: 'second' });
    const plain = await discover(server.origin);
    expect(named.name).toBe('first');
    expect(named.quirks.scopeSeparator).toBe(',');
    expect(other.name).toBe('second');
    expect(other.quirks.scopeSeparator).toBe(' ');
    expect(plain.name).toBe(new URL(server.origin).host);
    expect(plain.quirks.scopeSeparator).toBe(' ');
    expect(server.requests).toHaveLength(1);
  });

  it('downloads again through another fetch function', async () => {
    const server = await metadataServer(['/.well-known/openid-configuration'], (origin) => metadataFor(origin));
    await discover(server.origin);
    const calls: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      calls.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    const preset = await discover(server.origin, { fetch: recordingFetch });
    expect(calls).toEqual([server.url('/.well-known/openid-configuration')]);
    expect(preset.endpoints.token).toBe(server.url('/token'));
    await discover(server.origin, { fetch: recordingFetch });
    expect(calls).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it('downloads the metadata again after an hour', async () => {
    const server = await metadataServer(['/.well-known/openid-configuration'], (origin) => metadataFor(origin));
    await discover(server.origin);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 59 * 60 * 1000);
    await discover(server.origin);
    expect(server.requests).toHaveLength(1);
    vi.setSystemTime(Date.now() + 2 * 60 * 1000);
    await discover(server.origin);
    expect(server.requests).toHaveLength(2);
  });

  it('remembers at most 100 issuers, forgetting the least recently used', async () => {
    const server = await serve((request, response) => {
      const tenant = /^\/(tenant-\d+)\/\.well-known\/openid-configuration$/.exec(request.url)?.[1];
      if (tenant === undefined) return sendJson(response, 404, { error: 'not_found' });
      sendJson(response, 200, metadataFor(`http://${request.headers.host}/${tenant}`));
    });
    const issuer = (index: number) => `${server.origin}/tenant-${index}`;
    for (let index = 0; index < 100; index++) await discover(issuer(index));
    expect(server.requests).toHaveLength(100);
    await discover(issuer(0)); // used again: now the most recent
    expect(server.requests).toHaveLength(100);
    await discover(issuer(100)); // the 101st: tenant-1, the least recently used, goes
    expect(server.requests).toHaveLength(101);
    await discover(issuer(0));
    expect(server.requests).toHaveLength(101);
    await discover(issuer(1));
    expect(server.requests).toHaveLength(102);
  });

  it('requires iss in callbacks when the server says it always sends one (RFC 9207)', async () => {
    const server = await metadataServer(['/.well-known/openid-configuration'], (origin) =>
      metadataFor(origin, { authorization_response_iss_parameter_supported: true }),
    );
    expect((await discover(server.origin)).quirks.requireIssParameter).toBe(true);
  });
});

describe('presetFromMetadata()', () => {
  it('maps every endpoint and keeps absent ones absent', () => {
    const preset = presetFromMetadata({ issuer: 'https://as.example', token_endpoint: 'https://as.example/token', jwks_uri: 'https://as.example/keys' });
    expect(preset.endpoints).toEqual({ token: 'https://as.example/token', jwks: 'https://as.example/keys' });
    expect(preset.issuer).toBe('https://as.example');
    expect(preset.name).toBe('as.example');
  });

  it('maps the full set of endpoints', () => {
    const preset = presetFromMetadata(metadataFor('https://as.example'));
    expect(preset.endpoints).toEqual({
      authorization: 'https://as.example/authorize',
      token: 'https://as.example/token',
      revocation: 'https://as.example/revoke',
      introspection: 'https://as.example/introspect',
      userinfo: 'https://as.example/userinfo',
      deviceAuthorization: 'https://as.example/device',
      endSession: 'https://as.example/logout',
      jwks: 'https://as.example/jwks',
    });
  });

  it('picks client_secret_basic when supported, else client_secret_post', () => {
    const both = presetFromMetadata(metadataFor('https://as.example', { token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'] }));
    expect(both.tokenEndpointAuthMethod).toBe('client_secret_basic');
    const postOnly = presetFromMetadata(metadataFor('https://as.example', { token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_post'] }));
    expect(postOnly.tokenEndpointAuthMethod).toBe('client_secret_post');
    expect(presetFromMetadata(metadataFor('https://as.example')).tokenEndpointAuthMethod).toBe('client_secret_basic');
    const jwtOnly = presetFromMetadata(metadataFor('https://as.example', { token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_jwt'] }));
    expect(jwtOnly.tokenEndpointAuthMethod).toBe('client_secret_jwt');
  });

  it('refuses metadata whose issuer is not a URL with an InvalidArgumentError', () => {
    expect(() => presetFromMetadata({ issuer: 'not a url', token_endpoint: 'https://as.example/token' })).toThrow(InvalidArgumentError);
  });

  it('takes the ID-token algorithms, never "none"', () => {
    const preset = presetFromMetadata(metadataFor('https://as.example', { id_token_signing_alg_values_supported: ['RS256', 'none', 'ES256'] }));
    expect(preset.quirks.idTokenSigningAlgorithms).toEqual(['RS256', 'ES256']);
    const noneOnly = presetFromMetadata(metadataFor('https://as.example', { id_token_signing_alg_values_supported: ['none'] }));
    expect(noneOnly.quirks.idTokenSigningAlgorithms).toBeUndefined();
  });

  it('applies a name and quirks given by the caller', () => {
    const preset = presetFromMetadata(metadataFor('https://as.example'), { name: 'corp-sso', quirks: { scopeSeparator: ',', supportsNonce: false } });
    expect(preset.name).toBe('corp-sso');
    expect(preset.quirks.scopeSeparator).toBe(',');
    expect(preset.quirks.supportsNonce).toBe(false);
  });

  it('sets requireIssParameter from authorization_response_iss_parameter_supported, unless the caller says otherwise', () => {
    const supported = metadataFor('https://as.example', { authorization_response_iss_parameter_supported: true });
    expect(presetFromMetadata(supported).quirks.requireIssParameter).toBe(true);
    expect(presetFromMetadata(supported, { quirks: { requireIssParameter: false } }).quirks.requireIssParameter).toBe(false);
    expect(presetFromMetadata(metadataFor('https://as.example')).quirks.requireIssParameter).toBe(false);
    // Only a JSON true counts.
    const stringy = metadataFor('https://as.example', { authorization_response_iss_parameter_supported: 'true' });
    expect(presetFromMetadata(stringy).quirks.requireIssParameter).toBe(false);
  });

  it('validates the endpoint URLs like defineProvider', () => {
    expect(() => presetFromMetadata({ issuer: 'https://as.example', token_endpoint: '/token' })).toThrow(InvalidArgumentError);
    expect(() => presetFromMetadata(metadataFor('https://as.example', { userinfo_endpoint: 'ftp://as.example/me' }))).toThrow(/endpoints\.userinfo/);
  });
});
