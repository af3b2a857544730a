import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import ky, { TimeoutError } from 'ky';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, defineProvider, OAuth2ServerError, OAuth2TimeoutError } from '../src/index.js';
import { createNodeFetch, type NodeFetch } from '../src/node/index.js';

type Handler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => void;

interface TestServer {
  readonly url: string;
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  readonly server: Server;
}

const servers: Server[] = [];
const fetches: NodeFetch[] = [];

afterEach(async () => {
  for (const f of fetches.splice(0)) f.close();
  await Promise.all(
    servers.splice(0).map(async (server) => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    }),
  );
});

async function startServer(handler: Handler): Promise<TestServer> {
  let connections = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handler(request, response, Buffer.concat(chunks)));
  });
  server.on('connection', () => connections++);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections, server };
}

function newFetch(options?: Parameters<typeof createNodeFetch>[0]): NodeFetch {
  const f = createNodeFetch(options);
  fetches.push(f);
  return f;
}

/** Answers with what the server received, as JSON. */
const echo: Handler = (request, response, body) => {
  response.setHeader('content-type', 'application/json');
  response.setHeader('x-reply', 'yes');
  response.end(
    JSON.stringify({ method: request.method, url: request.url, headers: request.headers, body: body.toString() }),
  );
};

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

