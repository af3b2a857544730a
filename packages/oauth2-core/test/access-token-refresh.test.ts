import { afterEach, describe, expect, it } from 'vitest';
import { createClient, defineProvider, NoRefreshTokenError, OAuth2ServerError } from '../src/index.js';
import type { OAuth2Client } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeHandler, EdgeServer } from './helpers/edge-server.js';

const servers: EdgeServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(handler: EdgeHandler): Promise<{ server: EdgeServer; client: OAuth2Client }> {
  const server = await startEdgeServer(handler);
  servers.push(server);
  const provider = defineProvider({ name: 'refreshing', endpoints: { token: server.url('/token') } });
  return { server, client: createClient(provider, { clientId: 'app', clientSecret: 'secret' }) };
}

const original = {
  access_token: 'at-0',
  token_type: 'Bearer',
  refresh_token: 'rt-0',
  id_token: 'id-token-0',
  expires_in: 60,
  scope: 'openid offline_access',
};

/** A token endpoint that numbers the tokens it issues; `rotate` decides whether refreshes return a new refresh token. */
function issuing(rotate: boolean): EdgeHandler {
  let issued = 0;
  return (request, response) => {
    issued += 1;
    if (request.form.get('grant_type') !== 'refresh_token') return sendJson(response, 400, { error: 'unsupported_grant_type' });
    sendJson(response, 200, {
      access_token: `at-${issued}`,
      token_type: 'Bearer',
      expires_in: 3600,
      ...(rotate ? { refresh_token: `rt-${issued}` } : {}),
    });
  };
}

describe('token.refresh()', () => {
  it('200 concurrent calls make exactly one HTTP request and all get the same new token', async () => {
    const { server, client } = await setup(issuing(true));
    const token = client.createToken(original);
    const results = await Promise.all(Array.from({ length: 200 }, () => token.refresh()));
    expect(server.requests).toHaveLength(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]?.accessToken).toBe('at-1');
    expect(results[0]?.refreshToken).toBe('rt-1');
    expect(server.requests[0]?.form.get('refresh_token')).toBe('rt-0');
    expect(server.requests[0]?.form.get('grant_type')).toBe('refresh_token');
  });

  it('shares the one request between token.refresh(), client.refresh(token) and client.refresh(string)', async () => {
    const { server, client } = await setup(issuing(true));
    const token = client.createToken(original);
    const results = await Promise.all([token.refresh(), client.refresh(token), client.refresh('rt-0'), token.refresh()]);
    expect(server.requests).toHaveLength(1);
    expect(results.map((result) => result.accessToken)).toEqual(['at-1', 'at-1', 'at-1', 'at-1']);
  });

  it('makes a new request for a refresh started after the previous one finished', async () => {
    const { server, client } = await setup(issuing(false));
    const token = client.createToken(original);
    const first = await token.refresh();
    const second = await token.refresh();
    expect(server.requests).toHaveLength(2);
    expect(first.accessToken).toBe('at-1');
    expect(second.accessToken).toBe('at-2');
  });

  it('keeps the refresh token (and the ID token) when the server omits them', async () => {
    const { client } = await setup(issuing(false));
    const fresh = await client.createToken(original).refresh();
    expect(fresh.accessToken).toBe('at-1');
    expect(fresh.refreshToken).toBe('rt-0');
    expect(fresh.idToken).toBe('id-token-0');
    // And it survives storage: the kept refresh token is in toJSON().
    expect(fresh.toJSON().refresh_token).toBe('rt-0');
    expect(client.createToken(JSON.parse(JSON.stringify(fresh))).refreshToken).toBe('rt-0');
  });

  it('keeps the refresh token when the server answers an empty one', async () => {
    const { server, client } = await setup((_request, response) => sendJson(response, 200, { access_token: 'at-1', token_type: 'Bearer', refresh_token: '' }));
    const fresh = await client.createToken(original).refresh();
    expect(fresh.refreshToken).toBe('rt-0');
    expect(fresh.toJSON().refresh_token).toBe('rt-0');
    await fresh.refresh();
    expect(server.requests.map((request) => request.form.get('refresh_token'))).toEqual(['rt-0', 'rt-0']);
  });

  it('replaces the refresh token when the server rotates it', async () => {
    const { server, client } = await setup(issuing(true));
    const fresh = await client.createToken(original).refresh();
    expect(fresh.refreshToken).toBe('rt-1');
    const fresher = await fresh.refresh();
    expect(fresher.refreshToken).toBe('rt-2');
    expect(server.requests.map((request) => request.form.get('refresh_token'))).toEqual(['rt-0', 'rt-1']);
  });

  it('computes the new expiry from the new expires_in', async () => {
    const { client } = await setup(issuing(true));
    const before = Date.now();
    const fresh = await client.createToken(original).refresh();
    expect(fresh.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 3600_000);
    expect(fresh.expired(3000)).toBe(false);
  });

  it('leaves the original token unchanged', async () => {
    const { client } = await setup(issuing(true));
    const token = client.createToken(original);
    const json = token.toJSON();
    await token.refresh();
    expect(token.toJSON()).toEqual(json);
    expect(token.accessToken).toBe('at-0');
  });

  it('rejects with NoRefreshTokenError, without a request, when the token has no refresh token', async () => {
    const { server, client } = await setup(issuing(true));
    const token = client.createToken({ access_token: 'at-only', expires_in: 60 });
    const error = await token.refresh().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(NoRefreshTokenError);
    expect((error as NoRefreshTokenError).code).toBe('ERR_OAUTH2_NO_REFRESH_TOKEN');
    expect((error as NoRefreshTokenError).message).toMatch(/offline/);
    await expect(client.refresh(token)).rejects.toBeInstanceOf(NoRefreshTokenError);
    await expect(client.refresh('')).rejects.toBeInstanceOf(NoRefreshTokenError);
    expect(server.requests).toHaveLength(0);
  });

  it('sends the parameters given to refresh(), such as a narrower scope', async () => {
    const { server, client } = await setup(issuing(true));
    const token = client.createToken(original);
    await token.refresh({ scope: 'openid' });
    await client.refresh('rt-x', { scope: ['read', 'write'], resource: 'https://api.example' });
    expect(server.requests[0]?.form.get('scope')).toBe('openid');
    expect(server.requests[0]?.form.get('refresh_token')).toBe('rt-0');
    expect(server.requests[1]?.form.get('scope')).toBe('read write');
    expect(server.requests[1]?.form.get('resource')).toBe('https://api.example');
    expect(server.requests[1]?.form.get('refresh_token')).toBe('rt-x');
  });
});

