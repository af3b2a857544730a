/**
 * `@x/provider-aliyun/testing`: a local Alibaba Cloud (Aliyun) OAuth 2.0 / OpenID Connect server for
 * tests and demos. Node.js only; production code never imports this subpath.
 *
 * @packageDocumentation
 */
export { startAliyunMockServer } from './server.js';
export type { AliyunMockAuthorizeOptions, AliyunMockEndpoints, AliyunMockServer } from './server.js';
export type {
  AliyunMockEndpoint,
  AliyunMockErrorStatuses,
  AliyunMockRequestIdField,
  AliyunMockServerOptions,
} from './options.js';
export { seededApps } from './apps.js';
export type { AliyunMockApp, AliyunMockNativeApp, AliyunMockServerApp, AliyunMockWebApp } from './apps.js';
export { seededAccounts } from './accounts.js';
export type { AliyunMockAccount } from './accounts.js';
export type { AliyunMockFault } from './faults.js';
export type { AliyunMockRequest } from './request-log.js';
