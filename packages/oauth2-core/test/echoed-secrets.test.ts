/**
 * What a server or a caller hands back must not carry our secrets into errors or logs: echoed request
 * values, credential-shaped text in bodies, and header values a runtime refuses to send.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, defineProvider, OAuth2AbortError, OAuth2NetworkError, OAuth2ResponseError, OAuth2ServerError } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeHandler, EdgeServer } from './helpers/edge-server.js';

const servers: EdgeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const clientSecret = 'client-secret-0123456789';

async function clientFor(handler: EdgeHandler) {
  const server = await startEdgeServer(handler);
  servers.push(server);
  const provider = defineProvider({
    name: 'echoing',
    endpoints: { token: server.url('/token'), userinfo: server.url('/userinfo'), revocation: server.url('/revoke') },
  });
  return createClient(provider, { clientId: 'app', clientSecret, redirectUri: 'https://app.example/cb' });
}

function everythingShown(error: unknown): string {
  return [String(error), JSON.stringify(error), inspect(error, { depth: 5 })].join('\n');
}

describe('values the request sent, echoed by the server', () => {
  it('masks a refresh token, the client secret and a code quoted in error_description', async () => {
    const client = await clientFor((request, response) =>
      sendJson(response, 400, {
        error: 'invalid_grant',
        error_description: `token ${request.form.get('refresh_token') ?? ''} or code ${request.form.get('code') ?? ''} rejected for secret ${clientSecret}`,
      }),
    );
    const refresh = await client.refresh('rt-VERY-SECRET-123').catch((caught: unknown) => caught);
    const exchange = await client.authorizationCode.getToken({ code: 'code-SECRET-456', codeVerifier: 'v'.repeat(43) }).catch((caught: unknown) => caught);

    for (const error of [refresh, exchange]) {
      expect(error).toBeInstanceOf(OAuth2ServerError);
      const shown = everythingShown(error);
      for (const secret of ['rt-VERY-SECRET-123', 'code-SECRET-456', clientSecret, 'v'.repeat(43)]) expect(shown).not.toContain(secret);
      expect((error as OAuth2ServerError).errorDescription).toContain('[redacted]');
    }
  });

  it('masks echoed secrets in the excerpt of an unusable answer too', async () => {
    const client = await clientFor((request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' }).end(`<pre>upstream refused ${request.form.get('password') ?? ''}</pre>`);
    });
    const error = await client.password.getToken({ username: 'alice', password: 'correct-horse-battery' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OAuth2ResponseError);
    expect(everythingShown(error)).not.toContain('correct-horse-battery');
  });
});

describe('credential-shaped text in a body', () => {
  const shapes: [string, string][] = [
    ['a YAML-ish line', 'client_secret: s3cr3t-value-1'],
    ['camelCase JSON', '{"accessToken":"opaque-at-123456","refreshToken":"opaque-rt-456789"}'],
    ['a Ruby hash', '{"client_secret"=>"s3cr3t-value-2"}'],
    ['a quoted form value', "password='hunter2-hunter2'"],
    ['an Authorization header line', 'Authorization: token ghp_abcdefghijklmnop'],
  ];
  it.each(shapes)('masks %s', async (_shape, body) => {
    const client = await clientFor((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/plain' }).end(body);
    });
    const error = await client.clientCredentials.getToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OAuth2ResponseError);
    const excerpt = (error as OAuth2ResponseError).bodyExcerpt ?? '';
    expect(excerpt).toContain('[redacted]');
    for (const secret of ['s3cr3t-value', 'opaque-at-123456', 'opaque-rt-456789', 'hunter2-hunter2', 'ghp_abcdefghijklmnop']) {
      expect(excerpt).not.toContain(secret);
    }
  });
});

describe('header values a runtime refuses to send', () => {
  it('does not quote an access token the runtime rejected as a header value', async () => {
    const client = await clientFor((_request, response) => sendJson(response, 200, { sub: 'x' }));
    const error = await client.userinfo('secret-access-token-42\nX').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OAuth2NetworkError);
    expect(everythingShown(error)).not.toContain('secret-access-token-42');
  });
});

describe("the caller's own timeout signal", () => {
  it('is reported as an abort by the caller, not as the client timing out', async () => {
    const client = await clientFor(() => {
      // Never answers: the caller's signal ends it.
    });
    const error = await client.clientCredentials.getToken({}, { signal: AbortSignal.timeout(100) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OAuth2AbortError);
  });
});
