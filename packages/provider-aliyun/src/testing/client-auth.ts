import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AliyunMockApp } from './apps.js';
import { echo, MockOAuthError } from './errors.js';

/** How a request presented its client credentials. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface PresentedClient {
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly method: ClientAuthMethod;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64; many clients skip that step. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    return value;
  }
}

/** Reads `Authorization: Basic` or the `client_id`/`client_secret` parameters, refusing to mix the two. */
export function presentedClient(headers: IncomingHttpHeaders, params: URLSearchParams): PresentedClient {
  const authorization = headers.authorization;
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new MockOAuthError('invalid_client', 'malformed HTTP Basic credentials', 'client');
    }
    const clientId = formDecode(decoded.slice(0, colon));
    if (params.get('client_secret')) {
      // RFC 6749 §2.3: a client MUST NOT use more than one authentication method in a request.
      throw new MockOAuthError('invalid_request', 'client credentials were sent both in HTTP Basic and in the body');
    }
    const bodyClientId = params.get('client_id');
    if (bodyClientId !== null && bodyClientId !== clientId) {
      throw new MockOAuthError('invalid_request', 'client_id differs between HTTP Basic and the body');
    }
    return { clientId, clientSecret: formDecode(decoded.slice(colon + 1)), method: 'client_secret_basic' };
  }
  // An empty parameter counts as absent, as most servers read it.
  const clientSecret = params.get('client_secret') || undefined;
  return {
    clientId: params.get('client_id') || undefined,
    clientSecret,
    method: clientSecret === undefined ? 'none' : 'client_secret_post',
  };
}

/** Looks an app up by the presented client id: unknown ids get Alibaba Cloud's "App not exists". */
export function findApp(apps: ReadonlyMap<string, AliyunMockApp>, clientId: string | undefined): AliyunMockApp {
  if (clientId === undefined || clientId === '') {
    throw new MockOAuthError('invalid_client', 'client_id is required', 'client');
  }
  const app = apps.get(clientId);
  if (app === undefined) throw new MockOAuthError('invalid_client', `App not exists:${echo(clientId)}`, 'client');
  return app;
}

export function secretMatches(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function basicChallenge(method: ClientAuthMethod): Readonly<Record<string, string>> {
  // RFC 6749 §5.2: a 401 to a client that used HTTP Basic carries a matching WWW-Authenticate.
  return method === 'client_secret_basic' ? { 'www-authenticate': 'Basic realm="oauth"' } : {};
}

export function invalidSecret(method: ClientAuthMethod): MockOAuthError {
  return new MockOAuthError('invalid_client', 'client authentication failed', 'client', basicChallenge(method));
}

export interface ClientAuthPolicy {
  /** Whether web apps may use HTTP Basic (the `webAppBasicAuth` switch). */
  readonly webAppBasicAuth: boolean;
  /** Whether a web app may omit its secret (refresh and revoke, where the docs call it optional). */
  readonly secretOptional: boolean;
}

/**
 * Applies each app kind's authentication rule (aliyun-protocol.md, "Application kinds"): web apps use
 * client_secret_post, server apps HTTP Basic, native apps are public and identified by id alone.
 */
export function authenticateClient(app: AliyunMockApp, presented: PresentedClient, policy: ClientAuthPolicy): void {
  switch (app.appType) {
    case 'NativeApp':
      return;
    case 'ServerApp':
      if (presented.method !== 'client_secret_basic') {
        throw new MockOAuthError('invalid_client', 'server apps authenticate with HTTP Basic', 'client', {
          'www-authenticate': 'Basic realm="oauth"',
        });
      }
      break;
    case 'WebApp':
      if (presented.method === 'client_secret_basic' && !policy.webAppBasicAuth) {
        throw new MockOAuthError(
          'invalid_client',
          'web apps send client_id and client_secret in the form body, not in HTTP Basic',
          'client',
        );
      }
      if (presented.method === 'none') {
        if (policy.secretOptional) return;
        throw new MockOAuthError('invalid_client', 'client_secret is required', 'client');
      }
      break;
  }
  if (!secretMatches(app.clientSecret, presented.clientSecret ?? '')) throw invalidSecret(presented.method);
}
