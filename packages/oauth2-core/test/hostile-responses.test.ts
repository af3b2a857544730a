import type { IncomingMessage, ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  defineProvider,
  OAuth2Error,
  OAuth2NetworkError,
  OAuth2ResponseError,
  OAuth2ServerError,
  OAuth2TimeoutError,
  ResponseTooLargeError,
} from '../src/index.js';
import type { ClientOptions } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeServer, RecordedRequest } from './helpers/edge-server.js';

// Values a hostile or broken server echoes back; none may reach an error's message or toJSON().
const clientSecret = 'client-secret-Hx81qPzL';
const leakedAccessToken = 'LEAK-ACCESS-7f3c91d2';
const leakedRefreshToken = 'LEAK-REFRESH-0b6e4a55';
const leakedJwt =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTQyIiwiYXVkIjoiYXBwIn0.c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw';
const basicCredentials = Buffer.from(`app:${clientSecret}`).toString('base64');
const secrets = [clientSecret, basicCredentials, leakedAccessToken, leakedRefreshToken, leakedJwt, 'c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw'];

const tenMegabytes = 10 * 1024 * 1024;

type Respond = (request: RecordedRequest, response: ServerResponse, raw: IncomingMessage) => void;

interface HostileCase {
  name: string;
  respond: Respond;
  errorClass: new (...args: never[]) => OAuth2Error;
  code: string;
  /** The client's timeout for this case, in ms. */
  timeout?: number;
  check?: (error: OAuth2Error) => void;
}

function send(response: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

function writeBig(response: ServerResponse, declareLength: boolean): void {
  // The client gives up early and closes the connection; writes after that are expected to fail.
  response.on('error', () => undefined);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  response.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(tenMegabytes) } : {}) });
  for (let written = 0; written < tenMegabytes && !response.destroyed; written += chunk.length) response.write(chunk);
  response.end();
}

const responseError = (status: number) => (error: OAuth2Error) => {
  expect((error as OAuth2ResponseError).status).toBe(status);
  expect((error as OAuth2ResponseError).endpoint).toBe('token');
};