describe('createNodeFetch', () => {
  it('sends a GET and returns a real Response with status, headers and body', async () => {
    const { url } = await startServer(echo);
    const response = await newFetch()(`${url}/path?q=1`, { headers: { 'X-Custom': 'a' } });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.statusText).toBe('OK');
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${url}/path?q=1`);
    expect(response.headers.get('x-reply')).toBe('yes');
    expect(response.headers.get('content-type')).toBe('application/json');
    const seen = (await response.json()) as Echo;
    expect(seen).toMatchObject({ method: 'GET', url: '/path?q=1', body: '' });
    expect(seen.headers['x-custom']).toBe('a');
    expect(seen.headers['accept']).toBe('*/*');
  });

  it('POSTs a form body with the form content type', async () => {
    const { url } = await startServer(echo);
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: 'a b' });
    const response = await newFetch()(new URL('/token', url), {
      method: 'post',
      body: form,
      headers: new Headers({ authorization: 'Basic Zm9vOmJhcg==' }),
    });
    const seen = (await response.json()) as Echo;
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe('grant_type=client_credentials&scope=a+b');
    expect(seen.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(seen.headers['content-length']).toBe(String(seen.body.length));
    expect(seen.headers['authorization']).toBe('Basic Zm9vOmJhcg==');
  });

  it('accepts string, byte and ArrayBuffer bodies, and a Request carrying its own body', async () => {
    const { url } = await startServer(echo);
    const f = newFetch();
    const bodies: Array<[BodyInit, string]> = [
      ['plain text', 'plain text'],
      [new TextEncoder().encode('bytes'), 'bytes'],
      [new TextEncoder().encode('buffer').buffer, 'buffer'],
    ];
    for (const [body, expected] of bodies) {
      const seen = (await (await f(url, { method: 'PUT', body })).json()) as Echo;
      expect(seen.body).toBe(expected);
    }
    const request = new Request(`${url}/r`, {
      method: 'POST',
      body: JSON.stringify({ a: 1 }),
      headers: { 'content-type': 'application/json', 'x-from': 'request' },
    });
    const seen = (await (await f(request)).json()) as Echo;
    expect(seen).toMatchObject({ method: 'POST', url: '/r', body: '{"a":1}' });
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['x-from']).toBe('request');
  });

  it('returns error statuses, empty-body statuses and redirects as they are', async () => {
    const { url } = await startServer((request, response) => {
      const status = Number(request.url?.slice(1));
      if (status === 302) response.setHeader('location', '/elsewhere');
      if (status === 400) response.setHeader('content-type', 'application/json');
      response.statusCode = status;
      response.end(status === 204 ? undefined : JSON.stringify({ error: 'invalid_request' }));
    });
    const f = newFetch();
    const bad = await f(`${url}/400`, { method: 'POST' });
    expect([bad.status, bad.ok]).toEqual([400, false]);
    expect(await bad.json()).toEqual({ error: 'invalid_request' });
    const empty = await f(`${url}/204`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    const redirect = await f(`${url}/302`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/elsewhere');
    expect((await f(`${url}/503`)).status).toBe(503);
  });

  it('rejects a status fetch cannot represent with a TypeError, without hanging', async () => {
    const { url } = await startServer((_request, response) => {
      response.writeHead(600, { 'content-length': 2 });
      response.end('{}');
    });
    await expect(newFetch()(url)).rejects.toBeInstanceOf(TypeError);
  });

  it('streams a large body intact, with and without a content-length', async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const { url } = await startServer((request, response) => {
      if (request.url === '/sized') response.setHeader('content-length', payload.length);
      response.end(payload);
    });
    const f = newFetch();
    for (const path of ['/sized', '/chunked']) {
      const response = await f(`${url}${path}`);
      expect(response.body).not.toBeNull();
      const received = Buffer.from(await response.arrayBuffer());
      expect(received.equals(payload)).toBe(true);
    }
  });

  it('decodes a gzip body', async () => {
    const { url } = await startServer((_request, response) => {
      response.setHeader('content-encoding', 'gzip');
      response.end(gzipSync(JSON.stringify({ access_token: 'x' })));
    });
    expect(await (await newFetch()(url)).json()).toEqual({ access_token: 'x' });
  });

  it('rejects with the signal reason when aborted before the response, and drops the socket', async () => {
    // Wrapped in an object: resolving with a bare promise would wait for the socket to close.
    let arrived!: (value: { socketClosed: Promise<unknown> }) => void;
    const requestArrived = new Promise<{ socketClosed: Promise<unknown> }>((resolve) => (arrived = resolve));
    const server = await startServer((request) => arrived({ socketClosed: once(request.socket, 'close') }));
    const controller = new AbortController();
    const pending = newFetch()(server.url, { signal: controller.signal });
    const { socketClosed } = await requestArrived;
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await socketClosed; // the client destroyed the connection
  });

  it('errors the body stream with the signal reason when aborted mid-response', async () => {
    let socketClosed!: Promise<unknown>;
    const server = await startServer((request, response) => {
      socketClosed = once(request.socket, 'close');
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.write(Buffer.alloc(1024, 1)); // and never end
    });
    const controller = new AbortController();
    const response = await newFetch()(server.url, { signal: controller.signal });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.value?.byteLength).toBeGreaterThan(0);
    controller.abort(new DOMException('stop', 'AbortError'));
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError', message: 'stop' });
    await socketClosed; // the client destroyed the connection
  });

  it('rejects at once when the signal is already aborted', async () => {
    const server = await startServer(echo);
    const reason = new Error('already');
    await expect(newFetch()(server.url, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(server.connections()).toBe(0);
  });

  it('rejects with a TypeError carrying the cause on connection reset and refusal', async () => {
    const { url } = await startServer((request) => request.socket.destroy());
    const reset = await newFetch()(url, { method: 'POST', body: 'x' }).catch((error: unknown) => error);
    expect(reset).toBeInstanceOf(TypeError);
    expect((reset as TypeError).cause).toMatchObject({ code: 'ECONNRESET' });

    const closedServer = createServer();
    closedServer.listen(0, '127.0.0.1');
    await once(closedServer, 'listening');
    const { port } = closedServer.address() as AddressInfo;
    closedServer.close();
    await once(closedServer, 'close');
    const refused = await newFetch()(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as TypeError).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('rejects unsupported URLs with a TypeError', async () => {
    await expect(newFetch()('ftp://127.0.0.1/x')).rejects.toBeInstanceOf(TypeError);
    await expect(newFetch()('http://user:pw@127.0.0.1/x')).rejects.toBeInstanceOf(TypeError);
  });

  it('reuses keep-alive connections and bounds them by maxSockets', async () => {
    const server = await startServer(echo);
    const f = newFetch({ maxSockets: 4 });
    for (let i = 0; i < 20; i++) await (await f(server.url, { method: 'POST', body: 'a=1' })).text();
    expect(server.connections()).toBe(1);
    await Promise.all(Array.from({ length: 40 }, async () => (await f(server.url)).text()));
    expect(server.connections()).toBeLessThanOrEqual(4);
  });

  it('resends an idempotent request once when a reused socket turns out dead, but never a POST', async () => {
    // The server kills any connection on its second request: for the client this is exactly a keep-alive
    // socket that the server closed while it sat in the pool.
    const served = new WeakMap<object, number>();
    const server = await startServer((request, response, body) => {
      const count = (served.get(request.socket) ?? 0) + 1;
      served.set(request.socket, count);
      if (count > 1) request.socket.destroy();
      else echo(request, response, body);
    });
    const f = newFetch({ maxSockets: 1 });
    await (await f(server.url)).text();
    const retried = await f(`${server.url}/again`);
    expect(((await retried.json()) as Echo).url).toBe('/again');
    expect(server.connections()).toBe(2);

    const post = await f(server.url, { method: 'POST', body: 'once' }).catch((error: unknown) => error);
    expect(post).toBeInstanceOf(TypeError);
    expect((post as TypeError).cause).toMatchObject({ code: 'ECONNRESET' });
    expect(server.connections()).toBe(2);
  });

  it('closes a pooled socket once it has been idle for idleTimeout', async () => {
    let socketClosed!: Promise<unknown>;
    const server = await startServer((request, response, body) => {
      socketClosed = once(request.socket, 'close');
      echo(request, response, body);
    });
    await (await newFetch({ idleTimeout: 50 })(server.url)).text();
    await socketClosed; // closed by the client's idle timer; the server's keep-alive timeout is 5 s
  });

  it('carries ky: JSON, HTTP errors and timeouts through its signal', async () => {
    const server = await startServer((request, response, body) => {
      if (request.url === '/hang') return; // never answers
      if (request.url === '/fail') {
        response.statusCode = 401;
        response.end('{"error":"invalid_client"}');
        return;
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ got: body.toString() }));
    });
    const api = ky.create({ baseUrl: `${server.url}/`, fetch: newFetch(), retry: 0 });
    expect(await api.post('ok', { body: new URLSearchParams({ a: '1' }) }).json()).toEqual({ got: 'a=1' });
    await expect(api.get('fail').json()).rejects.toMatchObject({ response: { status: 401 } });
    await expect(api.get('hang', { timeout: 50 }).json()).rejects.toBeInstanceOf(TimeoutError);
  });

  it('carries createClient: token requests on one kept-alive socket, server errors and timeouts', async () => {
    const server = await startServer((request, response, body) => {
      const form = new URLSearchParams(body.toString());
      response.setHeader('content-type', 'application/json');
      if (form.get('scope') === 'hang') return; // never answers
      if (form.get('scope') === 'forbidden') {
        response.statusCode = 400;
        response.end(JSON.stringify({ error: 'invalid_scope' }));
        return;
      }
      const authorized = request.headers.authorization === `Basic ${Buffer.from('app:secret').toString('base64')}`;
      response.end(JSON.stringify({ access_token: authorized ? 'at-1' : 'wrong-auth', token_type: 'Bearer', expires_in: 60 }));
    });
    const client = createClient(defineProvider({ name: 'local', endpoints: { token: `${server.url}/token` } }), {
      clientId: 'app',
      clientSecret: 'secret',
      fetch: newFetch(),
      timeout: 200,
    });
    for (let i = 0; i < 5; i++) {
      const token = await client.clientCredentials.getToken();
      expect(token.accessToken).toBe('at-1');
    }
    expect(server.connections()).toBe(1);
    const refused = await client.clientCredentials.getToken({ scope: 'forbidden' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OAuth2ServerError);
    expect(refused).toMatchObject({ error: 'invalid_scope', status: 400 });
    await expect(client.clientCredentials.getToken({ scope: 'hang' })).rejects.toBeInstanceOf(OAuth2TimeoutError);
  });
});
