import { defineProvider } from '@x/oauth2-core';
import type { ProviderPreset } from '@x/oauth2-core';
import { resolveSite, siteEndpoints } from './endpoints.js';
import type { AliyunProviderOverrides, AliyunRegion } from './endpoints.js';
import { mapAliyunServerError } from './errors.js';
import { log } from './log.js';

/**
 * The Alibaba Cloud (Aliyun) preset for `createClient`, for the China site (`'cn'`, aliyun.com) or the
 * international site (`'intl'`, alibabacloud.com). Its quirks, as data and hooks:
 * - the authorization endpoint is on the sign-in host, the others on the OAuth host; `userinfo` is set
 *   although the discovery document omits it;
 * - web apps send `client_id` and `client_secret` in the form body (`client_secret_post`); a client created
 *   without a secret (a native app) is public and uses PKCE S256; server apps pass
 *   `tokenEndpointAuthMethod: 'client_secret_basic'`;
 * - scopes are space separated and may contain slashes (`/acs/ccc`);
 * - no `nonce`: Alibaba Cloud does not document one, so none is sent or required;
 * - ID tokens are RS256, checked against the site's issuer and JWKS;
 * - error bodies' `request_id`/`requestId` and `http_code` become `requestId` and `status`.
 *
 * With `oauthOrigin` (a local mock, a proxy) the expected ID-token issuer becomes that origin, unless
 * `issuer` is given too.
 *
 * @example
 * ```ts
 * import { createClient } from '@x/oauth2-core';
 * import { aliyunProvider } from '@x/provider-aliyun';
 *
 * const client = createClient(aliyunProvider('intl'), {
 *   clientId: process.env.ALIYUN_CLIENT_ID!,
 *   clientSecret: process.env.ALIYUN_CLIENT_SECRET,
 *   redirectUri: 'https://app.example.com/callback',
 *   scope: 'openid aliuid profile',
 * });
 * ```
 */
export function aliyunProvider(region: AliyunRegion, overrides?: AliyunProviderOverrides): ProviderPreset {
  const site = resolveSite(region, overrides);
  if (site.overridden) {
    log('%s preset with overridden hosts: signin %s, oauth %s, issuer %s', region, site.signinOrigin, site.oauthOrigin, site.issuer);
  }
  return defineProvider({
    name: `aliyun-${region}`,
    issuer: site.issuer,
    endpoints: siteEndpoints(site),
    tokenEndpointAuthMethod: 'client_secret_post',
    quirks: {
      scopeSeparator: ' ',
      supportsNonce: false,
      idTokenSigningAlgorithms: ['RS256'],
      mapServerError: mapAliyunServerError,
    },
  });
}
