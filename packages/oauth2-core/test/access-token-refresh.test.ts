import type { ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createClient,
  defineProvider,
  NoRefreshTokenError,
  RefreshTokenSpentError,
  OAuth2AbortError,
  OAuth2ResponseError,
  OAuth2ServerError,
} from '../src/index.js';
import type { AccessToken, OAuth2Client } from '../src/index.js';
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

describe('concurrent refreshes of one refresh token', () => {
  it("builds each caller's new token from its own previous token, from one request", async () => {
    const { server, client } = await setup(issuing(false));
    const token = client.createToken(original);
    const [fromString, fromToken] = await Promise.all([client.refresh('rt-0'), token.refresh()]);
    expect(server.requests).toHaveLength(1);
    expect(fromString.accessToken).toBe('at-1');
    expect(fromToken.accessToken).toBe('at-1');
    // Only the caller that had an ID token keeps it.
    expect(fromToken.idToken).toBe('id-token-0');
    expect(fromString.idToken).toBeUndefined();
  });

  /** A token endpoint that holds the first request until `answerFirst`, and answers later ones at once, rotating. */
  async function holding() {
    let first: ServerResponse | undefined;
    let arrival: (() => void) | undefined;
    const arrived = new Promise<void>((resolve) => (arrival = resolve));
    let count = 0;
    const { server, client } = await setup((_request, response) => {
      count += 1;
      if (first === undefined) {
        first = response;
        return arrival?.();
      }
      sendJson(response, 200, { access_token: `at-later-${count}`, token_type: 'Bearer', refresh_token: `rt-later-${count}` });
    });
    return {
      server,
      client,
      token: client.createToken(original),
      arrived,
      answerFirst: (body: Record<string, unknown>) => sendJson(first!, 200, { token_type: 'Bearer', ...body }),
    };
  }

  const spent = (error: unknown) => {
    expect(error).toBeInstanceOf(RefreshTokenSpentError);
    expect((error as RefreshTokenSpentError).code).toBe('ERR_OAUTH2_REFRESH_TOKEN_SPENT');
  };

  it('does not send a rotated refresh token again for a refresh with parameters: it fails it instead', async () => {
    const { server, token, arrived, answerFirst } = await holding();
    const shared = token.refresh();
    await arrived;
    const narrowed = token.refresh({ scope: 'openid' });
    answerFirst({ access_token: 'at-1', refresh_token: 'rt-1' });
    expect((await shared).refreshToken).toBe('rt-1');
    spent(await narrowed.catch((reason: unknown) => reason));
    expect(server.requests).toHaveLength(1);
  });

  it('runs a refresh with parameters after the shared one when the server does not rotate', async () => {
    const { server, token, arrived, answerFirst } = await holding();
    const shared = token.refresh();
    await arrived;
    const narrowed = token.refresh({ scope: 'openid' });
    answerFirst({ access_token: 'at-1' });
    expect((await shared).refreshToken).toBe('rt-0');
    expect((await narrowed).accessToken).toBe('at-later-2');
    expect(server.requests.map((request) => request.form.get('refresh_token'))).toEqual(['rt-0', 'rt-0']);
    expect(server.requests[1]?.form.get('scope')).toBe('openid');
  });

  it('makes a plain refresh wait for a refresh with parameters, and fails it when that one rotated', async () => {
    const { server, token, arrived, answerFirst } = await holding();
    const narrowed = token.refresh({ scope: 'openid' });
    await arrived;
    const plain = token.refresh();
    answerFirst({ access_token: 'at-1', refresh_token: 'rt-1' });
    expect((await narrowed).refreshToken).toBe('rt-1');
    spent(await plain.catch((reason: unknown) => reason));
    expect(server.requests).toHaveLength(1);
  });

  it('fails every refresh queued behind one that rotated, however long the queue', async () => {
    const { server, client, token, arrived, answerFirst } = await holding();
    const shared = token.refresh();
    await arrived;
    const queued = [
      token.refresh({ scope: 'a' }),
      token.refresh({ scope: 'b' }),
      token.refresh(),
      client.refresh(token, undefined, { signal: new AbortController().signal }),
      client.refresh('rt-0'),
    ];
    answerFirst({ access_token: 'at-1', refresh_token: 'rt-1' });
    await shared;
    for (const outcome of await Promise.allSettled(queued)) spent(outcome.status === 'rejected' ? outcome.reason : outcome.value);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps later refreshes queued behind the one in flight when a waiting refresh is aborted', async () => {
    const { server, client, token, arrived, answerFirst } = await holding();
    const shared = token.refresh();
    await arrived;
    const controller = new AbortController();
    const aborted = client.refresh(token, undefined, { signal: controller.signal });
    controller.abort();
    expect(await aborted.catch((reason: unknown) => reason)).toBeInstanceOf(OAuth2AbortError);
    const later = token.refresh({ scope: 'openid' });
    answerFirst({ access_token: 'at-1', refresh_token: 'rt-1' });
    await shared;
    spent(await later.catch((reason: unknown) => reason));
    expect(server.requests).toHaveLength(1);
  });
});

describe('the subject of a refreshed ID token (OpenID Connect Core §12.2)', () => {
  /** An OpenID provider whose token endpoint answers refreshes in order, each with an ID token for a subject. */
  async function oidcSetup(answers: { subject: string; refreshToken: string }[]) {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    let issued = 0;
    const server = await startEdgeServer(async (request, response) => {
      if (request.url === '/jwks') return sendJson(response, 200, { keys: [jwk] });
      const answer = answers[issued++];
      if (answer === undefined) return sendJson(response, 400, { error: 'invalid_grant' });
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(server.origin)
        .setAudience('app')
        .setSubject(answer.subject)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey);
      sendJson(response, 200, { access_token: `at-${issued}`, token_type: 'Bearer', refresh_token: answer.refreshToken, id_token: idToken });
    });
    servers.push(server);
    const provider = defineProvider({ name: 'oidc', issuer: server.origin, endpoints: { token: server.url('/token'), jwks: server.url('/jwks') } });
    return { server, client: createClient(provider, { clientId: 'app', clientSecret: 'secret' }) };
  }

  for (const order of ['the other caller first', 'the token first'] as const) {
    it(`refuses another subject to the caller whose token was about alice, not to a caller without one (${order})`, async () => {
      const { server, client } = await oidcSetup([
        { subject: 'alice', refreshToken: 'rt-shared' },
        { subject: 'mallory', refreshToken: 'rt-2' },
      ]);
      const alice = await client.refresh('rt-a');
      expect(alice.idTokenClaims?.sub).toBe('alice');
      const calls = order === 'the token first' ? [alice.refresh(), client.refresh('rt-shared')] : [client.refresh('rt-shared'), alice.refresh()];
      const outcomes = await Promise.allSettled(calls);
      const [forAlice, forOther] = order === 'the token first' ? outcomes : [outcomes[1]!, outcomes[0]!];
      expect(forAlice?.status).toBe('rejected');
      expect((forAlice as PromiseRejectedResult).reason).toBeInstanceOf(OAuth2ResponseError);
      expect(((forAlice as PromiseRejectedResult).reason as Error).message).toMatch(/another subject/);
      expect(forOther?.status).toBe('fulfilled');
      expect((forOther as PromiseFulfilledResult<AccessToken>).value.idTokenClaims?.sub).toBe('mallory');
      // One refresh request for the two callers (plus the JWKS download and the first refresh).
      expect(server.requests.filter((request) => request.url === '/token')).toHaveLength(2);
    });
  }
});
