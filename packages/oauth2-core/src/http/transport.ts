import ky, { isHTTPError, isNetworkError, isTimeoutError } from 'ky';
import type { KyInstance, Options as KyOptions } from 'ky';
import { OAuth2AbortError, OAuth2Error, OAuth2NetworkError, OAuth2TimeoutError, ResponseTooLargeError } from '../errors.js';
import { log } from '../log.js';
import { urlForLog } from '../security/redact.js';
import { readBodyText } from './body.js';

/** How safe calls are retried. Single-use credentials (codes, refresh tokens) are never retried. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 2. */
  limit?: number;
  /** `Retry-After` values longer than this (ms) are capped to it. Default 5000. */
  maxRetryAfter?: number;
  /** The longest backoff between attempts, in ms. Default 2000. */
  backoffLimit?: number;
}

/** Settings of the HTTP path, fixed per client. */
export interface HttpSettings {
  /** A fetch implementation; the runtime's `fetch` by default. */
  fetch?: typeof fetch;
  /** Time allowed for one call, retries and body included, in ms. */
  timeout: number;
  /** Bodies larger than this are refused. */
  maxResponseBytes: number;
  /** Retry policy of idempotent-safe calls, or `false` to never retry. */
  retry: RetryOptions | false;
  /** Headers sent with every request (e.g. a User-Agent). */
  headers?: Record<string, string>;
}

/** One request: everything the HTTP path needs to know, and nothing it should guess. */
export interface HttpCall {
  /** The endpoint's name, for errors and logs: `token`, `revocation`, `userinfo`... */
  endpoint: string;
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A form body (`application/x-www-form-urlencoded`). */
  form?: URLSearchParams;
  /** Whether repeating the request is harmless: only then are 429, 503 and network errors retried. */
  idempotent: boolean;
  signal?: AbortSignal;
  /** Default `application/json`. */
  accept?: string;
  /** Whether a 3xx is followed. Default: followed for GET, handed back for POST (see `send`). */
  followRedirects?: boolean;
}

/** A response, fully read within the size limit. */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /**
   * The secret values the request carried (client secret, code, verifier, refresh token, password...).
   * A server may echo one in an `error_description`; error building masks them.
   */
  sentSecrets?: readonly string[];
}

/** The one HTTP path of a client: every request of every grant and endpoint goes through `send`. */
export interface HttpClient {
  send(call: HttpCall): Promise<HttpResult>;
  /**
   * A fetch-compatible function over the same ky instance, for code that wants `fetch` (the JWKS
   * fetching in `@x/jwt`): same transport, timeout and logs.
   */
  readonly fetch: typeof fetch;
  readonly settings: Readonly<HttpSettings>;
}

const retryableStatuses = [429, 503];
const isRetryableStatus = (status: number) => retryableStatuses.includes(status);