const cases: HostileCase[] = [
  {
    name: 'an HTML 502 page from a proxy',
    respond: (_request, response) => send(response, 502, 'text/html', '<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>'),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(502)(error);
      expect((error as OAuth2ResponseError).bodyExcerpt).toContain('502 Bad Gateway');
    },
  },
  {
    name: 'an HTML 502 page that echoes the request, tokens included',
    respond: (_request, response) =>
      send(
        response,
        502,
        'text/html',
        `<html><pre>upstream said: access_token=${leakedAccessToken}&refresh_token=${leakedRefreshToken}&client_secret=${clientSecret} id_token ${leakedJwt}</pre></html>`,
      ),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(502)(error);
      expect((error as OAuth2ResponseError).bodyExcerpt).toContain('upstream said');
    },
  },
  {
    name: 'an empty 200 body',
    respond: (_request, response) => send(response, 200, 'application/json', ''),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(200)(error);
      expect(error.message).toMatch(/empty/);
    },
  },
  {
    name: 'invalid JSON holding tokens',
    respond: (_request, response) => send(response, 200, 'application/json', `{"access_token":"${leakedAccessToken}","refresh_token":"${leakedRefreshToken}", oops`),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(200)(error);
      expect(error.message).toMatch(/not JSON/);
    },
  },
  {
    name: 'a form-encoded body where JSON was asked for',
    respond: (_request, response) =>
      send(response, 200, 'application/x-www-form-urlencoded', `access_token=${leakedAccessToken}&token_type=bearer&refresh_token=${leakedRefreshToken}`),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(200)(error);
      expect(error.message).toMatch(/not JSON \(application\/x-www-form-urlencoded\)/);
    },
  },
  {
    name: 'a Python dict printed instead of JSON',
    respond: (_request, response) =>
      send(response, 200, 'text/html', `{'access_token': '${leakedAccessToken}', 'refresh_token': '${leakedRefreshToken}', 'expires_in': 3600}`),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(200)(error);
      expect((error as OAuth2ResponseError).bodyExcerpt).toContain("'expires_in': 3600");
    },
  },
  {
    name: 'JSON with an unquoted token value',
    respond: (_request, response) => send(response, 200, 'application/json', `{"access_token":${leakedAccessToken},"token_type":"Bearer"}`),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(200)(error);
      // Not even a fragment: JSON.parse quotes ten characters around the failure in its own message.
      expect(inspect(error, { depth: 5 })).not.toContain(leakedAccessToken.slice(0, 8));
      expect(JSON.stringify(error)).not.toContain(leakedAccessToken.slice(0, 8));
    },
  },
  {
    name: 'a JSON array',
    respond: (_request, response) => sendJson(response, 200, [{ access_token: leakedAccessToken, token_type: 'Bearer' }]),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(200)(error);
      expect(error.message).toMatch(/an array/);
    },
  },
  {
    name: 'a JSON null',
    respond: (_request, response) => send(response, 200, 'application/json', 'null'),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => expect(error.message).toMatch(/got null/),
  },
  {
    name: 'a token response without access_token',
    respond: (_request, response) => sendJson(response, 200, { token_type: 'Bearer', refresh_token: leakedRefreshToken, expires_in: 3600 }),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(200)(error);
      expect(error.message).toMatch(/access_token is missing/);
    },
  },
  {
    name: 'an access_token that is not a string',
    respond: (_request, response) => sendJson(response, 200, { access_token: 12345, token_type: 'Bearer' }),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => expect(error.message).toMatch(/access_token is missing or not a string/),
  },
  {
    name: 'expires_in "abc"',
    respond: (_request, response) => sendJson(response, 200, { access_token: leakedAccessToken, token_type: 'Bearer', expires_in: 'abc' }),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(200)(error);
      expect(error.message).toMatch(/expires_in must be a non-negative number/);
    },
  },
  {
    name: 'a negative expires_in',
    respond: (_request, response) => sendJson(response, 200, { access_token: leakedAccessToken, token_type: 'Bearer', expires_in: -60 }),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => expect(error.message).toMatch(/expires_in must be a non-negative number of seconds, got -60/),
  },
  {
    name: 'an expires_in beyond any representable date',
    respond: (_request, response) => sendJson(response, 200, { access_token: leakedAccessToken, expires_in: 1e20 }),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: responseError(200),
  },
  {
    name: 'a token_type that would add a header',
    respond: (_request, response) => sendJson(response, 200, { access_token: leakedAccessToken, token_type: `Bearer\r\nX-Leak: ${leakedRefreshToken}` }),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(200)(error);
      expect(error.message).toMatch(/token_type/);
    },
  },
  {
    name: 'an access_token that would add a header',
    respond: (_request, response) => sendJson(response, 200, { access_token: `${leakedAccessToken}\r\nX-Leak: 1`, token_type: 'Bearer' }),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(200)(error);
      expect(error.message).toMatch(/access_token contains whitespace or control characters/);
    },
  },
  {
    name: 'a body that never finishes (Content-Length declared)',
    respond: (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      response.write(`{"access_token":"${leakedAccessToken}`);
    },
    timeout: 300,
    errorClass: OAuth2TimeoutError,
    code: 'ERR_OAUTH2_TIMEOUT',
    check: (error) => {
      expect((error as OAuth2TimeoutError).timeout).toBe(300);
      expect((error as OAuth2TimeoutError).endpoint).toBe('token');
    },
  },
  {
    name: 'a body that never finishes (chunked)',
    respond: (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(`{"access_token":"${leakedAccessToken}`);
    },
    timeout: 300,
    errorClass: OAuth2TimeoutError,
    code: 'ERR_OAUTH2_TIMEOUT',
    check: (error) => expect((error as OAuth2TimeoutError).timeout).toBe(300),
  },
  {
    name: 'headers that never come',
    respond: () => undefined,
    timeout: 300,
    errorClass: OAuth2TimeoutError,
    code: 'ERR_OAUTH2_TIMEOUT',
    check: (error) => expect((error as OAuth2TimeoutError).timeout).toBe(300),
  },
  {
    name: 'a body cut short (the connection closes before Content-Length bytes)',
    respond: (_request, response, raw) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      response.write(`{"access_token":"${leakedAccessToken}"`, () => raw.socket.destroy());
    },
    errorClass: OAuth2NetworkError,
    code: 'ERR_OAUTH2_NETWORK',
    check: (error) => expect((error as OAuth2NetworkError).endpoint).toBe('token'),
  },
  {
    name: 'a reset connection',
    respond: (_request, _response, raw) => raw.socket.destroy(),
    errorClass: OAuth2NetworkError,
    code: 'ERR_OAUTH2_NETWORK',
    check: (error) => {
      expect((error as OAuth2NetworkError).endpoint).toBe('token');
      expect(error.message).toMatch(/could not reach the token endpoint/);
    },
  },
  {
    name: 'a 10 MB body with Content-Length',
    respond: (_request, response) => writeBig(response, true),
    errorClass: ResponseTooLargeError,
    code: 'ERR_OAUTH2_RESPONSE_TOO_LARGE',
    check: (error) => {
      expect(error).toBeInstanceOf(OAuth2ResponseError);
      expect((error as ResponseTooLargeError).limit).toBe(1024 * 1024);
      expect((error as ResponseTooLargeError).status).toBe(200);
    },
  },
  {
    name: 'a 10 MB chunked body',
    respond: (_request, response) => writeBig(response, false),
    errorClass: ResponseTooLargeError,
    code: 'ERR_OAUTH2_RESPONSE_TOO_LARGE',
    check: (error) => expect((error as ResponseTooLargeError).limit).toBe(1024 * 1024),
  },
  {
    name: 'an error object with status 200',
    respond: (_request, response) => sendJson(response, 200, { error: 'invalid_client', error_description: 'client authentication failed' }),
    errorClass: OAuth2ServerError,
    code: 'ERR_OAUTH2_SERVER',
    check: (error) => {
      const server = error as OAuth2ServerError;
      expect(server.error).toBe('invalid_client');
      expect(server.errorDescription).toBe('client authentication failed');
      expect(server.status).toBe(200);
      expect(server.endpoint).toBe('token');
    },
  },
  {
    name: 'a 400 invalid_grant with a request_id in the body',
    respond: (_request, response) => sendJson(response, 400, { error: 'invalid_grant', error_uri: 'https://as.example/errors/grant', request_id: 'req-snake-1' }),
    errorClass: OAuth2ServerError,
    code: 'ERR_OAUTH2_SERVER',
    check: (error) => {
      const server = error as OAuth2ServerError;
      expect(server).toMatchObject({ error: 'invalid_grant', status: 400, requestId: 'req-snake-1', errorUri: 'https://as.example/errors/grant' });
      expect(server.toJSON()).toMatchObject({ code: 'ERR_OAUTH2_SERVER', error: 'invalid_grant', status: 400, requestId: 'req-snake-1' });
    },
  },
  {
    name: 'a 400 invalid_grant with a requestId in the body',
    respond: (_request, response) => sendJson(response, 400, { error: 'invalid_grant', requestId: 'req-camel-2' }),
    errorClass: OAuth2ServerError,
    code: 'ERR_OAUTH2_SERVER',
    check: (error) => expect(error).toMatchObject({ error: 'invalid_grant', status: 400, requestId: 'req-camel-2' }),
  },
  {
    name: 'a 400 invalid_grant with an x-request-id header',
    respond: (_request, response) => sendJson(response, 400, { error: 'invalid_grant' }, { 'x-request-id': 'req-header-3' }),
    errorClass: OAuth2ServerError,
    code: 'ERR_OAUTH2_SERVER',
    check: (error) => expect(error).toMatchObject({ error: 'invalid_grant', status: 400, requestId: 'req-header-3' }),
  },
  {
    name: 'an error_description that carries a JWT and a token',
    respond: (_request, response) =>
      sendJson(response, 400, { error: 'invalid_grant', error_description: `id_token ${leakedJwt} rejected; access_token=${leakedAccessToken}` }),
    errorClass: OAuth2ServerError,
    code: 'ERR_OAUTH2_SERVER',
    check: (error) => {
      const server = error as OAuth2ServerError;
      expect(server.errorDescription).toContain('rejected');
      expect(server.errorDescription).toContain('[redacted');
    },
  },
  {
    name: 'a 401 error body with a string error code missing',
    respond: (_request, response) => sendJson(response, 401, { message: 'unauthorized', access_token: leakedAccessToken }),
    errorClass: OAuth2ResponseError,
    code: 'ERR_OAUTH2_INVALID_RESPONSE',
    check: (error) => {
      responseError(401)(error);
      expect(error.message).toMatch(/without a string `error` code/);
    },
  },
];

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let server: EdgeServer;
const handlers = new Map<string, Respond>();

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = await startEdgeServer((request, response, raw) => {
    const respond = handlers.get(request.url);
    if (respond === undefined) return sendJson(response, 404, { error: 'not_found' });
    respond(request, response, raw);
  });
});

