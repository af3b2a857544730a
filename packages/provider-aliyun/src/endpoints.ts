import { InvalidArgumentError } from '@x/oauth2-core';
import type { ProviderEndpoints } from '@x/oauth2-core';

/**
 * The two Alibaba Cloud sites. An application registered on one does not exist on the other.
 *
 * @example
 * ```ts
 * const region: AliyunRegion = process.env.ALIYUN_SITE === 'intl' ? 'intl' : 'cn';
 * ```
 */
export type AliyunRegion = 'cn' | 'intl';

/**
 * The hosts of one Alibaba Cloud site: the sign-in host serves the authorization page, the OAuth host
 * everything else.
 *
 * @example
 * ```ts
 * const { oauthOrigin } = aliyunSites.intl; // 'https://oauth.alibabacloud.com'
 * ```
 */
export interface AliyunSite {
  /** Origin of the sign-in host (authorization endpoint). */
  readonly signinOrigin: string;
  /** Origin of the OAuth host (token, revocation, userinfo, JWKS, discovery). */
  readonly oauthOrigin: string;
  /** The ID tokens' `iss`: the OAuth host's origin. */
  readonly issuer: string;
}

/**
 * The real hosts of both sites (Alibaba Cloud RAM documentation, "Overview of OAuth applications").
 *
 * @example
 * ```ts
 * import { aliyunSites } from '@x/provider-aliyun';
 *
 * console.log(aliyunSites.cn.signinOrigin); // 'https://signin.aliyun.com'
 * ```
 */
export const aliyunSites: Readonly<Record<AliyunRegion, AliyunSite>> = Object.freeze({
  cn: Object.freeze({
    signinOrigin: 'https://signin.aliyun.com',
    oauthOrigin: 'https://oauth.aliyun.com',
    issuer: 'https://oauth.aliyun.com',
  }),
  intl: Object.freeze({
    signinOrigin: 'https://signin.alibabacloud.com',
    oauthOrigin: 'https://oauth.alibabacloud.com',
    issuer: 'https://oauth.alibabacloud.com',
  }),
});

/** The endpoint paths, the same on both sites. */
export const aliyunPaths = Object.freeze({
  authorization: '/oauth2/v1/auth',
  token: '/v1/token',
  revocation: '/v1/revoke',
  userinfo: '/v1/userinfo',
  jwks: '/v1/keys',
  discovery: '/.well-known/openid-configuration',
});

/**
 * Where to send requests instead of the real hosts: a local mock server, a proxy, a test double.
 *
 * @example
 * ```ts
 * const overrides: AliyunProviderOverrides = { signinOrigin: mock.origin, oauthOrigin: mock.origin };
 * ```
 */
export interface AliyunProviderOverrides {
  /** Replaces the sign-in host, e.g. `http://127.0.0.1:4000`. An origin: scheme, host and port only. */
  signinOrigin?: string;
  /** Replaces the OAuth host. The expected ID-token issuer becomes this origin unless `issuer` is given. */
  oauthOrigin?: string;
  /** The expected ID-token `iss`, when it is neither the site's nor `oauthOrigin`. */
  issuer?: string;
}

const overrideNames: readonly string[] = ['signinOrigin', 'oauthOrigin', 'issuer'];

/** The resolved hosts and issuer of a site after overrides. */
export interface ResolvedAliyunSite {
  readonly region: AliyunRegion;
  readonly signinOrigin: string;
  readonly oauthOrigin: string;
  readonly issuer: string;
  /** Whether any host differs from the real site's. */
  readonly overridden: boolean;
}

/** Validates the region and the overrides, and applies them to the site's defaults. */
export function resolveSite(region: AliyunRegion, overrides: AliyunProviderOverrides = {}): ResolvedAliyunSite {
  if (region !== 'cn' && region !== 'intl') {
    throw new InvalidArgumentError('region', `must be 'cn' (aliyun.com) or 'intl' (alibabacloud.com), got ${JSON.stringify(region)}`);
  }
  if (typeof overrides !== 'object' || overrides === null) {
    throw new InvalidArgumentError('overrides', 'must be an object such as { signinOrigin, oauthOrigin, issuer }');
  }
  const unknown = Object.keys(overrides).filter((name) => !overrideNames.includes(name));
  if (unknown.length > 0) {
    // A misspelt override would silently send a test's requests to the real Alibaba Cloud.
    throw new InvalidArgumentError('overrides', `unknown option ${unknown.map((name) => `"${name}"`).join(', ')}; expected ${overrideNames.join(', ')}`);
  }
  const site = aliyunSites[region];
  const signinOrigin = overrides.signinOrigin === undefined ? site.signinOrigin : origin('signinOrigin', overrides.signinOrigin);
  const oauthOrigin = overrides.oauthOrigin === undefined ? site.oauthOrigin : origin('oauthOrigin', overrides.oauthOrigin);
  // The ID token's iss is the OAuth host's origin, so a replaced OAuth host issues its own tokens.
  const issuer = overrides.issuer ?? (overrides.oauthOrigin === undefined ? site.issuer : oauthOrigin);
  return {
    region,
    signinOrigin,
    oauthOrigin,
    issuer,
    overridden: signinOrigin !== site.signinOrigin || oauthOrigin !== site.oauthOrigin || issuer !== site.issuer,
  };
}

/**
 * The endpoints of a site. `userinfo` is included although Alibaba Cloud's discovery document omits it.
 */
export function siteEndpoints(site: Pick<ResolvedAliyunSite, 'signinOrigin' | 'oauthOrigin'>): ProviderEndpoints {
  return {
    authorization: `${site.signinOrigin}${aliyunPaths.authorization}`,
    token: `${site.oauthOrigin}${aliyunPaths.token}`,
    revocation: `${site.oauthOrigin}${aliyunPaths.revocation}`,
    userinfo: `${site.oauthOrigin}${aliyunPaths.userinfo}`,
    jwks: `${site.oauthOrigin}${aliyunPaths.jwks}`,
  };
}

/** An http(s) origin without a trailing slash; a path, query or fragment is refused rather than dropped. */
function origin(name: string, value: unknown): string {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new InvalidArgumentError(name, `must be an absolute http(s) origin such as "http://127.0.0.1:4000", got ${JSON.stringify(value)}`);
  }
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidArgumentError(name, `must use https (or http for a local server), got "${url.protocol}"`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new InvalidArgumentError(name, `must be an origin (scheme, host, port) without a path, query or credentials, got "${url.origin}${url.pathname}"`);
  }
  return url.origin;
}
