/**
 * Identities a person (or a test) can sign in as, and the claims each scope reveals about them
 * (aliyun-protocol.md, "ID token": `profile` → type, name, upn, login_name; `aliuid` → aid, uid).
 */

/**
 * An identity on the mock server.
 *
 * @example
 * ```ts
 * const dave: AliyunMockAccount = {
 *   id: 'dave',
 *   type: 'user',
 *   sub: 'b0d3c1e2a4f5',
 *   uid: '2098765432109876',
 *   aid: seededAccounts.root.aid,
 *   name: 'Dave',
 *   upn: 'dave@1234567890123456.onaliyun.com',
 * };
 * const server = await startAliyunMockServer({ accounts: [...Object.values(seededAccounts), dave] });
 * ```
 */
export interface AliyunMockAccount {
  /**
   * The account's handle in the mock, not a claim: `autoApprove` and `authorize({ account })` take it and
   * the login page's radio button is `#account-<id>`. Letters, digits, `-` and `_` only.
   */
  readonly id: string;
  /** `account` = root account (then `uid === aid`), `user` = RAM user, `role` = RAM role. */
  readonly type: 'account' | 'user' | 'role';
  /** The opaque subject identifier. */
  readonly sub: string;
  /** The user's id; equals `aid` for a root account. */
  readonly uid: string;
  /** The root account's id. */
  readonly aid: string;
  /** Display name. */
  readonly name: string;
  /** RAM user logon name, e.g. `bob@1234567890123456.onaliyun.com`. */
  readonly upn?: string;
  /** Root account logon name. */
  readonly login_name?: string;
}

const rootAccountId = '1234567890123456';

/**
 * The accounts a server has when `accounts` is not given: one root account, one RAM user and one RAM role,
 * all in the same Alibaba Cloud account.
 *
 * @example
 * ```ts
 * const server = await startAliyunMockServer({ autoApprove: seededAccounts.ramUser.id });
 * ```
 */
export const seededAccounts: {
  readonly root: AliyunMockAccount;
  readonly ramUser: AliyunMockAccount;
  readonly ramRole: AliyunMockAccount;
} = Object.freeze({
  root: Object.freeze({
    id: 'root',
    type: 'account',
    sub: '5f2b8e41c7a94d03',
    uid: rootAccountId,
    aid: rootAccountId,
    name: 'Alice Liu',
    login_name: 'alice@example.com',
  }),
  ramUser: Object.freeze({
    id: 'ram-user',
    type: 'user',
    sub: '9c4e1a7d3b2f6e80',
    uid: '2034567890123456',
    aid: rootAccountId,
    name: 'Bob Wang',
    upn: `bob@${rootAccountId}.onaliyun.com`,
  }),
  ramRole: Object.freeze({
    id: 'ram-role',
    type: 'role',
    sub: 'e3a06b9f15d84c27',
    uid: '3045678901234567',
    aid: rootAccountId,
    name: 'DevOpsRole/carol',
  }),
});

const accountIdPattern = /^[A-Za-z0-9_-]+$/;

/** Checks a list of accounts for duplicate or unusable ids. */
export function validateAccounts(accounts: readonly AliyunMockAccount[]): void {
  if (accounts.length === 0) throw new TypeError('the mock server needs at least one account');
  const seen = new Set<string>();
  for (const account of accounts) {
    if (!accountIdPattern.test(account.id)) {
      throw new TypeError(`account id "${account.id}" must use only letters, digits, "-" and "_"`);
    }
    if (seen.has(account.id)) throw new TypeError(`two accounts share the id "${account.id}"`);
    seen.add(account.id);
  }
}

/** The identity claims a set of granted scopes reveals (`sub` always; the rest by scope). */
export function claimsForScopes(account: AliyunMockAccount, scopes: readonly string[]): Record<string, string> {
  const claims: Record<string, string> = { sub: account.sub };
  if (scopes.includes('profile')) {
    claims.type = account.type;
    claims.name = account.name;
    if (account.upn !== undefined) claims.upn = account.upn;
    if (account.login_name !== undefined) claims.login_name = account.login_name;
  }
  if (scopes.includes('aliuid')) {
    claims.aid = account.aid;
    claims.uid = account.uid;
  }
  return claims;
}
