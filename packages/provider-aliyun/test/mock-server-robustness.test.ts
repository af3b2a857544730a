import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  seededApps,
  startAliyunMockServer,
  type AliyunMockServer,
  type AliyunMockWebApp,
} from '../src/testing/index.js';
import { mockServerPool } from './helpers/mock-pool.js';

const { web, server: daemon } = seededApps;
const webRedirect = web.redirectUris[0] ?? '';

const { shared: sharedServer, start } = mockServerPool();

function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers, body: new URLSearchParams(form) });
}

async function webCode(mock: AliyunMockServer, extra: Record<string, string> = {}): Promise<string> {
  const url = new URL(mock.endpoints.authorization);
  url.search = new URLSearchParams({ client_id: web.clientId, redirect_uri: webRedirect, response_type: 'code', ...extra }).toString();
  return new URL(await mock.authorize(url)).searchParams.get('code') ?? '';
}

async function expectServing(mock: AliyunMockServer): Promise<void> {
  const response = await fetch(mock.endpoints.discovery);
  expect(response.status).toBe(200);
  expect(await response.json()).toHaveProperty('issuer', mock.issuer);
}

describe('error bodies', () => {
  it('carry error, error_description, http_code and request_id at the token endpoint', async () => {
    const response = await postForm(sharedServer().endpoints.token, {
      grant_type: 'authorization_code',
      code: 'unknown',
      redirect_uri: webRedirect,
      client_id: web.clientId,
      client_secret: web.clientSecret,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error', 'error_description', 'http_code', 'request_id']);
    expect(body.http_code).toBe(400);
    expect(body.request_id).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  });

  it('never echo a secret, code, verifier or token', async () => {
    const secrets = {
      client_secret: 'SECRET-the-client-secret-value',
      code: 'SECRET-the-authorization-code',
      code_verifier: 'SECRET-the-code-verifier-0123456789-abcdefghijklmnop',
      refresh_token: 'SECRET-the-refresh-token',
    };
    const attempts = [
      postForm(sharedServer().endpoints.token, {
        grant_type: 'authorization_code',
        client_id: web.clientId,
        client_secret: secrets.client_secret,
        code: secrets.code,
        redirect_uri: webRedirect,
      }),
      postForm(sharedServer().endpoints.token, {
        grant_type: 'authorization_code',
        client_id: web.clientId,
        client_secret: web.clientSecret,
        code: secrets.code,
        code_verifier: secrets.code_verifier,
        redirect_uri: webRedirect,
      }),
      postForm(sharedServer().endpoints.token, {
        grant_type: 'refresh_token',
        client_id: web.clientId,
        client_secret: secrets.client_secret,
        refresh_token: secrets.refresh_token,
      }),
      postForm(sharedServer().endpoints.revocation, { token: secrets.refresh_token, client_id: web.clientId, client_secret: secrets.client_secret }),
      fetch(sharedServer().endpoints.userinfo, { headers: { authorization: `Bearer ${secrets.refresh_token}` } }),
      postForm(
        sharedServer().endpoints.token,
        { grant_type: 'client_credentials' },
        { authorization: `Basic ${Buffer.from(`${daemon.clientId}:${secrets.client_secret}`).toString('base64')}` },
      ),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      const text = await response.text();
      expect(text).toContain('"error"');
      expect(text).not.toContain('SECRET-');
    }
  });

  it('use the configured request-id field and statuses', async () => {
    const mock = await start({ requestIdFields: { token: 'requestId', userinfo: 'none' }, errorStatuses: { client: 400 } });
    const token = await postForm(mock.endpoints.token, { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'nope' });
    expect(token.status).toBe(400);
    const body = (await token.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'invalid_client', error_description: 'App not exists:nope', http_code: 400 });
    expect(body).toHaveProperty('requestId');
    expect(body).not.toHaveProperty('request_id');
    const userinfo = (await (await fetch(mock.endpoints.userinfo)).json()) as Record<string, unknown>;
    expect(Object.keys(userinfo)).toEqual(['error', 'error_description', 'http_code']);
  });

  it('use requestId at userinfo and request_id at revoke by default', async () => {
    expect(await (await fetch(sharedServer().endpoints.userinfo)).json()).toHaveProperty('requestId');
    const revoke = await postForm(sharedServer().endpoints.revocation, { token: 'x', client_id: 'nope' });
    expect(await revoke.json()).toHaveProperty('request_id');
  });
});

describe('hostile and malformed input', () => {
  it('refuses a 10 MB body with 413 and keeps serving', async () => {
    const response = await fetch(sharedServer().endpoints.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&junk=${'a'.repeat(10 * 1024 * 1024)}`,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', http_code: 413 });
    await expectServing(sharedServer());
  });

  it('refuses a body that is not a form', async () => {
    const response = await fetch(sharedServer().endpoints.token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'invalid_request',
      error_description: 'the request body must be application/x-www-form-urlencoded',
    });
  });

  it('survives broken percent-encoding, odd names and binary garbage', async () => {
    const bodies = [
      'grant_type=%E0%A4%A&code=%%%&client_id=%ZZ',
      '__proto__=x&constructor=y&grant_type=authorization_code',
      Buffer.from([0xff, 0xfe, 0x00, 0x3d, 0x26, 0x80]).toString('latin1'),
      '&&&===&&',
    ];
    for (const body of bodies) {
      const response = await fetch(sharedServer().endpoints.token, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(await response.json()).toHaveProperty('error');
    }
    await expectServing(sharedServer());
  });

  it('answers missing parameters with invalid_request', async () => {
    const missingCode = await postForm(sharedServer().endpoints.token, {
      grant_type: 'authorization_code',
      client_id: web.clientId,
      client_secret: web.clientSecret,
    });
    expect(await missingCode.json()).toMatchObject({ error: 'invalid_request', error_description: 'code is required' });
    const missingClient = await postForm(sharedServer().endpoints.token, { grant_type: 'authorization_code', code: 'x' });
    expect(missingClient.status).toBe(401);
    expect(await missingClient.json()).toMatchObject({ error: 'invalid_client', error_description: 'client_id is required' });
  });

  it('refuses a parameter sent twice, even split between query and body', async () => {
    const response = await fetch(`${sharedServer().endpoints.token}?grant_type=client_credentials`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(await response.json()).toMatchObject({
      error: 'invalid_request',
      error_description: 'grant_type was sent more than once',
    });
  });

  // 200,000 distinct names: one pass over them takes milliseconds, comparing each with all the others
  // would take tens of seconds.
  const manyNames = 200_000;
  const manyDistinctParams = (): URLSearchParams => {
    const params = new URLSearchParams();
    for (let index = 0; index < manyNames; index += 1) params.append(`p${index}`, '');
    return params;
  };

  it('checks 200,000 distinct parameter names of an authorization URL for repeats in one pass', { timeout: 10_000 }, async () => {
    const mock = sharedServer();
    const url = new URL(mock.endpoints.authorization);
    const params = manyDistinctParams();
    params.append('client_id', web.clientId);
    params.append('redirect_uri', webRedirect);
    params.append('response_type', 'code');
    url.search = params.toString();
    const started = performance.now();
    expect(new URL(await mock.authorize(url)).searchParams.get('code')).toEqual(expect.any(String));
    expect(performance.now() - started).toBeLessThan(3000);

    params.append('p0', 'again');
    url.search = params.toString();
    await expect(mock.authorize(url)).rejects.toThrow('p0 was sent more than once');
  });

  it('checks 200,000 distinct parameter names of a form body for repeats in one pass', { timeout: 10_000 }, async () => {
    const mock = await start({ maxBodyBytes: 8 * 1024 * 1024 });
    const params = manyDistinctParams();
    params.append('grant_type', 'client_credentials');
    const started = performance.now();
    const response = await fetch(mock.endpoints.token, { method: 'POST', body: params });
    expect(await response.json()).toMatchObject({ error: 'invalid_client', error_description: 'client_id is required' });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('refuses malformed Basic credentials and mixing Basic with a body secret', async () => {
    const malformed = await postForm(sharedServer().endpoints.token, { grant_type: 'client_credentials' }, { authorization: 'Basic !!!' });
    expect(malformed.status).toBe(401);
    expect(await malformed.json()).toMatchObject({ error: 'invalid_client' });
    const mixed = await postForm(
      sharedServer().endpoints.token,
      { grant_type: 'client_credentials', client_secret: daemon.clientSecret },
      { authorization: `Basic ${Buffer.from(`${daemon.clientId}:${daemon.clientSecret}`).toString('base64')}` },
    );
    expect(mixed.status).toBe(400);
    expect(await mixed.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    const notFound = await fetch(`${sharedServer().origin}/v2/anything`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toHaveProperty('error', 'not_found');
    const wrongMethod = await fetch(sharedServer().endpoints.token);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('answers a request target it cannot parse with 400', async () => {
    const answer = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      const url = new URL(sharedServer().origin);
      const req = httpRequest({ host: url.hostname, port: url.port, path: 'http://[bad/v1/token', method: 'GET' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request', http_code: 400 });
    await expectServing(sharedServer());
  });

  it('rejects inconsistent options before listening', async () => {
    const clash: AliyunMockWebApp = { ...web, displayName: 'Clash' };
    await expect(startAliyunMockServer({ apps: [web, clash] })).rejects.toThrow(`two apps share the clientId "${web.clientId}"`);
    await expect(startAliyunMockServer({ accounts: [] })).rejects.toThrow('at least one account');
    await expect(startAliyunMockServer({ apps: [{ ...web, redirectUris: ['https://x.example/cb#frag'] }] })).rejects.toThrow(
      'invalid redirect URI',
    );
    await expect(startAliyunMockServer({ accessTokenValidity: -1 })).rejects.toThrow(RangeError);
  });
});

describe('fault injection', () => {
  it('answers the next matching request with the injected status, then behaves again', async () => {
    const mock = await start();
    mock.failNext({ kind: 'status', path: '/v1/token', status: 503, body: 'busy', headers: { 'content-type': 'text/plain' } });
    await expectServing(mock);
    const code = await webCode(mock);
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: webRedirect,
      client_id: web.clientId,
      client_secret: web.clientSecret,
    };
    const failed = await postForm(mock.endpoints.token, form);
    expect(failed.status).toBe(503);
    expect(await failed.text()).toBe('busy');
    // The body was read and ignored: the code is still unused.
    expect((await postForm(mock.endpoints.token, form)).status).toBe(200);
  });

  it('hangs a request until the client gives up, and close() still returns', async () => {
    const mock = await start();
    mock.failNext({ kind: 'hang', path: '/v1/keys' });
    await expect(fetch(mock.endpoints.jwks, { signal: AbortSignal.timeout(300) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(mock.requests.at(-1)).toMatchObject({ path: '/v1/keys', status: undefined });
    await expectServing(mock);
  });

  it('resets the connection without an answer', async () => {
    const mock = await start();
    mock.failNext({ kind: 'reset' });
    await expect(fetch(mock.endpoints.discovery)).rejects.toThrow(TypeError);
    await expectServing(mock);
  });

  it('refuses an injected status that is not an HTTP status', async () => {
    const mock = await start();
    expect(() => mock.failNext({ kind: 'status', status: 42 })).toThrow(RangeError);
  });
});

describe('request log and lifecycle', () => {
  it('records each request with secrets redacted', async () => {
    const mock = await start();
    const code = await webCode(mock);
    await postForm(`${mock.endpoints.token}?debug=1`, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: webRedirect,
      client_id: web.clientId,
      client_secret: web.clientSecret,
    });
    expect(mock.requests).toHaveLength(1);
    const [entry] = mock.requests;
    expect(entry).toEqual({
      method: 'POST',
      path: '/v1/token',
      query: { debug: '1' },
      form: {
        grant_type: 'authorization_code',
        code: '[redacted]',
        redirect_uri: webRedirect,
        client_id: web.clientId,
        client_secret: '[redacted]',
      },
      authorization: 'none',
      status: 200,
    });
    expect(JSON.stringify(mock.requests)).not.toContain(web.clientSecret);
  });

  it('keeps only the newest requestLogLimit entries', async () => {
    const mock = await start({ requestLogLimit: 3 });
    for (const path of ['/a', '/b', '/c', '/d', '/e']) await fetch(`${mock.origin}${path}`);
    expect(mock.requests.map((entry) => entry.path)).toEqual(['/c', '/d', '/e']);
  });

  it('keeps the last 1,000 requests by default', async () => {
    const mock = await start();
    for (let batch = 0; batch < 21; batch += 1) {
      await Promise.all(Array.from({ length: 50 }, (_, index) => fetch(`${mock.origin}/n${batch * 50 + index}`).then((response) => response.text())));
    }
    expect(mock.requests).toHaveLength(1000);
    expect(new Set(mock.requests.map((entry) => entry.path)).size).toBe(1000);
  });

  it('refuses a requestLogLimit that is not a positive integer', async () => {
    await expect(startAliyunMockServer({ requestLogLimit: 0 })).rejects.toThrow(RangeError);
    await expect(startAliyunMockServer({ requestLogLimit: 1.5 })).rejects.toThrow('requestLogLimit must be a positive integer');
  });

  it('closes keep-alive connections so close() resolves, and can be called twice', async () => {
    const mock = await startAliyunMockServer();
    const response = await fetch(mock.endpoints.discovery, { headers: { connection: 'keep-alive' } });
    expect(response.status).toBe(200);
    await response.text();
    await mock.close();
    await mock.close();
    await expect(fetch(mock.endpoints.discovery)).rejects.toThrow(TypeError);
  });
});
