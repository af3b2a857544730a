import type { AliyunMockAccount } from './accounts.js';
import type { AliyunMockInteractiveApp } from './apps.js';
import { echo, MockOAuthError } from './errors.js';
import type { MockContext } from './context.js';
import { repeatedParam } from './http.js';
import { pkceValuePattern } from './pkce.js';
import type { CodeRecord } from './store.js';

/** A validated `GET /oauth2/v1/auth` request, waiting for the user's decision. */
export interface AuthorizationRequest {
  readonly app: AliyunMockInteractiveApp;
  readonly redirectUri: string;
  /** The scopes to grant: the requested ones, or all of the app's when `scope` was omitted. */
  readonly scopes: readonly string[];
  /** `access_type=offline`: a web app gets a refresh token (native apps always do). */
  readonly offline: boolean;
  /** `prompt=admin_consent`. */
  readonly adminConsent: boolean;
  readonly state: string | undefined;
  readonly codeChallenge: CodeRecord['codeChallenge'];
}

export type ParsedAuthorizationRequest =
  | { readonly kind: 'valid'; readonly request: AuthorizationRequest }
  /** Client or redirect URI cannot be trusted: answer with a JSON page, never redirect. */
  | { readonly kind: 'error-page'; readonly error: MockOAuthError }
  /** Anything else goes back to the client as `error=...&state=...`. */
  | { readonly kind: 'error-redirect'; readonly location: string; readonly error: MockOAuthError };

