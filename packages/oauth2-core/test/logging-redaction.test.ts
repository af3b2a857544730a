import { format } from 'node:util';
import debug from 'debug';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, defineProvider } from '../src/index.js';
import type { OAuth2Client } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeServer } from './helpers/edge-server.js';

// Distinctive values: if any of them shows up in a log line, something logged a secret.
const secrets = {
  clientSecret: 'CLIENT-SECRET-q7Lr2',
  code: 'AUTH-CODE-m4Xe9',
  accessToken: 'ACCESS-TOKEN-b3Nw1',
  refreshToken: 'REFRESH-TOKEN-k8Pz5',
  rotatedRefreshToken: 'ROTATED-REFRESH-h2Vc6',
  idToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJJRC1UT0tFTi1QQVlMT0FEIn0.SUQtVE9LRU4tU0lHTkFUVVJF',
  password: 'PASSWORD-u5Gt3',
  deviceCode: 'DEVICE-CODE-y6Rj8',
  userCode: 'USER-CODE-WDJB',
  introspected: 'INTROSPECTED-TOKEN-c1Df4',
};

const lines: string[] = [];
const captured = () => lines.join('\n');
let previousLog: typeof debug.log;
let previousNamespaces: string;
let server: EdgeServer;
let client: OAuth2Client;
/** Values created by the client during the flows (state, verifier, nonce): they must not be logged either. */
const generated: string[] = [];

beforeAll(async () => {
  previousLog = debug.log;
  previousNamespaces = debug.disable();
  debug.log = (...args: unknown[]) => {
    lines.push(format(...args));
  };
  debug.enable('x:*');

  server = await startEdgeServer((request, response) => {
    const grant = request.form.get('grant_type');
    switch (request.url) {
      case '/device':
        return sendJson(response, 200, {
          device_code: secrets.deviceCode,
          user_code: secrets.userCode,
          verification_uri: 'https://as.example/device',
          expires_in: 600,
          interval: 0,
        });
      case '/revoke':
        response.writeHead(200).end();
        return;
      case '/introspect':
        return sendJson(response, 200, { active: true, scope: 'read', client_id: 'logged-app' });
      case '/failing':
        return sendJson(response, 400, {
          error: 'invalid_grant',
          error_description: `refresh token ${secrets.refreshToken} was revoked; id_token ${secrets.idToken}`,
        });
      case '/broken':
        response.writeHead(502, { 'content-type': 'text/html' });
        response.end(`<pre>echo: code=${secrets.code}&client_secret=${secrets.clientSecret}&password=${secrets.password}</pre>`);
        return;
    }
    if (grant === 'refresh_token') {
      return sendJson(response, 200, { access_token: `${secrets.accessToken}-refreshed`, refresh_token: secrets.rotatedRefreshToken, expires_in: 3600 });
    }
    sendJson(response, 200, {
      access_token: secrets.accessToken,
      token_type: 'Bearer',
      refresh_token: secrets.refreshToken,
      id_token: secrets.idToken,
      expires_in: 3600,
      scope: 'openid read',
    });
  });
  const provider = defineProvider({
    name: 'logged',
    endpoints: {
      authorization: server.url('/authorize'),
      token: server.url('/token'),
      revocation: server.url('/revoke'),
      introspection: server.url('/introspect'),
      deviceAuthorization: server.url('/device'),
    },
  });
  client = createClient(provider, { clientId: 'logged-app', clientSecret: secrets.clientSecret, redirectUri: 'https://app.example/cb', retry: false });
});

afterAll(async () => {
  debug.log = previousLog;
  debug.enable(previousNamespaces);
  await server?.close();
});

describe('debug logging under x:oauth2:*', () => {
  it('runs every flow, failing ones included, with logging on', async () => {
    const request = await client.authorizationCode.createAuthorizationRequest({ scope: 'openid read' });
    const challenge = new URL(request.url).searchParams.get('code_challenge')!;
    generated.push(request.state, request.codeVerifier, request.nonce!, challenge);
    const token = await client.authorizationCode.handleCallback(
      `https://app.example/cb?code=${secrets.code}&state=${request.state}`,
      { state: request.state, codeVerifier: request.codeVerifier, nonce: request.nonce! },
    );
    expect(token.accessToken).toBe(secrets.accessToken);

    await client.clientCredentials.getToken({ scope: 'read' });
    await client.password.getToken({ username: 'alice', password: secrets.password });
    const refreshed = await token.refresh();
    expect(refreshed.refreshToken).toBe(secrets.rotatedRefreshToken);
    await refreshed.revokeAll();
    await expect(client.introspect(secrets.introspected)).resolves.toMatchObject({ active: true });

    const authorization = await client.deviceCode.start();
    await client.deviceCode.poll(authorization);

    const failing = createClient(defineProvider({ name: 'failing', endpoints: { token: server.url('/failing') } }), {
      clientId: 'logged-app',
      clientSecret: secrets.clientSecret,
    });
    await expect(failing.refresh(secrets.refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
    const broken = createClient(defineProvider({ name: 'broken', endpoints: { token: server.url('/broken') } }), {
      clientId: 'logged-app',
      clientSecret: secrets.clientSecret,
    });
    await expect(broken.password.getToken({ username: 'alice', password: secrets.password })).rejects.toMatchObject({ status: 502 });
    const unreachable = createClient(defineProvider({ name: 'gone', endpoints: { token: 'http://127.0.0.1:9/token?api_key=QUERY-SECRET' } }), {
      clientId: 'logged-app',
      clientSecret: secrets.clientSecret,
      retry: false,
    });
    await expect(unreachable.clientCredentials.getToken()).rejects.toMatchObject({ code: 'ERR_OAUTH2_NETWORK' });
    generated.push('QUERY-SECRET');
  });

  it('logged no secret: client secret, code, verifier, state, nonce, tokens, password, device and user codes', () => {
    const log = captured();
    expect(lines.length).toBeGreaterThan(10);
    const basic = Buffer.from(`logged-app:${secrets.clientSecret}`).toString('base64');
    for (const value of [...Object.values(secrets), ...generated, basic]) {
      expect(log).not.toContain(value);
    }
    expect(log).not.toMatch(/authorization:/i);
  });

  it('logged what helps: namespaces, methods, URLs, statuses and grant types', () => {
    const log = captured();
    expect(log).toContain('x:oauth2:http');
    expect(log).toContain('x:oauth2:token');
    expect(log).toContain(`POST ${server.url('/token')} -> 200`);
    expect(log).toContain(`POST ${server.url('/revoke')} -> 200`);
    expect(log).toContain(`POST ${server.url('/introspect')} -> 200`);
    expect(log).toContain(`POST ${server.url('/device')} -> 200`);
    expect(log).toContain(`POST ${server.url('/failing')} -> 400`);
    expect(log).toContain(`POST ${server.url('/broken')} -> 502`);
    expect(log).toContain('http://127.0.0.1:9/token?[…] failed');
    for (const grant of ['authorization_code', 'client_credentials', 'password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']) {
      expect(log).toContain(`grant ${grant}`);
    }
    expect(log).toMatch(/\(\d+ ms\)/);
  });
});