/** Creates the HTTP path: one ky instance, reused by every call of the client. */
export function createHttpClient(settings: HttpSettings): HttpClient {
  const instance: KyInstance = ky.create({
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
    // ky's own timer bounds each attempt: it costs far less per request than a signal of ours, which
    // ky would combine with its own through AbortSignal.any. The body read has its own bound below.
    timeout: settings.timeout,
    retry: 0,
    throwHttpErrors: false,
    headers: settings.headers,
  });
  const retry: KyOptions['retry'] =
    settings.retry === false
      ? 0
      : {
          limit: settings.retry.limit ?? 2,
          methods: ['get', 'post'],
          statusCodes: retryableStatuses,
          afterStatusCodes: retryableStatuses,
          maxRetryAfter: settings.retry.maxRetryAfter ?? 5000,
          backoffLimit: settings.retry.backoffLimit ?? 2000,
          retryOnTimeout: false,
        };
  const retrying: KyOptions | undefined =
    retry === 0
      ? undefined
      : {
          retry,
          // Attempts, waits and all: the whole call stays within one timeout.
          totalTimeout: settings.timeout,
          // Only retryable statuses become ky errors (so ky retries them); every other status is ours to read.
          throwHttpErrors: isRetryableStatus,
        };

  async function send(call: HttpCall): Promise<HttpResult> {
    const started = performance.now();
    if (call.signal?.aborted) throw new OAuth2AbortError(`the ${call.endpoint} request`, { cause: call.signal.reason });
    let response: Response;
    try {
      response = await instance(call.url, {
        method: call.method,
        headers: { accept: call.accept ?? 'application/json', ...call.headers },
        ...(call.form ? { body: call.form } : {}),
        // A followed 307/308 would re-send the form (client secret, code, verifier, refresh token,
        // password) to wherever the Location points. OAuth endpoints answer directly, so a POST's 3xx
        // is handed back as the answer, an unusable one (as createNodeFetch does too).
        ...((call.followRedirects ?? call.method === 'GET') ? {} : { redirect: 'manual' as const }),
        ...(call.signal ? { signal: call.signal } : {}),
        ...(call.idempotent ? retrying : undefined),
      });
    } catch (error) {
      if (!isHTTPError(error)) throw translateFailure(error, call, settings.timeout);
      // Retries exhausted on 429/503: hand the last answer to the caller's response handling. ky has
      // read its body under its own bound (10 MiB); ours applies here as to any other body.
      const { status, headers } = error.response;
      log.http('%s %s -> %d after retries', call.method, urlForLog(call.url), status);
      const data: unknown = error.data;
      const text = typeof data === 'string' ? data : data === undefined ? '' : JSON.stringify(data);
      const declared = Number(headers.get('content-length') ?? 0);
      if (declared > settings.maxResponseBytes || new TextEncoder().encode(text).byteLength > settings.maxResponseBytes) {
        throw new ResponseTooLargeError({ status, endpoint: call.endpoint, limit: settings.maxResponseBytes });
      }
      return { status, headers, text };
    }
    let text: string;
    try {
      text = await readBodyText(response, {
        maxBytes: settings.maxResponseBytes,
        endpoint: call.endpoint,
        timeLeft: settings.timeout - (performance.now() - started),
        onTimeout: () => new OAuth2TimeoutError({ endpoint: call.endpoint, timeout: settings.timeout }),
      });
    } catch (error) {
      throw translateFailure(error, call, settings.timeout);
    }
    if (log.http.enabled) {
      log.http('%s %s -> %d (%d ms)', call.method, urlForLog(call.url), response.status, Math.round(performance.now() - started));
    }
    return { status: response.status, headers: response.headers, text };
  }

  const fetchThroughClient = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = Object.fromEntries(new Headers(init?.headers));
    const result = await send({
      endpoint: 'jwks',
      url,
      method: 'GET',
      idempotent: true,
      // A key set fetched across a redirect could come from anywhere: follow only when asked to.
      followRedirects: init?.redirect === undefined || init.redirect === 'follow',
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(init?.signal ? { signal: init.signal } : {}),
    });
    return new Response(result.text, { status: result.status, headers: result.headers });
  }) as typeof fetch;

  return { send, fetch: fetchThroughClient, settings };
}

function translateFailure(failure: unknown, call: HttpCall, timeout: number): OAuth2Error {
  if (failure instanceof OAuth2Error) return failure;
  // The caller's signal first: an AbortSignal.timeout() of theirs also surfaces as a TimeoutError.
  if (call.signal?.aborted) return new OAuth2AbortError(`the ${call.endpoint} request`, { cause: call.signal.reason });
  if (isTimeoutError(failure)) return new OAuth2TimeoutError({ endpoint: call.endpoint, timeout });
  const where = { endpoint: call.endpoint, url: urlForLog(call.url) };
  if (isNetworkError(failure)) {
    // ky's wrapper holds the Request (its Authorization header included) and names the full URL (its
    // query included); util.inspect and loggers print causes, so only the runtime's own error goes on.
    const cause: unknown = failure.cause;
    log.http('%s %s failed: %s', call.method, where.url, cause instanceof Error ? cause.message : 'network error');
    return new OAuth2NetworkError(where, { cause });
  }
  // Anything else failed before the request left: a runtime refusing a header value, a fetch that threw.
  // Such messages quote the offending value, which may be a token, so neither the message nor the error
  // travels on: only its name.
  const name = failure instanceof Error ? failure.name : typeof failure;
  log.http('%s %s could not be sent: %s', call.method, where.url, name);
  return new OAuth2NetworkError(where, { cause: new Error(`the request could not be sent (${name})`) });
}