/** Appends parameters to a redirect URI without re-encoding the query it already has. */
export function callbackLocation(redirectUri: string, params: Readonly<Record<string, string | undefined>>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.append(name, value);
  return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${query.toString()}`;
}

/** An empty parameter counts as absent, as most servers read it. */
function param(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === '' ? undefined : value;
}

function requestedScopes(ctx: MockContext, app: AliyunMockInteractiveApp, raw: string | undefined): string[] {
  if (raw === undefined) return [...app.scopes];
  // Scope values are space separated and may contain slashes, e.g. "openid /acs/ccc".
  const requested = [...new Set(raw.split(' ').filter((scope) => scope !== ''))];
  const allowed = requested.filter((scope) => app.scopes.includes(scope));
  if (allowed.length < requested.length && ctx.options.unknownScopes === 'reject') {
    throw new MockOAuthError('invalid_scope', 'the app is not allowed some of the requested scopes');
  }
  if (allowed.length === 0) throw new MockOAuthError('invalid_scope', 'none of the requested scopes is allowed');
  return allowed;
}

function codeChallenge(params: URLSearchParams): CodeRecord['codeChallenge'] {
  const value = param(params, 'code_challenge');
  const method = param(params, 'code_challenge_method');
  if (value === undefined) {
    if (method !== undefined) throw new MockOAuthError('invalid_request', 'code_challenge_method without code_challenge');
    return undefined;
  }
  if (!pkceValuePattern.test(value)) {
    throw new MockOAuthError('invalid_request', 'code_challenge must be 43 to 128 unreserved characters');
  }
  // Alibaba Cloud defaults to `plain` when the method is omitted (RFC 7636 §4.3).
  if (method === undefined || method === 'plain') return { value, method: 'plain' };
  if (method === 'S256') return { value, method: 'S256' };
  throw new MockOAuthError('invalid_request', 'code_challenge_method must be plain or S256');
}

function validatedRequest(
  ctx: MockContext,
  params: URLSearchParams,
  app: AliyunMockInteractiveApp,
  redirectUri: string,
): AuthorizationRequest {
  const responseType = param(params, 'response_type');
  if (responseType === undefined) throw new MockOAuthError('invalid_request', 'response_type is required');
  if (responseType !== 'code') {
    throw new MockOAuthError('unsupported_response_type', 'only response_type=code is supported');
  }
  const accessType = param(params, 'access_type') ?? 'online';
  if (accessType !== 'online' && accessType !== 'offline') {
    throw new MockOAuthError('invalid_request', 'access_type must be online or offline');
  }
  const prompt = param(params, 'prompt');
  if (prompt !== undefined && prompt !== 'admin_consent') {
    throw new MockOAuthError('invalid_request', 'the only supported prompt is admin_consent');
  }
  return {
    app,
    redirectUri,
    scopes: requestedScopes(ctx, app, param(params, 'scope')),
    offline: accessType === 'offline',
    adminConsent: prompt === 'admin_consent',
    state: param(params, 'state'),
    codeChallenge: codeChallenge(params),
  };
}

/**
 * Validates an authorization request in the order RFC 6749 §4.1.2.1 requires: problems with the client or
 * the redirect URI are shown to the user, never redirected. Alibaba Cloud's JSON page is seen for an
 * unknown client id [code]; the same page for an unregistered redirect URI or a server app is a [guess]
 * at the body (not redirecting is what the RFC requires). The rest are redirected.
 */
export function parseAuthorizationRequest(ctx: MockContext, params: URLSearchParams): ParsedAuthorizationRequest {
  const repeated = repeatedParam(params);
  if (repeated !== undefined) {
    return { kind: 'error-page', error: new MockOAuthError('invalid_request', `${echo(repeated)} was sent more than once`) };
  }
  const clientId = param(params, 'client_id');
  if (clientId === undefined) {
    return { kind: 'error-page', error: new MockOAuthError('invalid_request', 'client_id is required') };
  }
  const app = ctx.apps.get(clientId);
  if (app === undefined) {
    return { kind: 'error-page', error: new MockOAuthError('invalid_client', `App not exists:${echo(clientId)}`, 'client') };
  }
  if (app.appType === 'ServerApp') {
    return {
      kind: 'error-page',
      error: new MockOAuthError('unauthorized_client', 'server apps cannot use the authorization code flow'),
    };
  }
  const redirectUri = param(params, 'redirect_uri');
  if (redirectUri === undefined || !app.redirectUris.includes(redirectUri)) {
    return {
      kind: 'error-page',
      error: new MockOAuthError('invalid_request', 'redirect_uri does not match any registered for the app'),
    };
  }
  try {
    return { kind: 'valid', request: validatedRequest(ctx, params, app, redirectUri) };
  } catch (err) {
    if (!(err instanceof MockOAuthError)) throw err;
    if (ctx.options.authorizeErrors === 'page') return { kind: 'error-page', error: err };
    const location = callbackLocation(redirectUri, {
      error: err.error,
      error_description: err.description,
      state: param(params, 'state'),
    });
    return { kind: 'error-redirect', location, error: err };
  }
}

/** The user's answer on the login page (or in `server.authorize()`). */
export type AuthorizationDecision =
  | { readonly approve: true; readonly account: AliyunMockAccount; readonly grantOnly?: readonly string[] }
  | { readonly approve: false };

/** Issues the code (or the denial) and returns where the browser goes next. */
export function decide(ctx: MockContext, request: AuthorizationRequest, decision: AuthorizationDecision): string {
  if (!decision.approve) {
    // User denial: the RFC 6749 §4.1.2.1 redirect [guess].
    return callbackLocation(request.redirectUri, {
      error: 'access_denied',
      error_description: 'the user denied the authorization request',
      state: request.state,
    });
  }
  const grantOnly = decision.grantOnly;
  const scopes = grantOnly === undefined ? request.scopes : request.scopes.filter((scope) => grantOnly.includes(scope));
  const code = ctx.store.issueCode(
    {
      clientId: request.app.clientId,
      accountId: decision.account.id,
      scopes,
      redirectUri: request.redirectUri,
      issueRefreshToken: request.app.appType === 'NativeApp' || request.offline,
      codeChallenge: request.codeChallenge,
    },
    ctx.options.codeValidity,
  );
  return callbackLocation(request.redirectUri, { code, state: request.state });
}
