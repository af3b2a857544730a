import { IdTokenValidationError, JwtFormatError, OAuth2Error } from './errors.js';

/**
 * Maps whatever jwtVerify threw onto this package's errors, so that no jose error escapes raw. Our own
 * errors (thrown by the key resolvers) pass through unchanged. jose's claim errors are not kept as `cause`:
 * they carry the whole payload, nonce included.
 */
export function fromJoseError(error: unknown): OAuth2Error {
  if (error instanceof OAuth2Error) return error;
  const { code, claim } = (error ?? {}) as { code?: unknown; claim?: unknown };
  switch (code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new IdTokenValidationError(
        'ERR_ID_TOKEN_SIGNATURE',
        'the ID token signature is invalid: it was forged, altered, or signed with another key; reject it',
        { cause: error },
      );
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new IdTokenValidationError(
        'ERR_ID_TOKEN_ALGORITHM',
        'the ID token is signed with an algorithm that is not allowed (see the algorithms option; "none" is never accepted, and HS256/384/512 need clientSecret)',
        { cause: error },
      );
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return new IdTokenValidationError('ERR_ID_TOKEN_KEY_NOT_FOUND', 'no key in the JSON Web Key Set matches the ID token\'s kid and alg', {
        cause: error,
      });
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new IdTokenValidationError('ERR_ID_TOKEN_ALGORITHM', 'the ID token uses an algorithm or header this runtime or key cannot verify', {
        cause: error,
      });
    case 'ERR_JWT_EXPIRED':
      return new IdTokenValidationError('ERR_ID_TOKEN_EXPIRED', 'the ID token has expired; obtain a fresh one by signing in again', {
        claim: 'exp',
      });
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf') {
        return new IdTokenValidationError(
          'ERR_ID_TOKEN_NOT_YET_VALID',
          'the ID token is not valid yet ("nbf" is in the future); check this machine\'s clock or raise clockTolerance',
          { claim: 'nbf' },
        );
      }
      if (claim === 'iat') return new IdTokenValidationError('ERR_ID_TOKEN_IAT', 'the ID token\'s "iat" claim is not a number', { claim: 'iat' });
      if (claim === 'exp') return new IdTokenValidationError('ERR_ID_TOKEN_EXPIRED', 'the ID token\'s "exp" claim is not a number', { claim: 'exp' });
      return new JwtFormatError(`the ID token's claims are malformed (${typeof claim === 'string' ? claim : 'unknown claim'})`);
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return new JwtFormatError(`the ID token is not a well-formed signed JWT (${(error as Error).message})`, { cause: error });
    default:
      // Key-shape problems WebCrypto reports as TypeError (e.g. an RSA key under 2048 bits) and anything else.
      return new IdTokenValidationError(
        'ERR_ID_TOKEN_SIGNATURE',
        `the ID token signature could not be verified (${error instanceof Error ? error.message : String(error)})`,
        { cause: error },
      );
  }
}
