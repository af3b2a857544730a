import { InvalidArgumentError, OAuth2AbortError, OAuth2ResponseError, OAuth2ServerError, OAuth2TimeoutError } from '../errors.js';
import { createHttpClient } from '../http/transport.js';
import type { HttpClient } from '../http/transport.js';
import { parseJsonObject, stringField } from '../http/response.js';
import type { JsonObject } from '../http/response.js';
import { log } from '../log.js';
import { defineProvider } from '../provider.js';
import type { ProviderPreset, ProviderQuirks, TokenEndpointAuthMethod } from '../provider.js';

/** Options of {@link discover}. */
export interface DiscoveryOptions {
  /** A fetch implementation. Default: global fetch. Metadata is cached per issuer and fetch function. */
  fetch?: typeof fetch;
  /** Time this call allows, in ms. Default 10 000. */
  timeout?: number;
  /** Cancels this call only: a download other calls are waiting for goes on for them. */
  signal?: AbortSignal;
  /** A name for the preset. Default: the issuer's host. */
  name?: string;
  /** Quirks to add to the discovered preset. */
  quirks?: Partial<ProviderQuirks>;
  /** Download the metadata again instead of using the cached copy. */
  refresh?: boolean;
}

/** The server metadata fields the client uses (OpenID Connect Discovery 1.0 §3, RFC 8414 §2). */
export interface AuthorizationServerMetadata extends JsonObject {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint: string;
}

/** A cached metadata document, or the download of one. */
interface CacheEntry {
  metadata: Promise<AuthorizationServerMetadata>;
  /** Epoch ms after which the document is downloaded again; `Infinity` while the download runs. */
  staleAt: number;
  /** The preset of calls without `name` or `quirks`, made once: they all get the same object. */
  plainPreset?: ProviderPreset;
}

/** Metadata is kept this long, then downloaded again (keys and endpoints do move). */
const cacheTtl = 60 * 60 * 1000;
/** At most this many issuers are remembered, the least recently used going first. */
const cacheMaxEntries = 100;
const defaultTimeout = 10_000;

const cache = new Map<string, CacheEntry>();
const fetchIds = new WeakMap<typeof fetch, number>();
let lastFetchId = 0;

/** A cache key per issuer and fetch function: another transport may well see another document. */
function cacheKey(issuer: string, fetchFunction: typeof fetch | undefined): string {
  if (fetchFunction === undefined) return `0 ${issuer}`;
  let id = fetchIds.get(fetchFunction);
  if (id === undefined) {
    id = ++lastFetchId;
    fetchIds.set(fetchFunction, id);
  }
  return `${id} ${issuer}`;
}

/** The cached entry when it is fresh (or still downloading), else a new download, which is cached. */
function cacheEntry(key: string, download: () => Promise<AuthorizationServerMetadata>, refresh: boolean): CacheEntry {
  const existing = cache.get(key);
  // A download under way is as fresh as it gets, even for `refresh`.
  if (existing !== undefined && (existing.staleAt === Infinity || (!refresh && existing.staleAt > Date.now()))) {
    cache.delete(key);
    cache.set(key, existing);
    return existing;
  }
  const entry: CacheEntry = { metadata: download(), staleAt: Infinity };
  cache.delete(key);
  cache.set(key, entry);
  while (cache.size > cacheMaxEntries) cache.delete(cache.keys().next().value!);
  entry.metadata.then(
    () => {
      entry.staleAt = Date.now() + cacheTtl;
    },
    () => {
      // A failure is not remembered: the next call tries again.
      if (cache.get(key) === entry) cache.delete(key);
    },
  );
  return entry;
}

