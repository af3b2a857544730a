/**
 * A real OpenID Connect provider (panva's `oidc-provider` 9) on 127.0.0.1 for integration tests, with the
 * end-user side (login, consent, device code entry, logout) scripted over HTTP — no browser.
 *
 * ```ts
 * const op = await startOidcProvider();
 * const { url, state, codeVerifier } = await client.authorizationCode.createAuthorizationRequest();
 * const callbackUrl = await op.authorize(url);            // logs the test user in and consents
 * const token = await client.authorizationCode.handleCallback(callbackUrl, { state, codeVerifier });
 * await op.close();
 * ```
 *
 * Configuration facts worth knowing (all verified against oidc-provider 9.13 sources):
 * - The authorization response carries `iss` (RFC 9207) for `response_type=code` with the query/fragment/form_post
 *   modes; it is left out when an ID token is in the response or a JARM mode is used.
 * - Refresh tokens: oidc-provider's default only issues one when `offline_access` is granted, and it silently
 *   drops `offline_access` from an authorization request unless `prompt=consent` is also sent. This harness
 *   defaults to `refreshTokens: 'always'` (any client allowed the `refresh_token` grant gets one); pass
 *   `refreshTokens: 'offline_access'` for the library's behaviour. Rotation is on (`rotateRefreshToken: true`):
 *   each refresh returns a new refresh token, and replaying a used one fails with `invalid_grant` and revokes
 *   the whole grant (reuse detection). Tokens of a grant without `offline_access` expire with the end-user's
 *   session (oidc-provider's `expiresWithSession` default), so {@link OidcProviderHarness.endSession} revokes them.
 * - `client_credentials` tokens are opaque and introspectable. The API scopes (`api:read`, `api:write`) are
 *   registered as provider scopes, so they are granted with or without a `resource` parameter. With
 *   `resource=urn:x:api` the token is opaque and audience-bound; with `resource=urn:x:api:jwt` it is an RS256
 *   JWT (RFC 9068) — which the introspection endpoint refuses (`unsupported_token_type`), by design.
 * - ID tokens from the token endpoint only carry `sub` plus protocol claims (`conformIdTokenClaims`); profile
 *   and email claims come from the userinfo endpoint.
 * - The server runs in the test process and reads its clock with `Date.now()`: faking `Date` fakes it too.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

import {
  Browser,
  describeError,
  escapeHtml,
  excerpt,
  isRedirect,
  parseForms,
  readBody,
  redirectTarget,
  sendJson,
  startHttpServer,
  type RecordedRequest,
} from './http.js';

// ---------------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------------

/** Client authentication methods oidc-provider supports at the token endpoint. */
export type TokenEndpointAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'none';

/** Raw OIDC client metadata as oidc-provider takes it (RFC 7591 / OIDC Registration names). */
export interface ClientMetadata {
  client_id: string;
  client_secret?: string;
  client_name?: string;
  token_endpoint_auth_method?: TokenEndpointAuthMethod;
  token_endpoint_auth_signing_alg?: string;
  grant_types?: string[];
  response_types?: string[];
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  application_type?: 'web' | 'native';
  scope?: string;
  id_token_signed_response_alg?: string;
  jwks?: { keys: JWK[] };
  [metadata: string]: unknown;
}

/** A registered test client, described in the terms our client library uses. */
export interface OidcTestClient {
  readonly clientId: string;
  /** Absent for public clients and for `private_key_jwt`. */
  readonly clientSecret?: string;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** The registered redirect URI (nothing listens there: read the `Location` header instead). */
  readonly redirectUri?: string;
  readonly postLogoutRedirectUri?: string;
  readonly grantTypes: readonly string[];
}

/** The `private_key_jwt` client, with its key pair (RS256). The provider knows the public key. */
export interface OidcPrivateKeyJwtClient extends OidcTestClient {
  readonly tokenEndpointAuthMethod: 'private_key_jwt';
  /** Signing algorithm the provider expects for client assertions. */
  readonly alg: 'RS256';
  readonly kid: string;
  /** The private key as a WebCrypto key (RS256, extractable). */
  readonly privateKey: CryptoKey;
  /** The same private key as a JWK (with `kid`, `alg`, `use`). */
  readonly privateJwk: JWK;
  /** The registered public JWK. */
  readonly publicJwk: JWK;
}

/** The clients every harness registers. */
export interface OidcTestClients {
  /** Confidential web client, `client_secret_basic`: code (+PKCE optional), refresh, client_credentials, device. */
  readonly basic: OidcTestClient;
  /** Confidential web client, `client_secret_post`: code, refresh, client_credentials. */
  readonly post: OidcTestClient;
  /** Confidential web client, `client_secret_jwt` (HS256): code, refresh, client_credentials. */
  readonly secretJwt: OidcTestClient;
  /** Confidential web client, `private_key_jwt` (RS256): code, refresh, client_credentials. */
  readonly privateKeyJwt: OidcPrivateKeyJwtClient;
  /** Public web client (`none`): code with mandatory PKCE S256, refresh. */
  readonly public: OidcTestClient;
  /** Public device client (`none`): device_code, refresh. No redirect URI. */
  readonly device: OidcTestClient;
  /** Confidential machine client, `client_secret_basic`: client_credentials only. */
  readonly service: OidcTestClient;
}