describe('client.refresh(string)', () => {
  it('exchanges a stored refresh token for a token that keeps it', async () => {
    const { server, client } = await setup(issuing(false));
    const token = await client.refresh('stored-refresh-token');
    expect(token.accessToken).toBe('at-1');
    expect(token.refreshToken).toBe('stored-refresh-token');
    expect(server.requests[0]?.form.get('refresh_token')).toBe('stored-refresh-token');
    expect(server.requests[0]?.headers.authorization).toMatch(/^Basic /);
  });
});

describe('a failed refresh', () => {
  it('rejects every waiter with the same typed error, and a later refresh makes a new request', async () => {
    let calls = 0;
    const { server, client } = await setup((_request, response) => {
      calls += 1;
      if (calls === 1) return sendJson(response, 400, { error: 'invalid_grant', error_description: 'refresh token expired' });
      sendJson(response, 200, { access_token: 'at-recovered', token_type: 'Bearer' });
    });
    const token = client.createToken(original);
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => token.refresh()));
    expect(server.requests).toHaveLength(1);
    const reasons = outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : undefined));
    expect(reasons[0]).toBeInstanceOf(OAuth2ServerError);
    expect(reasons[0]).toMatchObject({ code: 'ERR_OAUTH2_SERVER', error: 'invalid_grant', status: 400, errorDescription: 'refresh token expired' });
    expect(new Set(reasons).size).toBe(1);

    const recovered = await token.refresh();
    expect(recovered.accessToken).toBe('at-recovered');
    expect(server.requests).toHaveLength(2);
  });
});
