import { describe, expect, it } from 'vitest';
import { aliyunAccountKind } from '../src/index.js';
import type { AliyunIdentityClaims, AliyunIdTokenClaims } from '../src/index.js';
import { seededAccounts } from '../src/testing/index.js';
import { login, useMockServer, webClient } from './helpers/aliyun.js';

const mock = useMockServer();

describe('aliyunAccountKind from real logins', () => {
  const cases = [
    [seededAccounts.root.id, 'root-account'],
    [seededAccounts.ramUser.id, 'ram-user'],
    [seededAccounts.ramRole.id, 'ram-role'],
  ] as const;
  for (const [account, kind] of cases) {
    it(`tells a ${kind} from the ID token and from userinfo`, async () => {
      const client = webClient(mock(), 'intl');
      const { token } = await login(client, mock(), {}, { account });
      expect(aliyunAccountKind(token.idTokenClaims as AliyunIdTokenClaims)).toBe(kind);
      expect(aliyunAccountKind((await client.userinfo(token)) as AliyunIdentityClaims)).toBe(kind);
    });
  }

  it('recognises a root account from uid === aid when only aliuid was granted', async () => {
    const client = webClient(mock(), 'cn');
    const { token } = await login(client, mock(), { scope: 'openid aliuid' }, { account: seededAccounts.root.id });
    const claims = token.idTokenClaims as AliyunIdTokenClaims;
    expect(claims.type).toBeUndefined();
    expect(aliyunAccountKind(claims)).toBe('root-account');
  });
});

describe('aliyunAccountKind rules', () => {
  it('prefers type over the uid/aid fallback', () => {
    expect(aliyunAccountKind({ type: 'user', uid: '1', aid: '1' })).toBe('ram-user');
    expect(aliyunAccountKind({ type: 'role' })).toBe('ram-role');
    expect(aliyunAccountKind({ type: 'account' })).toBe('root-account');
  });

  it('cannot tell a RAM user from a RAM role without type', () => {
    expect(aliyunAccountKind({ uid: '2034567890123456', aid: '1234567890123456' })).toBeUndefined();
  });

  it('answers undefined when neither profile nor aliuid was granted, or for an unknown type', () => {
    expect(aliyunAccountKind({})).toBeUndefined();
    expect(aliyunAccountKind({ type: 'robot' as 'user' })).toBeUndefined();
    expect(aliyunAccountKind({ type: 'robot' as 'user', uid: '7', aid: '7' })).toBe('root-account');
    expect(aliyunAccountKind({ uid: '', aid: '' })).toBeUndefined();
    expect(aliyunAccountKind(null as unknown as AliyunIdentityClaims)).toBeUndefined();
  });
});