/** A user of the provider: login credentials plus the claims userinfo returns. */
export interface TestAccount {
  /** Subject identifier (also the account id). */
  readonly sub: string;
  readonly username: string;
  readonly password: string;
  /** Claims besides `sub` (OIDC standard names), released per scope: `profile`, `email`. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Resource server description (oidc-provider `getResourceServerInfo` result). */
export interface ResourceServerInfo {
  /** Space-separated scopes this resource server accepts. */
  readonly scope: string;
  readonly audience?: string;
  /** Seconds. */
  readonly accessTokenTTL?: number;
  readonly accessTokenFormat?: 'opaque' | 'jwt';
  readonly jwt?: { readonly sign?: { readonly alg: string } };
}

/** Lifetimes in seconds of the provider's artefacts. */
export interface OidcProviderTtl {
  AccessToken: number;
  AuthorizationCode: number;
  ClientCredentials: number;
  DeviceCode: number;
  IdToken: number;
  RefreshToken: number;
  Interaction: number;
  Session: number;
  Grant: number;
}

/**
 * The oidc-provider configuration object this harness builds, handed to {@link OidcProviderOptions.configure}
 * before the provider is constructed. Keys are oidc-provider's; see its `lib/helpers/defaults.js`.
 */
export interface ProviderConfiguration {
  clients: ClientMetadata[];
  features: Record<string, Record<string, unknown>>;
  ttl: Record<string, number>;
  scopes: string[];
  claims: Record<string, string[] | null>;
  [key: string]: unknown;
}

/** Options for {@link startOidcProvider}. */
export interface OidcProviderOptions {
  /** Extra clients to register, next to the built-in ones. */
  clients?: ClientMetadata[];
  /** Extra accounts, next to {@link OIDC_TEST_USER}. */
  accounts?: TestAccount[];
  /** Override lifetimes (seconds). Defaults: access token 3600, code 60, client credentials 600, device 600, ID token 3600, refresh 14 days. */
  ttl?: Partial<OidcProviderTtl>;
  /** `'always'` (default): every client allowed the refresh_token grant gets one. `'offline_access'`: oidc-provider's default. */
  refreshTokens?: 'always' | 'offline_access';
  /** Rotate refresh tokens on every use (default true). */
  rotateRefreshToken?: boolean;
  /** `'public'` (default): PKCE required for public clients only. `'always'`: for every client. */
  pkce?: 'public' | 'always';
  /** Extra resource servers (resource indicator → info), next to `urn:x:api` and `urn:x:api:jwt`. */
  resourceServers?: Readonly<Record<string, ResourceServerInfo>>;
  /** Last-chance hook to change the raw oidc-provider configuration (called again on every key rotation). */
  configure?: (configuration: ProviderConfiguration) => void;
}

/** Endpoint URLs of the running provider. */
export interface OidcEndpoints {
  readonly discovery: string;
  readonly authorization: string;
  readonly token: string;
  readonly userinfo: string;
  readonly jwks: string;
  readonly introspection: string;
  readonly revocation: string;
  readonly deviceAuthorization: string;
  /** Where the user types the device user code (`verification_uri`). */
  readonly deviceVerification: string;
  readonly endSession: string;
  readonly pushedAuthorizationRequest: string;
}

/** How {@link OidcProviderHarness.authorize} plays the end-user. */
export interface AuthorizeOptions {
  /** Grant consent (default true). `false`: log in, then deny at the consent prompt → `error=access_denied`. */
  consent?: boolean;
  /** Credentials typed at the login prompt (default: {@link OIDC_TEST_USER}). */
  login?: { readonly username: string; readonly password: string };
  /**
   * The user agent to use. Default: a fresh {@link Browser} (no session). Pass the same browser to several calls
   * for SSO (a second authorization skips login), `prompt=none`, or {@link OidcProviderHarness.endSession}.
   */
  browser?: Browser;
}

/** How {@link OidcProviderHarness.approveDeviceCode} plays the end-user. */
export interface DeviceApprovalOptions {
  /** Grant consent (default true). `false`: the user logs in and denies at the consent prompt. */
  consent?: boolean;
  /** Credentials typed at the login prompt (default: {@link OIDC_TEST_USER}). */
  login?: { readonly username: string; readonly password: string };
  /** The user agent to use (default: a fresh {@link Browser}). */
  browser?: Browser;
}

/** Current signing key ids, by algorithm. */
export interface SigningKids {
  readonly RS256: string;
  readonly ES256: string;
}

/** A public JSON Web Key Set. */
export interface PublicJwks {
  keys: JWK[];
}

/** A running oidc-provider and the tools to drive it. */
export interface OidcProviderHarness {
  /** Issuer identifier, `http://127.0.0.1:<port>` (no trailing slash). */
  readonly issuer: string;
  readonly endpoints: OidcEndpoints;
  readonly clients: OidcTestClients;
  /** The default end-user. */
  readonly user: TestAccount;
  /** Every HTTP request the provider received (no bodies). Clear with `requests.length = 0`. */
  readonly requests: RecordedRequest[];
  /** Internal errors (HTTP 500s) the provider reported; each was also logged with `console.error`. */
  readonly serverErrors: Error[];
  /** The kids the provider signs ID tokens and JWT access tokens with right now. */
  readonly signingKids: SigningKids;
  /**
   * Plays the end-user for an authorization URL the client built: follows redirects with a cookie jar, logs in,
   * consents (or denies), and returns the final redirect to the client's redirect_uri as an absolute URL string
   * (`code`, `state`, `iss`, or `error`/`error_description`). Throws when the flow ends on a provider page (e.g.
   * an invalid `redirect_uri` or `client_id`, which the provider must not redirect), with the page's error.
   */
  authorize(authorizationUrl: string | URL, options?: AuthorizeOptions): Promise<string>;
  /** Shorthand for `authorize(url, { ...options, consent: false })`. */
  deny(authorizationUrl: string | URL, options?: Omit<AuthorizeOptions, 'consent'>): Promise<string>;
  /**
   * Plays the end-user of the device flow: opens the verification page, enters `userCode`, confirms, logs in and
   * consents. Afterwards the device's token poll succeeds. Throws if the provider rejects the code.
   */
  approveDeviceCode(userCode: string, options?: DeviceApprovalOptions): Promise<void>;
  /** Enters `userCode` and presses "Abort": the device's next poll fails with `access_denied`. */
  denyDeviceCode(userCode: string, options?: { browser?: Browser }): Promise<void>;
  /**
   * RP-initiated logout: opens the end-session URL the client built in `browser` (which holds the session from
   * an earlier {@link authorize}), confirms, and returns the final redirect (the `post_logout_redirect_uri` with
   * `state`, or the provider's logout success page when none was given).
   */
  endSession(endSessionUrl: string | URL, options: { browser: Browser }): Promise<string>;
  /**
   * Key rotation: generates new RS256 and ES256 signing keys and puts them first, so new ID tokens carry a kid
   * the client has not cached. The previous keys stay published unless `keepPrevious: false` (then tokens
   * signed before the rotation no longer verify). Returns the new kids.
   */
  rotateKeys(options?: { keepPrevious?: boolean }): Promise<SigningKids>;
  /** The JWKS the provider publishes right now (public keys only). */
  publicJwks(): PublicJwks;
  /** Stops the server and closes every socket. Idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Fixed test data
// ---------------------------------------------------------------------------------------------------------------

/** Redirect URI registered for every redirecting client. Nothing listens on port 1. */
export const OIDC_REDIRECT_URI = 'http://127.0.0.1:1/cb';
/** Post-logout redirect URI registered for every redirecting client. */
export const OIDC_POST_LOGOUT_REDIRECT_URI = 'http://127.0.0.1:1/logged-out';
/** Scopes the provider supports. `api:*` also exist on the `urn:x:api` resource servers. */
export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email', 'api:read', 'api:write'] as const;
/** Opaque-token resource server (accepts `api:read api:write`). */
export const OIDC_API_RESOURCE = 'urn:x:api';
/** JWT-access-token resource server (accepts `api:read api:write`). */
export const OIDC_JWT_API_RESOURCE = 'urn:x:api:jwt';

/** The default end-user. */
export const OIDC_TEST_USER: TestAccount = {
  sub: 'alice',
  username: 'alice',
  password: 'wonderland',
  claims: {
    name: 'Alice Liddell',
    given_name: 'Alice',
    family_name: 'Liddell',
    preferred_username: 'alice',
    email: 'alice@example.com',
    email_verified: true,
  },
};

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const CONFIDENTIAL_GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];

const DEFAULT_TTL: OidcProviderTtl = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  ClientCredentials: 600,
  DeviceCode: 600,
  IdToken: 3600,
  RefreshToken: 14 * 24 * 3600,
  Interaction: 3600,
  Session: 24 * 3600,
  Grant: 14 * 24 * 3600,
};

