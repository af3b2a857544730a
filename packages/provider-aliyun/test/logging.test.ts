import createDebug from 'debug';
import { format } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AliyunOAuth2 } from '../src/index.js';
import { codeOf, login, rejection, useMockServer, web, webClient } from './helpers/aliyun.js';

const mock = useMockServer();
const lines: string[] = [];
const originalLog = createDebug.log;
let previouslyEnabled = '';

beforeEach(() => {
  previouslyEnabled = createDebug.disable();
  createDebug.enable('x:oauth2:*');
  createDebug.log = (...args: unknown[]) => {
    lines.push(format(...args));
  };
});

afterEach(() => {
  createDebug.log = originalLog;
  createDebug.disable();
  if (previouslyEnabled !== '') createDebug.enable(previouslyEnabled);
  lines.length = 0;
});

describe('debug logs under x:oauth2:aliyun', () => {
  it('say what happened (hosts, legacy calls, mapped errors) and never carry a secret', async () => {
    const client = webClient(mock(), 'cn');
    const { token } = await login(client, mock(), { accessType: 'offline' });
    const oauth = new AliyunOAuth2({ clientId: web.clientId, clientSecret: web.clientSecret, signinOrigin: mock().origin, oauthOrigin: mock().origin });
    const code = codeOf(await mock().authorize(oauth.getAuthorizeURL(web.redirectUris[0]!, 'log-state', 'openid', 'offline')));
    const legacyToken = await oauth.getAccessToken(code, web.redirectUris[0]);
    await oauth.revokeAccessToken(legacyToken.refresh_token!);
    await rejection(() => oauth.refreshAccessToken(legacyToken.refresh_token!));

    const aliyunLines = lines.filter((line) => line.includes('x:oauth2:aliyun'));
    expect(aliyunLines.some((line) => line.includes(`preset with overridden hosts: signin ${mock().origin}`))).toBe(true);
    expect(aliyunLines.some((line) => line.includes('legacy getAccessToken'))).toBe(true);
    expect(aliyunLines.some((line) => /token endpoint answered invalid_grant \(HTTP 400, http_code 400, request id [0-9A-F-]{36}\)/.test(line))).toBe(true);

    const secrets = [web.clientSecret, code, token.accessToken, token.refreshToken!, token.idToken!, legacyToken.access_token, legacyToken.refresh_token!];
    for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