afterAll(async () => {
  await server.close();
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

function clientFor(path: string, respond: Respond, options: Partial<ClientOptions> = {}) {
  handlers.set(path, respond);
  const provider = defineProvider({ name: 'hostile', endpoints: { token: server.url(path) } });
  // Retries are tested on their own (retries.test.ts); here each answer is seen exactly once.
  return createClient(provider, { clientId: 'app', clientSecret, timeout: 2000, retry: false, ...options });
}

function expectNoSecrets(error: OAuth2Error): void {
  const views = [error.message, String(error), JSON.stringify(error), JSON.stringify(error.toJSON()), inspect(error, { depth: 10 })];
  for (const view of views) for (const secret of secrets) expect(view).not.toContain(secret);
}

describe('hostile token endpoint answers', () => {
  cases.forEach((hostile, index) => {
    it(`turns ${hostile.name} into ${hostile.errorClass.name} (${hostile.code})`, async () => {
      const timeout = hostile.timeout ?? 2000;
      const client = clientFor(`/case-${index}`, hostile.respond, { timeout });
      const started = performance.now();
      const error = await client.clientCredentials.getToken().then(
        () => undefined,
        (reason: unknown) => reason,
      );
      const elapsed = performance.now() - started;

      expect(error).toBeInstanceOf(hostile.errorClass);
      expect(error).toBeInstanceOf(OAuth2Error);
      const typed = error as OAuth2Error;
      expect(typed.code).toBe(hostile.code);
      expect(typed.name).toBe(hostile.errorClass.name);
      hostile.check?.(typed);
      expectNoSecrets(typed);
      // Within the client's timeout (plus scheduling slack for a loaded machine), and a timeout really is the timeout.
      expect(elapsed).toBeLessThan(timeout + 1000);
      if (hostile.errorClass === OAuth2TimeoutError) expect(elapsed).toBeGreaterThanOrEqual(timeout - 20);
      expect(server.requests.filter((request) => request.url === `/case-${index}`)).toHaveLength(1);
    });
  });

  it("keeps the endpoint's query and the client's credentials out of a network error", async () => {
    const querySecret = 'QUERY-SECRET-5d2a';
    handlers.set(`/reset-with-query?api_key=${querySecret}`, (_request, _response, raw) => raw.socket.destroy());
    const provider = defineProvider({ name: 'hostile', endpoints: { token: server.url(`/reset-with-query?api_key=${querySecret}`) } });
    const client = createClient(provider, { clientId: 'app', clientSecret, retry: false });
    const error = await client.clientCredentials.getToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2NetworkError);
    expectNoSecrets(error as OAuth2NetworkError);
    for (const view of [(error as Error).message, JSON.stringify(error), inspect(error, { depth: 10 })]) expect(view).not.toContain(querySecret);
    expect((error as Error).message).toContain(`${server.url('/reset-with-query')}?[…]`);
  });

  it('does not follow a redirect from the token endpoint, so credentials and codes stay home', async () => {
    const elsewhere = await startEdgeServer((_request, response) => sendJson(response, 200, { access_token: 'from-elsewhere' }));
    try {
      for (const [index, status] of [307, 308, 302].entries()) {
        const client = clientFor(`/redirect-${index}`, (_request, response) => {
          response.writeHead(status, { location: elsewhere.url('/collect') }).end();
        }, { tokenEndpointAuthMethod: 'client_secret_post' });
        const error = await client.authorizationCode
          .getToken({ code: 'code-to-keep', redirectUri: 'https://app.example/cb', codeVerifier: 'v'.repeat(43) })
          .catch((reason: unknown) => reason);
        expect(error).toBeInstanceOf(OAuth2ResponseError);
        expect((error as OAuth2ResponseError).status).toBe(status);
      }
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('refuses a body over a configured maxResponseBytes', async () => {
    const client = clientFor('/small-limit', (_request, response) =>
      send(response, 200, 'application/json', JSON.stringify({ access_token: leakedAccessToken, padding: 'x'.repeat(2000) })),
    { maxResponseBytes: 1000 });
    const error = await client.clientCredentials.getToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect((error as ResponseTooLargeError).limit).toBe(1000);
  });
});

describe('lenient about what is harmless', () => {
  it('accepts JSON served as text/plain', async () => {
    const client = clientFor('/text-plain', (_request, response) =>
      send(response, 200, 'text/plain; charset=utf-8', JSON.stringify({ access_token: 'at-plain', token_type: 'bearer', expires_in: 60 })),
    );
    const token = await client.clientCredentials.getToken();
    expect(token.accessToken).toBe('at-plain');
    expect(token.tokenType).toBe('Bearer');
  });

  it('ignores an expires_at beyond any representable date, keeping expires_in', async () => {
    const client = clientFor('/huge-expires-at', (_request, response) =>
      sendJson(response, 200, { access_token: 'at-huge', expires_at: '99999999999999999', expires_in: 60 }),
    );
    const before = Date.now();
    const token = await client.clientCredentials.getToken();
    expect(token.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 60_000);
    expect(token.expiresAt!.getTime()).toBeLessThan(before + 120_000);
  });

  it('accepts status 201', async () => {
    const client = clientFor('/created', (_request, response) => sendJson(response, 201, { access_token: 'at-created', token_type: 'Bearer' }));
    const token = await client.clientCredentials.getToken();
    expect(token.accessToken).toBe('at-created');
  });

  it('accepts JSON surrounded by whitespace and without a content type', async () => {
    const client = clientFor('/no-type', (_request, response) => {
      const body = `\n  ${JSON.stringify({ access_token: 'at-bare' })}  \n`;
      response.writeHead(200, { 'content-length': Buffer.byteLength(body) });
      response.end(body);
    });
    const token = await client.clientCredentials.getToken();
    expect(token.accessToken).toBe('at-bare');
    expect(token.tokenType).toBe('Bearer');
  });
});
