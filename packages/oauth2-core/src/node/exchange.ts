/**
 * One request/response exchange over `node:http(s)`, surfaced as a global `Response`.
 *
 * The exchange moves through three phases: `headers` (the fetch promise is pending), `body` (the promise
 * resolved; the body streams) and `done`. Every failure goes through `fail()`, which settles exactly
 * once: it rejects the promise or errors the body stream, removes the abort listener and destroys the
 * socket, so nothing hangs and no listener or socket outlives the exchange.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import type { WireRequest } from './request.js';

export interface ExchangeOptions {
  readonly agent: http.Agent;
  /** Socket inactivity limit in ms while the exchange is in flight. */
  readonly socketTimeout: number;
}

/** Bytes the body stream buffers ahead of its reader before the socket is paused. */
const STREAM_HIGH_WATER_MARK = 64 * 1024;
/** Statuses whose responses have no body by definition (fetch's "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

type Phase = 'headers' | 'body' | 'done';

/** A network-level failure, shaped like fetch's: a `TypeError` with the Node error as `cause`. */
export function networkError(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

/** A request that failed on a reused keep-alive socket before the server answered: safe to resend. */
export class StaleConnectionError extends TypeError {
  constructor(cause: unknown) {
    super('fetch failed', { cause });
  }
}

function isResetCode(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED';
}

export function exchange(wire: WireRequest, options: ExchangeOptions): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const { signal } = wire;
    let phase: Phase = 'headers';
    let failBody: ((error: unknown) => void) | undefined;
    let source: Readable | undefined;
    let responded = false;

    const transport = wire.url.protocol === 'https:' ? https : http;
    const request = transport.request({
      protocol: wire.url.protocol,
      // URL keeps IPv6 literals in brackets; node:http wants them bare.
      hostname: wire.url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: wire.url.port,
      path: wire.url.pathname + wire.url.search,
      method: wire.method,
      headers: wire.headers,
      agent: options.agent,
    });

    const onAbort = (): void => fail(signal?.reason);
    const done = (): void => {
      phase = 'done';
      signal?.removeEventListener('abort', onAbort);
    };
    function fail(error: unknown): void {
      if (phase === 'done') return;
      const failedIn = phase;
      done();
      // Destroying the request destroys its socket too: a half-read connection must never go back to
      // the pool.
      request.destroy();
      source?.destroy();
      if (failedIn === 'headers') reject(error);
      else failBody?.(error);
    }

    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => {
      // A keep-alive socket the server closed while it sat idle fails before any response byte; the
      // caller may safely resend on a fresh socket (see `StaleConnectionError`).
      const stale = request.reusedSocket && phase === 'headers' && !responded && isResetCode(error);
      fail(stale ? new StaleConnectionError(error) : networkError(error));
    });
    request.setTimeout(options.socketTimeout, () => {
      fail(networkError(Object.assign(new Error('socket timed out'), { code: 'ETIMEDOUT' })));
    });
    request.on('response', (response) => {
      responded = true;
      const status = response.statusCode ?? 0;
      const headers = new Headers();
      const raw = response.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] ?? '', raw[i + 1] ?? '');

      response.on('error', (error) => fail(networkError(error)));
      response.on('close', () => {
        if (!response.complete) fail(networkError(Object.assign(new Error('terminated'), { code: 'ECONNRESET' })));
      });

      let body: ReadableStream<Uint8Array> | null = null;
      if (wire.method === 'HEAD' || NULL_BODY_STATUSES.has(status)) {
        response.on('end', done);
        response.resume();
      } else {
        const decoder = createDecoder(headers.get('content-encoding'));
        if (decoder !== undefined) {
          decoder.on('error', (error) => fail(networkError(error)));
          response.pipe(decoder);
        }
        source = decoder ?? response;
        body = streamBody(source, {
          onFailure: (fn) => (failBody = fn),
          onEnd: done,
          onCancel: () => {
            failBody = undefined;
            fail(undefined);
          },
        });
      }

      let built: Response;
      try {
        built = new Response(body, { status, statusText: response.statusMessage ?? '', headers });
      } catch (error) {
        // A status outside 200-599 or a malformed status text: fetch reports those as network errors.
        fail(networkError(error));
        return;
      }
      // `Response#url` is read-only and empty for constructed responses; callers log and compare it.
      Object.defineProperty(built, 'url', { value: wire.url.href });
      phase = 'body';
      resolve(built);
    });

    request.end(wire.body);
  });
}

/** fetch decodes these content codings transparently; anything else is passed through as is. */
function createDecoder(encoding: string | null): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  // Servers truncate compressed bodies more often than they corrupt them; flush what arrived, as undici does.
  const lenient = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(lenient);
    case 'deflate':
      return zlib.createInflate(lenient);
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

interface StreamHooks {
  /** Receives the function that errors the stream. */
  onFailure(fail: (error: unknown) => void): void;
  onEnd(): void;
  onCancel(): void;
}

/**
 * A web stream over a Node stream, with backpressure: the Node side pauses while the web queue is full
 * and resumes when the reader pulls.
 */
function streamBody(source: Readable, hooks: StreamHooks): ReadableStream<Uint8Array> {
  // Once errored or cancelled the controller must not be touched again.
  let open = true;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        hooks.onFailure((error) => {
          open = false;
          controller.error(error);
        });
        source.on('data', (chunk: Buffer) => {
          if (!open) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) source.pause();
        });
        source.on('end', () => {
          if (!open) return;
          open = false;
          hooks.onEnd();
          controller.close();
        });
      },
      pull() {
        source.resume();
      },
      cancel() {
        // The reader gave up: drop the connection rather than read a body nobody wants.
        open = false;
        hooks.onCancel();
      },
    },
    { highWaterMark: STREAM_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );
}
