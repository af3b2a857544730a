import { afterEach, describe, expect, it } from 'vitest';
import {
  createClient,
  defineProvider,
  NoRefreshTokenError,
  OAuth2ResponseError,
  OAuth2ServerError,
  UnsupportedOperationError,
} from '../src/index.js';
import type { OAuth2Client } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeHandler, EdgeServer } from './helpers/edge-server.js';

const servers: EdgeServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const stored = { access_token: 'at-to-revoke', token_type: 'Bearer', refresh_token: 'rt-to-revoke', expires_in: 600 };
const basic = `Basic ${Buffer.from('app:secret').toString('base64')}`;

/** RFC 7009 §2.2: a revocation endpoint answers 200, with no body defined. */
const ok: EdgeHandler = (_request, response) => {
  response.writeHead(200).end();
};

async function setup(handler: EdgeHandler, withRevocation = true): Promise<{ server: EdgeServer; client: OAuth2Client }> {
  const server = await startEdgeServer(handler);
  servers.push(server);
  const provider = defineProvider({
    name: 'revoking',
    endpoints: { token: server.url('/token'), ...(withRevocation ? { revocation: server.url('/revoke') } : {}) },
  });
  return { server, client: createClient(provider, { clientId: 'app', clientSecret: 'secret' }) };
}

describe('token.revoke()', () => {
  it("revoke('access_token') posts the access token with its hint, authenticated", async () => {
    const { server, client } = await setup(ok);
    await client.createToken(stored).revoke('access_token');
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/revoke');
    expect(request?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.headers.authorization).toBe(basic);
    expect(Object.fromEntries(request!.form)).toEqual({ token: 'at-to-revoke', token_type_hint: 'access_token' });
  });

  it("revoke('refresh_token') posts the refresh token with its hint", async () => {
    const { server, client } = await setup(ok);
    await client.createToken(stored).revoke('refresh_token');
    expect(Object.fromEntries(server.requests[0]!.form)).toEqual({ token: 'rt-to-revoke', token_type_hint: 'refresh_token' });
    expect(server.requests[0]?.headers.authorization).toBe(basic);
  });

  it("revoke('refresh_token') without a refresh token rejects with NoRefreshTokenError and sends nothing", async () => {
    const { server, client } = await setup(ok);
    await expect(client.createToken({ access_token: 'at' }).revoke('refresh_token')).rejects.toBeInstanceOf(NoRefreshTokenError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('token.revokeAll()', () => {
  it('revokes the access token, then the refresh token', async () => {
    const { server, client } = await setup(ok);
    await client.createToken(stored).revokeAll();
    expect(server.requests.map((request) => [request.form.get('token'), request.form.get('token_type_hint')])).toEqual([
      ['at-to-revoke', 'access_token'],
      ['rt-to-revoke', 'refresh_token'],
    ]);
    for (const request of server.requests) expect(request.headers.authorization).toBe(basic);
  });

  it('revokes only the access token when there is no refresh token', async () => {
    const { server, client } = await setup(ok);
    await client.createToken({ access_token: 'lonely-at' }).revokeAll();
    expect(server.requests.map((request) => request.form.get('token'))).toEqual(['lonely-at']);
  });

  it('stops at the first failure', async () => {
    const { server, client } = await setup((_request, response) => sendJson(response, 400, { error: 'invalid_request' }));
    await expect(client.createToken(stored).revokeAll()).rejects.toBeInstanceOf(OAuth2ServerError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('client.revoke()', () => {
  it('revokes a string, with or without a hint', async () => {
    const { server, client } = await setup(ok);
    await client.revoke('plain-token');
    await client.revoke('plain-refresh', 'refresh_token');
    expect(Object.fromEntries(server.requests[0]!.form)).toEqual({ token: 'plain-token' });
    expect(Object.fromEntries(server.requests[1]!.form)).toEqual({ token: 'plain-refresh', token_type_hint: 'refresh_token' });
  });

  it("picks the token's refresh token when the hint says so", async () => {
    const { server, client } = await setup(ok);
    const token = client.createToken(stored);
    await client.revoke(token, 'refresh_token');
    await client.revoke(token);
    expect(server.requests.map((request) => request.form.get('token'))).toEqual(['rt-to-revoke', 'at-to-revoke']);
  });

  it('rejects with NoRefreshTokenError, as token.revoke does, when the token has no refresh token', async () => {
    const { server, client } = await setup(ok);
    const token = client.createToken({ access_token: 'at' });
    await expect(client.revoke(token, 'refresh_token')).rejects.toBeInstanceOf(NoRefreshTokenError);
    await expect(client.introspect(token, 'refresh_token')).rejects.toBeInstanceOf(NoRefreshTokenError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('revocation answers', () => {
  it('accepts a JSON body in a 200, such as {"success":true}, and client.revoke hands it back', async () => {
    const { client } = await setup((_request, response) => sendJson(response, 200, { success: true, message: 'success' }));
    await expect(client.createToken(stored).revoke('access_token')).resolves.toBeUndefined();
    await expect(client.revoke('t')).resolves.toEqual({ success: true, message: 'success' });
  });

  it('turns an error object in a 200 into an OAuth2ServerError', async () => {
    const { client } = await setup((_request, response) => sendJson(response, 200, { error: 'invalid_client', error_description: 'bad secret' }));
    await expect(client.revoke('t')).rejects.toMatchObject({ code: 'ERR_OAUTH2_SERVER', error: 'invalid_client', status: 200 });
  });

  it('ignores a non-JSON body in a 200', async () => {
    const { client } = await setup((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<p>revoked</p>');
    });
    await expect(client.revoke('t')).resolves.toBeUndefined();
  });

  it('turns a 400 error response into an OAuth2ServerError', async () => {
    const { client } = await setup((_request, response) =>
      sendJson(response, 400, { error: 'unsupported_token_type', error_description: 'refresh tokens cannot be revoked here' }),
    );
    const error = await client.createToken(stored).revoke('refresh_token').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({
      code: 'ERR_OAUTH2_SERVER',
      error: 'unsupported_token_type',
      errorDescription: 'refresh tokens cannot be revoked here',
      status: 400,
      endpoint: 'revocation',
    });
  });

  it('turns a 500 HTML page into an OAuth2ResponseError', async () => {
    const { client } = await setup((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/html' });
      response.end('<h1>Internal Server Error</h1>');
    });
    const error = await client.revoke('t').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ResponseError);
    expect(error).toMatchObject({ code: 'ERR_OAUTH2_INVALID_RESPONSE', status: 500, endpoint: 'revocation' });
  });

  it('is retried on 503 (revoking twice is harmless)', async () => {
    let calls = 0;
    const { server, client } = await setup((_request, response) => {
      calls += 1;
      if (calls === 1) return sendJson(response, 503, { error: 'temporarily_unavailable' }, { 'retry-after': '0' });
      response.writeHead(200).end();
    });
    await client.revoke('t');
    expect(server.requests).toHaveLength(2);
  });
});

describe('a provider without a revocation endpoint', () => {
  it('rejects with UnsupportedOperationError and sends nothing', async () => {
    const { server, client } = await setup(ok, false);
    const token = client.createToken(stored);
    for (const attempt of [() => token.revoke('access_token'), () => token.revokeAll(), () => client.revoke('t')]) {
      const error = await attempt().catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(UnsupportedOperationError);
      expect((error as UnsupportedOperationError).code).toBe('ERR_OAUTH2_UNSUPPORTED');
      expect((error as UnsupportedOperationError).message).toMatch(/revocation endpoint.*"revoking"/);
    }
    expect(server.requests).toHaveLength(0);
  });
});
