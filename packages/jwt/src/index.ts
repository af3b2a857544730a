// Public API only. Nothing imported here may import jose at runtime (type-only imports are erased): it is
// loaded lazily by the functions that verify (see jose.ts).
export { decodeJwt, MAX_JWT_LENGTH } from './decode.js';
export { verifyIdToken } from './verify.js';
export type { VerifyIdTokenOptions } from './options.js';
export { createRemoteJwks, type RemoteJwks, type RemoteJwksOptions } from './jwks.js';
export type { FetchLike } from './jwks-fetch.js';
export type { IdTokenClaims, JsonWebKeySet, JwtHeader, JwtPayload } from './types.js';
export {
  IdTokenValidationError,
  InvalidArgumentError,
  JwksFetchError,
  JwtFormatError,
  OAuth2Error,
  type IdTokenErrorCode,
} from './errors.js';
