import type { CryptoKey, FlattenedJWSInput, JWSHeaderParameters, LocalJWKSet } from 'jose';
import { InvalidArgumentError, IdTokenValidationError, JwksFetchError } from './errors.js';
import { fetchJwks, type FetchLike, type JwksRequest } from './jwks-fetch.js';
import { loadJose } from './jose.js';
import { SelectedKeys, type KeySource } from './key-source.js';
import type { JsonWebKeySet } from './types.js';

/**
 * Options of {@link createRemoteJwks}. Durations are in milliseconds, like `timeout` everywhere in `@x/*`.
 *
 * @example
 * ```ts
 * import { createRemoteJwks, type RemoteJwksOptions } from '@x/jwt';
 *
 * const options: RemoteJwksOptions = { cacheMaxAge: 3_600_000, cooldown: 10_000, timeout: 3_000 };
 * const jwks = createRemoteJwks('https://issuer.example/jwks', options);
 * ```
 */
export interface RemoteJwksOptions {
  /** The fetch implementation to download the key set with. Default: the global `fetch`, looked up at each download. */
  fetch?: FetchLike;
  /** How long downloaded keys are used before the next verification downloads them again. Default 600 000 (10 minutes). */
  cacheMaxAge?: number;
  /**
   * After a download, how long a token with an unknown `kid` is rejected without downloading again. It stops
   * tokens with made-up key ids from turning every verification into a request to the provider. After a
   * *failed* download, how long no verification downloads again: during it, a verification that needs a
   * download (no keys yet, keys older than `cacheMaxAge`, or an unknown `kid`) fails at once with
   * `JwksFetchError` instead of requesting a failing endpoint and waiting up to `timeout`. Default 30 000.
   */
  cooldown?: number;
  /** Limit for one download, from request to last byte of the body. Default 5 000. */
  timeout?: number;
  /** Largest accepted response body, in bytes. Default 1 MiB. */
  maxResponseSize?: number;
  /** Extra request headers, e.g. a `user-agent`. */
  headers?: Record<string, string>;
}

const DEFAULTS = { cacheMaxAge: 600_000, cooldown: 30_000, timeout: 5_000, maxResponseSize: 1024 * 1024 };

// The key source of each RemoteJwks, kept out of the public class so that verifyIdToken alone can use it.
const keySources = new WeakMap<RemoteJwks, KeySource>();

function duration(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new InvalidArgumentError(name, 'must be a non-negative number of milliseconds');
  }
  return value;
}

/** Parses a JWKS URL, throwing InvalidArgumentError for anything but an absolute http(s) URL. */
export function jwksUrl(url: unknown, argument: string): string {
  let parsed: URL | undefined;
  try {
    // Not URL.canParse: some edge runtimes and older browsers lack it.
    parsed = url instanceof URL ? url : typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new InvalidArgumentError(argument, 'must be an absolute http(s) URL of a JSON Web Key Set');
  }
  return parsed.href;
}

function isNoMatchingKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_JWKS_NO_MATCHING_KEY';
}

/**
 * Whether a key-set lookup error says something about the token (no key, several keys, an algorithm jose
 * cannot use with a key set) rather than about the key set; those pass through to verifyIdToken's mapping.
 */
export function isKeySelectionOutcome(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' || code === 'ERR_JOSE_NOT_SUPPORTED';
}

/**
 * The issuer's signing keys at a JWKS URL, downloaded on first use and cached: see
 * {@link createRemoteJwks}. Create one per issuer and reuse it for every verification.
 *
 * @example
 * ```ts
 * import { createRemoteJwks, type RemoteJwks } from '@x/jwt';
 *
 * const jwks: RemoteJwks = createRemoteJwks('https://issuer.example/jwks');
 * await jwks.reload(); // optional: download now rather than at the first verification
 * ```
 */
export class RemoteJwks {
  /** The normalised JWKS URL. */
  readonly url: string;
  readonly #request: JwksRequest;
  readonly #cacheMaxAge: number;
  readonly #cooldown: number;
  #keySet: LocalJWKSet | undefined;
  readonly #selected = new SelectedKeys();
  /** `Date.now()` of the last successful download. */
  #fetchedAt = Number.NEGATIVE_INFINITY;
  /** `Date.now()` of the last failed download, and its error; `#failure` is cleared by a success. */
  #failedAt = Number.NEGATIVE_INFINITY;
  #failure: JwksFetchError | undefined;
  #pending: Promise<void> | undefined;

