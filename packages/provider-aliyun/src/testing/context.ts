import type { AliyunMockAccount } from './accounts.js';
import type { AliyunMockApp } from './apps.js';
import type { MockClock } from './clock.js';
import type { SigningKeys } from './keys.js';
import type { ResolvedOptions } from './options.js';
import type { MockStore } from './store.js';

/** Everything a route needs, built once per server. */
export interface MockContext {
  readonly options: ResolvedOptions;
  readonly origin: string;
  readonly issuer: string;
  readonly apps: ReadonlyMap<string, AliyunMockApp>;
  readonly accounts: ReadonlyMap<string, AliyunMockAccount>;
  readonly store: MockStore;
  readonly keys: SigningKeys;
  readonly clock: MockClock;
  /** Mutable through `server.autoApprove`. */
  autoApprove: string | undefined;
}

/** The paths of both Alibaba Cloud sites, served from one origin. */
export const paths = {
  authorize: '/oauth2/v1/auth',
  token: '/v1/token',
  revoke: '/v1/revoke',
  userinfo: '/v1/userinfo',
  jwks: '/v1/keys',
  discovery: '/.well-known/openid-configuration',
} as const;
