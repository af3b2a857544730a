import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRemoteJwks, JwksFetchError, verifyIdToken, type FetchLike, type RemoteJwks } from '../src/index.js';
import { startJwksServer, type Behaviour, type JwksServer } from './helpers/jwks-server.js';
import { CLIENT_ID, ISSUER, NONCE, NOW, signToken, signingKey, validClaims, type SigningKey } from './helpers/tokens.js';

const TIMEOUT = 300;
/** Generous next to TIMEOUT, tiny next to a hang: a failure must arrive within this. */
const BOUND = 3_000;

let server: JwksServer;
let key: SigningKey;
let token: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  key = await signingKey('RS256', 'rsa-1');
  token = await signToken(validClaims(), key);
  server = await startJwksServer({ kind: 'keys', keys: [key.publicJwk] });
  process.on('unhandledRejection', onUnhandled);
});

afterAll(async () => {
  await server.close();
  process.off('unhandledRejection', onUnhandled);
});

beforeEach(() => {
  unhandled.length = 0;
});

afterEach(() => {
  vi.useRealTimers();
  expect(unhandled).toEqual([]);
});

async function verifyAgainst(jwks: RemoteJwks | string): Promise<{ error: unknown; elapsed: number }> {
  const started = performance.now();
  const error = await verifyIdToken(token, { issuer: ISSUER, audience: CLIENT_ID, jwks, nonce: NONCE, currentDate: NOW }).then(
    () => expect.unreachable('verification should fail when the JWKS endpoint is unusable'),
    (caught: unknown) => caught,
  );
  return { error, elapsed: performance.now() - started };
}

const hostile: [string, Behaviour, RegExp][] = [
  ['an HTML page', { kind: 'html' }, /not JSON \(text\/html\)/],
  ['HTTP 500', { kind: 'status', status: 500 }, /answered HTTP 500/],
  ['HTTP 404', { kind: 'status', status: 404, body: 'not found' }, /answered HTTP 404/],
  ['invalid JSON', { kind: 'invalid-json' }, /not JSON \(application\/json\)/],
  ['JSON that is not a key set', { kind: 'not-a-key-set' }, /not a JSON Web Key Set/],
  ['a body that never ends', { kind: 'endless-body' }, /no complete response within 300 ms/],
  ['no response at all', { kind: 'no-response' }, /no complete response within 300 ms/],
  ['a 5 MiB body', { kind: 'huge-body', bytes: 5 * 1024 * 1024 }, /larger than 1048576 bytes/],
  ['a redirect elsewhere', { kind: 'redirect', location: 'https://attacker.example/jwks' }, /answered HTTP 302/],
];

describe('a hostile or broken JWKS endpoint', () => {
  it.each(hostile)('%s ends in ERR_JWKS_FETCH within a bounded time', async (_name, behaviour, message) => {
    server.behaviour = behaviour;
    const jwks = createRemoteJwks(server.url, { timeout: TIMEOUT });

    const { error, elapsed } = await verifyAgainst(jwks);

    expect(error).toBeInstanceOf(JwksFetchError);
    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH', url: server.url });
    expect((error as Error).message).toMatch(message);
    expect(elapsed).toBeLessThan(BOUND);
  });

  it('reports the HTTP status and no body excerpt', async () => {
    server.behaviour = { kind: 'status', status: 500, body: '{"secret":"do-not-echo"}' };

    const { error } = await verifyAgainst(createRemoteJwks(server.url, { timeout: TIMEOUT }));

    expect(error).toMatchObject({ status: 500 });
    expect(JSON.stringify(error)).not.toContain('do-not-echo');
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: 'ERR_JWKS_FETCH', status: 500, url: server.url });
  });

  it('refuses a declared Content-Length over maxResponseSize without reading the body', async () => {
    const jwks = createRemoteJwks('https://issuer.example/jwks', {
      maxResponseSize: 100,
      fetch: () =>
        Promise.resolve(
          new Response(new ReadableStream({ pull: () => expect.unreachable('the body was read') }), {
            headers: { 'content-length': '5000', 'content-type': 'application/json' },
          }),
        ),
    });

    const { error } = await verifyAgainst(jwks);

    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH', message: expect.stringMatching(/larger than 100 bytes/) });
  });

  it('times out even when the fetch implementation ignores its abort signal', async () => {
    const neverSettles: FetchLike = () => new Promise<Response>(() => undefined);
    const jwks = createRemoteJwks('https://issuer.example/jwks', { timeout: TIMEOUT, fetch: neverSettles });

    const { error, elapsed } = await verifyAgainst(jwks);

    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH', message: expect.stringMatching(/within 300 ms/) });
    expect(elapsed).toBeLessThan(BOUND);
  });

  it('wraps a network failure (connection refused)', async () => {
    const closed = await startJwksServer({ kind: 'html' });
    const url = closed.url;
    await closed.close();

    const { error } = await verifyAgainst(createRemoteJwks(url, { timeout: TIMEOUT }));

    expect(error).toBeInstanceOf(JwksFetchError);
    expect((error as Error).message).toMatch(/the request failed/);
  });

  it('wraps a fetch that throws synchronously', async () => {
    const throwing: FetchLike = () => {
      throw new TypeError('fetch is broken');
    };

    const { error } = await verifyAgainst(createRemoteJwks('https://issuer.example/jwks', { fetch: throwing }));

    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH', message: expect.stringMatching(/fetch is broken/) });
  });

  it('recovers once the endpoint is healthy again, at the first verification after the cooldown', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const jwks = createRemoteJwks(server.url, { timeout: TIMEOUT, cooldown: 10_000 });
    server.behaviour = { kind: 'status', status: 502 };
    expect((await verifyAgainst(jwks)).error).toMatchObject({ code: 'ERR_JWKS_FETCH' });

    server.behaviour = { kind: 'keys', keys: [key.publicJwk] };
    vi.setSystemTime(Date.now() + 10_000);

    await expect(
      verifyIdToken(token, { issuer: ISSUER, audience: CLIENT_ID, jwks, nonce: NONCE, currentDate: NOW }),
    ).resolves.toMatchObject({ sub: 'user-42' });
  });
});
