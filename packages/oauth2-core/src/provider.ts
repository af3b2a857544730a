import { InvalidArgumentError } from './errors.js';
import type { ServerErrorDetails } from './errors.js';

/** How the client proves its identity at the token, revocation and introspection endpoints. */
export type TokenEndpointAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'none'
  | 'private_key_jwt'
  | 'client_secret_jwt';

/** The endpoints of an authorization server. Absent ones make the matching operations unavailable. */
export interface ProviderEndpoints {
  authorization?: string;
  token: string;
  revocation?: string;
  introspection?: string;
  userinfo?: string;
  deviceAuthorization?: string;
  endSession?: string;
  jwks?: string;
}

/** What a preset's hooks learn about the response they look at. */
export interface ResponseContext {
  /** `token`, `revocation`, `introspection`, `userinfo`, `deviceAuthorization`... */
  endpoint: string;
  /** The HTTP status of the response. */
  status: number;
  /** For token responses: the grant that was requested. */
  grantType?: string;
}

/** What a preset returns from {@link ProviderQuirks.mapServerError} to complete a server error. */
export interface ServerErrorMapping extends Partial<ServerErrorDetails> {
  /** The status to report when the provider puts its own (e.g. Aliyun's `http_code`) in the body. */
  status?: number;
}

/** Where a provider departs from the specifications, as data and small hooks. */
export interface ProviderQuirks {
  /** Separator of scope values in requests and in the `scope` response field. Default `' '`. */
  scopeSeparator: string;
  /**
   * How `client_secret_basic` encodes the id and secret: `form-urlencoded` as RFC 6749 §2.3.1 requires
   * (default), or `plain` for servers that do not decode them.
   */
  basicAuthEncoding: 'form-urlencoded' | 'plain';
  /** Whether the provider echoes a `nonce` in ID tokens. Default `true`. */
  supportsNonce: boolean;
  /**
   * Whether every authorization response carries `iss` (RFC 9207; discovery sets it from
   * `authorization_response_iss_parameter_supported`). A callback without one is then refused, which is
   * what stops a mix-up attack. Default `false`.
   */
  requireIssParameter: boolean;
  /** Parameters added to every authorization URL (callers' parameters win). */
  authorizationParams: Readonly<Record<string, string>>;
  /** ID-token signing algorithms to accept. Default: those of `@x/jwt`. */
  idTokenSigningAlgorithms?: readonly string[];
  /** Rewrites a parsed success body before validation, e.g. to rename fields. */
  normalizeTokenResponse?: (body: Record<string, unknown>, context: ResponseContext) => Record<string, unknown>;
  /** Extracts provider-specific details (request ids, a status in the body) from an error body. */
  mapServerError?: (body: Record<string, unknown>, context: ResponseContext) => ServerErrorMapping | undefined;
}

/** An authorization server as the client sees it: made by {@link defineProvider}, a preset package or `discover()`. */
export interface ProviderPreset {
  readonly name: string;
  /** The issuer identifier; needed to verify ID tokens and RFC 9207 `iss` callback parameters. */
  readonly issuer?: string;
  readonly endpoints: Readonly<ProviderEndpoints>;
  /** The client authentication method used when the client has a secret and chose none. */
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly quirks: Readonly<ProviderQuirks>;
}

/** The input of {@link defineProvider}: everything but `name` and `endpoints.token` is optional. */
export interface ProviderDefinition {
  name: string;
  issuer?: string;
  endpoints: ProviderEndpoints;
  /** Default `client_secret_basic`, the method every RFC 6749 server must support. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  quirks?: Partial<ProviderQuirks>;
}

const endpointNames = [
  'authorization',
  'token',
  'revocation',
  'introspection',
  'userinfo',
  'deviceAuthorization',
  'endSession',
  'jwks',
] as const satisfies readonly (keyof ProviderEndpoints)[];

/**
 * Describes an authorization server. Endpoint URLs are validated (absolute http(s) URLs) once, here.
 *
 * @example
 * ```ts
 * const github = defineProvider({
 *   name: 'github',
 *   endpoints: {
 *     authorization: 'https://github.com/login/oauth/authorize',
 *     token: 'https://github.com/login/oauth/access_token',
 *   },
 *   tokenEndpointAuthMethod: 'client_secret_post',
 * });
 * ```
 */
export function defineProvider(definition: ProviderDefinition): ProviderPreset {
  if (typeof definition?.name !== 'string' || definition.name === '') {
    throw new InvalidArgumentError('name', 'a provider needs a non-empty name');
  }
  if (typeof definition.endpoints !== 'object' || definition.endpoints === null) {
    throw new InvalidArgumentError('endpoints', 'a provider needs its endpoints, at least `token`');
  }
  const endpoints: ProviderEndpoints = { token: checkUrl('endpoints.token', definition.endpoints.token) };
  for (const name of endpointNames) {
    const value = definition.endpoints[name];
    if (value !== undefined) endpoints[name] = checkUrl(`endpoints.${name}`, value);
  }
  if (definition.issuer !== undefined) checkUrl('issuer', definition.issuer);
  const quirks: ProviderQuirks = {
    scopeSeparator: ' ',
    basicAuthEncoding: 'form-urlencoded',
    supportsNonce: true,
    requireIssParameter: false,
    authorizationParams: {},
    ...definition.quirks,
  };
  return Object.freeze({
    name: definition.name,
    ...(definition.issuer === undefined ? {} : { issuer: definition.issuer }),
    endpoints: Object.freeze(endpoints),
    tokenEndpointAuthMethod: definition.tokenEndpointAuthMethod ?? 'client_secret_basic',
    quirks: Object.freeze(quirks),
  });
}

function checkUrl(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(name, 'must be an absolute http(s) URL string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(name, `"${value}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidArgumentError(name, `"${value}" must use https (or http for local development)`);
  }
  return value;
}