/**
 * Builds a provider preset from the issuer's metadata: OpenID Connect Discovery first
 * (`/.well-known/openid-configuration`), then RFC 8414 (`/.well-known/oauth-authorization-server`). The
 * document's `issuer` must equal the one asked for (OpenID Connect Discovery §4.3), which stops a
 * compromised or mistyped metadata URL from redirecting the whole flow.
 *
 * The metadata is cached per issuer and `fetch` function for an hour (100 issuers at most), and
 * concurrent calls share one download. What is shared is only the document: each call builds its own
 * preset from its `name` and `quirks`, and its `signal` and `timeout` bound its own wait, never another
 * call's. The download itself runs without any caller's signal, within the timeout of the call that
 * started it; a call allowing more time tries again with what it has left when that runs out.
 *
 * @example
 * ```ts
 * const provider = await discover('https://accounts.example.com');
 * const client = createClient(provider, { clientId, clientSecret, redirectUri });
 * ```
 */
export function discover(issuer: string, options: DiscoveryOptions = {}): Promise<ProviderPreset> {
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    return Promise.reject(new InvalidArgumentError('issuer', `"${String(issuer)}" is not an absolute URL`));
  }
  if (issuerUrl.search !== '' || issuerUrl.hash !== '') {
    return Promise.reject(new InvalidArgumentError('issuer', 'an issuer identifier has no query or fragment'));
  }
  const timeout = options.timeout ?? defaultTimeout;
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 2_147_483_647) {
    return Promise.reject(new InvalidArgumentError('timeout', 'must be a positive number of milliseconds'));
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    return Promise.reject(new InvalidArgumentError('fetch', 'must be a fetch-compatible function'));
  }
  return discoverWithin(issuer, issuerUrl, options, timeout);
}

async function discoverWithin(issuer: string, issuerUrl: URL, options: DiscoveryOptions, timeout: number): Promise<ProviderPreset> {
  const started = Date.now();
  const key = cacheKey(issuer, options.fetch);
  const download = (ms: number) => () => load(issuer, issuerUrl, options.fetch, ms);
  let entry = cacheEntry(key, download(timeout), options.refresh === true);
  let metadata: AuthorizationServerMetadata;
  try {
    metadata = await waitForCaller(entry.metadata, options.signal, timeout, timeout);
  } catch (error) {
    // The download was started by a call with a shorter timeout and ran out of it: this call has time left.
    const left = timeout - (Date.now() - started);
    if (!(error instanceof OAuth2TimeoutError) || error.timeout >= timeout || left < 1) throw error;
    entry = cacheEntry(key, download(left), false);
    metadata = await waitForCaller(entry.metadata, options.signal, left, timeout);
  }
  if (options.name === undefined && options.quirks === undefined) return (entry.plainPreset ??= presetFromMetadata(metadata));
  return presetFromMetadata(metadata, options);
}