  constructor(url: string | URL, options: RemoteJwksOptions = {}) {
    this.url = jwksUrl(url, 'url');
    if (options.fetch !== undefined && typeof options.fetch !== 'function') {
      throw new InvalidArgumentError('fetch', 'must be a fetch-compatible function');
    }
    this.#cacheMaxAge = duration('cacheMaxAge', options.cacheMaxAge, DEFAULTS.cacheMaxAge);
    this.#cooldown = duration('cooldown', options.cooldown, DEFAULTS.cooldown);
    this.#request = {
      fetch: options.fetch,
      timeout: duration('timeout', options.timeout, DEFAULTS.timeout),
      maxResponseSize: duration('maxResponseSize', options.maxResponseSize, DEFAULTS.maxResponseSize),
      headers: { accept: 'application/jwk-set+json, application/json', ...options.headers },
    };
    keySources.set(this, {
      resolve: (header, token) => this.#resolve(header, token),
      // Stale keys must go through #resolve, which downloads them again.
      cached: (encodedHeader) => (this.fresh ? this.#selected.get(encodedHeader) : undefined),
    });
  }

  /** Whether the cached keys are younger than `cacheMaxAge` (false before the first download). */
  get fresh(): boolean {
    return Date.now() - this.#fetchedAt < this.#cacheMaxAge;
  }

  /**
   * Whether an unknown `kid` would be rejected without a download, the last download (successful or failed)
   * being under `cooldown` old.
   */
  get coolingDown(): boolean {
    return Date.now() - this.#fetchedAt < this.#cooldown || this.#failureCoolingDown;
  }

