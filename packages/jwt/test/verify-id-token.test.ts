import { exportJWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  IdTokenValidationError,
  InvalidArgumentError,
  verifyIdToken,
  type IdTokenClaims,
  type JsonWebKeySet,
  type VerifyIdTokenOptions,
} from '../src/index.js';
import { leftHalfHash } from '../src/hashes.js';
import { b64url, CLIENT_ID, ISSUER, NONCE, NOW, NOW_SECONDS, signToken, signingKey, validClaims, type SigningKey } from './helpers/tokens.js';

let rsa: SigningKey;
let ec: SigningKey;
let ps: SigningKey;
let ed: SigningKey;
let jwks: JsonWebKeySet;

beforeAll(async () => {
  [rsa, ec, ps, ed] = await Promise.all([
    signingKey('RS256', 'rsa-1'),
    signingKey('ES256', 'ec-1'),
    signingKey('PS256', 'ps-1'),
    signingKey('EdDSA', 'ed-1'),
  ]);
  jwks = { keys: [rsa.publicJwk, ec.publicJwk, ps.publicJwk, ed.publicJwk] };
});

function options(overrides: Partial<VerifyIdTokenOptions> = {}): VerifyIdTokenOptions {
  return { issuer: ISSUER, audience: CLIENT_ID, jwks, nonce: NONCE, currentDate: NOW, ...overrides };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the verification should have failed'),
    (error: unknown) => error,
  );
}

describe('verifyIdToken accepts valid ID tokens', () => {
  it.each(['RS256', 'ES256', 'PS256', 'EdDSA'] as const)('signed with %s from a JSON Web Key Set', async (alg) => {
    const key = { RS256: rsa, ES256: ec, PS256: ps, EdDSA: ed }[alg];
    const token = await signToken(validClaims({ email: 'a@example.com' }), key);

    const claims: IdTokenClaims = await verifyIdToken(token, options());

    expect(claims).toMatchObject({ iss: ISSUER, aud: CLIENT_ID, sub: 'user-42', nonce: NONCE, email: 'a@example.com' });
  });

  it('signed with HS256 under the client secret, which enables HS* by default', async () => {
    const clientSecret = 'a-client-secret-of-decent-length';
    const token = await signToken(validClaims(), { alg: 'HS256', secret: clientSecret });

    await expect(verifyIdToken(token, options({ clientSecret }))).resolves.toMatchObject({ sub: 'user-42' });
  });

  it('signed with HS512 when the algorithms option allows only it', async () => {
    const clientSecret = 'another-client-secret';
    const token = await signToken(validClaims(), { alg: 'HS512', secret: clientSecret });

    await expect(verifyIdToken(token, options({ clientSecret, algorithms: ['HS512'] }))).resolves.toMatchObject({ sub: 'user-42' });
  });

  it('with at_hash and c_hash matching the access token and code (RS256: SHA-256)', async () => {
    const accessToken = 'access-token-value';
    const code = 'authorization-code-value';
    const token = await signToken(
      validClaims({ at_hash: await leftHalfHash(accessToken, 'RS256'), c_hash: await leftHalfHash(code, 'RS256') }),
      rsa,
    );

    await expect(verifyIdToken(token, options({ accessToken, code }))).resolves.toMatchObject({ sub: 'user-42' });
  });

  it('with at_hash under ES256 and EdDSA, whose hashes differ in size', async () => {
    const accessToken = 'access-token-value';
    const es = await signToken(validClaims({ at_hash: await leftHalfHash(accessToken, 'ES256') }), ec);
    const eddsa = await signToken(validClaims({ at_hash: await leftHalfHash(accessToken, 'EdDSA') }), ed);

    await expect(verifyIdToken(es, options({ accessToken }))).resolves.toBeDefined();
    await expect(verifyIdToken(eddsa, options({ accessToken }))).resolves.toBeDefined();
    expect((await leftHalfHash(accessToken, 'EdDSA'))?.length).toBe(43); // 32 bytes of SHA-512
  });

  it('with at_hash present but no access token given (nothing to compare)', async () => {
    const token = await signToken(validClaims({ at_hash: 'AAAAAAAAAAAAAAAAAAAAAA' }), rsa);

    await expect(verifyIdToken(token, options())).resolves.toMatchObject({ at_hash: 'AAAAAAAAAAAAAAAAAAAAAA' });
  });

  it('with several audiences and azp equal to the client', async () => {
    const token = await signToken(validClaims({ aud: [CLIENT_ID, 'https://api.example'], azp: CLIENT_ID }), rsa);

    await expect(verifyIdToken(token, options())).resolves.toMatchObject({ azp: CLIENT_ID });
  });

  it('without a nonce when none was sent', async () => {
    const token = await signToken(validClaims({ nonce: undefined }), rsa);

    await expect(verifyIdToken(token, options({ nonce: undefined }))).resolves.toMatchObject({ sub: 'user-42' });
  });

  it('with a recent enough auth_time when maxAge is given', async () => {
    const token = await signToken(validClaims({ auth_time: NOW_SECONDS - 3000 }), rsa);

    await expect(verifyIdToken(token, options({ maxAge: 3600 }))).resolves.toMatchObject({ auth_time: NOW_SECONDS - 3000 });
  });

  it('when the key set has several keys that fit a kid-less header, by trying each', async () => {
    const other = await signingKey('RS256', 'unused');
    const kidless = (key: SigningKey) => ({ ...key.publicJwk, kid: undefined });
    const set = { keys: [kidless(other), kidless(rsa)] };
    const token = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey);

    await expect(verifyIdToken(token, options({ jwks: set }))).resolves.toMatchObject({ sub: 'user-42' });
  });

  it.each(['JWT', 'jwt', 'application/jwt', 'Application/JWT'])('with a typ header of %s', async (typ) => {
    const token = await signToken(validClaims(), rsa, { typ });

    await expect(verifyIdToken(token, options())).resolves.toMatchObject({ sub: 'user-42' });
  });

  it('verifies again with the cached key and the same result', async () => {
    const token = await signToken(validClaims(), ec);

    const first = await verifyIdToken(token, options());
    const second = await verifyIdToken(token, options());

    expect(second).toEqual(first);
  });
});