// ---------------------------------------------------------------------------------------------------------------
// oidc-provider typing (the package ships no types; only what this file uses is described)
// ---------------------------------------------------------------------------------------------------------------

interface ProviderClientView {
  readonly clientId: string;
  readonly clientAuthMethod: string;
  grantTypeAllowed(grantType: string): boolean;
}

interface ProviderTokenView {
  readonly clientId?: string;
  readonly scopes: Set<string>;
}

interface ProviderContext {
  body: unknown;
  type: string;
  status: number;
  readonly oidc: { readonly route: string; readonly client?: ProviderClientView };
}

interface InteractionPrompt {
  readonly name: string;
  readonly reasons: readonly string[];
  readonly details: Readonly<Record<string, unknown>>;
}

interface InteractionDetails {
  readonly uid: string;
  readonly prompt: InteractionPrompt;
  readonly params: Readonly<Record<string, unknown>>;
  readonly session?: { readonly accountId: string };
  readonly grantId?: string;
}

interface InteractionResults {
  login?: { accountId: string; amr?: string[] };
  consent?: { grantId?: string };
  error?: string;
  error_description?: string;
}

interface ProviderGrant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

interface ProviderGrantClass {
  new (properties: { accountId: string; clientId: string }): ProviderGrant;
  find(id: string): Promise<ProviderGrant | undefined>;
}

