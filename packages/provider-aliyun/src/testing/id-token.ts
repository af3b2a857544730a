import { createHash } from 'node:crypto';
import { claimsForScopes, type AliyunMockAccount } from './accounts.js';
import type { SigningKeys } from './keys.js';

export interface IdTokenInput {
  readonly issuer: string;
  readonly clientId: string;
  readonly account: AliyunMockAccount;
  readonly scopes: readonly string[];
  readonly accessToken: string;
  readonly nowSeconds: number;
  readonly validitySeconds: number;
}

/** OIDC Core §3.1.3.6: the left half of the SHA-256 of the access token, base64url-encoded. */
function accessTokenHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/**
 * Signs an ID token with the claims aliyun-protocol.md lists: `iss`, `aud` (the client id), `sub`, `iat`,
 * `exp`, `at_hash`, and the profile/aliuid claims the scopes allow. No `nonce`: Alibaba Cloud does not
 * document one.
 */
export function signIdToken(keys: SigningKeys, input: IdTokenInput): Promise<string> {
  return keys.sign({
    iss: input.issuer,
    aud: input.clientId,
    iat: input.nowSeconds,
    exp: input.nowSeconds + input.validitySeconds,
    at_hash: accessTokenHash(input.accessToken),
    ...claimsForScopes(input.account, input.scopes),
  });
}