/** Waits for a shared download within one caller's own signal and time, leaving the download alone. */
function waitForCaller<T>(shared: Promise<T>, signal: AbortSignal | undefined, ms: number, timeout: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(new OAuth2AbortError('discovery', { cause: signal.reason }));
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const onAbort = () => finish(() => reject(new OAuth2AbortError('discovery', { cause: signal?.reason })));
    const timer = setTimeout(() => finish(() => reject(new OAuth2TimeoutError({ endpoint: 'discovery', timeout }))), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    shared.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

async function load(issuer: string, issuerUrl: URL, fetchFunction: typeof fetch | undefined, timeout: number): Promise<AuthorizationServerMetadata> {
  const http = createHttpClient({
    ...(fetchFunction ? { fetch: fetchFunction } : {}),
    timeout,
    maxResponseBytes: 512 * 1024,
    retry: {},
  });
  const path = issuerUrl.pathname.replace(/\/$/, '');
  const candidates = [
    `${issuerUrl.origin}${path}/.well-known/openid-configuration`,
    `${issuerUrl.origin}/.well-known/oauth-authorization-server${path}`,
  ];
  let lastError: unknown;
  for (const url of candidates) {
    try {
      const metadata = await fetchMetadata(http, url);
      if (metadata.issuer !== issuer) {
        throw new OAuth2ResponseError({
          status: 200,
          endpoint: 'discovery',
          reason: `the document's issuer "${String(metadata.issuer)}" differs from the requested "${issuer}"`,
        });
      }
      log.discovery('discovered %s from %s', issuer, url);
      // Checked now, so that an unusable document fails the download and is not cached.
      presetFromMetadata(metadata);
      return metadata;
    } catch (error) {
      lastError = error;
      // Only a missing document sends us to the next well-known location.
      if (!(error instanceof OAuth2ResponseError || error instanceof OAuth2ServerError) || !isNotFound(error)) throw error;
    }
  }
  throw lastError;
}

function isNotFound(error: OAuth2ResponseError | OAuth2ServerError): boolean {
  return error.status === 404 || error.status === 400 || error.status === 405;
}

async function fetchMetadata(http: HttpClient, url: string): Promise<AuthorizationServerMetadata> {
  const result = await http.send({ endpoint: 'discovery', url, method: 'GET', idempotent: true });
  if (result.status < 200 || result.status >= 300) {
    throw new OAuth2ResponseError({ status: result.status, endpoint: 'discovery', reason: `no metadata at ${url}` });
  }
  const body = parseJsonObject(result, 'discovery');
  if (typeof body.issuer !== 'string' || typeof body.token_endpoint !== 'string') {
    throw new OAuth2ResponseError({ status: result.status, endpoint: 'discovery', reason: 'the metadata lacks issuer or token_endpoint' });
  }
  return body as AuthorizationServerMetadata;
}

/**
 * Turns metadata into a preset; usable directly with a metadata document obtained another way. A server
 * that says `authorization_response_iss_parameter_supported` gets the `requireIssParameter` quirk: a
 * callback without `iss` is then refused (RFC 9207 §2.4), unless the caller's `quirks` say otherwise.
 */
export function presetFromMetadata(metadata: AuthorizationServerMetadata, options: Pick<DiscoveryOptions, 'name' | 'quirks'> = {}): ProviderPreset {
  const endpoint = (name: string) => stringField(metadata, name);
  const authMethods = Array.isArray(metadata.token_endpoint_auth_methods_supported)
    ? (metadata.token_endpoint_auth_methods_supported as unknown[])
    : ['client_secret_basic'];
  // RFC 8414 §2: absent means client_secret_basic only. For clients with a secret, prefer the methods
  // that use it as it is, in this order.
  const secretMethods: TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'];
  const tokenEndpointAuthMethod = secretMethods.find((method) => authMethods.includes(method)) ?? 'client_secret_basic';
  const algorithms = Array.isArray(metadata.id_token_signing_alg_values_supported)
    ? (metadata.id_token_signing_alg_values_supported as unknown[]).filter((alg): alg is string => typeof alg === 'string' && alg !== 'none')
    : undefined;
  const endpoints = {
    token: metadata.token_endpoint,
    authorization: endpoint('authorization_endpoint'),
    revocation: endpoint('revocation_endpoint'),
    introspection: endpoint('introspection_endpoint'),
    userinfo: endpoint('userinfo_endpoint'),
    deviceAuthorization: endpoint('device_authorization_endpoint'),
    endSession: endpoint('end_session_endpoint'),
    jwks: endpoint('jwks_uri'),
  };
  if (typeof metadata?.issuer !== 'string' || !URL.canParse(metadata.issuer)) {
    throw new InvalidArgumentError('metadata.issuer', 'must be the absolute URL of the issuer');
  }
  return defineProvider({
    name: options.name ?? new URL(metadata.issuer).host,
    issuer: metadata.issuer,
    endpoints: Object.fromEntries(Object.entries(endpoints).filter(([, value]) => value !== undefined)) as typeof endpoints,
    tokenEndpointAuthMethod,
    quirks: {
      ...(algorithms && algorithms.length > 0 ? { idTokenSigningAlgorithms: algorithms } : {}),
      ...(metadata.authorization_response_iss_parameter_supported === true ? { requireIssParameter: true } : {}),
      ...options.quirks,
    },
  });
}
