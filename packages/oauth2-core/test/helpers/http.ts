/**
 * Small HTTP utilities shared by the test harnesses: a loopback server with a request log, a cookie jar, a
 * "browser" (cookie-aware fetch that never follows redirects by itself), HTML form scraping, and a few OAuth
 * request helpers (PKCE pair, HTTP Basic client credentials, form POST).
 *
 * Everything here is test code: it favours clear failures over leniency.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request seen by a harness server, recorded when it arrives; `status` is filled in when it is answered. */
export interface RecordedRequest {
  /** HTTP method, upper case. */
  readonly method: string;
  /** Path without the query string, e.g. `/token`. */
  readonly path: string;
  /** Parsed query string. */
  readonly query: URLSearchParams;
  /** Request headers, names in lower case (repeated headers joined with `, `). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The parsed `application/x-www-form-urlencoded` body, when the harness itself read the body (the
   * node-oauth-server harness does; the oidc-provider harness leaves bodies to the provider and records none).
   */
  form?: URLSearchParams;
  /** Response status code, once the response has finished. */
  status?: number;
}

/** A request handler for {@link startHttpServer}. It may return a promise; a rejection becomes a 500 response. */
export type RequestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  record: RecordedRequest,
) => void | Promise<void>;

/** A running loopback HTTP server. */
export interface RunningHttpServer {
  /** The node:http server. */
  readonly server: Server;
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly origin: string;
  /** Every request received so far, oldest first. Tests may clear it with `requests.length = 0`. */
  readonly requests: RecordedRequest[];
  /** Closes the server and destroys every open socket (including idle keep-alive ones). Idempotent. */
  close(): Promise<void>;
}

/** Flattens Node's header object into lower-case name → single string. */
export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * Starts a node:http server on 127.0.0.1 with an OS-assigned port. Every request is recorded; a handler that
 * throws (or rejects) is logged with `console.error` and answered with a JSON 500, so server bugs are loud.
 */
export async function startHttpServer(handler: RequestHandler): Promise<RunningHttpServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RecordedRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers: flattenHeaders(req),
    };
    requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    Promise.resolve()
      .then(() => handler(req, res, record))
      .catch((error: unknown) => {
        console.error(`[test harness] unhandled error for ${record.method} ${record.path}:`, error);
        if (!res.headersSent) {
          sendJson(res, 500, { error: 'server_error', error_description: describeError(error) });
        } else {
          res.destroy();
        }
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    requests,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Writes a JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(payload).toString(),
    ...headers,
  });
  res.end(payload);
}

/** Reads a request body as UTF-8 text, refusing bodies larger than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) throw new Error(`request body larger than ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A short, single-line description of a thrown value. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

// ---------------------------------------------------------------------------------------------------------------
// Cookies and the scripted browser
// ---------------------------------------------------------------------------------------------------------------

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly host: string;
  readonly path: string;
  /** Epoch milliseconds; undefined for a session cookie. */
  readonly expiresAt?: number;
}

/**
 * A minimal RFC 6265 cookie jar: host-only cookies (the `Domain` attribute is ignored, everything here runs on
 * 127.0.0.1), path matching, `Max-Age`/`Expires`, deletion by expiry. `Secure`, `HttpOnly` and `SameSite` are
 * accepted and ignored.
 */
export class CookieJar {
  #cookies: StoredCookie[] = [];

  /** Stores the `Set-Cookie` headers of a response received from `url`. */
  store(url: URL, setCookieHeaders: readonly string[]): void {
    for (const header of setCookieHeaders) {
      const cookie = parseSetCookie(url, header);
      if (!cookie) continue;
      this.#cookies = this.#cookies.filter(
        (c) => !(c.name === cookie.name && c.host === cookie.host && c.path === cookie.path),
      );
      if (cookie.expiresAt === undefined || cookie.expiresAt > Date.now()) this.#cookies.push(cookie);
    }
  }

  /** The `Cookie` request header value for `url`, or undefined when no cookie applies. */
  header(url: URL): string | undefined {
    const now = Date.now();
    this.#cookies = this.#cookies.filter((c) => c.expiresAt === undefined || c.expiresAt > now);
    const matching = this.#cookies
      .filter((c) => c.host === url.host && pathMatches(c.path, url.pathname))
      // RFC 6265 §5.4: longer paths first.
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  /** Names of the cookies currently held (for debugging and assertions). */
  names(): string[] {
    return this.#cookies.map((c) => c.name);
  }

  /** Forgets every cookie. */
  clear(): void {
    this.#cookies = [];
  }
}

function parseSetCookie(url: URL, header: string): StoredCookie | undefined {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  let path: string | undefined;
  let expiresAt: number | undefined;
  let maxAgeSeen = false;
  for (const attribute of attributes) {
    const index = attribute.indexOf('=');
    const key = (index === -1 ? attribute : attribute.slice(0, index)).trim().toLowerCase();
    const attributeValue = index === -1 ? '' : attribute.slice(index + 1).trim();
    if (key === 'path' && attributeValue.startsWith('/')) {
      path = attributeValue;
    } else if (key === 'max-age' && /^-?\d+$/.test(attributeValue)) {
      maxAgeSeen = true;
      expiresAt = Date.now() + Number(attributeValue) * 1000;
    } else if (key === 'expires' && !maxAgeSeen) {
      const parsed = Date.parse(attributeValue);
      if (!Number.isNaN(parsed)) expiresAt = parsed;
    }
  }
  return { name, value, host: url.host, path: path ?? defaultCookiePath(url.pathname), expiresAt };
}

