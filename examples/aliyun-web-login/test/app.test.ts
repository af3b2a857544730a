/**
 * The demo over plain HTTP: the security properties a browser test would not show (cookie flags, CSRF,
 * state, session fixation, escaping) and the error pages.
 */
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { createClient } from '@x/oauth2-core';
import { aliyunProvider } from '@x/provider-aliyun';
import { seededAccounts, seededApps } from '@x/provider-aliyun/testing';
import type { AliyunMockAccount } from '@x/provider-aliyun/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo } from './helpers/test-demo.js';
import type { TestDemo } from './helpers/test-demo.js';

const mallory: AliyunMockAccount = {
  id: 'mallory',
  type: 'user',
  sub: 'a1b2c3d4e5f60718',
  uid: '2099999999999999',
  aid: seededAccounts.root.aid,
  name: '<img src=x onerror=alert(1)>',
  upn: 'mallory@1234567890123456.onaliyun.com',
};

let demo: TestDemo;
beforeAll(async () => {
  demo = await startTestDemo({ accounts: [...Object.values(seededAccounts), mallory] });
});
afterAll(() => demo?.close());

/** A browser reduced to what these tests need: one cookie jar, no automatic redirects. */
class Visitor {
  readonly cookies = new Map<string, string>();

  async request(url: string, form?: Record<string, string>): Promise<Response> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair = ''] = setCookie.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(setCookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Starts a sign-in: returns the mock's authorization URL. */
  async startSignIn(): Promise<URL> {
    const response = await this.request(`${demo.url}/login`);
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location')!);
  }

  /** Answers the mock's login page as a person would; returns the callback URL it redirects to. */
  async answerLoginPage(authorizationUrl: URL, account: string, decision: 'approve' | 'deny' = 'approve'): Promise<string> {
    const page = await (await this.request(authorizationUrl.href)).text();
    const transaction = /name="transaction" value="([^"]+)"/.exec(page)?.[1];
    if (transaction === undefined) throw new Error(`no login form on the mock page: ${page.slice(0, 200)}`);
    const answer = await this.request(`${demo.mock.origin}/oauth2/v1/auth`, { transaction, account, decision });
    expect(answer.status).toBe(302);
    return answer.headers.get('location')!;
  }

  /** A whole sign-in; returns the profile page's HTML. */
  async signIn(account: string): Promise<string> {
    const callback = await this.answerLoginPage(await this.startSignIn(), account);
    const landed = await this.request(callback);
    expect(landed.status).toBe(302);
    expect(landed.headers.get('location')).toBe('/profile');
    return this.page('/profile');
  }

  async page(path: string): Promise<string> {
    const response = await this.request(`${demo.url}${path}`);
    expect(response.status).toBe(200);
    return response.text();
  }
}

const csrfTokenOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('aliyun-web-login over HTTP', () => {
  it('serves a home page with the sign-in link, strict headers and no cookie', async () => {
    const response = await new Visitor().request(`${demo.url}/`);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(html).toContain('<a class="button primary" id="sign-in" href="/login">Sign in with Alibaba Cloud</a>');
    expect(html).toContain(`the local Aliyun mock server at ${demo.mock.origin}`);
    expect(response.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; form-action 'self'/);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('starts the sign-in with state, PKCE S256 and offline access, in an HttpOnly SameSite=Lax cookie session', async () => {
    const visitor = new Visitor();
    const response = await visitor.request(`${demo.url}/login`);
    const location = new URL(response.headers.get('location')!);

    expect(`${location.origin}${location.pathname}`).toBe(`${demo.mock.origin}/oauth2/v1/auth`);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: seededApps.web.clientId,
      redirect_uri: `${demo.url}/callback`,
      scope: 'openid profile aliuid',
      access_type: 'offline',
      code_challenge_method: 'S256',
      state: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
    });
    expect(location.searchParams.has('nonce')).toBe(false);
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(/^aliyun-demo\.sid=.+; Path=\/; Expires=.+; HttpOnly; SameSite=Lax$/);
  });

  it('moves a sign-in started on another host name to the public URL, where the callback will land', async () => {
    const { port } = new URL(demo.url);
    // fetch() ignores a Host header; node:http sends it as given.
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      get({ host: '127.0.0.1', port, path: '/login', headers: { host: `localhost:${port}` } }, resolve).on('error', reject),
    );
    response.resume();
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe(`${demo.url}/login`);
  });

  it('signs a root account in, with a new session id, and shows its claims', async () => {
    const visitor = new Visitor();
    await visitor.startSignIn();
    const before = visitor.cookies.get('aliyun-demo.sid');

    const html = await visitor.signIn(seededAccounts.root.id);

    expect(visitor.cookies.get('aliyun-demo.sid')).not.toBe(before);
    expect(html).toContain('<h1 id="user-name">Alice Liu</h1>');
    expect(html).toContain('<span class="badge" id="account-kind">Root account</span>');
    expect(html).toContain(`<tr><th>Logon name</th><td>${seededAccounts.root.login_name}</td></tr>`);
    expect(html).toContain(`<tr><th>Issuer</th><td>${demo.mock.issuer}</td></tr>`);
    expect(html).toMatch(/<time id="expires-at" datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/time> \(in 60 min\)/);
  });

  it('escapes claims on the page', async () => {
    const html = await new Visitor().signIn(mallory.id);

    expect(html).toContain('<h1 id="user-name">&#60;img src=x onerror=alert(1)&#62;</h1>');
    expect(html).not.toContain('<img');
  });

  it('refuses refresh and logout without the session CSRF token, and keeps the session', async () => {
    const visitor = new Visitor();
    const profile = await visitor.signIn(seededAccounts.ramRole.id);
    expect(profile).toContain('RAM role');

    for (const [path, form] of [
      ['/logout', {}],
      ['/logout', { csrf: 'forged' }],
      ['/refresh', { csrf: `${csrfTokenOf(profile)}x` }],
    ] as const) {
      const response = await visitor.request(`${demo.url}${path}`, form);
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/^Forbidden: this form is stale or did not come from this app/);
    }
    expect(await visitor.page('/profile')).toContain('RAM role');
    expect(demo.mock.requests.filter((request) => request.path === '/v1/revoke' && request.status === 200).length).toBe(0);
  });

  it('refreshes with the CSRF token and shows the new expiry', async () => {
    const visitor = new Visitor();
    const profile = await visitor.signIn(seededAccounts.ramUser.id);

    const response = await visitor.request(`${demo.url}/refresh`, { csrf: csrfTokenOf(profile) });

    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/profile');
    expect(await visitor.page('/profile')).toMatch(/<p class="flash" id="flash">Token refreshed\. The new access token expires at \d\d:\d\d:\d\d UTC\.<\/p>/);
  });

  it('refuses a callback whose state does not match, and one with no sign-in in progress', async () => {
    const visitor = new Visitor();
    const callback = new URL(await visitor.answerLoginPage(await visitor.startSignIn(), seededAccounts.root.id));
    callback.searchParams.set('state', 'forged-state');

    const refused = await visitor.request(callback.href);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('<code id="error-code">ERR_OAUTH2_STATE_MISMATCH</code>');

    const again = await visitor.request(callback.href);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('<h1>No sign-in in progress</h1>');
  });

  it('says so when the user denies on the Aliyun page', async () => {
    const visitor = new Visitor();
    const callback = await visitor.answerLoginPage(await visitor.startSignIn(), seededAccounts.root.id, 'deny');

    const response = await visitor.request(callback);

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<h1>Sign-in cancelled</h1>');
  });

  it('ends the session when the refresh token no longer works', async () => {
    const visitor = new Visitor();
    const profile = await visitor.signIn(seededAccounts.root.id);
    const client = createClient(aliyunProvider('cn', { signinOrigin: demo.mock.origin, oauthOrigin: demo.mock.origin }), {
      clientId: seededApps.web.clientId,
      clientSecret: seededApps.web.clientSecret,
    });
    // As if revoked elsewhere (the user removed the app's access in the console, say).
    const refreshToken = await demo.refreshToken(visitor.cookies.get('aliyun-demo.sid'));
    expect(refreshToken).toEqual(expect.any(String));
    await client.revoke(refreshToken!, 'refresh_token');
    const sessionsBefore = await demo.sessionCount();

    const response = await visitor.request(`${demo.url}/refresh`, { csrf: csrfTokenOf(profile) });

    expect(response.status).toBe(401);
    expect(await response.text()).toContain('<h1>Session expired</h1>');
    expect(await demo.sessionCount()).toBe(sessionsBefore - 1);
  });
});
