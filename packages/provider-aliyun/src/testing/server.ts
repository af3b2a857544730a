import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AliyunMockAccount } from './accounts.js';
import type { AliyunMockApp } from './apps.js';
import { decide, parseAuthorizationRequest } from './authorization-request.js';
import { MockClock } from './clock.js';
import { paths, type MockContext } from './context.js';
import { FaultQueue, type AliyunMockFault } from './faults.js';
import { createRequestHandler } from './handler.js';
import { SigningKeys } from './keys.js';
import { resolveOptions, type AliyunMockServerOptions } from './options.js';
import type { AliyunMockRequest, MutableLogEntry } from './request-log.js';
import { MockStore } from './store.js';

/**
 * How `server.authorize()` answers the login page.
 *
 * @example
 * ```ts
 * const callback = await server.authorize(url, { account: 'ram-user', grantOnly: ['openid'] });
 * ```
 */
export interface AliyunMockAuthorizeOptions {
  /** The account to sign in as. Default: `server.autoApprove`, else the first account. */
  readonly account?: string;
  /** `'deny'` answers like the Deny button. Default `'approve'`. */
  readonly decision?: 'approve' | 'deny';
  /** Grant only these of the requested scopes, as if the user or admin had not consented to the rest. */
  readonly grantOnly?: readonly string[];
}

/**
 * The full URLs of the server's endpoints.
 *
 * @example
 * ```ts
 * const response = await fetch(server.endpoints.token, { method: 'POST', body: form });
 * ```
 */
export interface AliyunMockEndpoints {
  readonly authorization: string;
  readonly token: string;
  readonly revocation: string;
  readonly userinfo: string;
  readonly jwks: string;
  readonly discovery: string;
}

/**
 * A running mock Alibaba Cloud OAuth server. Serves the signin site's `/oauth2/v1/auth` and the oauth
 * site's `/v1/token`, `/v1/revoke`, `/v1/userinfo`, `/v1/keys` and discovery document from one origin.
 *
 * @example
 * ```ts
 * const server = await startAliyunMockServer();
 * try {
 *   const provider = aliyunProvider('cn', { signinOrigin: server.origin, oauthOrigin: server.origin });
 *   // ... run the code under test against `provider`
 * } finally {
 *   await server.close();
 * }
 * ```
 */
export interface AliyunMockServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The ID tokens' `iss`: the `issuer` option, or the origin. */
  readonly issuer: string;
  readonly endpoints: AliyunMockEndpoints;
  readonly apps: readonly AliyunMockApp[];
  readonly accounts: readonly AliyunMockAccount[];
  /**
   * An account id to approve every `GET /oauth2/v1/auth` as, without a page; `undefined` shows the page.
   * Assignable at any time.
   */
  autoApprove: string | undefined;
  /**
   * The HTTP requests received, oldest first, with secrets redacted: the last `requestLogLimit` (default
   * 1000) of them.
   */
  readonly requests: readonly AliyunMockRequest[];
  /**
   * Answers an authorization URL as a user on the login page would, without HTML, and returns the URL
   * the browser would be redirected to (`redirect_uri?code=...&state=...`, or `error=...`). Throws when
   * the URL is not on this server's origin (a preset without `signinOrigin: mock.origin` would send the
   * browser to the real Alibaba Cloud), or when the server would show an error page instead (unknown
   * client, redirect URI mismatch). Not an HTTP request: it does not appear in `requests`.
   */
  authorize(url: string | URL, options?: AliyunMockAuthorizeOptions): Promise<string>;
  /**
   * Adds a signing key that signs from now on. The previous key stays in `/v1/keys`; an older one is
   * dropped, so at most two are published, as during Alibaba Cloud's rotations. Returns the new `kid`.
   */
  rotateKeys(): Promise<string>;
  /** Unpublishes every key except the current signing key; returns the dropped `kid`s. */
  dropPreviousKeys(): string[];
  /** Moves the server's clock forward: codes, tokens and ID-token timestamps follow it. */
  advanceTime(seconds: number): void;
  /** Makes the next matching request fail, hang or reset (see {@link AliyunMockFault}). */
  failNext(fault: AliyunMockFault): void;
  /** Stops listening and destroys open connections, including keep-alive and hung ones. */
  close(): Promise<void>;
}

function originOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Starts a local, Alibaba Cloud-compatible OAuth 2.0 / OpenID Connect server on 127.0.0.1 and a free
 * port. Node.js only.
 *
 * @example
 * ```ts
 * import { seededApps, startAliyunMockServer } from '@x/provider-aliyun/testing';
 *
 * const server = await startAliyunMockServer({ autoApprove: 'root' });
 * const url = new URL(server.endpoints.authorization);
 * url.search = new URLSearchParams({
 *   client_id: seededApps.web.clientId,
 *   redirect_uri: seededApps.web.redirectUris[0]!,
 *   response_type: 'code',
 *   state: 'xyz',
 * }).toString();
 * const callback = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
 * console.log(callback.searchParams.get('code'));
 * await server.close();
 * ```
 */
export async function startAliyunMockServer(options: AliyunMockServerOptions = {}): Promise<AliyunMockServer> {
  const config = resolveOptions(options);
  const keys = await SigningKeys.create();
  const clock = new MockClock();
  const faults = new FaultQueue();
  const log: MutableLogEntry[] = [];
  const httpServer = createServer();

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const address = httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('the mock server is not listening on TCP');
  const origin = originOf(address);
  const ctx: MockContext = {
    options: config,
    origin,
    issuer: config.issuer ?? origin,
    apps: new Map(config.apps.map((app) => [app.clientId, app])),
    accounts: new Map(config.accounts.map((account) => [account.id, account])),
    store: new MockStore(clock),
    keys,
    clock,
    autoApprove: config.autoApprove,
  };

  httpServer.on('request', createRequestHandler(ctx, faults, log));

  let closing: Promise<void> | undefined;

  return {
    origin,
    issuer: ctx.issuer,
    endpoints: {
      authorization: `${origin}${paths.authorize}`,
      token: `${origin}${paths.token}`,
      revocation: `${origin}${paths.revoke}`,
      userinfo: `${origin}${paths.userinfo}`,
      jwks: `${origin}${paths.jwks}`,
      discovery: `${origin}${paths.discovery}`,
    },
    apps: config.apps,
    accounts: config.accounts,
    get autoApprove() {
      return ctx.autoApprove;
    },
    set autoApprove(account: string | undefined) {
      if (account !== undefined && !ctx.accounts.has(account)) {
        throw new TypeError(`autoApprove names an unknown account "${account}"`);
      }
      ctx.autoApprove = account;
    },
    requests: log,
    async authorize(url, authorizeOptions = {}) {
      const target = new URL(url);
      if (target.origin !== origin) {
        throw new TypeError(
          `authorize() needs a URL on this mock server (${origin}); got one on ${target.origin}. ` +
            'Point the sign-in host at the mock: aliyunProvider(region, { signinOrigin: mock.origin, oauthOrigin: mock.origin }).',
        );
      }
      if (target.pathname !== paths.authorize) {
        throw new TypeError(`authorize() needs an authorization URL (path ${paths.authorize}); got ${target.pathname}`);
      }
      const parsed = parseAuthorizationRequest(ctx, target.searchParams);
      if (parsed.kind === 'error-page') {
        throw new Error(`the server shows an error page instead of redirecting: ${parsed.error.message}`);
      }
      if (parsed.kind === 'error-redirect') return parsed.location;
      if (authorizeOptions.decision === 'deny') return decide(ctx, parsed.request, { approve: false });
      const accountId = authorizeOptions.account ?? ctx.autoApprove ?? config.accounts[0]?.id ?? '';
      const account = ctx.accounts.get(accountId);
      if (account === undefined) throw new TypeError(`authorize(): unknown account "${accountId}"`);
      return decide(ctx, parsed.request, { approve: true, account, grantOnly: authorizeOptions.grantOnly });
    },
    rotateKeys: () => keys.rotate(),
    dropPreviousKeys: () => keys.dropPrevious(),
    advanceTime: (seconds) => clock.advance(seconds),
    failNext: (fault) => faults.add(fault),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        httpServer.close((err) => (err === undefined ? resolve() : reject(err)));
        httpServer.closeAllConnections();
      });
      return closing;
    },
  };
}
