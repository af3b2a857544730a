import { paths, type MockContext } from '../context.js';
import { jsonResponse, type MockResponse } from '../http.js';

/**
 * `GET /.well-known/openid-configuration`, shaped like Alibaba Cloud's: no `userinfo_endpoint` and no
 * client-authentication method lists (aliyun-protocol.md, "Two sites").
 */
export function getDiscovery(ctx: MockContext): MockResponse {
  return jsonResponse(200, {
    issuer: ctx.issuer,
    authorization_endpoint: `${ctx.origin}${paths.authorize}`,
    token_endpoint: `${ctx.origin}${paths.token}`,
    revocation_endpoint: `${ctx.origin}${paths.revoke}`,
    jwks_uri: `${ctx.origin}${paths.jwks}`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    code_challenge_methods_supported: ['plain', 'S256'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'aliuid', 'profile'],
  });
}

/** `GET /v1/keys`: the JWKS, current key first, previous keys until they are dropped. */
export function getJwks(ctx: MockContext): MockResponse {
  return jsonResponse(200, ctx.keys.jwks());
}
