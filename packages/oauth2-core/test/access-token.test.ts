import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccessToken, createClient, defineProvider, InvalidArgumentError, OAuth2ResponseError } from '../src/index.js';
import type { OAuth2Client } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeServer } from './helpers/edge-server.js';

const accessTokenValue = 'AT-9c1e57aa-secret';
const refreshTokenValue = 'RT-44b0d2e1-secret';
const idTokenValue = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLXZhbHVl';

let server: EdgeServer;
/** The body the token endpoint answers next. */
let nextBody: Record<string, unknown> = {};

beforeAll(async () => {
  server = await startEdgeServer((_request, response) => sendJson(response, 200, nextBody));
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  vi.useRealTimers();
});

function clientWith(scopeSeparator = ' '): OAuth2Client {
  const provider = defineProvider({ name: 'tokens', endpoints: { token: server.url('/token') }, quirks: { scopeSeparator } });
  return createClient(provider, { clientId: 'app', clientSecret: 'secret' });
}

/** Gets a token over HTTP whose response body is `body`, with the time window around its receipt. */
async function tokenFrom(body: Record<string, unknown>, client = clientWith()) {
  nextBody = body;
  const before = Date.now();
  const token = await client.clientCredentials.getToken();
  const after = Date.now();
  return { token, before, after };
}