  /** Whether the last download failed less than `cooldown` ago (a clock set back does not prolong it). */
  get #failureCoolingDown(): boolean {
    const elapsed = Date.now() - this.#failedAt;
    return this.#failure !== undefined && elapsed >= 0 && elapsed < this.#cooldown;
  }

  /**
   * Downloads the key set now, ignoring cache age and cooldown, including the cooldown after a failed
   * download. Concurrent calls share one request. Rejects with `JwksFetchError` when the endpoint gives no
   * usable key set; the previous keys are then kept (and used while they are under `cacheMaxAge` old), and
   * verifications do not download again for `cooldown`.
   */
  reload(): Promise<void> {
    this.#pending ??= this.#download().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** A copy of the cached key set, or `undefined` before the first successful download. */
  jwks(): JsonWebKeySet | undefined {
    return this.#keySet?.jwks();
  }

  /**
   * The download a verification needs: shared with one in flight, refused without a request while the
   * last download failed less than `cooldown` ago (so an endpoint that is down is not requested, nor its
   * timeout waited for, by every verification), otherwise started.
   */
  #refresh(): Promise<void> {
    if (this.#pending === undefined && this.#failure !== undefined && this.#failureCoolingDown) {
      return Promise.reject(this.#backingOff(this.#failure));
    }
    return this.reload();
  }

  async #download(): Promise<void> {
    let keySet: LocalJWKSet;
    try {
      const json = await fetchJwks(this.url, this.#request);
      const jose = await loadJose();
      try {
        keySet = jose.createLocalJWKSet(json);
      } catch (cause) {
        throw new JwksFetchError(this.url, 'the response is not a usable JSON Web Key Set', { cause });
      }
    } catch (error) {
      // Only the endpoint's failures start the failure cooldown (every error fetchJwks throws is one);
      // jose failing to load says nothing about the endpoint.
      if (error instanceof JwksFetchError) {
        this.#failedAt = Date.now();
        this.#failure = error;
      }
      throw error;
    }
    this.#keySet = keySet;
    this.#selected.clear();
    this.#fetchedAt = Date.now();
    this.#failure = undefined;
  }

  #backingOff(failure: JwksFetchError): JwksFetchError {
    const prefix = `JWKS ${this.url}: `;
    const reason = failure.message.startsWith(prefix) ? failure.message.slice(prefix.length) : failure.message;
    return new JwksFetchError(
      this.url,
      `not downloaded again: the last download, ${Math.max(0, Date.now() - this.#failedAt)} ms ago, failed and is retried no sooner than ${this.#cooldown} ms after it (cooldown); it failed with: ${reason}`,
      { status: failure.status, cause: failure },
    );
  }

  async #resolve(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    // Keys past cacheMaxAge are never used, even when downloading them again fails: the issuer may have
    // withdrawn one, and making its endpoint fail must not keep such a key alive.
    if (this.#keySet === undefined || !this.fresh) await this.#refresh();
    try {
      return await this.#lookUp(header, token);
    } catch (error) {
      if (!isNoMatchingKey(error)) throw error;
      // An unknown kid after the cooldown: the issuer may have rotated its keys, so download them again.
      // (Within the cooldown of a failed download, #refresh refuses without a request.)
      if (Date.now() - this.#fetchedAt < this.#cooldown) throw this.#keyNotFound(header, false);
    }
    await this.#refresh();
    try {
      return await this.#lookUp(header, token);
    } catch (error) {
      throw isNoMatchingKey(error) ? this.#keyNotFound(header, true) : error;
    }
  }

  async #lookUp(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    const keySet = this.#keySet as LocalJWKSet;
    try {
      const key = await keySet(header, token);
      // A reload may have replaced the key set meanwhile: remember only what the current one selected.
      return keySet === this.#keySet ? this.#selected.remember(header, token, key) : key;
    } catch (error) {
      if (isKeySelectionOutcome(error)) throw error;
      throw new JwksFetchError(this.url, `the key set has a key for this token that cannot be imported`, { cause: error });
    }
  }

  #keyNotFound(header: JWSHeaderParameters, refetched: boolean): IdTokenValidationError {
    const kid = typeof header.kid === 'string' ? `kid ${JSON.stringify(header.kid.slice(0, 100))}` : 'no kid';
    return new IdTokenValidationError(
      'ERR_ID_TOKEN_KEY_NOT_FOUND',
      refetched
        ? `no ${String(header.alg)} key with ${kid} in the JWKS at ${this.url}, even after downloading it again; the token was not signed by this issuer's current keys`
        : `no ${String(header.alg)} key with ${kid} in the JWKS at ${this.url}, which was downloaded less than ${this.#cooldown} ms ago; retry after the cooldown if the issuer has just rotated its keys`,
    );
  }
}

/**
 * Creates a cached, rotation-aware view of the JSON Web Key Set at `url`, to pass as `jwks` to
 * {@link verifyIdToken}. Create it once per issuer (per client) and reuse it: the keys are downloaded at
 * the first verification, reused for `cacheMaxAge`, and downloaded again early when a token names a `kid`
 * the cached set lacks (at most once per `cooldown`), so key rotation works without a restart. Concurrent
 * verifications share one download; each download is bounded by `timeout` and `maxResponseSize`, and an
 * unusable endpoint fails with `JwksFetchError` (`ERR_JWKS_FETCH`).
 *
 * After a failed download, verifications do not download again for `cooldown`: those that need keys the
 * cache cannot give fail at once with `JwksFetchError` (same `status`, the failure as `cause`), and the
 * first one after the cooldown tries again. Meanwhile the previously downloaded keys keep verifying tokens
 * while they are under `cacheMaxAge` old, and not after. `reload()` ignores the cooldown. Creating it does
 * no I/O and does not load jose.
 *
 * @example
 * ```ts
 * import { createRemoteJwks, verifyIdToken } from '@x/jwt';
 *
 * const jwks = createRemoteJwks('https://issuer.example/.well-known/jwks.json', { fetch: myFetch });
 * const claims = await verifyIdToken(idToken, { issuer: 'https://issuer.example', audience: clientId, jwks, nonce });
 * ```
 */
export function createRemoteJwks(url: string | URL, options?: RemoteJwksOptions): RemoteJwks {
  return new RemoteJwks(url, options);
}

/** The key source of a RemoteJwks created by this copy of the package, or `undefined` for anything else. */
export function remoteKeySource(jwks: unknown): KeySource | undefined {
  return typeof jwks === 'object' && jwks !== null ? keySources.get(jwks as RemoteJwks) : undefined;
}
