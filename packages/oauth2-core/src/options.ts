import { InvalidArgumentError } from './errors.js';
import { checkPrivateKey } from './http/client-auth.js';
import type { ClientAuthentication, ClientPrivateKey } from './http/client-auth.js';
import type { RetryOptions } from './http/transport.js';
import type { ProviderPreset, TokenEndpointAuthMethod } from './provider.js';

/** The options of {@link createClient}. Only `clientId` is required. */
export interface ClientOptions {
  clientId: string;
  /** Without a secret (and without `privateKey`) the client is public: auth method `none`. */
  clientSecret?: string;
  /** Default redirect URI of the code flow. Absolute; compared exactly by the server. */
  redirectUri?: string;
  /** Default scope of the code flow, device flow and client credentials. */
  scope?: string | readonly string[];
  /** Default: `private_key_jwt` with a `privateKey`, the provider's method with a secret, else `none`. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** The private key for `private_key_jwt`: a `CryptoKey` or a private JWK (its `kid` and `alg` are used). */
  privateKey?: ClientPrivateKey;
  /** A fetch implementation, e.g. `createNodeFetch()` from `@x/oauth2-core/node`. Default: global fetch. */
  fetch?: typeof fetch;
  /** Time allowed for each call (connection, retries and body), in ms. Default 10 000. */
  timeout?: number;
  /** Response bodies larger than this are refused. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Retries of idempotent-safe calls on network errors, 429 and 503; `false` disables them. */
  retry?: RetryOptions | false;
  /** Allowed clock skew for ID-token time claims, in seconds. Default 5. */
  clockTolerance?: number;
  /**
   * Caching of the provider's JWKS, in ms: keys are reused for `cacheMaxAge` (default 10 minutes), and a
   * token with an unknown `kid` triggers a new download at most once per `cooldown` (default 30 s), which
   * bounds the requests that tokens with made-up key ids can cause.
   */
  jwksCache?: { cacheMaxAge?: number; cooldown?: number };
  /** Headers sent with every request, e.g. a `user-agent`. */
  headers?: Record<string, string>;
}

/** Options after validation and defaults. */
export interface ResolvedOptions {
  clientId: string;
  clientSecret: string | undefined;
  redirectUri: string | undefined;
  scope: string | readonly string[] | undefined;
  timeout: number;
  maxResponseBytes: number;
  retry: RetryOptions | false;
  clockTolerance: number;
  jwksCache: { cacheMaxAge?: number; cooldown?: number };
  auth: ClientAuthentication;
}

const authMethods: readonly TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'none',
  'private_key_jwt',
  'client_secret_jwt',
];

/** Validates the options with messages that say how to fix them, and applies the defaults. */
export function resolveOptions(provider: ProviderPreset, options: ClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'createClient needs an options object with at least clientId');
  const { clientId, clientSecret, privateKey } = options;
  if (typeof clientId !== 'string' || clientId === '') throw new InvalidArgumentError('clientId', 'is required (the client id the provider registered)');
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === '')) {
    throw new InvalidArgumentError('clientSecret', 'must be a non-empty string when given; omit it for a public client');
  }
  if (options.redirectUri !== undefined) checkRedirectUri(options.redirectUri, 'redirectUri');

  const method = options.tokenEndpointAuthMethod ?? (privateKey !== undefined ? 'private_key_jwt' : clientSecret !== undefined ? provider.tokenEndpointAuthMethod : 'none');
  if (!authMethods.includes(method)) throw new InvalidArgumentError('tokenEndpointAuthMethod', `"${String(method)}" is not one of ${authMethods.join(', ')}`);
  if (method.startsWith('client_secret') && clientSecret === undefined) throw new InvalidArgumentError('clientSecret', `is required by ${method}`);
  // A public key, a symmetric JWK or a key without its private part is refused here, at once, rather
  // than with a TypeError from the first request.
  if (method === 'private_key_jwt') checkPrivateKey(privateKey);

  const timeout = options.timeout ?? 10_000;
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 2_147_483_647) throw new InvalidArgumentError('timeout', 'must be a positive number of milliseconds');
  const maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes <= 0) throw new InvalidArgumentError('maxResponseBytes', 'must be a positive integer');
  const clockTolerance = options.clockTolerance ?? 5;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) throw new InvalidArgumentError('clockTolerance', 'must be a non-negative number of seconds');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new InvalidArgumentError('fetch', 'must be a fetch-compatible function');

  return {
    clientId,
    clientSecret,
    redirectUri: options.redirectUri,
    scope: options.scope,
    timeout,
    maxResponseBytes,
    retry: options.retry ?? {},
    clockTolerance,
    jwksCache: options.jwksCache ?? {},
    auth: {
      clientId,
      method,
      basicAuthEncoding: provider.quirks.basicAuthEncoding,
      assertionAudience: provider.issuer ?? provider.endpoints.token,
      ...(clientSecret === undefined ? {} : { clientSecret }),
      ...(privateKey === undefined ? {} : { privateKey }),
    },
  };
}

/**
 * RFC 9700 §2.1 wants redirect URIs compared exactly, so they must be complete: absolute, no fragment.
 */
export function checkRedirectUri(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(name, 'must be an absolute URL string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(name, `"${value}" is not an absolute URL (relative redirect URIs cannot be matched exactly)`);
  }
  if (url.hash !== '') throw new InvalidArgumentError(name, 'must not contain a fragment (RFC 6749 §3.1.2)');
  return value;
}
