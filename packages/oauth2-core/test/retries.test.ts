import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, defineProvider, OAuth2AbortError, OAuth2ServerError, OAuth2TimeoutError, ResponseTooLargeError } from '../src/index.js';
import type { ClientOptions, OAuth2Client } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeHandler, EdgeServer } from './helpers/edge-server.js';

const servers: EdgeServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: EdgeHandler): Promise<EdgeServer> {
  const server = await startEdgeServer(handler);
  servers.push(server);
  return server;
}

function clientOf(server: EdgeServer, options: Partial<ClientOptions> = {}): OAuth2Client {
  const provider = defineProvider({
    name: 'flaky',
    endpoints: {
      authorization: server.url('/authorize'),
      token: server.url('/token'),
      revocation: server.url('/revoke'),
      deviceAuthorization: server.url('/device'),
    },
  });
  // A tiny backoff keeps retries without Retry-After fast; the policy under test is the same.
  return createClient(provider, { clientId: 'app', clientSecret: 'secret', retry: { backoffLimit: 10 }, ...options });
}

const unavailable = { error: 'temporarily_unavailable', error_description: 'try again later' };
const tokenBody = { access_token: 'at-after-retry', token_type: 'Bearer', expires_in: 3600 };

/** Answers the first `failures` token requests with `fail`, then a token. */
function failingThenOk(failures: number, fail: (response: ServerResponse, raw: IncomingMessage) => void): EdgeHandler {
  let seen = 0;
  return (request, response, raw) => {
    if (request.url !== '/token') return sendJson(response, 404, { error: 'not_found' });
    seen += 1;
    if (seen <= failures) return fail(response, raw);
    sendJson(response, 200, tokenBody);
  };
}

const tokenRequests = (server: EdgeServer) => server.requests.filter((request) => request.url === '/token');

