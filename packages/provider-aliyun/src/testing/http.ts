import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** What a route sees of a request: the body is already read (capped) and parsed. */
export interface MockRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** The form body; empty when there was none or it was not `application/x-www-form-urlencoded`. */
  readonly form: URLSearchParams;
  /** `none`: no body; `form`: a urlencoded form; `other`: a body of another content type (ignored). */
  readonly bodyType: 'none' | 'form' | 'other';
  readonly headers: IncomingHttpHeaders;
}

/** What a route answers; the server core writes it and records the status. */
export interface MockResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Alibaba Cloud's content type for JSON (aliyun-protocol.md, "Errors"). */
export const jsonContentType = 'application/json;charset=UTF-8';

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): MockResponse {
  return { status, headers: { 'content-type': jsonContentType, ...headers }, body: JSON.stringify(body) };
}

/**
 * The first parameter name that occurs more than once (RFC 6749 §3.1 and §3.2: parameters MUST NOT be
 * included more than once), in one pass: a request can carry many thousands of names.
 */
export function repeatedParam(params: URLSearchParams): string | undefined {
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** HTML pages get a strict CSP: no scripts, no external assets, no framing. */
export function htmlResponse(status: number, html: string): MockResponse {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    },
    body: html,
  };
}

export function redirectResponse(location: string): MockResponse {
  return { status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
}

/** Writes a response, with the headers every answer carries. */
export function writeResponse(res: ServerResponse, response: MockResponse): void {
  res.writeHead(response.status, {
    'x-content-type-options': 'nosniff',
    'content-length': String(Buffer.byteLength(response.body)),
    ...response.headers,
  });
  res.end(response.body);
}

/**
 * Bodies beyond `maxBytes` are counted but not kept; the rest is drained so the client can read a clean
 * 413 instead of a reset connection. Past this many bytes the socket is destroyed instead.
 */
const drainLimitBytes = 64 * 1024 * 1024;

export type BodyResult =
  | { readonly kind: 'ok'; readonly body: Buffer }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'aborted' };

/** Reads a request body without ever holding more than `maxBytes` of it. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > Math.max(drainLimitBytes, maxBytes)) {
        req.destroy();
        return;
      }
      if (received <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(received > maxBytes ? { kind: 'too-large' } : { kind: 'ok', body: Buffer.concat(chunks) });
    });
    req.on('error', () => resolve({ kind: 'aborted' }));
    req.on('close', () => {
      if (!req.complete) resolve({ kind: 'aborted' });
    });
  });
}

/** Decides how a body is read from its content type (parameters such as `charset` are ignored). */
export function bodyTypeOf(headers: IncomingHttpHeaders, body: Buffer): MockRequest['bodyType'] {
  if (body.length === 0) return 'none';
  const mediaType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/x-www-form-urlencoded' ? 'form' : 'other';
}
