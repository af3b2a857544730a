import * as http from 'node:http';
import * as https from 'node:https';
import { exchange, StaleConnectionError } from './exchange.js';
import { toWireRequest } from './request.js';

/** Options of {@link createNodeFetch}. */
export interface NodeFetchOptions {
  /**
   * Most sockets open at once per origin; further requests wait in the agent's queue.
   * @defaultValue 64
   */
  readonly maxSockets?: number;
  /**
   * Most idle keep-alive sockets kept per origin.
   * @defaultValue the value of `maxSockets`
   */
  readonly maxFreeSockets?: number;
  /**
   * How long an idle keep-alive socket is kept, in ms. A server's `Keep-Alive: timeout=…` hint lowers it.
   * The default stays under Node's own server default (5 s), so the client, not the server, closes first.
   * @defaultValue 4000
   */
  readonly idleTimeout?: number;
  /**
   * Socket inactivity limit while a request is in flight, in ms: a backstop for callers that pass no
   * `signal`. Per-request timeouts belong in the signal (ky and `createClient` set one).
   * @defaultValue 300000 (undici's headers/body timeouts)
   */
  readonly socketTimeout?: number;
  /** TLS settings for `https:` origins (`ca`, `cert`, `key`, `rejectUnauthorized`, …). */
  readonly tls?: Omit<https.AgentOptions, 'keepAlive' | 'maxSockets' | 'maxFreeSockets' | 'timeout'>;
}

/** A fetch function with its own connection pool; `close()` destroys the pool's sockets. */
export type NodeFetch = typeof fetch & {
  /** Destroys every pooled socket. Requests in flight fail; later calls open new sockets. */
  close(): void;
};

/** Methods that may be resent after a stale keep-alive socket fails (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/**
 * A `fetch` for Node.js on keep-alive `node:http`/`node:https` sockets, for servers where the token
 * endpoint is hot: it skips most of undici's per-request work while returning a real global `Response`.
 *
 * It accepts what fetch accepts (a `Request`, or a URL/string plus `RequestInit` with `method`, `headers`,
 * `body` and `signal`), with these deliberate differences:
 * - Redirects are never followed: a 3xx response is returned as is (`redirect` is ignored). Token,
 *   revocation and introspection endpoints answer directly, and following a redirect with a client
 *   secret in the body would leak it to the new location.
 * - No cookies, cache, CORS or `credentials` handling; `Accept-Encoding` is not added, but gzip, deflate
 *   and br response bodies are decoded when a server sends them.
 *
 * Aborting the signal rejects with the signal's reason (or errors the body stream once it is being read)
 * and destroys the socket. Network failures reject with a `TypeError` whose `cause` is the Node error
 * (`ECONNREFUSED`, `ECONNRESET`, …), as fetch does. An idempotent request that fails because the server
 * closed an idle keep-alive socket is resent once on a new socket.
 *
 * @example
 * ```ts
 * import { createClient, defineProvider } from '@x/oauth2-core';
 * import { createNodeFetch } from '@x/oauth2-core/node';
 *
 * const nodeFetch = createNodeFetch({ maxSockets: 32 });
 * const client = createClient(
 *   defineProvider({ name: 'example', endpoints: { authorization: 'https://id.example.com/authorize', token: 'https://id.example.com/token' } }),
 *   { clientId: 'app', clientSecret: process.env.CLIENT_SECRET, fetch: nodeFetch },
 * );
 * const token = await client.clientCredentials.getToken({ scope: 'api' });
 * // On shutdown:
 * nodeFetch.close();
 * ```
 */
export function createNodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  const maxSockets = options.maxSockets ?? 64;
  const pool = {
    keepAlive: true,
    maxSockets,
    maxFreeSockets: options.maxFreeSockets ?? maxSockets,
    timeout: options.idleTimeout ?? 4000,
    scheduling: 'lifo' as const,
  };
  const httpAgent = new http.Agent(pool);
  const httpsAgent = new https.Agent({ ...options.tls, ...pool });
  const socketTimeout = options.socketTimeout ?? 300_000;

  async function nodeFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const wire = await toWireRequest(input, init);
    const agent = wire.url.protocol === 'https:' ? httpsAgent : httpAgent;
    const attempts = IDEMPOTENT.has(wire.method) ? 2 : 1;
    for (let attempt = 1; ; attempt++) {
      wire.signal?.throwIfAborted();
      try {
        return await exchange(wire, { agent, socketTimeout });
      } catch (error) {
        if (!(error instanceof StaleConnectionError) || attempt >= attempts) throw error;
      }
    }
  }

  return Object.assign(nodeFetch, {
    close(): void {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  });
}
