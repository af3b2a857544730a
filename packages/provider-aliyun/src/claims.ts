import type { IdTokenClaims, UserinfoClaims } from '@x/oauth2-core';

/**
 * The identity claims Alibaba Cloud adds, in ID tokens and UserInfo answers alike, depending on the
 * granted scopes (aliyun-protocol.md, "ID token"):
 * - `profile`: `type`, `name`, and `upn` (a RAM user's logon name) or `login_name` (a root account's);
 * - `aliuid`: `aid` (the root account id) and `uid` (the user's id; `uid === aid` for a root account).
 *
 * @example
 * ```ts
 * const claims: AliyunIdentityClaims = { sub: '9c4e...', type: 'user', uid: '2034...', aid: '1234...' };
 * ```
 */
export interface AliyunIdentityClaims {
  /** The opaque subject identifier. */
  sub: string;
  /** `account`: root account; `user`: RAM user; `role`: RAM role (with `profile`). */
  type?: 'account' | 'user' | 'role';
  /** Display name (with `profile`). */
  name?: string;
  /** RAM user logon name, e.g. `bob@1234567890123456.onaliyun.com` (with `profile`). */
  upn?: string;
  /** Root account logon name (with `profile`). */
  login_name?: string;
  /** The user's id; equals `aid` for a root account (with `aliuid`). */
  uid?: string;
  /** The id of the root account the identity belongs to (with `aliuid`). */
  aid?: string;
}

/**
 * The claims of an Alibaba Cloud ID token: the standard ones (`iss`, `aud`, `sub`, `iat`, `exp`,
 * `at_hash`...) and Alibaba Cloud's. Cast `token.idTokenClaims` (or the result of `client.verifyIdToken`)
 * to it.
 *
 * @example
 * ```ts
 * const claims = token.idTokenClaims as AliyunIdTokenClaims;
 * console.log(claims.uid, claims.upn ?? claims.login_name);
 * ```
 */
export interface AliyunIdTokenClaims extends IdTokenClaims, AliyunIdentityClaims {
  sub: string;
}

/**
 * What Alibaba Cloud's UserInfo endpoint answers: the same claims, filtered by the token's scopes.
 *
 * @example
 * ```ts
 * const info = (await client.userinfo(token)) as AliyunUserinfoClaims;
 * ```
 */
export interface AliyunUserinfoClaims extends UserinfoClaims, AliyunIdentityClaims {
  sub: string;
}

/**
 * Who signed in: the owner of an Alibaba Cloud account (`root-account`), a RAM user (`ram-user`) or
 * someone acting in a RAM role (`ram-role`).
 *
 * @example
 * ```ts
 * const kind: AliyunAccountKind = 'ram-user';
 * ```
 */
export type AliyunAccountKind = 'root-account' | 'ram-user' | 'ram-role';

const kinds: Readonly<Record<string, AliyunAccountKind>> = { account: 'root-account', user: 'ram-user', role: 'ram-role' };

/**
 * Tells a root account, a RAM user and a RAM role apart, from ID-token or UserInfo claims.
 *
 * Reads `type` (scope `profile`). Without it, falls back to `uid === aid` (scope `aliuid`), which
 * identifies a root account; `uid !== aid` is a RAM user or a RAM role, which only `type` tells apart,
 * so the answer is then `undefined`, as it is when neither scope was granted. Request `profile` to always
 * get an answer.
 *
 * @example
 * ```ts
 * import { aliyunAccountKind, type AliyunIdTokenClaims } from '@x/provider-aliyun';
 *
 * if (aliyunAccountKind(token.idTokenClaims as AliyunIdTokenClaims) === 'root-account') {
 *   throw new Error('sign in with a RAM user, not the root account');
 * }
 * ```
 */
export function aliyunAccountKind(claims: Pick<AliyunIdentityClaims, 'type' | 'uid' | 'aid'>): AliyunAccountKind | undefined {
  if (typeof claims !== 'object' || claims === null) return undefined;
  const type = claims.type;
  if (typeof type === 'string' && Object.hasOwn(kinds, type)) return kinds[type];
  if (typeof claims.uid === 'string' && claims.uid !== '' && claims.uid === claims.aid) return 'root-account';
  return undefined;
}
