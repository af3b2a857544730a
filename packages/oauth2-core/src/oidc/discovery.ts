import { InvalidArgumentError, OAuth2ResponseError, OAuth2ServerError } from '../errors.js';
import { createHttpClient } from '../http/transport.js';
import type { HttpClient } from '../http/transport.js';
import { parseJsonObject, stringField } from '../http/response.js';
import type { JsonObject } from '../http/response.js';
import { log } from '../log.js';
import { defineProvider } from '../provider.js';
import type { ProviderPreset, ProviderQuirks, TokenEndpointAuthMethod } from '../provider.js';

/** Options of {@link discover}. */
export interface DiscoveryOptions {
  /** A fetch implementation. Default: global fetch. */
  fetch?: typeof fetch;
  /** Time allowed, in ms. Default 10 000. */
  timeout?: number;
  signal?: AbortSignal;
  /** A name for the preset. Default: the issuer's host. */
  name?: string;
  /** Quirks to add to the discovered preset. */
  quirks?: Partial<ProviderQuirks>;
  /** Bypass the per-issuer cache. */
  refresh?: boolean;
}

/** The server metadata fields the client uses (OpenID Connect Discovery 1.0 §3, RFC 8414 §2). */
export interface AuthorizationServerMetadata extends JsonObject {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint: string;
}

const cache = new Map<string, Promise<ProviderPreset>>();

/**
 * Builds a provider preset from the issuer's metadata: OpenID Connect Discovery first
 * (`/.well-known/openid-configuration`), then RFC 8414 (`/.well-known/oauth-authorization-server`). The
 * document's `issuer` must equal the one asked for (OpenID Connect Discovery §4.3), which stops a
 * compromised or mistyped metadata URL from redirecting the whole flow. Results are cached per issuer.
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
  const key = issuer;
  const cached = options.refresh ? undefined : cache.get(key);
  if (cached !== undefined) return cached;
  const pending = load(issuer, issuerUrl, options);
  cache.set(key, pending);
  // A failure is not remembered: the next call tries again.
  pending.catch(() => cache.delete(key));
  return pending;
}

async function load(issuer: string, issuerUrl: URL, options: DiscoveryOptions): Promise<ProviderPreset> {
  const http = createHttpClient({
    ...(options.fetch ? { fetch: options.fetch } : {}),
    timeout: options.timeout ?? 10_000,
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
      const metadata = await fetchMetadata(http, url, options.signal);
      if (metadata.issuer !== issuer) {
        throw new OAuth2ResponseError({
          status: 200,
          endpoint: 'discovery',
          reason: `the document's issuer "${String(metadata.issuer)}" differs from the requested "${issuer}"`,
        });
      }
      log.discovery('discovered %s from %s', issuer, url);
      return presetFromMetadata(metadata, options);
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

async function fetchMetadata(http: HttpClient, url: string, signal: AbortSignal | undefined): Promise<AuthorizationServerMetadata> {
  const result = await http.send({ endpoint: 'discovery', url, method: 'GET', idempotent: true, ...(signal ? { signal } : {}) });
  if (result.status < 200 || result.status >= 300) {
    throw new OAuth2ResponseError({ status: result.status, endpoint: 'discovery', reason: `no metadata at ${url}` });
  }
  const body = parseJsonObject(result, 'discovery');
  if (typeof body.issuer !== 'string' || typeof body.token_endpoint !== 'string') {
    throw new OAuth2ResponseError({ status: result.status, endpoint: 'discovery', reason: 'the metadata lacks issuer or token_endpoint' });
  }
  return body as AuthorizationServerMetadata;
}

/** Turns metadata into a preset; usable directly with a metadata document obtained another way. */
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
    quirks: { ...(algorithms && algorithms.length > 0 ? { idTokenSigningAlgorithms: algorithms } : {}), ...options.quirks },
  });
}
