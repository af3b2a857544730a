import { describe, expect, it } from 'vitest';
import { decodeJwt, JwtFormatError, MAX_JWT_LENGTH, OAuth2Error } from '../src/index.js';
import { b64url, handMadeToken, signToken, signingKey, validClaims } from './helpers/tokens.js';

describe('decodeJwt', () => {
  it('returns the header and payload of a signed token', async () => {
    const key = await signingKey('RS256', 'key-1');
    const token = await signToken(validClaims({ email: 'a@example.com' }), key);

    const { header, payload } = decodeJwt(token);

    expect(header).toEqual({ alg: 'RS256', kid: 'key-1' });
    expect(payload).toMatchObject({ sub: 'user-42', email: 'a@example.com' });
  });

  it('decodes a forged, unsigned token too: it verifies nothing', () => {
    const token = handMadeToken({ alg: 'none' }, { sub: 'admin', aud: ['a', 'b'] });

    expect(decodeJwt(token)).toEqual({ header: { alg: 'none' }, payload: { sub: 'admin', aud: ['a', 'b'] } });
  });

  it('decodes UTF-8 claims', () => {
    const token = handMadeToken({ alg: 'RS256' }, { name: 'Zoë 李' }, 'c2ln');

    expect(decodeJwt(token).payload.name).toBe('Zoë 李');
  });

  const header = b64url('{"alg":"RS256"}');
  const payload = b64url('{"sub":"x"}');
  const malformed: [string, unknown, RegExp][] = [
    ['an empty string', '', /empty/],
    ['a non-string', 42, /must be a string/],
    ['null', null, /not null/],
    ['two segments', `${header}.${payload}`, /3 dot-separated segments; this one has 2/],
    ['four segments', `${header}.${payload}.sig.more`, /this one has 4/],
    ['an encrypted JWT (5 segments)', 'a.b.c.d.e', /encrypted \(JWE\)/],
    ['a header outside the base64url alphabet', `${header}+.${payload}.`, /header is not valid base64url/],
    ['an impossible base64url length', `${header}.AAAAA.`, /payload is not valid base64url/],
    ['a header that is not JSON', `${b64url('{alg:RS256}')}.${payload}.`, /header is not UTF-8 JSON/],
    ['a payload that is not UTF-8', `${header}.${b64url(new Uint8Array([0x7b, 0xff, 0x7d]))}.`, /payload is not UTF-8 JSON/],
    ['a payload that is a JSON array', `${header}.${b64url('[1,2]')}.`, /payload is JSON but not an object/],
    ['a payload that is JSON null', `${header}.${b64url('null')}.`, /payload is JSON but not an object/],
    ['a header without alg', `${b64url('{"typ":"JWT"}')}.${payload}.`, /no "alg" string/],
    ['a numeric kid', `${b64url('{"alg":"RS256","kid":7}')}.${payload}.`, /"kid" must be a string/],
    ['an exp that is a string', `${header}.${b64url('{"exp":"tomorrow"}')}.`, /"exp" must be a number/],
    ['an aud with a number in it', `${header}.${b64url('{"aud":["a",1]}')}.`, /"aud" must be a string or an array of strings/],
    ['a signature outside the alphabet', `${header}.${payload}.sig=`, /signature is not valid base64url/],
    ['a huge string', `${header}.${'A'.repeat(MAX_JWT_LENGTH)}.`, /over the 131072-character limit/],
  ];

  it.each(malformed)('rejects %s with JwtFormatError (ERR_JWT_MALFORMED)', (_name, input, message) => {
    let caught: unknown;
    try {
      decodeJwt(input as string);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(JwtFormatError);
    expect(caught).toBeInstanceOf(OAuth2Error);
    expect(caught).toMatchObject({ code: 'ERR_JWT_MALFORMED', name: 'JwtFormatError' });
    expect((caught as Error).message).toMatch(message);
  });

  it('never quotes the token in its error message', () => {
    const token = `${header}.${b64url('{"nonce":"secret-nonce-value"')}.c2ln`;

    expect(() => decodeJwt(token)).toThrow(JwtFormatError);
    try {
      decodeJwt(token);
    } catch (error) {
      expect((error as Error).message).not.toContain(token.slice(0, 20));
      expect(JSON.stringify(error)).not.toContain('secret-nonce-value');
    }
  });
});