interface ProviderInstance {
  readonly issuer: string;
  readonly Grant: ProviderGrantClass;
  callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  urlFor(route: string): string;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: InteractionResults,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  on(event: 'server_error', listener: (ctx: unknown, error: Error) => void): unknown;
}

interface ProviderModule {
  readonly Provider: new (issuer: string, configuration: ProviderConfiguration) => ProviderInstance;
  readonly errors: {
    readonly InvalidTarget: new (description?: string) => Error;
    readonly InvalidRequest: new (description?: string) => Error;
  };
}

let providerModule: Promise<ProviderModule> | undefined;

/**
 * Loads oidc-provider once. On import it warns that Node 20 is not a supported runtime (it wants 22+); that
 * one known line is filtered out, nothing else is.
 */
function loadProviderModule(): Promise<ProviderModule> {
  providerModule ??= (async () => {
    const specifier: string = 'oidc-provider';
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
      warn(...args);
    };
    try {
      return (await import(/* @vite-ignore */ specifier)) as ProviderModule;
    } finally {
      console.warn = warn;
    }
  })();
  return providerModule;
}

// ---------------------------------------------------------------------------------------------------------------
// Storage: one in-memory adapter per harness (oidc-provider's own default is a process-wide LRU of 1000 entries)
// ---------------------------------------------------------------------------------------------------------------

type AdapterPayload = Record<string, unknown>;

interface StoredEntry {
  payload: AdapterPayload;
  /** Epoch ms after which the entry is gone; undefined: never. */
  expiresAt?: number;
}

/** Entries stay findable this long past their expiry, so the provider reports "expired" rather than "not found". */
const EXPIRY_GRACE_MS = 15_000;

class MemoryStore {
  readonly entries = new Map<string, StoredEntry>();
  readonly grants = new Map<string, Set<string>>();
  readonly userCodes = new Map<string, string>();
  readonly sessionUids = new Map<string, string>();
}

class MemoryAdapter {
  readonly #model: string;
  readonly #store: MemoryStore;

  constructor(model: string, store: MemoryStore) {
    this.#model = model;
    this.#store = store;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  #get(key: string): StoredEntry | undefined {
    const entry = this.#store.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt + EXPIRY_GRACE_MS <= Date.now()) {
      this.#store.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    this.#store.entries.set(key, {
      payload: structuredClone(payload),
      expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined,
    });
    const { grantId, userCode, uid } = payload;
    if (typeof grantId === 'string') {
      const members = this.#store.grants.get(grantId) ?? new Set<string>();
      members.add(key);
      this.#store.grants.set(grantId, members);
    }
    if (typeof userCode === 'string') this.#store.userCodes.set(userCode, id);
    if (this.#model === 'Session' && typeof uid === 'string') this.#store.sessionUids.set(uid, id);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const entry = this.#get(this.#key(id));
    return entry ? structuredClone(entry.payload) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = this.#store.userCodes.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.#store.sessionUids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const entry = this.#get(this.#key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#store.entries.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of this.#store.grants.get(grantId) ?? []) this.#store.entries.delete(key);
    this.#store.grants.delete(grantId);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------------------------

interface KeyPairJwks {
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
  readonly privateKey: CryptoKey;
  readonly kid: string;
}

async function generateJwkPair(alg: 'RS256' | 'ES256'): Promise<KeyPairJwks> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const decorate = (jwk: JWK): JWK => ({ ...jwk, kid, alg, use: 'sig' });
  return { privateJwk: decorate(await exportJWK(privateKey)), publicJwk: decorate(publicJwk), privateKey, kid };
}

