import { InvalidArgumentError } from './errors.js';
import type { FetchLike } from './jwks-fetch.js';
import type { RemoteJwks } from './jwks.js';
import type { JsonWebKeySet } from './types.js';

/**
 * Options of {@link verifyIdToken}. Times are in seconds, as in the specifications.
 *
 * @example
 * ```ts
 * import type { VerifyIdTokenOptions } from '@x/jwt';
 *
 * const options: VerifyIdTokenOptions = {
 *   issuer: 'https://issuer.example',
 *   audience: 'my-client-id',
 *   jwks: 'https://issuer.example/.well-known/jwks.json',
 *   nonce: storedNonce,
 *   maxAge: 3600,
 * };
 * ```
 */
export interface VerifyIdTokenOptions {
  /** The expected `iss`, compared exactly (the provider's issuer identifier, from discovery). */
  issuer: string;
  /** This client's id: `aud` must contain it, and `azp` must equal it when present. */
  audience: string;
  /**
   * The issuer's signing keys: a JWKS URL (downloaded and cached in a process-wide {@link RemoteJwks} per
   * URL and fetch), a {@link RemoteJwks} from {@link createRemoteJwks} (reuse one per client), or a JSON Web
   * Key Set object (imported once and cached while you keep the object; do not mutate it).
   */
  jwks: string | URL | RemoteJwks | JsonWebKeySet;
  /** The nonce sent in the authorization request. When given, the token's `nonce` must equal it. */
  nonce?: string;
  /** The `max_age` sent in the authorization request: `auth_time` is then required, and must be recent enough. */
  maxAge?: number;
  /** Allowed clock skew between this machine and the issuer for `exp`, `nbf`, `iat` and `auth_time`. Default 5. */
  clockTolerance?: number;
  /**
   * The JWS algorithms to accept. Default: RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA/Ed25519,
   * plus HS256/384/512 when `clientSecret` is given. `none` is removed from any list.
   */
  algorithms?: string[];
  /** The access token issued with this ID token: when the token has `at_hash`, it must match. */
  accessToken?: string;
  /** The authorization code exchanged for this ID token: when the token has `c_hash`, it must match. */
  code?: string;
  /** The client secret: the only key ever used for HS256/384/512. Without it, HS* tokens are rejected. */
  clientSecret?: string;
  /**
   * The fetch used to download a JWKS given as a URL. The process-wide key set is kept per URL *and* fetch
   * function, so pass the same function every time (not a new arrow per call), or better, create a
   * {@link RemoteJwks} once. Ignored for a {@link RemoteJwks}, which has its own.
   */
  fetch?: FetchLike;
  /** The time to check `exp`, `nbf`, `iat` and `auth_time` against. Default: now. For tests. */
  currentDate?: Date;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const DEFAULT_ALGORITHMS: ReadonlySet<string> = new Set(ASYMMETRIC);
const DEFAULT_ALGORITHMS_WITH_SECRET: ReadonlySet<string> = new Set([...ASYMMETRIC, 'HS256', 'HS384', 'HS512']);
/** Seconds of clock skew tolerated by default: enough for ordinary drift, far below any token lifetime. */
export const DEFAULT_CLOCK_TOLERANCE = 5;

function optionalString(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
    throw new InvalidArgumentError(name, 'must be a non-empty string when given');
  }
}

function seconds(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
    throw new InvalidArgumentError(name, 'must be a non-negative number of seconds');
  }
}

/** Throws InvalidArgumentError for options that cannot work. Cheap: it runs on every verification. */
export function checkOptions(options: VerifyIdTokenOptions): void {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'are required');
  if (typeof options.issuer !== 'string' || options.issuer.length === 0) throw new InvalidArgumentError('issuer', 'must be the issuer identifier');
  if (typeof options.audience !== 'string' || options.audience.length === 0) throw new InvalidArgumentError('audience', 'must be the client id');
  optionalString('nonce', options.nonce);
  optionalString('accessToken', options.accessToken);
  optionalString('code', options.code);
  optionalString('clientSecret', options.clientSecret);
  seconds('maxAge', options.maxAge);
  seconds('clockTolerance', options.clockTolerance);
  if (options.currentDate !== undefined && !(options.currentDate instanceof Date && Number.isFinite(options.currentDate.getTime()))) {
    throw new InvalidArgumentError('currentDate', 'must be a valid Date');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new InvalidArgumentError('fetch', 'must be a function');
}

/** The allowed algorithms as a Set (the defaults are prepared once). */
export function allowedAlgorithms(options: VerifyIdTokenOptions): ReadonlySet<string> {
  const { algorithms } = options;
  if (algorithms === undefined) return options.clientSecret === undefined ? DEFAULT_ALGORITHMS : DEFAULT_ALGORITHMS_WITH_SECRET;
  if (!Array.isArray(algorithms) || !algorithms.every((alg) => typeof alg === 'string')) {
    throw new InvalidArgumentError('algorithms', 'must be an array of JWS algorithm names');
  }
  // RFC 8725 §3.1 / OIDC Core §3.1.3.7 rule 6: an unsigned token is never an ID token we can trust.
  const allowed = new Set(algorithms.filter((alg) => alg.toLowerCase() !== 'none'));
  if (allowed.size === 0) throw new InvalidArgumentError('algorithms', 'must name at least one algorithm other than "none"');
  return allowed;
}
