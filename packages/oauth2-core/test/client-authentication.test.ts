import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import type { JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, defineProvider, InvalidArgumentError } from '../src/index.js';
import type { ClientOptions, ProviderDefinition } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeServer, RecordedRequest } from './helpers/edge-server.js';

// Characters RFC 6749 §2.3.1 makes us form-encode before Basic: ':' would split the pair, and '+', '%',
// space and non-ASCII must come back unchanged after the server form-decodes each half.
const awkwardId = 'my:client id+%ü';
const awkwardSecret = 's3cr:et +%/=é€';
const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** What the server says about a request: `undefined` when it authenticates, else why not. */
type Verify = (request: RecordedRequest, server: EdgeServer) => string | undefined | Promise<string | undefined>;

const servers: EdgeServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A token endpoint that checks the client's authentication itself, and the framing of every request. */
async function checkingServer(verify: Verify): Promise<EdgeServer> {
  const server: EdgeServer = await startEdgeServer(async (request, response) => {
    const problems: string[] = [];
    if (request.method !== 'POST') problems.push(`method ${request.method}`);
    if (request.headers.accept !== 'application/json') problems.push(`accept ${String(request.headers.accept)}`);
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      problems.push(`content-type ${String(request.headers['content-type'])}`);
    }
    const refused = await verify(request, server);
    if (refused !== undefined) problems.push(refused);
    if (problems.length > 0) return sendJson(response, 401, { error: 'invalid_client', error_description: problems.join('; ') });
    sendJson(response, 200, { access_token: 'at', token_type: 'Bearer' });
  });
  servers.push(server);
  return server;
}

function providerFor(server: EdgeServer, extra: Partial<ProviderDefinition> = {}) {
  return defineProvider({
    name: 'auth-check',
    endpoints: { token: server.url('/token'), revocation: server.url('/revoke'), introspection: server.url('/introspect') },
    ...extra,
  });
}

