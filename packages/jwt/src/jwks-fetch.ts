import { JwksFetchError } from './errors.js';
import type { JsonWebKeySet } from './types.js';

/**
 * A `fetch`-compatible function. The global `fetch` fits, and so does any wrapper that takes a URL string
 * and these options and resolves to a WHATWG `Response`.
 *
 * @example
 * ```ts
 * import type { FetchLike } from '@x/jwt';
 *
 * const loggingFetch: FetchLike = (url, init) => {
 *   console.debug('GET', url);
 *   return fetch(url, init);
 * };
 * ```
 */
export type FetchLike = (
  url: string,
  init: { method: 'GET'; headers: Record<string, string>; redirect: 'manual'; signal: AbortSignal },
) => Promise<Response>;

/** Limits of one JWKS download. */
export interface JwksRequest {
  fetch: FetchLike | undefined;
  /** Milliseconds for the whole exchange: connection, headers and body. */
  timeout: number;
  /** Bytes. */
  maxResponseSize: number;
  headers: Record<string, string>;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

async function readBody(url: string, response: Response, maxResponseSize: number): Promise<string> {
  const tooLarge = () =>
    new JwksFetchError(url, `the response is larger than ${maxResponseSize} bytes; a JSON Web Key Set is a few kilobytes, so check the URL`, {
      status: response.status,
    });
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxResponseSize) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (response.body === null) return '';
  // Read chunk by chunk so that an endless or huge body is cut off at the limit instead of buffered.
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxResponseSize) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch (cause) {
    throw new JwksFetchError(url, 'the response is not UTF-8 text', { status: response.status, cause });
  }
}

function isKeySet(value: unknown): value is JsonWebKeySet {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { keys } = value as { keys?: unknown };
  return Array.isArray(keys) && keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key));
}

async function download(url: string, request: JwksRequest, signal: AbortSignal): Promise<JsonWebKeySet> {
  const fetchImpl = request.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    // Redirects are not followed (as in jose): a JWKS URL comes from trusted configuration or discovery,
    // and a redirect would let whoever controls the first host choose the keys.
    response = await fetchImpl(url, { method: 'GET', headers: request.headers, redirect: 'manual', signal });
  } catch (cause) {
    if (cause instanceof JwksFetchError) throw cause;
    throw new JwksFetchError(url, `the request failed (${describe(cause)}); check the URL and the network`, { cause });
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new JwksFetchError(url, `the endpoint answered HTTP ${response.status}; expected 200 with a JSON Web Key Set`, {
      status: response.status,
    });
  }
  const text = await readBody(url, response, request.maxResponseSize);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const type = response.headers.get('content-type') ?? 'no content-type';
    throw new JwksFetchError(url, `the response is not JSON (${type}); check that the URL is the provider's jwks_uri`, {
      status: response.status,
      cause,
    });
  }
  if (!isKeySet(json)) {
    throw new JwksFetchError(url, 'the response is JSON but not a JSON Web Key Set (an object with a "keys" array of objects)', {
      status: response.status,
    });
  }
  return json;
}

/**
 * Downloads a JSON Web Key Set within `request.timeout` milliseconds, whatever the server or the fetch
 * implementation does: the timer aborts the request's signal, and the result is raced against it so that
 * a fetch that ignores its signal cannot hang the caller. Every failure is a `JwksFetchError`.
 */
export async function fetchJwks(url: string, request: JwksRequest): Promise<JsonWebKeySet> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new JwksFetchError(url, `no complete response within ${request.timeout} ms; the endpoint is down or too slow`);
      controller.abort(error);
      reject(error);
    }, request.timeout);
  });
  try {
    // Promise.race subscribes to both promises, so the loser settling later is never an unhandled rejection.
    return await Promise.race([download(url, request, controller.signal), timedOut]);
  } catch (error) {
    if (error instanceof JwksFetchError) throw error;
    throw new JwksFetchError(url, `reading the response failed (${describe(error)})`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
