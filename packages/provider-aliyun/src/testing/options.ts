import { seededAccounts, validateAccounts, type AliyunMockAccount } from './accounts.js';
import { seededApps, validateApps, type AliyunMockApp } from './apps.js';

/**
 * Which JSON field carries the request id in an error body. The real service uses `request_id` on some
 * endpoints and `requestId` on others (aliyun-protocol.md, "Errors"); `none` leaves it out.
 *
 * @example
 * ```ts
 * const field: AliyunMockRequestIdField = 'requestId';
 * ```
 */
export type AliyunMockRequestIdField = 'request_id' | 'requestId' | 'none';

/**
 * The endpoints whose error bodies can be tuned.
 *
 * @example
 * ```ts
 * const endpoint: AliyunMockEndpoint = 'userinfo';
 * ```
 */
export type AliyunMockEndpoint = 'authorize' | 'token' | 'revoke' | 'userinfo';

/**
 * HTTP statuses of error responses. The real statuses are not documented; these defaults are a fair
 * emulation [guess].
 *
 * @example
 * ```ts
 * const server = await startAliyunMockServer({ errorStatuses: { client: 400 } });
 * ```
 */
export interface AliyunMockErrorStatuses {
  /** Malformed requests and grant errors (`invalid_request`, `invalid_grant`, ...). Default 400. */
  readonly request?: number;
  /** Client authentication failures (`invalid_client`). Default 401. */
  readonly client?: number;
  /** A bad, expired or revoked access token at userinfo ("parse token failed"). Default 401. */
  readonly token?: number;
  /** An access token without the scope userinfo needs. Default 403 [code]. */
  readonly scope?: number;
}

/**
 * Options of {@link startAliyunMockServer}. Every switch marked [guess] emulates behaviour the protocol
 * notes could not confirm; the default is the most likely (or the documented) one.
 *
 * @example
 * ```ts
 * const server = await startAliyunMockServer({
 *   autoApprove: 'ram-user',
 *   refreshTokenRotation: true,
 *   expiresInType: 'number',
 * });
 * ```
 */
export interface AliyunMockServerOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** Port to bind; `0` picks a free one. Default `0`. */
  readonly port?: number;
  /** The ID tokens' `iss` and the discovery document's `issuer`. Default: the server's origin. */
  readonly issuer?: string;
  /** Registered applications. Default: the three {@link seededApps}. */
  readonly apps?: readonly AliyunMockApp[];
  /** Identities to sign in as; the first is preselected on the login page. Default: {@link seededAccounts}. */
  readonly accounts?: readonly AliyunMockAccount[];
  /**
   * An account id: when set, `GET /oauth2/v1/auth` approves at once as that account and redirects, with
   * no page. Can be changed later through `server.autoApprove`. Default: unset (show the page).
   */
  readonly autoApprove?: string;
  /** Access-token lifetime in seconds (console default 3600). Per-app `accessTokenValidity` wins. */
  readonly accessTokenValidity?: number;
  /** Refresh-token lifetime in seconds. Default 30 days (the console default). */
  readonly refreshTokenValidity?: number;
  /** Authorization-code lifetime in seconds. Default 600 [guess]. */
  readonly codeValidity?: number;
  /** ID-token lifetime in seconds. Default 3600 [guess]. */
  readonly idTokenValidity?: number;
  /**
   * `expires_in` as a JSON string (`"3600"`, as the current web/server app docs show) or a number.
   * Default `'string'`.
   */
  readonly expiresInType?: 'string' | 'number';
  /**
   * `true`: a refresh answers with a new `refresh_token` (the old one stops working) and an `id_token`,
   * as first-party tools expect. `false`: no `refresh_token` and no `id_token`, as the docs say.
   * Default `false` [guess].
   */
  readonly refreshTokenRotation?: boolean;
  /** Whether web apps may also authenticate with HTTP Basic at the token endpoint. Default `false` [guess]. */
  readonly webAppBasicAuth?: boolean;
  /**
   * Whether a web app's refresh request must carry its secret (documented as optional). A secret that
   * is sent is always checked. Default `false`.
   */
  readonly refreshRequiresClientSecret?: boolean;
  /** Whether `POST /v1/revoke` also revokes access tokens (undocumented). Default `false` [guess]. */
  readonly revokeAccessTokens?: boolean;
  /**
   * A requested scope the app is not allowed: `'reject'` the request with `invalid_scope`, or `'drop'`
   * it from the grant (the token's `scope` then shows what is missing). Default `'reject'` [guess].
   */
  readonly unknownScopes?: 'reject' | 'drop';
  /**
   * How the authorize endpoint reports errors that happen after client and redirect URI are validated:
   * `'redirect'` back with `error=` (RFC 6749 §4.1.2.1) or a JSON `'page'`. Default `'redirect'` [guess].
   */
  readonly authorizeErrors?: 'redirect' | 'page';
  /** The scope an access token needs for `GET /v1/userinfo`. Default `'openid'` [guess]. */
  readonly userinfoRequiredScope?: string;
  /** HTTP statuses of error responses [guess]. */
  readonly errorStatuses?: AliyunMockErrorStatuses;
  /**
   * The request-id field of error bodies, per endpoint. Default: `request_id` at token and revoke,
   * `requestId` at authorize and userinfo [guess].
   */
  readonly requestIdFields?: Partial<Record<AliyunMockEndpoint, AliyunMockRequestIdField>>;
  /**
   * A `code_verifier` sent for a code whose authorization request had no `code_challenge`: `'reject'` it
   * with `invalid_grant`, as RFC 9700 §4.8.2 requires (otherwise a PKCE downgrade goes unnoticed), or
   * `'ignore'` it. What Alibaba Cloud does is not documented. Default `'reject'` [guess].
   */
  readonly codeVerifierWithoutChallenge?: 'reject' | 'ignore';
  /** Largest request body accepted, in bytes; bigger ones get 413. Default 65536. */
  readonly maxBodyBytes?: number;
  /**
   * How many requests `server.requests` keeps: the newest, so a long-running demo does not grow without
   * bound. Default 1000.
   */
  readonly requestLogLimit?: number;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly issuer: string | undefined;
  readonly apps: readonly AliyunMockApp[];
  readonly accounts: readonly AliyunMockAccount[];
  readonly autoApprove: string | undefined;
  readonly accessTokenValidity: number;
  readonly refreshTokenValidity: number;
  readonly codeValidity: number;
  readonly idTokenValidity: number;
  readonly expiresInType: 'string' | 'number';
  readonly refreshTokenRotation: boolean;
  readonly webAppBasicAuth: boolean;
  readonly refreshRequiresClientSecret: boolean;
  readonly revokeAccessTokens: boolean;
  readonly unknownScopes: 'reject' | 'drop';
  readonly authorizeErrors: 'redirect' | 'page';
  readonly userinfoRequiredScope: string;
  readonly errorStatuses: Required<AliyunMockErrorStatuses>;
  readonly requestIdFields: Readonly<Record<AliyunMockEndpoint, AliyunMockRequestIdField>>;
  readonly codeVerifierWithoutChallenge: 'reject' | 'ignore';
  readonly maxBodyBytes: number;
  readonly requestLogLimit: number;
}

function positiveSeconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number of seconds; got ${String(value)}`);
  }
  return value;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer; got ${String(value)}`);
  }
  return value;
}

/** Fills in defaults and rejects inconsistent options before the server starts. */
export function resolveOptions(options: AliyunMockServerOptions): ResolvedOptions {
  const apps = options.apps ?? Object.values(seededApps);
  const accounts = options.accounts ?? Object.values(seededAccounts);
  validateApps(apps);
  validateAccounts(accounts);
  for (const app of apps) {
    positiveSeconds(`accessTokenValidity of app "${app.clientId}"`, app.accessTokenValidity, 1);
    if (app.appType !== 'ServerApp') {
      positiveSeconds(`refreshTokenValidity of app "${app.clientId}"`, app.refreshTokenValidity, 1);
    }
  }
  if (options.autoApprove !== undefined && !accounts.some((account) => account.id === options.autoApprove)) {
    throw new TypeError(`autoApprove names an unknown account "${options.autoApprove}"`);
  }
  const maxBodyBytes = positiveInteger('maxBodyBytes', options.maxBodyBytes, 65_536);
  const requestLogLimit = positiveInteger('requestLogLimit', options.requestLogLimit, 1000);
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    issuer: options.issuer,
    apps,
    accounts,
    autoApprove: options.autoApprove,
    accessTokenValidity: positiveSeconds('accessTokenValidity', options.accessTokenValidity, 3600),
    refreshTokenValidity: positiveSeconds('refreshTokenValidity', options.refreshTokenValidity, 30 * 24 * 3600),
    codeValidity: positiveSeconds('codeValidity', options.codeValidity, 600),
    idTokenValidity: positiveSeconds('idTokenValidity', options.idTokenValidity, 3600),
    expiresInType: options.expiresInType ?? 'string',
    refreshTokenRotation: options.refreshTokenRotation ?? false,
    webAppBasicAuth: options.webAppBasicAuth ?? false,
    refreshRequiresClientSecret: options.refreshRequiresClientSecret ?? false,
    revokeAccessTokens: options.revokeAccessTokens ?? false,
    unknownScopes: options.unknownScopes ?? 'reject',
    authorizeErrors: options.authorizeErrors ?? 'redirect',
    userinfoRequiredScope: options.userinfoRequiredScope ?? 'openid',
    errorStatuses: {
      request: options.errorStatuses?.request ?? 400,
      client: options.errorStatuses?.client ?? 401,
      token: options.errorStatuses?.token ?? 401,
      scope: options.errorStatuses?.scope ?? 403,
    },
    requestIdFields: {
      authorize: options.requestIdFields?.authorize ?? 'requestId',
      token: options.requestIdFields?.token ?? 'request_id',
      revoke: options.requestIdFields?.revoke ?? 'request_id',
      userinfo: options.requestIdFields?.userinfo ?? 'requestId',
    },
    codeVerifierWithoutChallenge: options.codeVerifierWithoutChallenge ?? 'reject',
    maxBodyBytes,
    requestLogLimit,
  };
}
