/**
 * OAuth applications registered with the mock server. The three kinds and their field names follow the
 * RAM console and API (`AppType`: `WebApp`, `NativeApp`, `ServerApp`; `AccessTokenValidity`,
 * `RefreshTokenValidity`, `RedirectUris`).
 */

interface AliyunMockAppBase {
  /** The application id (`client_id`). */
  readonly clientId: string;
  /** Shown on the login-and-consent page. */
  readonly displayName: string;
  /** Scopes the app may ask for; an authorization request without `scope` gets all of them. */
  readonly scopes: readonly string[];
  /** Access-token lifetime in seconds for this app; defaults to the server's `accessTokenValidity`. */
  readonly accessTokenValidity?: number;
}

/**
 * A confidential web application: authorization-code flow, `client_id` + `client_secret` in the form body
 * (HTTP Basic only when the server's `webAppBasicAuth` switch is on). Gets a refresh token only when the
 * authorization request said `access_type=offline`.
 *
 * @example
 * ```ts
 * const app: AliyunMockWebApp = {
 *   appType: 'WebApp',
 *   clientId: 'my-web-app',
 *   clientSecret: 'my-web-app-secret',
 *   displayName: 'My Web App',
 *   redirectUris: ['http://127.0.0.1:3000/callback'],
 *   scopes: ['openid', 'aliuid', 'profile'],
 * };
 * const server = await startAliyunMockServer({ apps: [app] });
 * ```
 */
export interface AliyunMockWebApp extends AliyunMockAppBase {
  readonly appType: 'WebApp';
  readonly clientSecret: string;
  /** Compared byte for byte with the request's `redirect_uri`. */
  readonly redirectUris: readonly string[];
  /** Refresh-token lifetime in seconds for this app; defaults to the server's `refreshTokenValidity`. */
  readonly refreshTokenValidity?: number;
}

/**
 * A public native application (CLI, desktop, mobile): no secret, optional PKCE (`plain` when
 * `code_challenge_method` is omitted, or `S256`), and always a refresh token.
 *
 * @example
 * ```ts
 * const app: AliyunMockNativeApp = {
 *   appType: 'NativeApp',
 *   clientId: 'my-cli',
 *   displayName: 'My CLI',
 *   redirectUris: ['http://127.0.0.1:12345/cli/callback'],
 *   scopes: ['openid', '/internal/ram/usersts'],
 * };
 * ```
 */
export interface AliyunMockNativeApp extends AliyunMockAppBase {
  readonly appType: 'NativeApp';
  readonly redirectUris: readonly string[];
  readonly refreshTokenValidity?: number;
}

/**
 * A server application: `client_credentials` only, authenticated with HTTP Basic.
 *
 * @example
 * ```ts
 * const app: AliyunMockServerApp = {
 *   appType: 'ServerApp',
 *   clientId: 'my-daemon',
 *   clientSecret: 'my-daemon-secret',
 *   displayName: 'My Daemon',
 *   scopes: ['/acs/ccc'],
 * };
 * ```
 */
export interface AliyunMockServerApp extends AliyunMockAppBase {
  readonly appType: 'ServerApp';
  readonly clientSecret: string;
}

/**
 * Any application the mock server knows.
 *
 * @example
 * ```ts
 * const apps: AliyunMockApp[] = [...Object.values(seededApps), myExtraApp];
 * const server = await startAliyunMockServer({ apps });
 * ```
 */
export type AliyunMockApp = AliyunMockWebApp | AliyunMockNativeApp | AliyunMockServerApp;

/** An app that takes part in the authorization-code flow. */
export type AliyunMockInteractiveApp = AliyunMockWebApp | AliyunMockNativeApp;

/**
 * The applications a server has when `apps` is not given. Ids look like real RAM application ids; the
 * web app's redirect URIs include the one from the `@alicloud/oauth2` README and loopback callbacks for
 * a local demo on port 3000.
 *
 * @example
 * ```ts
 * import { seededApps, startAliyunMockServer } from '@x/provider-aliyun/testing';
 *
 * const server = await startAliyunMockServer();
 * const { clientId, clientSecret, redirectUris } = seededApps.web;
 * ```
 */
export const seededApps: {
  readonly web: AliyunMockWebApp;
  readonly native: AliyunMockNativeApp;
  readonly server: AliyunMockServerApp;
} = Object.freeze({
  web: Object.freeze({
    appType: 'WebApp',
    clientId: '4071151845732613353',
    clientSecret: 'mock-web-app-secret-7Qm2xR9vLk4T',
    displayName: 'Mock Web App',
    redirectUris: Object.freeze([
      'http://127.0.0.1:3000/callback',
      'http://localhost:3000/callback',
      'https://yourwebapp.com/authcallback/',
    ]),
    scopes: Object.freeze(['openid', 'aliuid', 'profile', '/acs/ccc']),
  }),
  native: Object.freeze({
    appType: 'NativeApp',
    clientId: '4038081845263127611',
    displayName: 'Mock Native App',
    redirectUris: Object.freeze(['http://127.0.0.1:12345/cli/callback', 'com.example.app:/oauth2redirect']),
    scopes: Object.freeze(['openid', 'aliuid', 'profile', '/internal/ram/usersts']),
  }),
  server: Object.freeze({
    appType: 'ServerApp',
    clientId: '4052276329874410192',
    clientSecret: 'mock-server-app-secret-Hc8pW3nJ5sYd',
    displayName: 'Mock Server App',
    scopes: Object.freeze(['/acs/ccc']),
  }),
});

/** Checks a registry of apps for the mistakes that would otherwise surface as confusing 4xx answers. */
export function validateApps(apps: readonly AliyunMockApp[]): void {
  const seen = new Set<string>();
  for (const app of apps) {
    if (!app.clientId) throw new TypeError('every app needs a non-empty clientId');
    if (seen.has(app.clientId)) throw new TypeError(`two apps share the clientId "${app.clientId}"`);
    seen.add(app.clientId);
    if (app.scopes.length === 0) throw new TypeError(`app "${app.clientId}" has no scopes`);
    if (app.appType !== 'NativeApp' && !app.clientSecret) {
      throw new TypeError(`app "${app.clientId}" (${app.appType}) needs a clientSecret`);
    }
    if (app.appType !== 'ServerApp') {
      if (app.redirectUris.length === 0) throw new TypeError(`app "${app.clientId}" has no redirectUris`);
      for (const uri of app.redirectUris) {
        // RFC 6749 §3.1.2: the redirection endpoint URI MUST NOT include a fragment component.
        if (!URL.canParse(uri) || uri.includes('#')) {
          throw new TypeError(`app "${app.clientId}" has an invalid redirect URI: ${uri}`);
        }
      }
    }
  }
}