/** The application/x-www-form-urlencoded decoding of one half of a Basic credential. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function basicPair(request: RecordedRequest): [string, string] | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(request.headers.authorization ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

async function tokenAndRequest(server: EdgeServer, options: ClientOptions, extra: Partial<ProviderDefinition> = {}) {
  const client = createClient(providerFor(server, extra), options);
  const token = await client.clientCredentials.getToken();
  expect(token.accessToken).toBe('at');
  return server.requests.at(-1)!;
}

describe('client_secret_basic', () => {
  it('form-encodes the id and the secret before base64 (RFC 6749 §2.3.1)', async () => {
    const server = await checkingServer((request) => {
      const pair = basicPair(request);
      if (pair === undefined) return 'no Basic credentials';
      const [id, secret] = pair.map(formDecode) as [string, string];
      if (id !== awkwardId) return `id decoded to ${id}`;
      if (secret !== awkwardSecret) return `secret decoded to ${secret}`;
      if (request.form.has('client_secret') || request.form.has('client_id')) return 'credentials also in the body';
      return undefined;
    });
    const request = await tokenAndRequest(server, { clientId: awkwardId, clientSecret: awkwardSecret, tokenEndpointAuthMethod: 'client_secret_basic' });
    // The exact encoding: '+' for space, every reserved character percent-encoded, UTF-8 for the rest.
    expect(basicPair(request)).toEqual(['my%3Aclient+id%2B%25%C3%BC', 's3cr%3Aet+%2B%25%2F%3D%C3%A9%E2%82%AC']);
  });

  it("sends the id and secret unencoded with the preset switch quirks.basicAuthEncoding 'plain'", async () => {
    const plainId = 'legacy client+id%ü';
    const server = await checkingServer((request) => {
      const pair = basicPair(request);
      if (pair === undefined) return 'no Basic credentials';
      if (pair[0] !== plainId) return `raw id is ${pair[0]}`;
      if (pair[1] !== awkwardSecret) return `raw secret is ${pair[1]}`;
      return undefined;
    });
    await tokenAndRequest(server, { clientId: plainId, clientSecret: awkwardSecret }, { quirks: { basicAuthEncoding: 'plain' } });
  });

  it('authenticates revocation and introspection the same way', async () => {
    const server = await startEdgeServer((request, response) => {
      if (request.url === '/introspect') return sendJson(response, 200, { active: true });
      response.writeHead(200).end();
    });
    servers.push(server);
    const client = createClient(providerFor(server), { clientId: awkwardId, clientSecret: awkwardSecret });
    await client.revoke('some-token', 'access_token');
    await client.introspect('some-token');
    for (const request of server.requests) {
      expect(basicPair(request)?.map(formDecode)).toEqual([awkwardId, awkwardSecret]);
      expect(request.headers.accept).toBe('application/json');
      expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
      expect(request.form.has('client_secret')).toBe(false);
    }
    expect(server.requests.map((request) => request.url)).toEqual(['/revoke', '/introspect']);
  });
});

describe('client_secret_post', () => {
  it('puts the id and the secret in the form body, with no Authorization header', async () => {
    const server = await checkingServer((request) => {
      if (request.headers.authorization !== undefined) return 'unexpected Authorization header';
      if (request.form.get('client_id') !== awkwardId) return `client_id ${String(request.form.get('client_id'))}`;
      if (request.form.get('client_secret') !== awkwardSecret) return `client_secret ${String(request.form.get('client_secret'))}`;
      return undefined;
    });
    const request = await tokenAndRequest(server, { clientId: awkwardId, clientSecret: awkwardSecret, tokenEndpointAuthMethod: 'client_secret_post' });
    expect(request.form.get('grant_type')).toBe('client_credentials');
  });
});

describe('none', () => {
  it('sends only client_id', async () => {
    const server = await checkingServer((request) => {
      if (request.headers.authorization !== undefined) return 'unexpected Authorization header';
      if (request.form.get('client_id') !== 'public-app') return 'client_id missing';
      for (const field of ['client_secret', 'client_assertion', 'client_assertion_type']) if (request.form.has(field)) return `unexpected ${field}`;
      return undefined;
    });
    await tokenAndRequest(server, { clientId: 'public-app', tokenEndpointAuthMethod: 'none' });
  });
});

describe('private_key_jwt', () => {
  async function keyPair(alg: 'RS256' | 'ES256') {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const jwk: JWK = { ...(await exportJWK(privateKey)), kid: `kid-${alg}`, alg };
    return { publicKey, privateKey, jwk };
  }

  /** Verifies the assertion as an authorization server would (RFC 7523 §3), for an audience. */
  function assertionVerifier(publicKey: CryptoKey, audience: () => string, expectedHeader: Record<string, string | undefined>): Verify {
    return async (request) => {
      if (request.headers.authorization !== undefined) return 'unexpected Authorization header';
      if (request.form.get('client_assertion_type') !== assertionType) return 'wrong client_assertion_type';
      if (request.form.has('client_secret')) return 'client_secret sent';
      const assertion = request.form.get('client_assertion');
      if (assertion === null) return 'no client_assertion';
      const header = decodeProtectedHeader(assertion);
      for (const [name, value] of Object.entries(expectedHeader)) if (header[name] !== value) return `header ${name} is ${String(header[name])}`;
      try {
        const { payload } = await jwtVerify(assertion, publicKey, {
          issuer: 'svc-client',
          subject: 'svc-client',
          audience: audience(),
          requiredClaims: ['exp', 'iat', 'jti'],
          maxTokenAge: '2 minutes',
        });
        const now = Math.floor(Date.now() / 1000);
        if (payload.exp! <= now || payload.exp! > now + 300) return `exp ${payload.exp} not a short lifetime`;
        if (typeof payload.jti !== 'string' || payload.jti.length < 16) return 'jti too short';
      } catch (error) {
        return `assertion rejected: ${(error as Error).message}`;
      }
      return undefined;
    };
  }

  it('signs an assertion (iss = sub = client id, aud = token endpoint, exp, jti, kid) that the server verifies', async () => {
    const { publicKey, jwk } = await keyPair('RS256');
    const server: EdgeServer = await checkingServer(assertionVerifier(publicKey, () => server.url('/token'), { alg: 'RS256', kid: 'kid-RS256' }));
    const client = createClient(providerFor(server), { clientId: 'svc-client', privateKey: jwk });
    await client.clientCredentials.getToken();
    await client.clientCredentials.getToken();
    const assertions = server.requests.map((request) => request.form.get('client_assertion'));
    expect(assertions).toHaveLength(2);
    // A fresh assertion, with a fresh jti, for every request (RFC 7523 §3 item 7: no replay).
    expect(assertions[0]).not.toBe(assertions[1]);
    const jtis = assertions.map((assertion) => JSON.parse(Buffer.from(assertion!.split('.')[1]!, 'base64url').toString()).jti);
    expect(jtis[0]).not.toBe(jtis[1]);
  });

  it("uses the provider's issuer as the audience when it has one", async () => {
    const { publicKey, jwk } = await keyPair('ES256');
    const server = await checkingServer(assertionVerifier(publicKey, () => 'https://issuer.example', { alg: 'ES256', kid: 'kid-ES256' }));
    const client = createClient(providerFor(server, { issuer: 'https://issuer.example' }), { clientId: 'svc-client', privateKey: jwk });
    await client.clientCredentials.getToken();
  });

  it('signs with a CryptoKey, the algorithm taken from the key', async () => {
    const { publicKey, privateKey } = await keyPair('ES256');
    const server: EdgeServer = await checkingServer(assertionVerifier(publicKey, () => server.url('/token'), { alg: 'ES256', kid: undefined }));
    await tokenAndRequest(server, { clientId: 'svc-client', privateKey, tokenEndpointAuthMethod: 'private_key_jwt' });
  });
});