describe('client credentials are retried', () => {
  it('retries a 503 and then succeeds', async () => {
    const server = await serve(failingThenOk(1, (response) => sendJson(response, 503, unavailable)));
    const token = await clientOf(server).clientCredentials.getToken({ scope: 'reports' });
    expect(token.accessToken).toBe('at-after-retry');
    const requests = tokenRequests(server);
    expect(requests).toHaveLength(2);
    // The retry is the same request again, body and authentication included.
    expect(requests[1]?.body).toBe(requests[0]?.body);
    expect(requests[1]?.form.get('grant_type')).toBe('client_credentials');
    expect(requests[1]?.form.get('scope')).toBe('reports');
    expect(requests[1]?.headers.authorization).toBe(requests[0]?.headers.authorization);
  });

  it('retries a 429 with Retry-After: 0 and then succeeds', async () => {
    const server = await serve(failingThenOk(2, (response) => sendJson(response, 429, { error: 'slow_down' }, { 'retry-after': '0' })));
    // Default backoff: only Retry-After: 0 keeps this fast.
    const token = await clientOf(server, { retry: {} }).clientCredentials.getToken();
    expect(token.accessToken).toBe('at-after-retry');
    expect(tokenRequests(server)).toHaveLength(3);
  });

  it('retries a reset connection and then succeeds', async () => {
    const server = await serve(failingThenOk(1, (_response, raw) => raw.socket.destroy()));
    const token = await clientOf(server).clientCredentials.getToken();
    expect(token.accessToken).toBe('at-after-retry');
    expect(tokenRequests(server)).toHaveLength(2);
  });

  it('gives up after the limit (2 retries by default) with the last OAuth2ServerError', async () => {
    const server = await serve((_request, response) => sendJson(response, 503, unavailable, { 'retry-after': '0', 'x-request-id': 'req-503' }));
    const error = await clientOf(server).clientCredentials.getToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({ code: 'ERR_OAUTH2_SERVER', error: 'temporarily_unavailable', errorDescription: 'try again later', status: 503, requestId: 'req-503' });
    expect(tokenRequests(server)).toHaveLength(3);
  });

  it('honours a custom retry limit', async () => {
    const server = await serve((_request, response) => sendJson(response, 503, unavailable, { 'retry-after': '0' }));
    const error = await clientOf(server, { retry: { limit: 1 } }).clientCredentials.getToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(tokenRequests(server)).toHaveLength(2);
  });

  it('does not retry other server errors (a 500, a 400)', async () => {
    const server = await serve((request, response) =>
      sendJson(response, request.form.get('scope') === 'a' ? 500 : 400, { error: request.form.get('scope') === 'a' ? 'server_error' : 'invalid_scope' }),
    );
    const client = clientOf(server);
    await expect(client.clientCredentials.getToken({ scope: 'a' })).rejects.toMatchObject({ error: 'server_error', status: 500 });
    await expect(client.clientCredentials.getToken({ scope: 'b' })).rejects.toMatchObject({ error: 'invalid_scope', status: 400 });
    expect(tokenRequests(server)).toHaveLength(2);
  });

  it('still refuses an oversized body in the last 503 once retries are exhausted', async () => {
    const padding = 'x'.repeat(2 * 1024 * 1024);
    const server = await serve((_request, response) => sendJson(response, 503, { ...unavailable, padding }, { 'retry-after': '0' }));
    const error = await clientOf(server).clientCredentials.getToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ code: 'ERR_OAUTH2_RESPONSE_TOO_LARGE', status: 503, limit: 1024 * 1024 });
    expect(tokenRequests(server)).toHaveLength(3);
  });

  it('refuses a 503 body beyond the limit even when it is too big to read at all', async () => {
    const body = Buffer.alloc(11 * 1024 * 1024, 0x61);
    const server = await serve((_request, response) => {
      response.on('error', () => undefined);
      response.writeHead(503, { 'content-type': 'text/plain', 'content-length': body.length, 'retry-after': '0' });
      response.end(body);
    });
    const error = await clientOf(server, { retry: { limit: 0 } }).clientCredentials.getToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(tokenRequests(server)).toHaveLength(1);
  });

  it('stops at the client timeout when Retry-After asks for longer', async () => {
    const server = await serve((_request, response) => sendJson(response, 503, unavailable, { 'retry-after': '3' }));
    const started = performance.now();
    const error = await clientOf(server, { timeout: 300 }).clientCredentials.getToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2TimeoutError);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(tokenRequests(server)).toHaveLength(1);
  });
});

