import { claimsForScopes } from '../accounts.js';
import type { MockContext } from '../context.js';
import { errorResponse, MockOAuthError } from '../errors.js';
import { jsonResponse, type MockRequest, type MockResponse } from '../http.js';

function bearerToken(req: MockRequest): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * `GET /v1/userinfo`: the claims the token's scopes allow. A missing or bad token gets Alibaba Cloud's
 * `access_denied` / "parse token failed" rather than `invalid_token`; a token without the required scope
 * gets 403 (aliyun-protocol.md, "UserInfo" [code]).
 */
export function getUserinfo(ctx: MockContext, req: MockRequest): MockResponse {
  const token = bearerToken(req);
  const grant = token === undefined ? undefined : ctx.store.findAccessToken(token);
  const account = grant?.accountId === undefined ? undefined : ctx.accounts.get(grant.accountId);
  if (grant === undefined) {
    return errorResponse(ctx.options, 'userinfo', new MockOAuthError('access_denied', 'parse token failed', 'token'));
  }
  const required = ctx.options.userinfoRequiredScope;
  if (account === undefined || !grant.scopes.includes(required)) {
    const err = new MockOAuthError('insufficient_scope', `the access token was not granted the ${required} scope`, 'scope');
    return errorResponse(ctx.options, 'userinfo', err);
  }
  return jsonResponse(200, claimsForScopes(account, grant.scopes), { 'cache-control': 'no-store' });
}
