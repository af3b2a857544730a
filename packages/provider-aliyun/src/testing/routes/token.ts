import type { AliyunMockApp, AliyunMockInteractiveApp, AliyunMockServerApp } from '../apps.js';
import { authenticateClient, findApp, presentedClient, type PresentedClient } from '../client-auth.js';
import type { MockContext } from '../context.js';
import { errorResponse, MockOAuthError } from '../errors.js';
import { jsonResponse, type MockRequest, type MockResponse } from '../http.js';
import { signIdToken } from '../id-token.js';
import { verifierMatches } from '../pkce.js';
import type { Grant } from '../store.js';
import { postParams, required } from './params.js';

interface IssuedTokens {
  readonly accessToken: string;
  readonly validitySeconds: number;
  readonly scopes: readonly string[];
  readonly refreshToken?: string;
  readonly idToken?: string;
}

/** The response fields Alibaba Cloud sends; `expires_in` is a string or a number per `expiresInType`. */
function tokenResponse(ctx: MockContext, tokens: IssuedTokens): MockResponse {
  const body: Record<string, string | number> = {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: ctx.options.expiresInType === 'string' ? String(tokens.validitySeconds) : tokens.validitySeconds,
  };
  if (tokens.refreshToken !== undefined) body.refresh_token = tokens.refreshToken;
  if (tokens.idToken !== undefined) body.id_token = tokens.idToken;
  if (tokens.scopes.length > 0) body.scope = tokens.scopes.join(' ');
  // RFC 6749 §5.1: token responses must not be cached.
  return jsonResponse(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
}

function accessTokenValidity(ctx: MockContext, app: AliyunMockApp): number {
  return app.accessTokenValidity ?? ctx.options.accessTokenValidity;
}

function interactiveApp(app: AliyunMockApp): AliyunMockInteractiveApp {
  if (app.appType === 'ServerApp') {
    throw new MockOAuthError('unauthorized_client', 'server apps may only use the client_credentials grant');
  }
  return app;
}

/** Mints the access token (and the ID token when `openid` was granted) for a user's grant. */
async function userTokens(
  ctx: MockContext,
  app: AliyunMockInteractiveApp,
  grant: Grant & { readonly accountId: string },
  refreshToken: string | undefined,
  withIdToken: boolean,
): Promise<IssuedTokens> {
  const validitySeconds = accessTokenValidity(ctx, app);
  const accessToken = ctx.store.issueAccessToken(grant, validitySeconds, refreshToken);
  const account = ctx.accounts.get(grant.accountId);
  if (account === undefined) throw new MockOAuthError('invalid_grant', 'the account no longer exists');
  const idToken =
    withIdToken && grant.scopes.includes('openid')
      ? await signIdToken(ctx.keys, {
          issuer: ctx.issuer,
          clientId: app.clientId,
          account,
          scopes: grant.scopes,
          accessToken,
          nowSeconds: ctx.clock.nowSeconds(),
          validitySeconds: ctx.options.idTokenValidity,
        })
      : undefined;
  return { accessToken, validitySeconds, scopes: grant.scopes, refreshToken, idToken };
}

async function authorizationCodeGrant(
  ctx: MockContext,
  params: URLSearchParams,
  presented: PresentedClient,
  app: AliyunMockApp,
): Promise<IssuedTokens> {
  authenticateClient(app, presented, { webAppBasicAuth: ctx.options.webAppBasicAuth, secretOptional: false });
  const client = interactiveApp(app);
  const record = ctx.store.consumeCode(required(params, 'code'));
  // A used, expired, unknown or another client's code all look the same [code].
  if (record === undefined || record.clientId !== client.clientId) {
    throw new MockOAuthError('invalid_grant', 'code is invalid');
  }
  if (params.get('redirect_uri') !== record.redirectUri) {
    throw new MockOAuthError('invalid_grant', 'redirect_uri does not match the one of the authorization request');
  }
  // An empty parameter counts as absent, as everywhere else.
  const verifier = params.get('code_verifier') || undefined;
  if (record.codeChallenge !== undefined) {
    if (verifier === undefined || !verifierMatches(record.codeChallenge, verifier)) {
      throw new MockOAuthError('invalid_grant', 'code_verifier is invalid');
    }
  } else if (verifier !== undefined && ctx.options.codeVerifierWithoutChallenge === 'reject') {
    // RFC 9700 §4.8.2: accepting it would hide a PKCE downgrade (a challenge stripped from the request).
    throw new MockOAuthError('invalid_grant', 'code_verifier was sent, but the authorization request had no code_challenge');
  }
  const refreshToken = record.issueRefreshToken
    ? ctx.store.issueRefreshToken(record, client.refreshTokenValidity ?? ctx.options.refreshTokenValidity)
    : undefined;
  return userTokens(ctx, client, record, refreshToken, true);
}

async function refreshTokenGrant(
  ctx: MockContext,
  params: URLSearchParams,
  presented: PresentedClient,
  app: AliyunMockApp,
): Promise<IssuedTokens> {
  authenticateClient(app, presented, {
    webAppBasicAuth: ctx.options.webAppBasicAuth,
    secretOptional: !ctx.options.refreshRequiresClientSecret,
  });
  const client = interactiveApp(app);
  const refreshToken = required(params, 'refresh_token');
  const record = ctx.store.findRefreshToken(refreshToken);
  if (record === undefined || record.clientId !== client.clientId) {
    throw new MockOAuthError('invalid_grant', 'invalid refreshToken');
  }
  if (!ctx.options.refreshTokenRotation) {
    // The documented answer: a new access token only, no refresh_token and no id_token.
    const tokens = await userTokens(ctx, client, record, refreshToken, false);
    return { ...tokens, refreshToken: undefined };
  }
  return userTokens(ctx, client, record, ctx.store.rotateRefreshToken(refreshToken), true);
}

function clientCredentialsGrant(
  ctx: MockContext,
  params: URLSearchParams,
  presented: PresentedClient,
  app: AliyunMockApp,
): IssuedTokens {
  authenticateClient(app, presented, { webAppBasicAuth: ctx.options.webAppBasicAuth, secretOptional: false });
  if (app.appType !== 'ServerApp') {
    throw new MockOAuthError('unauthorized_client', 'only server apps may use the client_credentials grant');
  }
  const scopes = clientCredentialsScopes(app, params.get('scope'));
  const validitySeconds = accessTokenValidity(ctx, app);
  const accessToken = ctx.store.issueAccessToken({ clientId: app.clientId, accountId: undefined, scopes }, validitySeconds);
  return { accessToken, validitySeconds, scopes };
}

function clientCredentialsScopes(app: AliyunMockServerApp, raw: string | null): readonly string[] {
  if (raw === null || raw === '') return app.scopes;
  const requested = [...new Set(raw.split(' ').filter((scope) => scope !== ''))];
  if (!requested.every((scope) => app.scopes.includes(scope))) {
    throw new MockOAuthError('invalid_scope', 'the app is not allowed some of the requested scopes');
  }
  return requested;
}

const grants = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
} as const;

function isSupportedGrant(grantType: string): grantType is keyof typeof grants {
  return Object.hasOwn(grants, grantType);
}

/** `POST /v1/token`. */
export async function postToken(ctx: MockContext, req: MockRequest): Promise<MockResponse> {
  try {
    const params = postParams(req);
    const grantType = required(params, 'grant_type');
    if (!isSupportedGrant(grantType)) {
      throw new MockOAuthError('unsupported_grant_type', 'the grant_type is not supported');
    }
    const presented = presentedClient(req.headers, params);
    const app = findApp(ctx.apps, presented.clientId);
    return tokenResponse(ctx, await grants[grantType](ctx, params, presented, app));
  } catch (err) {
    if (err instanceof MockOAuthError) return errorResponse(ctx.options, 'token', err);
    throw err;
  }
}
