/**
 * `@x/provider-aliyun`: Alibaba Cloud (Aliyun) for `@x/oauth2-core`, on the China and international
 * sites, with the legacy `@alicloud/oauth2` API. Runs on any runtime with `fetch` and WebCrypto; the local
 * mock server lives in `@x/provider-aliyun/testing`.
 *
 * @packageDocumentation
 */
export { aliyunProvider } from './provider.js';
export { aliyunSites } from './endpoints.js';
export type { AliyunProviderOverrides, AliyunRegion, AliyunSite } from './endpoints.js';
export { aliyunAuthorizeParams } from './authorize.js';
export type { AliyunAccessType, AliyunAuthorizeParams, AliyunScope } from './authorize.js';
export { aliyunAccountKind } from './claims.js';
export type { AliyunAccountKind, AliyunIdentityClaims, AliyunIdTokenClaims, AliyunUserinfoClaims } from './claims.js';
export { AliyunOAuthServerError, isAliyunInvalidTokenError, mapAliyunServerError } from './errors.js';
export { AliyunOAuth2 } from './legacy.js';
export type { AliyunOAuth2Options, AliyunRevocationResult, AliyunTokenResponseBody } from './legacy.js';
