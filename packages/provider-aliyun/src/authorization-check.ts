import {
  AuthorizationResponseError,
  InvalidArgumentError,
  OAuth2AbortError,
  OAuth2NetworkError,
  OAuth2ServerError,
  OAuth2TimeoutError,
} from '@x/oauth2-core';
import { mapAliyunServerError } from './errors.js';
import { log } from './log.js';

/**
 * Options of {@link checkAliyunAuthorizationUrl}.
 *
 * @example
 * ```ts
 * const options: AliyunAuthorizationCheckOptions = { timeout: 5_000 };
 * ```
 */
export interface AliyunAuthorizationCheckOptions {
  /** A fetch implementation. Default: the runtime's `fetch`. */
  fetch?: typeof fetch;
  /** Milliseconds allowed for the answer. Default 10 000. */
  timeout?: number;
  /** Cancels the check. */
  signal?: AbortSignal;
}

/** An error page is a few hundred bytes; anything much longer is not one. */
const maxErrorPageBytes = 64 * 1024;
const maxDescriptionLength = 200;

/**
 * Asks Alibaba Cloud's sign-in host whether it accepts an authorization URL, the way a browser would,
 * without following redirects. Use it at deployment or in a health check.
 *
 * Why: when the sign-in host rejects the client itself (an unknown `client_id`: "App not exists", or a
 * `redirect_uri` that is not registered) it does not redirect back: it shows the user a JSON error page,
 * `{"error":"invalid_client","error_description":"App not exists:<id>"}`. The application's callback is
 * never called, so no error reaches the client library and the login just stalls. This check turns that
 * page into an `OAuth2ServerError` (`endpoint: 'authorization'`, with `status` and `requestId`), and a
 * redirect back with `error=` into an `AuthorizationResponseError`. It resolves when the host shows its
 * login page or redirects anywhere else.
 *
 * Server-side only: browsers hide cross-origin redirects and bodies from `fetch`.
 *
 * @example
 * ```ts
 * import { checkAliyunAuthorizationUrl } from '@x/provider-aliyun';
 *
 * // At startup: fail fast when the app id or the redirect URI is wrong for this site.
 * await checkAliyunAuthorizationUrl(client.authorizationCode.authorizeURL({ scope: 'openid', state: 'startup-check' }));
 * ```
 */
export async function checkAliyunAuthorizationUrl(url: string | URL, options: AliyunAuthorizationCheckOptions = {}): Promise<void> {
  const target = typeof url === 'string' && URL.canParse(url) ? new URL(url) : url instanceof URL ? url : undefined;
  if (target === undefined) throw new InvalidArgumentError('url', 'must be an absolute authorization URL');
  const timeout = options.timeout ?? 10_000;
  if (!Number.isFinite(timeout) || timeout <= 0) throw new InvalidArgumentError('timeout', 'must be a positive number of milliseconds');
  const fetchImpl = options.fetch ?? fetch;
  const where = `${target.origin}${target.pathname}`;

  const deadline = AbortSignal.timeout(timeout);
  const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
  let response: Response;
  try {
    response = await fetchImpl(target, { method: 'GET', redirect: 'manual', headers: { accept: 'text/html, application/json' }, signal });
  } catch (error) {
    if (options.signal?.aborted) throw new OAuth2AbortError('the authorization URL check', { cause: options.signal.reason });
    if (deadline.aborted) throw new OAuth2TimeoutError({ endpoint: 'authorization', timeout }, { cause: error });
    throw new OAuth2NetworkError({ endpoint: 'authorization', url: where }, { cause: error });
  }
  log('authorization URL check: %s -> %d', where, response.status);

  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && location !== null) {
    await response.body?.cancel().catch(() => undefined);
    throwIfErrorRedirect(location, target);
    return;
  }
  const contentType = (response.headers.get('content-type') ?? '').toLowerCase();
  if (!contentType.includes('json')) {
    await response.body?.cancel().catch(() => undefined);
    return;
  }
  const body = parseErrorPage(await boundedText(response));
  if (body === undefined) return;
  const mapped = mapAliyunServerError(body, { endpoint: 'authorization', status: response.status });
  const description = typeof body.error_description === 'string' ? oneLine(body.error_description) : undefined;
  throw new OAuth2ServerError({
    error: body.error as string,
    status: mapped.status ?? response.status,
    endpoint: 'authorization',
    ...(description === undefined ? {} : { errorDescription: description }),
    ...(mapped.requestId === undefined ? {} : { requestId: mapped.requestId }),
  });
}

/** A redirect back to the application with `error=` (RFC 6749 §4.1.2.1), e.g. `invalid_scope`. */
function throwIfErrorRedirect(location: string, base: URL): void {
  if (!URL.canParse(location, base)) return;
  const params = new URL(location, base).searchParams;
  const error = params.get('error');
  if (error === null || error === '') return;
  const description = params.get('error_description');
  const uri = params.get('error_uri');
  throw new AuthorizationResponseError({
    error,
    ...(description === null ? {} : { errorDescription: oneLine(description) }),
    ...(uri === null ? {} : { errorUri: uri }),
  });
}

function parseErrorPage(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const body = value as Record<string, unknown>;
    return typeof body.error === 'string' && body.error !== '' ? body : undefined;
  } catch {
    return undefined;
  }
}

/** The body as text, or `undefined` when it is longer than an error page can be. */
async function boundedText(response: Response): Promise<string | undefined> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let received = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    received += value.byteLength;
    if (received > maxErrorPageBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    text += decoder.decode(value, { stream: true });
  }
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > maxDescriptionLength ? `${line.slice(0, maxDescriptionLength)}…` : line;
}