describe('a private key that cannot sign', () => {
  /** The InvalidArgumentError `action` throws, failing the test on anything else. */
  function invalidKey(action: () => unknown): InvalidArgumentError {
    let caught: unknown;
    try {
      action();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as InvalidArgumentError).argument).toBe('privateKey');
    return caught as InvalidArgumentError;
  }

  const provider = defineProvider({ name: 'keys', endpoints: { token: 'https://as.example/token' } });

  it('refuses the public CryptoKey of a pair when the client is created', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    expect(invalidKey(() => createClient(provider, { clientId: 'svc', privateKey: publicKey })).message).toMatch(/public CryptoKey/);
  });

  it('refuses a CryptoKey that cannot sign (an ECDH key) when the client is created', async () => {
    const { privateKey } = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits'])) as CryptoKeyPair;
    expect(invalidKey(() => createClient(provider, { clientId: 'svc', privateKey })).message).toMatch(/"sign" usage/);
  });

  it('refuses a public JWK (no "d") when the client is created', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    expect(invalidKey(() => createClient(provider, { clientId: 'svc', privateKey: jwk })).message).toMatch(/public JWK/);
  });

  it('refuses a symmetric JWK, and an object that is no key, when the client is created', () => {
    expect(invalidKey(() => createClient(provider, { clientId: 'svc', privateKey: { kty: 'oct', k: 'c2VjcmV0' } })).message).toMatch(/symmetric/);
    expect(invalidKey(() => createClient(provider, { clientId: 'svc', privateKey: { pem: '-----BEGIN' } as JWK })).message).toMatch(/kty/);
  });

  it('reports a JWK whose numbers make no key as InvalidArgumentError, sends nothing, and tries again once it is fixed', async () => {
    const server = await checkingServer(() => undefined);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const good = await exportJWK(privateKey);
    // The right members, the wrong numbers: only the import can tell.
    const broken: JWK = { ...good, x: good.y!, y: good.x! };
    const client = createClient(providerFor(server), { clientId: 'svc-client', privateKey: broken });
    const error = await client.clientCredentials.getToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', argument: 'privateKey' });
    expect(server.requests).toHaveLength(0);
    // The failed import was not remembered: the same object, repaired, now signs.
    Object.assign(broken, { x: good.x, y: good.y });
    await client.clientCredentials.getToken();
    expect(server.requests).toHaveLength(1);
  });

  it('reports a key jose refuses to sign with (RSA under 2048 bits) as InvalidArgumentError', async () => {
    const server = await checkingServer(() => undefined);
    const { privateKey } = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const client = createClient(providerFor(server), { clientId: 'svc-client', privateKey });
    const error = await client.clientCredentials.getToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ argument: 'privateKey' });
    expect((error as Error).message).toMatch(/cannot sign a client assertion/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('client_secret_jwt', () => {
  it('signs an HS256 assertion with the client secret, which the server verifies', async () => {
    const secret = 'a-client-secret-long-enough-for-hs256-0123456789';
    const server: EdgeServer = await checkingServer(async (request) => {
      if (request.form.get('client_assertion_type') !== assertionType) return 'wrong client_assertion_type';
      if (request.form.has('client_secret')) return 'the secret itself was sent';
      if (request.headers.authorization !== undefined) return 'unexpected Authorization header';
      const assertion = request.form.get('client_assertion') ?? '';
      if (decodeProtectedHeader(assertion).alg !== 'HS256') return 'not HS256';
      try {
        await jwtVerify(assertion, new TextEncoder().encode(secret), {
          issuer: 'mac-client',
          subject: 'mac-client',
          audience: server.url('/token'),
          requiredClaims: ['exp', 'jti'],
        });
      } catch (error) {
        return `assertion rejected: ${(error as Error).message}`;
      }
      return undefined;
    });
    const request = await tokenAndRequest(server, { clientId: 'mac-client', clientSecret: secret, tokenEndpointAuthMethod: 'client_secret_jwt' });
    expect(request.body).not.toContain(secret);
  });

  it('is refused by a server holding another secret', async () => {
    const server: EdgeServer = await checkingServer(async (request) => {
      try {
        await jwtVerify(request.form.get('client_assertion') ?? '', new TextEncoder().encode('the-secret-the-server-has-registered-000000'), {
          audience: server.url('/token'),
        });
        return undefined;
      } catch {
        return 'signature mismatch';
      }
    });
    const client = createClient(providerFor(server), { clientId: 'mac-client', clientSecret: 'a-different-secret-0000000000000000000000', tokenEndpointAuthMethod: 'client_secret_jwt' });
    await expect(client.clientCredentials.getToken()).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
  });
});

describe('every token request', () => {
  it('asks for JSON and sends a form body, whatever the grant', async () => {
    const server = await checkingServer(() => undefined);
    const client = createClient(providerFor(server), { clientId: 'app', clientSecret: 'secret', redirectUri: 'https://app.example/cb' });
    await client.clientCredentials.getToken({ scope: 'a b' });
    await client.password.getToken({ username: 'alice', password: 'pw' });
    await client.authorizationCode.getToken({ code: 'the-code', codeVerifier: 'v'.repeat(43) });
    await client.refresh('the-refresh-token');
    await client.grant('urn:ietf:params:oauth:grant-type:jwt-bearer', { assertion: 'x.y.z' });
    // The checking server refuses any request without them, so five tokens mean five well-framed requests.
    expect(server.requests.map((request) => request.form.get('grant_type'))).toEqual([
      'client_credentials',
      'password',
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
    ]);
    expect(server.requests[0]?.body).toContain('scope=a+b');
  });
});
