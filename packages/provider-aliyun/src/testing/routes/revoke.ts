import { authenticateClient, findApp, presentedClient } from '../client-auth.js';
import type { MockContext } from '../context.js';
import { errorResponse, MockOAuthError } from '../errors.js';
import { jsonResponse, type MockRequest, type MockResponse } from '../http.js';
import { postParams, required } from './params.js';

/**
 * `POST /v1/revoke` with `token`, `client_id` and an optional `client_secret`. Revokes a refresh token
 * and the access tokens minted under it; access tokens themselves only with `revokeAccessTokens`.
 * Unknown tokens get the same 200 answer (aliyun-protocol.md, "Revocation" [code]; RFC 7009 §2.2).
 */
export function postRevoke(ctx: MockContext, req: MockRequest): MockResponse {
  try {
    const params = postParams(req);
    const token = required(params, 'token');
    const presented = presentedClient(req.headers, params);
    const app = findApp(ctx.apps, presented.clientId);
    authenticateClient(app, presented, { webAppBasicAuth: ctx.options.webAppBasicAuth, secretOptional: true });
    if (!ctx.store.revokeRefreshToken(token, app.clientId) && ctx.options.revokeAccessTokens) {
      ctx.store.revokeAccessToken(token, app.clientId);
    }
    return jsonResponse(200, { success: true, message: 'success' }, { 'cache-control': 'no-store' });
  } catch (err) {
    if (err instanceof MockOAuthError) return errorResponse(ctx.options, 'revoke', err);
    throw err;
  }
}
