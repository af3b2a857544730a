/**
 * The demo in a real browser: Debian's Chromium driven by playwright-core. Signs in on the mock Aliyun
 * login page, checks the profile, refreshes the token, logs out, and checks the refresh token was
 * revoked. A screenshot of the profile page goes to test-artifacts/profile.png at the repository root.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@x/oauth2-core';
import { aliyunProvider } from '@x/provider-aliyun';
import { seededAccounts, seededApps } from '@x/provider-aliyun/testing';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo } from './helpers/test-demo.js';
import type { TestDemo } from './helpers/test-demo.js';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshotPath = fileURLToPath(new URL('../../../test-artifacts/profile.png', import.meta.url));

let demo: TestDemo;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is not at ${chromiumPath}. Install it with: apt-get install -y chromium (or set CHROMIUM_PATH to a Chromium binary)`);
  }
  demo = await startTestDemo();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

const text = async (selector: string) => ((await page.textContent(selector)) ?? '').trim();

describe('aliyun-web-login in Chromium', () => {
  it('signs in on the mock Aliyun page, shows the profile, refreshes the token and logs out', async () => {
    const { mock } = demo;

    await page.goto(demo.url);
    expect(await text('h1')).toBe('Welcome');
    await page.click('#sign-in');

    // The mock's login and consent page: pick the RAM user, authorize.
    await page.waitForURL(`${mock.origin}/oauth2/v1/auth?**`);
    expect(await text('#app-name')).toBe(seededApps.web.displayName);
    expect(await page.locator('#scopes li').allTextContents()).toHaveLength(3);
    await page.check(`#account-${seededAccounts.ramUser.id}`);
    await page.click('#authorize');

    await page.waitForURL(`${demo.url}/profile`);
    expect(await text('#user-name')).toBe('Bob Wang');
    expect(await text('#account-kind')).toBe('RAM user');
    const claims = await text('#claims');
    expect(claims).toContain(seededAccounts.ramUser.upn);
    expect(claims).toContain(seededAccounts.ramUser.uid);
    expect(claims).toContain(mock.issuer);
    await mkdir(dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });

    const before = { expiresAt: await page.getAttribute('#expires-at', 'datetime'), fingerprint: await text('#token-fingerprint') };
    const refreshToken = await demo.refreshToken();
    expect(refreshToken).toEqual(expect.any(String));

    await page.click('#refresh');
    await page.waitForSelector('#flash');
    expect(await text('#flash')).toMatch(/^Token refreshed\. The new access token expires at \d\d:\d\d:\d\d UTC\.$/);
    expect(await text('#token-fingerprint')).not.toBe(before.fingerprint);
    const expiresAfter = await page.getAttribute('#expires-at', 'datetime');
    expect(Date.parse(expiresAfter ?? '')).toBeGreaterThan(Date.parse(before.expiresAt ?? ''));

    await page.click('#logout');
    await page.waitForURL(`${demo.url}/?signed-out`);
    expect(await text('#flash')).toBe('You are signed out, and your refresh token was revoked.');
    expect(await page.isVisible('#sign-in')).toBe(true);

    // The app asked the mock to revoke, and the refresh token no longer works.
    expect(demo.mock.requests.filter((request) => request.method === 'POST' && request.path === '/v1/revoke').map((request) => request.status)).toEqual([200]);
    const client = createClient(aliyunProvider('cn', { signinOrigin: mock.origin, oauthOrigin: mock.origin }), {
      clientId: seededApps.web.clientId,
      clientSecret: seededApps.web.clientSecret,
    });
    await expect(client.refresh(refreshToken!)).rejects.toMatchObject({ code: 'ERR_OAUTH2_SERVER', error: 'invalid_grant' });

    // And the session is gone: the profile sends the browser back to the start.
    await page.goto(`${demo.url}/profile`);
    expect(page.url()).toBe(`${demo.url}/`);
  }, 60_000);
});
