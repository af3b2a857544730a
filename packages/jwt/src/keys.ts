import type { CryptoKey, JWSHeaderParameters, LocalJWKSet } from 'jose';
import { IdTokenValidationError, InvalidArgumentError } from './errors.js';
import type { FetchLike } from './jwks-fetch.js';
import { RemoteJwks, isKeySelectionOutcome, jwksUrl, remoteKeySource } from './jwks.js';
import type { JoseModule } from './jose.js';
import { SelectedKeys, type KeySource } from './key-source.js';
import type { JsonWebKeySet } from './types.js';

// A key set given as an object is imported once, on first use, and reused for as long as the caller keeps
// the object (jose's local set also caches each imported CryptoKey). The object is treated as immutable.
const localKeySources = new WeakMap<object, KeySource>();

// A JWKS URL given as a string or URL gets one RemoteJwks per (fetch, URL), shared by every verification
// of the process, so caching and rotation work even for callers that never call createRemoteJwks.
const MAX_SHARED_REMOTE_SETS = 100;
const sharedWithGlobalFetch = new Map<string, RemoteJwks>();
const sharedWithCustomFetch = new WeakMap<FetchLike, Map<string, RemoteJwks>>();

function sharedRemoteJwks(url: string, fetch: FetchLike | undefined): RemoteJwks {
  let byUrl = sharedWithGlobalFetch;
  if (fetch !== undefined) {
    byUrl = sharedWithCustomFetch.get(fetch) ?? new Map();
    sharedWithCustomFetch.set(fetch, byUrl);
  }
  let jwks = byUrl.get(url);
  if (jwks === undefined) {
    // Bounded, oldest first: a process verifying tokens of ever more issuers must not grow without limit.
    if (byUrl.size >= MAX_SHARED_REMOTE_SETS) byUrl.delete(byUrl.keys().next().value as string);
    jwks = new RemoteJwks(url, { fetch });
    byUrl.set(url, jwks);
  }
  return jwks;
}

function noMatchingKey(header: JWSHeaderParameters): IdTokenValidationError {
  const kid = typeof header.kid === 'string' ? `kid ${JSON.stringify(header.kid.slice(0, 100))}` : 'no kid';
  return new IdTokenValidationError('ERR_ID_TOKEN_KEY_NOT_FOUND', `the given JSON Web Key Set has no ${String(header.alg)} key with ${kid}`);
}

function localKeySource(keySet: LocalJWKSet): KeySource {
  const selected = new SelectedKeys();
  return {
    resolve: (header, token) =>
      keySet(header, token).then(
        (key) => selected.remember(header, token, key),
        (error: unknown) => {
          if ((error as { code?: unknown } | null)?.code === 'ERR_JWKS_NO_MATCHING_KEY') throw noMatchingKey(header);
          if (isKeySelectionOutcome(error)) throw error;
          throw new InvalidArgumentError('jwks', 'has a key for this token that cannot be imported', { cause: error });
        },
      ),
    cached: (encodedHeader) => selected.get(encodedHeader),
  };
}

/** The source of asymmetric verification keys for a `jwks` option. Throws InvalidArgumentError for a bad one. */
export function asymmetricKeySource(
  jose: JoseModule,
  jwks: string | URL | JsonWebKeySet | RemoteJwks,
  fetch: FetchLike | undefined,
): KeySource {
  if (typeof jwks === 'string' || jwks instanceof URL) {
    return remoteKeySource(sharedRemoteJwks(jwksUrl(jwks, 'jwks'), fetch)) as KeySource;
  }
  const known = remoteKeySource(jwks) ?? localKeySources.get(jwks);
  if (known !== undefined) return known;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    throw new InvalidArgumentError(
      'jwks',
      'must be a JWKS URL, a JSON Web Key Set object, or a RemoteJwks from createRemoteJwks() of this copy of @x/jwt',
    );
  }
  let keySet: LocalJWKSet;
  try {
    keySet = jose.createLocalJWKSet(jwks as JsonWebKeySet);
  } catch (cause) {
    throw new InvalidArgumentError('jwks', 'is not a JSON Web Key Set (an object with a "keys" array of JWK objects)', { cause });
  }
  const source = localKeySource(keySet);
  localKeySources.set(jwks, source);
  return source;
}

// OIDC Core §10.1: the HMAC key is the octets of the UTF-8 client secret. Imported once per secret and
// alg (jose would re-import a raw secret on every call). Few clients per process: a small bound suffices.
const MAX_CACHED_SECRETS = 32;
const secretKeys = new Map<string, Map<string, Promise<CryptoKey>>>();
const encoder = new TextEncoder();

/** The CryptoKey for `clientSecret` under the HMAC algorithm `alg` (HS256, HS384 or HS512). */
export function secretKey(clientSecret: string, alg: 'HS256' | 'HS384' | 'HS512'): Promise<CryptoKey> {
  let byAlg = secretKeys.get(clientSecret);
  if (byAlg === undefined) {
    if (secretKeys.size >= MAX_CACHED_SECRETS) secretKeys.delete(secretKeys.keys().next().value as string);
    byAlg = new Map();
    secretKeys.set(clientSecret, byAlg);
  }
  let key = byAlg.get(alg);
  if (key === undefined) {
    const hash = `SHA-${alg.slice(2)}`;
    key = crypto.subtle.importKey('raw', encoder.encode(clientSecret), { name: 'HMAC', hash }, false, ['verify']);
    byAlg.set(alg, key);
  }
  return key;
}