describe('single-use credentials are never retried', () => {
  const always503: EdgeHandler = (request, response) => {
    if (request.url === '/device') {
      return sendJson(response, 200, { device_code: 'dc-1', user_code: 'ABCD-EFGH', verification_uri: 'https://as.example/device', expires_in: 600, interval: 0 });
    }
    sendJson(response, 503, unavailable, { 'retry-after': '0' });
  };

  it('sends an authorization code exchange once, even on 503', async () => {
    const server = await serve(always503);
    const error = await clientOf(server)
      .authorizationCode.getToken({ code: 'code-1', redirectUri: 'https://app.example/cb', codeVerifier: 'v'.repeat(43) })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect((error as OAuth2ServerError).status).toBe(503);
    expect(tokenRequests(server)).toHaveLength(1);
    expect(tokenRequests(server)[0]?.form.get('grant_type')).toBe('authorization_code');
  });

  it('sends a refresh once, even on 503', async () => {
    const server = await serve(always503);
    const error = await clientOf(server).refresh('rt-1').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(tokenRequests(server)).toHaveLength(1);
    expect(tokenRequests(server)[0]?.form.get('grant_type')).toBe('refresh_token');
  });

  it('sends a refresh once on a reset connection', async () => {
    const server = await serve((_request, _response, raw) => {
      raw.socket.destroy();
    });
    await expect(clientOf(server).refresh('rt-1')).rejects.toMatchObject({ code: 'ERR_OAUTH2_NETWORK' });
    expect(tokenRequests(server)).toHaveLength(1);
  });

  it('sends each device poll once, even on 503', async () => {
    const server = await serve(always503);
    const client = clientOf(server);
    const authorization = await client.deviceCode.start();
    const error = await client.deviceCode.poll(authorization).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect((error as OAuth2ServerError).error).toBe('temporarily_unavailable');
    expect(tokenRequests(server)).toHaveLength(1);
    expect(tokenRequests(server)[0]?.form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:device_code');
  });

  it('sends a custom grant once, even on 503', async () => {
    const server = await serve(always503);
    await expect(clientOf(server).grant('urn:ietf:params:oauth:grant-type:token-exchange', { subject_token: 'st' })).rejects.toBeInstanceOf(OAuth2ServerError);
    expect(tokenRequests(server)).toHaveLength(1);
  });
});

describe('client assertions are never sent twice', () => {
  it('sends a client_secret_jwt client credentials request once, even on 503 (a repeated jti is a replay)', async () => {
    const server = await serve(failingThenOk(1, (response) => sendJson(response, 503, unavailable)));
    const client = clientOf(server, { tokenEndpointAuthMethod: 'client_secret_jwt', clientSecret: 'a-secret-long-enough-for-hs256-000000' });
    await expect(client.clientCredentials.getToken()).rejects.toBeInstanceOf(OAuth2ServerError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('retry: false', () => {
  it('disables retries of client credentials', async () => {
    const server = await serve(failingThenOk(1, (response) => sendJson(response, 503, unavailable, { 'retry-after': '0' })));
    const error = await clientOf(server, { retry: false }).clientCredentials.getToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect((error as OAuth2ServerError).status).toBe(503);
    expect(tokenRequests(server)).toHaveLength(1);
  });

  it('disables retries on a reset connection', async () => {
    const server = await serve(failingThenOk(1, (_response, raw) => raw.socket.destroy()));
    await expect(clientOf(server, { retry: false }).clientCredentials.getToken()).rejects.toMatchObject({ code: 'ERR_OAUTH2_NETWORK' });
    expect(tokenRequests(server)).toHaveLength(1);
  });
});

describe('per-call AbortSignal', () => {
  it('aborts a request the server is still holding', async () => {
    const controller = new AbortController();
    // The server aborts the caller's signal once it holds the request, and never answers.
    const server = await serve(() => controller.abort(new Error('user navigated away')));
    const started = performance.now();
    const error = await clientOf(server).clientCredentials.getToken({}, { signal: controller.signal }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2AbortError);
    expect(error).toMatchObject({ code: 'ERR_OAUTH2_ABORTED', name: 'OAuth2AbortError' });
    expect((error as OAuth2AbortError).cause).toEqual(new Error('user navigated away'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(tokenRequests(server)).toHaveLength(1);
  });

  it('aborts while waiting to retry, without a further request', async () => {
    const controller = new AbortController();
    const server = await serve((_request, response) => {
      sendJson(response, 503, unavailable, { 'retry-after': '4' });
      response.on('finish', () => controller.abort());
    });
    const started = performance.now();
    const error = await clientOf(server).clientCredentials.getToken({}, { signal: controller.signal }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2AbortError);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(tokenRequests(server)).toHaveLength(1);
  });

  it('aborts a code exchange', async () => {
    const controller = new AbortController();
    const server = await serve(() => controller.abort());
    const error = await clientOf(server)
      .authorizationCode.getToken({ code: 'c', redirectUri: 'https://app.example/cb' }, { signal: controller.signal })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2AbortError);
  });

  it('rejects at once with an already-aborted signal, sending nothing', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, tokenBody));
    const reason = new Error('already cancelled');
    const error = await clientOf(server).clientCredentials.getToken({}, { signal: AbortSignal.abort(reason) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OAuth2AbortError);
    expect((error as OAuth2AbortError).code).toBe('ERR_OAUTH2_ABORTED');
    expect((error as OAuth2AbortError).cause).toBe(reason);
    await expect(clientOf(server).refresh('rt', undefined, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(OAuth2AbortError);
    await expect(clientOf(server).revoke('at', 'access_token', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(OAuth2AbortError);
    expect(server.requests).toHaveLength(0);
  });
});