describe('expiry', () => {
  it('computes expiresAt once from a numeric expires_in', async () => {
    const { token, before, after } = await tokenFrom({ access_token: accessTokenValue, token_type: 'Bearer', expires_in: 3600 });
    const expiresAt = token.expiresAt!.getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 3600_000);
    expect(token.raw.expires_in).toBe(3600);

    // Time passes: the absolute expiry does not move with it.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(after + 1800_000);
    expect(token.expiresAt!.getTime()).toBe(expiresAt);
    expect(token.expired()).toBe(false);
    vi.setSystemTime(expiresAt);
    expect(token.expired()).toBe(true);
  });

  it('accepts expires_in as a numeric string ("3600") and normalises raw to a number', async () => {
    const { token, before, after } = await tokenFrom({ access_token: accessTokenValue, expires_in: '3600' });
    expect(token.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 3600_000);
    expect(token.expiresAt!.getTime()).toBeLessThanOrEqual(after + 3600_000);
    expect(token.raw.expires_in).toBe(3600);
    expect(token.tokenType).toBe('Bearer');
  });

  it("prefers the provider's own expires_at (epoch seconds) to expires_in", async () => {
    const { token } = await tokenFrom({ access_token: accessTokenValue, expires_in: 60, expires_at: 1_893_456_000 });
    expect(token.expiresAt?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('ignores an expires_at sent as an ISO string, and counts from expires_in', async () => {
    // Failing here would waste the code or refresh token the server has just spent.
    const { token, before, after } = await tokenFrom({ access_token: accessTokenValue, expires_in: 3600, expires_at: '2031-05-06T07:08:09Z' });
    expect(token.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 3600_000);
    expect(token.expiresAt!.getTime()).toBeLessThanOrEqual(after + 3600_000);
  });

  it('ignores an expires_at in milliseconds (which would mean the year 55 000), and counts from expires_in', async () => {
    const { token, before, after } = await tokenFrom({ access_token: accessTokenValue, expires_in: 600, expires_at: Date.now() + 600_000 });
    expect(token.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 600_000);
    expect(token.expiresAt!.getTime()).toBeLessThanOrEqual(after + 600_000);
  });

  it('ignores an expires_at long past (a lifetime sent under the wrong name), and counts from expires_in', async () => {
    const { token, before } = await tokenFrom({ access_token: accessTokenValue, expires_in: 600, expires_at: 3600 });
    expect(token.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 600_000);
  });

  it('leaves the expiry unknown when the only expiry is an implausible expires_at', async () => {
    const { token } = await tokenFrom({ access_token: accessTokenValue, expires_at: String(Date.now() + 600_000) });
    expect(token.expiresAt).toBeUndefined();
  });

  it('leaves expiresAt undefined without expires_in, and such a token never reports itself expired', async () => {
    const { token } = await tokenFrom({ access_token: accessTokenValue, token_type: 'bearer' });
    expect(token.expiresAt).toBeUndefined();
    expect(token.expired()).toBe(false);
    expect(token.expired(10 ** 9)).toBe(false);
    expect(token.toJSON()).not.toHaveProperty('expires_at');
  });

  it('expired() is false until the expiry, expired(window) is true within the window', async () => {
    const { token } = await tokenFrom({ access_token: accessTokenValue, expires_in: 3600 });
    expect(token.expired()).toBe(false);
    expect(token.expired(60)).toBe(false);
    expect(token.expired(3500)).toBe(false);
    expect(token.expired(3601)).toBe(true);
  });

  it('expires_in 0 means expired at once', async () => {
    const { token } = await tokenFrom({ access_token: accessTokenValue, expires_in: 0 });
    expect(token.expired()).toBe(true);
  });
});

describe('empty fields', () => {
  it('treats an empty refresh_token, id_token or scope as absent', async () => {
    const { token } = await tokenFrom({ access_token: accessTokenValue, token_type: 'Bearer', refresh_token: '', id_token: '', scope: '', expires_in: 60 });
    expect(token.refreshToken).toBeUndefined();
    expect(token.idToken).toBeUndefined();
    expect(token.scope).toBeUndefined();
    const json = token.toJSON();
    for (const name of ['refresh_token', 'id_token', 'scope']) expect(json).not.toHaveProperty(name);
    for (const name of ['refresh_token', 'id_token', 'scope']) expect(token.raw).not.toHaveProperty(name);
    await expect(token.refresh()).rejects.toMatchObject({ code: 'ERR_OAUTH2_NO_REFRESH_TOKEN' });
  });

  it('treats an empty token_type as absent: Bearer', async () => {
    const { token } = await tokenFrom({ access_token: accessTokenValue, token_type: '' });
    expect(token.tokenType).toBe('Bearer');
  });
});

describe('values bound for an Authorization header', () => {
  for (const tokenType of ['DPoP', 'N_A', 'mac', 'bearer']) {
    it(`accepts the token type ${tokenType}`, async () => {
      const { token } = await tokenFrom({ access_token: accessTokenValue, token_type: tokenType });
      expect(token.tokenType).toBe(tokenType === 'bearer' ? 'Bearer' : tokenType);
    });
  }

  const badTypes: { name: string; value: string }[] = [
    { name: 'a CR LF and another header', value: 'Bearer\r\nX-Injected: 1' },
    { name: 'a space', value: 'Bearer x' },
    { name: 'a NUL', value: 'Bearer\u0000' },
    { name: 'a non-ASCII letter', value: 'Béarer' },
  ];
  for (const { name, value } of badTypes) {
    it(`refuses a token_type with ${name}, from the server and from storage`, async () => {
      const error = await tokenFrom({ access_token: accessTokenValue, token_type: value }).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(OAuth2ResponseError);
      expect((error as OAuth2ResponseError).message).toMatch(/token_type is not a valid token type/);
      expect(() => clientWith().createToken({ access_token: accessTokenValue, token_type: value })).toThrow(InvalidArgumentError);
    });
  }

  const badTokens: { name: string; value: string }[] = [
    { name: 'a CR LF and another header', value: `${accessTokenValue}\r\nX-Injected: 1` },
    { name: 'a space', value: `${accessTokenValue} more` },
    { name: 'a tab', value: `${accessTokenValue}\t` },
    { name: 'a NUL', value: `${accessTokenValue}\u0000` },
    { name: 'a C1 control character', value: `${accessTokenValue}\u0085` },
    { name: 'a line separator', value: `${accessTokenValue}\u2028` },
  ];
  for (const { name, value } of badTokens) {
    it(`refuses an access_token with ${name}, without quoting it`, async () => {
      const error = await tokenFrom({ access_token: value, token_type: 'Bearer' }).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(OAuth2ResponseError);
      expect((error as OAuth2ResponseError).message).toMatch(/access_token contains whitespace or control characters/);
      let stored: unknown;
      try {
        clientWith().createToken({ access_token: value });
      } catch (caught) {
        stored = caught;
      }
      expect(stored).toBeInstanceOf(InvalidArgumentError);
      for (const view of [inspect(error), JSON.stringify(error), inspect(stored), JSON.stringify(stored)]) expect(view).not.toContain(accessTokenValue);
    });
  }
});

describe('toJSON and createToken', () => {
  it('round-trips through JSON.stringify, provider extras included', async () => {
    const client = clientWith();
    const { token } = await tokenFrom(
      {
        access_token: accessTokenValue,
        token_type: 'Bearer',
        refresh_token: refreshTokenValue,
        id_token: idTokenValue,
        scope: 'openid profile offline_access',
        expires_in: 3600,
        uid: 'user-42',
        nested: { tenant: 't-1', flags: [1, 2] },
      },
      client,
    );
    const stored = JSON.stringify(token);
    const restored = client.createToken(JSON.parse(stored));

    expect(restored).toBeInstanceOf(AccessToken);
    expect(restored.accessToken).toBe(accessTokenValue);
    expect(restored.tokenType).toBe('Bearer');
    expect(restored.refreshToken).toBe(refreshTokenValue);
    expect(restored.idToken).toBe(idTokenValue);
    expect(restored.scope).toEqual(['openid', 'profile', 'offline_access']);
    expect(restored.expiresAt?.getTime()).toBe(token.expiresAt?.getTime());
    expect(restored.raw.uid).toBe('user-42');
    expect(restored.raw.nested).toEqual({ tenant: 't-1', flags: [1, 2] });
    expect(restored.toJSON()).toEqual(token.toJSON());
    // A second round trip changes nothing either.
    expect(client.createToken(JSON.parse(JSON.stringify(restored))).toJSON()).toEqual(token.toJSON());
  });

  it('stores wire names and expires_at as an ISO-8601 string', async () => {
    const { token } = await tokenFrom({ access_token: accessTokenValue, refresh_token: refreshTokenValue, expires_in: 120, scope: 'a b' });
    const json = token.toJSON();
    expect(Object.keys(json).sort()).toEqual(['access_token', 'expires_at', 'refresh_token', 'scope', 'token_type']);
    expect(json.expires_at).toBe(token.expiresAt?.toISOString());
    expect(json).toMatchObject({ access_token: accessTokenValue, token_type: 'Bearer', refresh_token: refreshTokenValue, scope: 'a b' });
  });

  it('accepts a raw token response, counting expires_in from now', () => {
    const before = Date.now();
    const token = clientWith().createToken({ access_token: accessTokenValue, token_type: 'bearer', expires_in: 60, refresh_token: refreshTokenValue });
    const after = Date.now();
    expect(token.accessToken).toBe(accessTokenValue);
    expect(token.tokenType).toBe('Bearer');
    expect(token.refreshToken).toBe(refreshTokenValue);
    expect(token.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 60_000);
    expect(token.expiresAt!.getTime()).toBeLessThanOrEqual(after + 60_000);
  });

  it('accepts a token persisted by simple-oauth2 (expires_at ISO string plus expires_in)', () => {
    // simple-oauth2 stores the server's fields plus its computed expires_at; expires_in is stale by then.
    const persisted = JSON.parse(
      JSON.stringify({
        access_token: accessTokenValue,
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: refreshTokenValue,
        scope: 'read write',
        expires_at: '2031-05-06T07:08:09.000Z',
      }),
    );
    const token = clientWith().createToken(persisted);
    expect(token.expiresAt?.toISOString()).toBe('2031-05-06T07:08:09.000Z');
    expect(token.refreshToken).toBe(refreshTokenValue);
    expect(token.scope).toEqual(['read', 'write']);
    expect(token.toJSON().expires_at).toBe('2031-05-06T07:08:09.000Z');
  });

  it('accepts a Date as expires_at (a store that revives dates)', () => {
    const token = clientWith().createToken({ access_token: accessTokenValue, expires_at: new Date('2030-01-01T00:00:00Z') });
    expect(token.expiresAt?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  const malformed: { name: string; value: unknown }[] = [
    { name: 'null', value: null },
    { name: 'an array', value: [{ access_token: accessTokenValue }] },
    { name: 'the unparsed JSON text', value: JSON.stringify({ access_token: accessTokenValue }) },
    { name: 'an object without access_token', value: { refresh_token: refreshTokenValue } },
    { name: 'a numeric access_token', value: { access_token: 42 } },
    { name: 'an unparsable expires_at', value: { access_token: accessTokenValue, expires_at: 'next tuesday' } },
    { name: 'a non-numeric expires_in', value: { access_token: accessTokenValue, expires_in: 'soon' } },
    { name: 'an expires_at beyond any representable date', value: { access_token: accessTokenValue, expires_at: 1e20 } },
    { name: 'an expires_at in milliseconds', value: { access_token: accessTokenValue, expires_at: 1_893_456_000_000 } },
    { name: 'a refresh_token that is not a string', value: { access_token: accessTokenValue, refresh_token: { value: refreshTokenValue } } },
  ];
  for (const { name, value } of malformed) {
    it(`refuses ${name} with an InvalidArgumentError that leaks nothing`, () => {
      let caught: unknown;
      try {
        clientWith().createToken(value);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidArgumentError);
      const error = caught as InvalidArgumentError;
      expect(error.code).toBe('ERR_INVALID_ARGUMENT');
      expect(error.argument).toBe('token');
      for (const view of [error.message, String(JSON.stringify(error)), inspect(error)]) {
        expect(view).not.toContain(accessTokenValue);
        expect(view).not.toContain(refreshTokenValue);
      }
    });
  }
});

describe('printing a token', () => {
  it('util.inspect and console-style printing show no token values', async () => {
    const { token } = await tokenFrom({
      access_token: accessTokenValue,
      refresh_token: refreshTokenValue,
      id_token: idTokenValue,
      expires_in: 3600,
      scope: 'openid email',
    });
    for (const view of [inspect(token), inspect({ session: { token } }, { depth: 10 }), inspect([token], { showHidden: true })]) {
      expect(view).not.toContain(accessTokenValue);
      expect(view).not.toContain(refreshTokenValue);
      expect(view).not.toContain(idTokenValue);
      expect(view).toContain('AccessToken');
    }
    expect(inspect(token)).toBe(`AccessToken { Bearer, expires ${token.expiresAt?.toISOString()}, refreshable, scope "openid email" }`);
  });
});

describe('scope', () => {
  it("splits the granted scope on the provider's separator", async () => {
    const client = clientWith(',');
    const { token } = await tokenFrom({ access_token: accessTokenValue, scope: 'openid,profile, aliuid' }, client);
    expect(token.scope).toEqual(['openid', 'profile', 'aliuid']);
    expect(token.toJSON().scope).toBe('openid,profile,aliuid');
    expect(client.createToken(token.toJSON()).scope).toEqual(['openid', 'profile', 'aliuid']);
  });

  it('splits on spaces by default and drops empty items', async () => {
    const { token } = await tokenFrom({ access_token: accessTokenValue, scope: '  read   write ' });
    expect(token.scope).toEqual(['read', 'write']);
  });

  it('leaves scope undefined when the server does not list it', async () => {
    const { token } = await tokenFrom({ access_token: accessTokenValue });
    expect(token.scope).toBeUndefined();
  });
});
