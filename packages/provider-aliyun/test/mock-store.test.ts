import { describe, expect, it } from 'vitest';
import { seededAccounts, seededApps } from '../src/testing/index.js';
import type { AuthorizationRequest } from '../src/testing/authorization-request.js';
import { MockClock } from '../src/testing/clock.js';
import { MockStore } from '../src/testing/store.js';

const { web } = seededApps;
const grant = { clientId: web.clientId, accountId: seededAccounts.root.id, scopes: ['openid'] };
const codeRecord = { ...grant, redirectUri: web.redirectUris[0]!, issueRefreshToken: true, codeChallenge: undefined };
const loginRequest: AuthorizationRequest = {
  app: web,
  redirectUri: web.redirectUris[0]!,
  scopes: ['openid'],
  offline: true,
  adminConsent: false,
  state: 's',
  codeChallenge: undefined,
};

/** Fills a store with one entry of each kind, living `seconds`. */
function fill(store: MockStore, seconds: number): { code: string; accessToken: string; refreshToken: string; login: string } {
  const refreshToken = store.issueRefreshToken(grant, seconds);
  return {
    code: store.issueCode(codeRecord, seconds),
    accessToken: store.issueAccessToken(grant, seconds, refreshToken),
    refreshToken,
    login: store.beginLogin(loginRequest, seconds),
  };
}

describe('the mock store sweeps what expired', () => {
  it('removes expired codes, tokens and login pages when something new is stored', () => {
    const clock = new MockClock();
    const store = new MockStore(clock);
    for (let index = 0; index < 100; index += 1) fill(store, 60);
    const lasting = fill(store, 3600);
    expect(store.counts()).toEqual({ codes: 101, accessTokens: 101, refreshTokens: 101, logins: 101 });

    clock.advance(61);
    const fresh = fill(store, 60);

    expect(store.counts()).toEqual({ codes: 2, accessTokens: 2, refreshTokens: 2, logins: 2 });
    expect(store.findAccessToken(lasting.accessToken)).toMatchObject(grant);
    expect(store.findRefreshToken(lasting.refreshToken)).toMatchObject(grant);
    expect(store.consumeCode(fresh.code)).toMatchObject(codeRecord);
    expect(store.takeLogin(fresh.login)).toBe(loginRequest);
  });

  it('sweeps at most once a minute of server time, not on every request', () => {
    const clock = new MockClock();
    const store = new MockStore(clock);
    clock.advance(60);
    fill(store, 1);
    clock.advance(2);
    fill(store, 1);
    // The first fill swept (a minute had passed), the second came too soon after it.
    expect(store.counts().codes).toBe(2);
    clock.advance(60);
    fill(store, 1);
    expect(store.counts().codes).toBe(1);
  });

  it('forgets the access tokens minted under a refresh token once they expire', () => {
    const clock = new MockClock();
    const store = new MockStore(clock);
    const refreshToken = store.issueRefreshToken(grant, 3600);
    const expired = store.issueAccessToken(grant, 30, refreshToken);
    clock.advance(61);
    const current = store.issueAccessToken(grant, 30, refreshToken);
    expect(store.counts().accessTokens).toBe(1);
    // Revoking the grant still revokes the access token that is alive.
    expect(store.revokeRefreshToken(refreshToken, web.clientId)).toBe(true);
    expect(store.findAccessToken(current)).toBeUndefined();
    expect(store.findAccessToken(expired)).toBeUndefined();
  });
});
