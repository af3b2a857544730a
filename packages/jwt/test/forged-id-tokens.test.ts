import { exportSPKI, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRemoteJwks,
  IdTokenValidationError,
  JwtFormatError,
  OAuth2Error,
  verifyIdToken,
  type RemoteJwks,
  type VerifyIdTokenOptions,
} from '../src/index.js';
import { leftHalfHash } from '../src/hashes.js';
import { startJwksServer, type JwksServer } from './helpers/jwks-server.js';
import {
  b64url,
  CLIENT_ID,
  handMadeToken,
  ISSUER,
  NONCE,
  NOW,
  NOW_SECONDS,
  signToken,
  signingKey,
  validClaims,
  type SigningKey,
} from './helpers/tokens.js';

const ACCESS_TOKEN = 'SlAV32hkKG-access-token';
const CODE = 'SplxlOBeZQQYbYS6WxSbIA-code';
const CLIENT_SECRET = 'the-client-secret-value';

let server: JwksServer;
let remote: RemoteJwks;
let rsa: SigningKey;
let ec: SigningKey;
let impostor: SigningKey;
let rsaPublicPem: string;

beforeAll(async () => {
  [rsa, ec, impostor] = await Promise.all([signingKey('RS256', 'rsa-1'), signingKey('ES256', 'ec-1'), signingKey('RS256', 'rsa-1')]);
  rsaPublicPem = await exportSPKI(await crypto.subtle.importKey('jwk', rsa.publicJwk as JsonWebKey, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']));
  server = await startJwksServer({ kind: 'keys', keys: [rsa.publicJwk, ec.publicJwk] });
  // No cooldown, so that an unknown kid always triggers the refetch the table expects.
  remote = createRemoteJwks(server.url, { cooldown: 0 });
});

afterAll(() => server.close());

interface ForgedCase {
  name: string;
  token: () => Promise<string>;
  options?: Partial<VerifyIdTokenOptions>;
  code: string;
  claim?: string;
}

const withClaims = (overrides: JWTPayload) => () => signToken(validClaims(overrides), rsa);

/** The claims of an RFC 9068 access token the issuer issued to this client (aud = client id). */
const accessTokenClaims = validClaims({ nonce: undefined, client_id: CLIENT_ID, scope: 'openid profile', jti: 'at-1' });
/** The claims of an OpenID Connect back-channel logout token (§2.4) for this client. */
const logoutTokenClaims = validClaims({
  nonce: undefined,
  jti: 'logout-1',
  sid: 'session-1',
  events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
});

const cases: ForgedCase[] = [
  { name: 'a signature by another key under the same kid', token: () => signToken(validClaims(), impostor), code: 'ERR_ID_TOKEN_SIGNATURE' },
  {
    name: 'a payload altered after signing',
    token: async () => {
      const [header, , signature] = (await signToken(validClaims(), rsa)).split('.');
      return `${header}.${b64url(JSON.stringify(validClaims({ sub: 'admin' })))}.${signature}`;
    },
    code: 'ERR_ID_TOKEN_SIGNATURE',
  },
  { name: 'alg none', token: async () => handMadeToken({ alg: 'none' }, validClaims()), code: 'ERR_ID_TOKEN_ALGORITHM' },
  {
    name: 'alg none even when the algorithms option lists it',
    token: async () => handMadeToken({ alg: 'none' }, validClaims()),
    options: { algorithms: ['none', 'RS256'] },
    code: 'ERR_ID_TOKEN_ALGORITHM',
  },
  {
    name: 'HS256 signed with the RSA public key (key confusion)',
    token: () => signToken(validClaims(), { alg: 'HS256', secret: rsaPublicPem }),
    code: 'ERR_ID_TOKEN_ALGORITHM',
  },
  {
    name: 'HS256 signed with the RSA public key, HS256 allowed but no client secret',
    token: () => signToken(validClaims(), { alg: 'HS256', secret: rsaPublicPem }, { kid: 'rsa-1' }),
    options: { algorithms: ['RS256', 'HS256'] },
    code: 'ERR_ID_TOKEN_ALGORITHM',
  },
  {
    name: 'HS256 signed with the RSA public key when a client secret is configured',
    token: () => signToken(validClaims(), { alg: 'HS256', secret: rsaPublicPem }),
    options: { clientSecret: CLIENT_SECRET },
    code: 'ERR_ID_TOKEN_SIGNATURE',
  },
  {
    name: 'an algorithm outside the allow-list',
    token: () => signToken(validClaims(), ec),
    options: { algorithms: ['RS256'] },
    code: 'ERR_ID_TOKEN_ALGORITHM',
  },
  {
    name: 'an algorithm jose does not implement, even when the allow-list names it',
    token: async () => handMadeToken({ alg: 'XS999', kid: 'rsa-1' }, validClaims(), 'c2ln'),
    options: { algorithms: ['XS999'] },
    code: 'ERR_ID_TOKEN_ALGORITHM',
  },
  {
    name: 'an unknown kid, even after refetching the JWKS',
    token: () => signToken(validClaims(), { ...impostor, kid: 'unknown-kid' }),
    code: 'ERR_ID_TOKEN_KEY_NOT_FOUND',
  },
  { name: 'a wrong iss', token: withClaims({ iss: 'https://evil.example' }), code: 'ERR_ID_TOKEN_ISSUER', claim: 'iss' },
  { name: 'an iss differing by a trailing slash', token: withClaims({ iss: `${ISSUER}/` }), code: 'ERR_ID_TOKEN_ISSUER', claim: 'iss' },
  { name: 'a missing iss', token: withClaims({ iss: undefined }), code: 'ERR_ID_TOKEN_ISSUER', claim: 'iss' },
  { name: 'a wrong aud', token: withClaims({ aud: 'another-client' }), code: 'ERR_ID_TOKEN_AUDIENCE', claim: 'aud' },
  { name: 'an aud list without this client', token: withClaims({ aud: ['a', 'b'] }), code: 'ERR_ID_TOKEN_AUDIENCE', claim: 'aud' },
  {
    name: 'several audiences without azp',
    token: withClaims({ aud: [CLIENT_ID, 'another-client'] }),
    code: 'ERR_ID_TOKEN_AZP',
    claim: 'azp',
  },
  {
    name: 'several audiences with azp naming another client',
    token: withClaims({ aud: [CLIENT_ID, 'another-client'], azp: 'another-client' }),
    code: 'ERR_ID_TOKEN_AZP',
    claim: 'azp',
  },
  { name: 'a single audience with a foreign azp', token: withClaims({ azp: 'another-client' }), code: 'ERR_ID_TOKEN_AZP', claim: 'azp' },
  { name: 'an expired token', token: withClaims({ exp: NOW_SECONDS - 60 }), code: 'ERR_ID_TOKEN_EXPIRED', claim: 'exp' },
  { name: 'a token without exp', token: withClaims({ exp: undefined }), code: 'ERR_ID_TOKEN_EXPIRED', claim: 'exp' },
  { name: 'nbf in the future', token: withClaims({ nbf: NOW_SECONDS + 600 }), code: 'ERR_ID_TOKEN_NOT_YET_VALID', claim: 'nbf' },
  { name: 'a missing iat', token: withClaims({ iat: undefined }), code: 'ERR_ID_TOKEN_IAT', claim: 'iat' },
  {
    name: 'an iat in the future, beyond the clock tolerance',
    token: withClaims({ iat: NOW_SECONDS + 600, exp: NOW_SECONDS + 1200 }),
    code: 'ERR_ID_TOKEN_IAT',
    claim: 'iat',
  },
  { name: 'an iat that is a string', token: withClaims({ iat: 'yesterday' as unknown as number }), code: 'ERR_ID_TOKEN_IAT', claim: 'iat' },
  { name: 'a missing sub', token: withClaims({ sub: undefined }), code: 'ERR_ID_TOKEN_SUBJECT', claim: 'sub' },
  { name: 'an empty sub', token: withClaims({ sub: '' }), code: 'ERR_ID_TOKEN_SUBJECT', claim: 'sub' },
  { name: 'a missing nonce when one was sent', token: withClaims({ nonce: undefined }), code: 'ERR_ID_TOKEN_NONCE', claim: 'nonce' },
  { name: 'a wrong nonce', token: withClaims({ nonce: 'a-replayed-nonce' }), code: 'ERR_ID_TOKEN_NONCE', claim: 'nonce' },
  {
    name: 'an auth_time older than maxAge',
    token: withClaims({ auth_time: NOW_SECONDS - 7200 }),
    options: { maxAge: 3600 },
    code: 'ERR_ID_TOKEN_AUTH_TIME',
    claim: 'auth_time',
  },
  { name: 'no auth_time although maxAge was sent', token: withClaims({}), options: { maxAge: 3600 }, code: 'ERR_ID_TOKEN_AUTH_TIME', claim: 'auth_time' },
  {
    name: 'an at_hash of another access token',
    token: async () => signToken(validClaims({ at_hash: await leftHalfHash('another-access-token', 'RS256') }), rsa),
    code: 'ERR_ID_TOKEN_AT_HASH',
    claim: 'at_hash',
  },
  {
    name: 'an at_hash computed with the wrong hash size (SHA-512 for RS256)',
    token: async () => signToken(validClaims({ at_hash: await leftHalfHash(ACCESS_TOKEN, 'RS512') }), rsa),
    code: 'ERR_ID_TOKEN_AT_HASH',
    claim: 'at_hash',
  },
  {
    name: 'a c_hash of another code',
    token: async () => signToken(validClaims({ c_hash: await leftHalfHash('another-code', 'RS256') }), rsa),
    code: 'ERR_ID_TOKEN_C_HASH',
    claim: 'c_hash',
  },
  // Other JWTs the issuer signs with the same keys. Each would pass every other rule: no nonce is expected
  // (a back-channel logout token never has one, and an access token need not).
  {
    name: 'an RFC 9068 access token (typ at+jwt) issued to this client',
    token: () => signToken(accessTokenClaims, rsa, { typ: 'at+jwt' }),
    options: { nonce: undefined },
    code: 'ERR_ID_TOKEN_TYPE',
  },
  {
    name: 'an RFC 9068 access token with the full media type application/at+jwt',
    token: () => signToken(accessTokenClaims, rsa, { typ: 'application/at+jwt' }),
    options: { nonce: undefined },
    code: 'ERR_ID_TOKEN_TYPE',
  },
  {
    name: 'a back-channel logout token (typ logout+jwt)',
    token: () => signToken(logoutTokenClaims, rsa, { typ: 'logout+jwt' }),
    options: { nonce: undefined },
    code: 'ERR_ID_TOKEN_TYPE',
  },
  {
    name: 'a back-channel logout token without typ, told apart by its events claim',
    token: () => signToken(logoutTokenClaims, rsa),
    options: { nonce: undefined },
    code: 'ERR_ID_TOKEN_TYPE',
    claim: 'events',
  },
  {
    name: 'a back-channel logout token that claims typ JWT',
    token: () => signToken(logoutTokenClaims, rsa, { typ: 'JWT' }),
    options: { nonce: undefined },
    code: 'ERR_ID_TOKEN_TYPE',
    claim: 'events',
  },
  {
    name: 'an ID token with an unknown typ',
    token: () => signToken(validClaims(), rsa, { typ: 'id_token+jwt' }),
    code: 'ERR_ID_TOKEN_TYPE',
  },
  { name: 'a typ that is not a string', token: () => signToken(validClaims(), rsa, { typ: 42 }), code: 'ERR_ID_TOKEN_TYPE' },
  { name: 'two segments', token: async () => 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0', code: 'ERR_JWT_MALFORMED' },
  { name: 'a header that is not JSON', token: async () => `${b64url('not json')}.${b64url('{}')}.c2ln`, code: 'ERR_JWT_MALFORMED' },
  {
    name: 'a payload that is a JSON array, properly signed',
    token: async () => {
      const header = b64url(JSON.stringify({ alg: 'RS256', kid: 'rsa-1' }));
      const payload = b64url('[1,2,3]');
      const key = await crypto.subtle.importKey('jwk', await crypto.subtle.exportKey('jwk', rsa.privateKey), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
      const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, new TextEncoder().encode(`${header}.${payload}`));
      return `${header}.${payload}.${b64url(new Uint8Array(signature))}`;
    },
    code: 'ERR_JWT_MALFORMED',
  },
  { name: 'an encrypted token (JWE)', token: async () => 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d', code: 'ERR_JWT_MALFORMED' },
];

describe('verifyIdToken rejects forged and broken ID tokens', () => {
  it.each(cases)('$name → $code', async ({ token, options, code, claim }) => {
    const idToken = await token();

    const error = await verifyIdToken(idToken, {
      issuer: ISSUER,
      audience: CLIENT_ID,
      jwks: remote,
      nonce: NONCE,
      accessToken: ACCESS_TOKEN,
      code: CODE,
      currentDate: NOW,
      ...options,
    }).then(
      () => expect.unreachable('a forged token was accepted'),
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(OAuth2Error);
    expect(error).toBeInstanceOf(code === 'ERR_JWT_MALFORMED' ? JwtFormatError : IdTokenValidationError);
    expect(error).toMatchObject({ code });
    if (claim !== undefined) expect(error).toMatchObject({ claim });
    // Whatever failed, neither the message nor the serialised error gives away a secret.
    const exposed = `${(error as Error).message} ${JSON.stringify(error)}`;
    for (const secret of [idToken, idToken.split('.')[1] ?? '', NONCE, ACCESS_TOKEN, CODE, CLIENT_SECRET]) {
      if (secret.length >= 8) expect(exposed).not.toContain(secret);
    }
  });

  it('refetches the JWKS once for an unknown kid before giving up', async () => {
    const token = await signToken(validClaims(), { ...impostor, kid: 'another-unknown-kid' });
    await remote.reload();
    const before = server.requests;

    const error = await verifyIdToken(token, { issuer: ISSUER, audience: CLIENT_ID, jwks: remote, nonce: NONCE, currentDate: NOW }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toMatchObject({ code: 'ERR_ID_TOKEN_KEY_NOT_FOUND' });
    expect((error as Error).message).toMatch(/even after downloading it again/);
    expect(server.requests).toBe(before + 1);
  });
});