describe('verifyIdToken and time', () => {
  it('accepts a token expired 3 s ago under the default 5 s clock tolerance', async () => {
    const token = await signToken(validClaims({ exp: NOW_SECONDS - 3 }), rsa);

    await expect(verifyIdToken(token, options())).resolves.toBeDefined();
  });

  it('rejects the same token with clockTolerance 0', async () => {
    const token = await signToken(validClaims({ exp: NOW_SECONDS - 3 }), rsa);

    const error = await rejection(verifyIdToken(token, options({ clockTolerance: 0 })));

    expect(error).toMatchObject({ code: 'ERR_ID_TOKEN_EXPIRED', claim: 'exp' });
  });

  it('treats exp as exclusive: a token expiring exactly now is expired', async () => {
    const token = await signToken(validClaims({ exp: NOW_SECONDS }), rsa);

    const error = await rejection(verifyIdToken(token, options({ clockTolerance: 0 })));

    expect(error).toMatchObject({ code: 'ERR_ID_TOKEN_EXPIRED' });
  });

  it('accepts nbf within the clock tolerance and rejects it beyond', async () => {
    const token = await signToken(validClaims({ nbf: NOW_SECONDS + 30 }), rsa);

    await expect(verifyIdToken(token, options({ clockTolerance: 60 }))).resolves.toBeDefined();
    expect(await rejection(verifyIdToken(token, options({ clockTolerance: 10 })))).toMatchObject({
      code: 'ERR_ID_TOKEN_NOT_YET_VALID',
      claim: 'nbf',
    });
  });

  it('accepts an iat up to clockTolerance in the future and rejects it beyond', async () => {
    const token = await signToken(validClaims({ iat: NOW_SECONDS + 3 }), rsa);

    await expect(verifyIdToken(token, options())).resolves.toMatchObject({ iat: NOW_SECONDS + 3 });
    expect(await rejection(verifyIdToken(token, options({ clockTolerance: 2 })))).toMatchObject({
      code: 'ERR_ID_TOKEN_IAT',
      claim: 'iat',
      message: expect.stringMatching(/in the future/),
    });
  });

  it('uses the real clock without currentDate', async () => {
    const now = Math.floor(Date.now() / 1000);
    const fresh = await signToken(validClaims({ iat: now, exp: now + 600 }), rsa);

    await expect(verifyIdToken(fresh, options({ currentDate: undefined }))).resolves.toBeDefined();
    const old = await signToken(validClaims({ iat: now - 7200, exp: now - 3600 }), rsa);
    expect(await rejection(verifyIdToken(old, options({ currentDate: undefined })))).toMatchObject({ code: 'ERR_ID_TOKEN_EXPIRED' });
  });
});