function toPublicJwk(jwk: JWK): JWK {
  const { kty, kid, alg, use, crv, x, y, n, e } = jwk;
  return Object.fromEntries(
    Object.entries({ kty, kid, alg, use, crv, x, y, n, e }).filter(([, value]) => value !== undefined),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

function page(title: string, content: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${content}</body></html>`;
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function secretEquals(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}

function errorStatus(error: unknown): number {
  if (typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number') {
    return error.statusCode;
  }
  return 500;
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'error' in error && typeof error.error === 'string') {
    return error.error;
  }
  return 'server_error';
}

// ---------------------------------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------------------------------

/**
 * Starts oidc-provider on 127.0.0.1 (random port) with discovery, authorization code + PKCE, refresh tokens
 * with rotation, client credentials, device flow, introspection, revocation, userinfo, RP-initiated logout,
 * PAR, RS256 and ES256 signing keys, and the clients in {@link OidcTestClients}. Login and consent are
 * served as JSON endpoints under `/interaction/:uid` and driven by {@link OidcProviderHarness.authorize}.
 */
export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<OidcProviderHarness> {
  const [{ Provider, errors }, rsa, ec, clientKey] = await Promise.all([
    loadProviderModule(),
    generateJwkPair('RS256'),
    generateJwkPair('ES256'),
    generateJwkPair('RS256'),
  ]);

  const accounts = new Map<string, TestAccount>();
  for (const account of [OIDC_TEST_USER, ...(options.accounts ?? [])]) accounts.set(account.sub, account);

  const ttl: OidcProviderTtl = { ...DEFAULT_TTL, ...options.ttl };
  const resourceServers: Record<string, ResourceServerInfo> = {
    [OIDC_API_RESOURCE]: { scope: 'api:read api:write', audience: OIDC_API_RESOURCE, accessTokenFormat: 'opaque' },
    [OIDC_JWT_API_RESOURCE]: {
      scope: 'api:read api:write',
      audience: OIDC_JWT_API_RESOURCE,
      accessTokenFormat: 'jwt',
      jwt: { sign: { alg: 'RS256' } },
    },
    ...options.resourceServers,
  };

  const secret = (label: string) => `${label}-${randomBytes(24).toString('base64url')}`;
  const redirecting = {
    redirect_uris: [OIDC_REDIRECT_URI],
    post_logout_redirect_uris: [OIDC_POST_LOGOUT_REDIRECT_URI],
    response_types: ['code'],
  };
  const builtInClients: ClientMetadata[] = [
    {
      client_id: 'basic-client',
      client_secret: secret('basic'),
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [...CONFIDENTIAL_GRANTS, DEVICE_GRANT],
      ...redirecting,
    },
    {
      client_id: 'post-client',
      client_secret: secret('post'),
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: CONFIDENTIAL_GRANTS,
      ...redirecting,
    },
    {
      client_id: 'secret-jwt-client',
      client_secret: secret('secret-jwt'),
      token_endpoint_auth_method: 'client_secret_jwt',
      token_endpoint_auth_signing_alg: 'HS256',
      grant_types: CONFIDENTIAL_GRANTS,
      ...redirecting,
    },
    {
      client_id: 'private-key-jwt-client',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks: { keys: [clientKey.publicJwk] },
      grant_types: CONFIDENTIAL_GRANTS,
      ...redirecting,
    },
    {
      client_id: 'public-client',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      ...redirecting,
    },
    {
      client_id: 'device-client',
      token_endpoint_auth_method: 'none',
      grant_types: [DEVICE_GRANT, 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: 'service-client',
      client_secret: secret('service'),
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
  ];

  const describeClient = (id: string): OidcTestClient => {
    const metadata = builtInClients.find((client) => client.client_id === id);
    if (!metadata) throw new Error(`unknown built-in client ${id}`);
    return {
      clientId: metadata.client_id,
      clientSecret: metadata.client_secret,
      tokenEndpointAuthMethod: metadata.token_endpoint_auth_method ?? 'client_secret_basic',
      redirectUri: metadata.redirect_uris?.[0],
      postLogoutRedirectUri: metadata.post_logout_redirect_uris?.[0],
      grantTypes: metadata.grant_types ?? [],
    };
  };
  const clients: OidcTestClients = {
    basic: describeClient('basic-client'),
    post: describeClient('post-client'),
    secretJwt: describeClient('secret-jwt-client'),
    privateKeyJwt: {
      ...describeClient('private-key-jwt-client'),
      tokenEndpointAuthMethod: 'private_key_jwt',
      alg: 'RS256',
      kid: clientKey.kid,
      privateKey: clientKey.privateKey,
      privateJwk: clientKey.privateJwk,
      publicJwk: clientKey.publicJwk,
    },
    public: describeClient('public-client'),
    device: describeClient('device-client'),
    service: describeClient('service-client'),
  };

  const store = new MemoryStore();
  const cookieKeys = [randomBytes(32).toString('hex')];
  let signingKeys: KeyPairJwks[] = [rsa, ec];
  const serverErrors: Error[] = [];

  const buildConfiguration = (): ProviderConfiguration => ({
    adapter: (model: string) => new MemoryAdapter(model, store),
    clients: structuredClone([...builtInClients, ...(options.clients ?? [])]),
    jwks: { keys: signingKeys.map((key) => structuredClone(key.privateJwk)) },
    cookies: { keys: cookieKeys },
    scopes: [...OIDC_SCOPES],
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    async findAccount(_ctx: unknown, sub: string) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: account.sub, claims: async () => ({ ...account.claims, sub: account.sub }) };
    },
    ttl: { ...ttl },
    rotateRefreshToken: options.rotateRefreshToken ?? true,
    async issueRefreshToken(_ctx: unknown, client: ProviderClientView, source: ProviderTokenView) {
      if (!client.grantTypeAllowed('refresh_token')) return false;
      return options.refreshTokens === 'offline_access' ? source.scopes.has('offline_access') : true;
    },
    pkce: {
      required: (_ctx: unknown, client: ProviderClientView) =>
        options.pkce === 'always' || client.clientAuthMethod === 'none',
    },
    clientBasedCORS: () => true,
    async renderError(ctx: ProviderContext, out: Record<string, unknown>) {
      ctx.type = 'json';
      ctx.body = out;
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // oidc-provider's default policy, minus its "you should change this" notice.
        async allowedPolicy(ctx: ProviderContext, client: ProviderClientView, token: ProviderTokenView) {
          return !(client.clientAuthMethod === 'none' && token.clientId !== ctx.oidc.client?.clientId);
        },
      },
      revocation: {
        enabled: true,
        async allowedPolicy(_ctx: ProviderContext, client: ProviderClientView, token: ProviderTokenView) {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx: ProviderContext, form: string) {
          ctx.body = page('Sign out', `${form}<p id="logout-prompt">Sign out?</p>`);
        },
        async postLogoutSuccessSource(ctx: ProviderContext) {
          ctx.body = page('Signed out', '<p id="logout-result" data-result="success">Signed out</p>');
        },
      },
      deviceFlow: {
        enabled: true,
        charset: 'base-20',
        mask: '****-****',
        async userCodeInputSource(ctx: ProviderContext, form: string, _out: unknown, error?: Error) {
          const message = error
            ? `<p id="device-error" data-error="${escapeHtml(error.name)}">${escapeHtml(error.message)}</p>`
            : '';
          ctx.body = page('Enter code', `${message}${form}`);
        },
        async userCodeConfirmSource(
          ctx: ProviderContext,
          form: string,
          client: ProviderClientView,
          _deviceInfo: unknown,
          userCode: string,
        ) {
          ctx.body = page(
            'Confirm device',
            `<p id="device-confirm" data-client-id="${escapeHtml(client.clientId)}">${escapeHtml(userCode)}</p>${form}`,
          );
        },
        async successSource(ctx: ProviderContext) {
          ctx.body = page('Device connected', '<p id="device-result" data-result="success">Device connected</p>');
        },
      },
      resourceIndicators: {
        enabled: true,
        async defaultResource(_ctx: unknown, _client: unknown, oneOf?: string[]) {
          return oneOf;
        },
        async getResourceServerInfo(_ctx: unknown, resourceIndicator: string) {
          const info = resourceServers[resourceIndicator];
          if (!info) throw new errors.InvalidTarget(`unknown resource ${resourceIndicator}`);
          return structuredClone(info);
        },
      },
    },
  });

  let current: ProviderInstance | undefined;
  let currentCallback: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;

  const http = await startHttpServer(async (req, res) => {
    const provider = current;
    if (!provider || !currentCallback) {
      sendJson(res, 503, { error: 'temporarily_unavailable', error_description: 'provider starting' });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path.startsWith('/interaction/')) {
      await handleInteraction(provider, req, res, path);
      return;
    }
    await currentCallback(req, res);
  });
  const issuer = http.origin;

  const buildProvider = (): ProviderInstance => {
    const configuration = buildConfiguration();
    options.configure?.(configuration);
    const provider = new Provider(issuer, configuration);
    provider.on('server_error', (_ctx, error) => {
      serverErrors.push(error);
      console.error('[oidc-provider harness] server_error:', error);
    });
    return provider;
  };
  const activate = (provider: ProviderInstance) => {
    current = provider;
    currentCallback = provider.callback();
  };
  let provider0: ProviderInstance;
  try {
    provider0 = buildProvider();
  } catch (error) {
    await http.close();
    throw error;
  }
  activate(provider0);

  async function handleInteraction(
    provider: ProviderInstance,
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<void> {
    const match = /^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/.exec(path);
    if (!match) {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    const [, uid, action] = match;
    let interaction: InteractionDetails;
    try {
      interaction = await provider.interactionDetails(req, res);
    } catch (error) {
      sendJson(res, errorStatus(error), { error: errorCode(error), error_description: describeError(error) });
      return;
    }
    if (interaction.uid !== uid) {
      sendJson(res, 400, { error: 'invalid_request', error_description: 'interaction uid does not match the cookie' });
      return;
    }
    const { prompt } = interaction;

    if (action === undefined) {
      if (req.method !== 'GET') {
        sendJson(res, 405, { error: 'invalid_request', error_description: 'use GET' });
        return;
      }
      sendJson(res, 200, {
        uid: interaction.uid,
        prompt,
        params: interaction.params,
        accountId: interaction.session?.accountId,
      });
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'invalid_request', error_description: 'use POST' });
      return;
    }
    const form = new URLSearchParams(await readBody(req));

    if (action === 'abort') {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User aborted interaction' },
        { mergeWithLastSubmission: false },
      );
      return;
    }

    if (action === 'login') {
      if (prompt.name !== 'login') {
        sendJson(res, 400, { error: 'invalid_request', error_description: `prompt is ${prompt.name}, not login` });
        return;
      }
      const username = form.get('username') ?? '';
      const password = form.get('password') ?? '';
      const account = [...accounts.values()].find(
        (candidate) => candidate.username === username && secretEquals(candidate.password, password),
      );
      if (!account) {
        sendJson(res, 401, { error: 'access_denied', error_description: 'invalid username or password' });
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.sub, amr: ['pwd'] } },
        { mergeWithLastSubmission: false },
      );
      return;
    }

    // action === 'confirm'
    if (prompt.name !== 'consent') {
      sendJson(res, 400, { error: 'invalid_request', error_description: `prompt is ${prompt.name}, not consent` });
      return;
    }
    const accountId = interaction.session?.accountId;
    const clientId = interaction.params.client_id;
    if (accountId === undefined || typeof clientId !== 'string') {
      sendJson(res, 400, { error: 'invalid_request', error_description: 'no logged-in account or client' });
      return;
    }
    const existing = interaction.grantId === undefined ? undefined : await provider.Grant.find(interaction.grantId);
    const grant = existing ?? new provider.Grant({ accountId, clientId });
    const { details } = prompt;
    const missingScope = stringArray(details.missingOIDCScope);
    if (missingScope.length) grant.addOIDCScope(missingScope.join(' '));
    const missingClaims = stringArray(details.missingOIDCClaims);
    if (missingClaims.length) grant.addOIDCClaims(missingClaims);
    const missingResourceScopes = details.missingResourceScopes;
    if (typeof missingResourceScopes === 'object' && missingResourceScopes !== null) {
      for (const [indicator, scopes] of Object.entries(missingResourceScopes)) {
        grant.addResourceScope(indicator, stringArray(scopes).join(' '));
      }
    }
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { consent: existing ? {} : { grantId } },
      { mergeWithLastSubmission: true },
    );
  }

  const endpoints: OidcEndpoints = {
    discovery: `${issuer}/.well-known/openid-configuration`,
    authorization: provider0.urlFor('authorization'),
    token: provider0.urlFor('token'),
    userinfo: provider0.urlFor('userinfo'),
    jwks: provider0.urlFor('jwks'),
    introspection: provider0.urlFor('introspection'),
    revocation: provider0.urlFor('revocation'),
    deviceAuthorization: provider0.urlFor('device_authorization'),
    deviceVerification: provider0.urlFor('code_verification'),
    endSession: provider0.urlFor('end_session'),
    pushedAuthorizationRequest: provider0.urlFor('pushed_authorization_request'),
  };

  interface Plan {
    readonly consent: boolean;
    readonly login: { readonly username: string; readonly password: string };
  }

  type Outcome =
    | { readonly kind: 'left'; readonly url: URL }
    | { readonly kind: 'page'; readonly url: URL; readonly status: number; readonly body: string };

  /** Answers one interaction prompt; returns the provider's response (a redirect back to the resume URL). */
  async function interact(browser: Browser, url: URL, plan: Plan): Promise<Response> {
    const response = await browser.get(url);
    const text = await response.text();
    if (response.status !== 200) {
      throw new Error(`interaction ${url.pathname} failed: HTTP ${response.status}: ${excerpt(text)}`);
    }
    const view = JSON.parse(text) as { prompt: InteractionPrompt };
    switch (view.prompt.name) {
      case 'login':
        return browser.postForm(`${url.href}/login`, { ...plan.login });
      case 'consent':
        return browser.postForm(`${url.href}/${plan.consent ? 'confirm' : 'abort'}`, {});
      default:
        throw new Error(`interaction ${url.pathname}: unexpected prompt "${view.prompt.name}"`);
    }
  }

  /** Follows redirects inside the provider, answering prompts, until the user agent leaves it or lands on a page. */
  async function drive(browser: Browser, start: URL, first: Response, plan: Plan): Promise<Outcome> {
    let url = start;
    let response = first;
    for (let hop = 0; hop < 30; hop += 1) {
      if (!isRedirect(response.status)) {
        return { kind: 'page', url, status: response.status, body: await response.text() };
      }
      const next = redirectTarget(response, url);
      await response.arrayBuffer();
      if (next.origin !== issuer) return { kind: 'left', url: next };
      url = next;
      response = next.pathname.startsWith('/interaction/') ? await interact(browser, next, plan) : await browser.get(next);
    }
    throw new Error(`too many redirects starting at ${start.href}`);
  }

  const planFor = (opts: { consent?: boolean; login?: Plan['login'] }): Plan => ({
    consent: opts.consent ?? true,
    login: opts.login ?? { username: OIDC_TEST_USER.username, password: OIDC_TEST_USER.password },
  });

  const requireOwnUrl = (input: string | URL, what: string): URL => {
    const url = new URL(input);
    if (url.origin !== issuer) throw new Error(`${what} ${url.href} is not on this provider (${issuer})`);
    return url;
  };

  async function authorize(authorizationUrl: string | URL, opts: AuthorizeOptions = {}): Promise<string> {
    const start = requireOwnUrl(authorizationUrl, 'authorization URL');
    const browser = opts.browser ?? new Browser();
    const outcome = await drive(browser, start, await browser.get(start), planFor(opts));
    if (outcome.kind === 'left') return outcome.url.href;
    throw new Error(
      `authorization did not redirect back to the client; it ended on HTTP ${outcome.status} ` +
        `${outcome.url.pathname}: ${excerpt(outcome.body)}`,
    );
  }

  const deviceError = (html: string): string | undefined => {
    const match = /id="device-error" data-error="([^"]*)">([^<]*)</.exec(html);
    return match ? `${match[1]}: ${match[2]}` : undefined;
  };

  /** Opens the verification page and submits the user code; returns the confirmation form. */
  async function enterUserCode(browser: Browser, userCode: string) {
    const verification = new URL(endpoints.deviceVerification);
    const inputPage = await browser.get(verification);
    const inputHtml = await inputPage.text();
    const inputForm = parseForms(inputHtml, verification).find((form) => 'xsrf' in form.fields);
    if (!inputForm) throw new Error(`device verification page has no form: ${excerpt(inputHtml)}`);
    const confirmPage = await browser.postForm(inputForm.action, { ...inputForm.fields, user_code: userCode });
    const confirmHtml = await confirmPage.text();
    const rejected = deviceError(confirmHtml);
    if (rejected) throw new Error(`user code ${userCode} rejected: ${rejected}`);
    const confirmForm = parseForms(confirmHtml, inputForm.action).find((form) => form.fields.confirm === 'yes');
    if (!confirmForm) throw new Error(`device confirmation page has no form: ${excerpt(confirmHtml)}`);
    return confirmForm;
  }

  async function approveDeviceCode(userCode: string, opts: DeviceApprovalOptions = {}): Promise<void> {
    const browser = opts.browser ?? new Browser();
    const confirmForm = await enterUserCode(browser, userCode);
    const response = await browser.postForm(confirmForm.action, confirmForm.fields);
    const outcome = await drive(browser, confirmForm.action, response, planFor(opts));
    if (outcome.kind === 'left') throw new Error(`device flow unexpectedly left the provider for ${outcome.url.href}`);
    const rejected = deviceError(outcome.body);
    if (rejected && rejected.startsWith('AbortedError') && opts.consent === false) return;
    if (!outcome.body.includes('id="device-result" data-result="success"')) {
      throw new Error(`device approval did not succeed: HTTP ${outcome.status}: ${rejected ?? excerpt(outcome.body)}`);
    }
  }

  async function denyDeviceCode(userCode: string, opts: { browser?: Browser } = {}): Promise<void> {
    const browser = opts.browser ?? new Browser();
    const confirmForm = await enterUserCode(browser, userCode);
    const { confirm: _confirm, ...fields } = confirmForm.fields;
    const response = await browser.postForm(confirmForm.action, { ...fields, abort: 'yes' });
    const html = await response.text();
    if (!deviceError(html)?.startsWith('AbortedError')) {
      throw new Error(`device denial was not acknowledged: HTTP ${response.status}: ${excerpt(html)}`);
    }
  }

  async function endSession(endSessionUrl: string | URL, opts: { browser: Browser }): Promise<string> {
    const start = requireOwnUrl(endSessionUrl, 'end-session URL');
    const { browser } = opts;
    const first = await browser.get(start);
    const html = await first.text();
    if (first.status !== 200) throw new Error(`end-session request failed: HTTP ${first.status}: ${excerpt(html)}`);
    const form = parseForms(html, start).find((candidate) => 'xsrf' in candidate.fields);
    if (!form) throw new Error(`end-session page has no form: ${excerpt(html)}`);
    const response = await browser.postForm(form.action, { ...form.fields, logout: 'yes' });
    if (!isRedirect(response.status)) {
      throw new Error(`logout confirmation failed: HTTP ${response.status}: ${excerpt(await response.text())}`);
    }
    await response.arrayBuffer();
    return redirectTarget(response, form.action).href;
  }

  const kidsNow = (): SigningKids => {
    const byAlg = (alg: string) => {
      const key = signingKeys.find((candidate) => candidate.privateJwk.alg === alg);
      if (!key) throw new Error(`no ${alg} key`);
      return key.kid;
    };
    return { RS256: byAlg('RS256'), ES256: byAlg('ES256') };
  };

  return {
    issuer,
    endpoints,
    clients,
    user: OIDC_TEST_USER,
    requests: http.requests,
    serverErrors,
    get signingKids() {
      return kidsNow();
    },
    authorize,
    deny: (authorizationUrl, opts = {}) => authorize(authorizationUrl, { ...opts, consent: false }),
    approveDeviceCode,
    denyDeviceCode,
    endSession,
    async rotateKeys({ keepPrevious = true } = {}) {
      const [newRsa, newEc] = await Promise.all([generateJwkPair('RS256'), generateJwkPair('ES256')]);
      const previous = signingKeys;
      signingKeys = keepPrevious ? [newRsa, newEc, ...previous] : [newRsa, newEc];
      try {
        activate(buildProvider());
      } catch (error) {
        signingKeys = previous;
        throw error;
      }
      return kidsNow();
    },
    publicJwks: () => ({ keys: signingKeys.map((key) => toPublicJwk(key.publicJwk)) }),
    close: () => http.close(),
  };
}