function defaultCookiePath(requestPath: string): string {
  if (!requestPath.startsWith('/')) return '/';
  const lastSlash = requestPath.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : requestPath.slice(0, lastSlash);
}

function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (cookiePath === requestPath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/**
 * A scripted user agent: `fetch` with a cookie jar that never follows redirects itself (the caller reads the
 * `Location` header), so a test can drive a login flow step by step exactly like a browser would.
 */
export class Browser {
  /** The cookies this browser holds. */
  readonly jar = new CookieJar();
  readonly #fetch: typeof fetch;

  /** @param fetchImpl - the fetch to send requests with (default: the global one). */
  constructor(fetchImpl: typeof fetch = globalThis.fetch) {
    this.#fetch = fetchImpl;
  }

  /** Sends a request with this browser's cookies and stores the cookies of the response. Redirects are not followed. */
  async fetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const url = new URL(input);
    const headers = new Headers(init.headers);
    const cookie = this.jar.header(url);
    if (cookie !== undefined) headers.set('cookie', cookie);
    if (!headers.has('accept')) headers.set('accept', 'text/html,application/json;q=0.9,*/*;q=0.8');
    const response = await this.#fetch(url, { ...init, headers, redirect: 'manual' });
    this.jar.store(url, response.headers.getSetCookie());
    return response;
  }

  /** GET `url`. */
  get(url: string | URL): Promise<Response> {
    return this.fetch(url);
  }

  /** POST `fields` to `url` as `application/x-www-form-urlencoded`. */
  postForm(url: string | URL, fields: Readonly<Record<string, string>>): Promise<Response> {
    return this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

/** True for the statuses a browser follows via `Location`. */
export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The absolute URL a redirect response points to; throws when the response is not a redirect. */
export function redirectTarget(response: Response, requestUrl: string | URL): URL {
  const location = response.headers.get('location');
  if (!isRedirect(response.status) || location === null) {
    throw new Error(`expected a redirect from ${String(requestUrl)}, got HTTP ${response.status}`);
  }
  return new URL(location, requestUrl);
}

// ---------------------------------------------------------------------------------------------------------------
// HTML scraping (only for the tiny, known pages the harness servers render)
// ---------------------------------------------------------------------------------------------------------------

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Reverses {@link escapeHtml} and the numeric character references servers commonly emit. */
export function unescapeHtml(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A `<form>` scraped from a page. */
export interface HtmlForm {
  /** The form's `id` attribute, if any. */
  readonly id?: string;
  /** Absolute action URL (resolved against the page URL). */
  readonly action: URL;
  /** `GET` or `POST`. */
  readonly method: string;
  /** `name` → `value` of the form's `<input>` elements (hidden ones included, unnamed ones skipped). */
  readonly fields: Record<string, string>;
}

function attributesOf(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    const [, name = '', , doubleQuoted, singleQuoted] = match;
    attributes[name.toLowerCase()] = unescapeHtml(doubleQuoted ?? singleQuoted ?? '');
  }
  return attributes;
}

/** Every `<form>` of `html`, with its inputs. Good enough for simple server-rendered pages, not a real parser. */
export function parseForms(html: string, pageUrl: string | URL): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const formAttributes = attributesOf(match[1] ?? '');
    const fields: Record<string, string> = {};
    for (const input of (match[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
      const attributes = attributesOf(input[1] ?? '');
      if (attributes.name !== undefined) fields[attributes.name] = attributes.value ?? '';
    }
    forms.push({
      id: formAttributes.id,
      action: new URL(formAttributes.action ?? '', pageUrl),
      method: (formAttributes.method ?? 'GET').toUpperCase(),
      fields,
    });
  }
  return forms;
}

/** A short excerpt of a response body for error messages. */
export function excerpt(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

// ---------------------------------------------------------------------------------------------------------------
// OAuth request helpers for tests that talk to the servers with plain fetch
// ---------------------------------------------------------------------------------------------------------------

/** A PKCE verifier and its S256 challenge (RFC 7636). */
export interface PkcePair {
  readonly codeVerifier: string;
  readonly codeChallenge: string;
  readonly codeChallengeMethod: 'S256';
}

/** Generates a random PKCE verifier (43 characters) and its S256 challenge. */
export function createPkcePair(): PkcePair {
  const codeVerifier = randomBytes(32).toString('base64url');
  const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
  return { codeVerifier, codeChallenge, codeChallengeMethod: 'S256' };
}

/** A random `state`/`nonce` value. */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * The `Authorization` header value for `client_secret_basic`: RFC 6749 §2.3.1 says the id and secret are
 * form-urlencoded before being joined and base64-encoded.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/** The outcome of {@link postForm}: status, headers and the body parsed as JSON (or the raw text if it is not JSON). */
export interface FormResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/**
 * POSTs `fields` as `application/x-www-form-urlencoded` with plain fetch and parses the JSON answer. Undefined
 * field values are skipped. Pass `basic: [clientId, clientSecret]` for `client_secret_basic`.
 */
export async function postForm(
  url: string | URL,
  fields: Readonly<Record<string, string | undefined>>,
  options: { basic?: readonly [string, string]; headers?: Readonly<Record<string, string>> } = {},
): Promise<FormResponse> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) params.set(key, value);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    ...options.headers,
  };
  if (options.basic) headers.authorization = basicAuthorization(options.basic[0], options.basic[1]);
  const response = await fetch(url, { method: 'POST', headers, body: params.toString() });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}