describe('verifyIdToken refuses unusable options with InvalidArgumentError', () => {
  const cases: [string, Partial<VerifyIdTokenOptions>, string][] = [
    ['an empty issuer', { issuer: '' }, 'issuer'],
    ['a missing audience', { audience: undefined as unknown as string }, 'audience'],
    ['a jwks that is neither URL nor key set', { jwks: { foo: 1 } as unknown as JsonWebKeySet }, 'jwks'],
    ['a relative JWKS URL', { jwks: '/jwks.json' }, 'jwks'],
    ['a non-http JWKS URL', { jwks: 'file:///etc/jwks.json' }, 'jwks'],
    ['an algorithms list of only none', { algorithms: ['none'] }, 'algorithms'],
    ['a negative maxAge', { maxAge: -1 }, 'maxAge'],
    ['a clockTolerance in a string', { clockTolerance: '5s' as unknown as number }, 'clockTolerance'],
    ['an empty nonce', { nonce: '' }, 'nonce'],
    ['an invalid currentDate', { currentDate: new Date(Number.NaN) }, 'currentDate'],
  ];

  it.each(cases)('%s', async (_name, overrides, argument) => {
    const token = await signToken(validClaims(), rsa);

    const error = await rejection(verifyIdToken(token, options(overrides)));

    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', argument });
  });

  it('refuses a JSON Web Key Set whose keys are not objects', async () => {
    const token = await signToken(validClaims(), rsa);

    const error = await rejection(verifyIdToken(token, options({ jwks: { keys: ['not-a-key'] } as unknown as JsonWebKeySet })));

    expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', argument: 'jwks' });
  });
});

describe('IdTokenValidationError', () => {
  it('serialises its code and claim but not the cause', async () => {
    const token = await signToken(validClaims({ iss: 'https://evil.example' }), rsa);

    const error = await rejection(verifyIdToken(token, options()));

    expect(error).toBeInstanceOf(IdTokenValidationError);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'IdTokenValidationError',
      code: 'ERR_ID_TOKEN_ISSUER',
      claim: 'iss',
      message: expect.stringContaining('"https://evil.example" is not the expected "https://issuer.example"'),
    });
  });

  it('rejects RSA keys under 2048 bits as a signature problem, not a raw jose TypeError', async () => {
    // jose will not generate or sign with such a key, so WebCrypto does both.
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
    const pair = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const small = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'small', alg: 'RS256' }] };
    const input = `${b64url(JSON.stringify({ alg: 'RS256', kid: 'small' }))}.${b64url(JSON.stringify(validClaims()))}`;
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', pair.privateKey, new TextEncoder().encode(input));
    const token = `${input}.${b64url(new Uint8Array(signature))}`;

    const error = await rejection(verifyIdToken(token, options({ jwks: small })));

    expect(error).toBeInstanceOf(IdTokenValidationError);
    expect(error).toMatchObject({ code: 'ERR_ID_TOKEN_SIGNATURE' });
  });
});
