/**
 * Turns what a fetch caller passes (a `Request`, or a URL/string plus `RequestInit`) into the few things
 * `node:http` needs. Follows the fetch rule that `init` fields override the `Request`'s.
 */

/** A request reduced to what goes on the wire. */
export interface WireRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | undefined;
  readonly signal: AbortSignal | undefined;
}

const TEXT = 'text/plain;charset=UTF-8';
const FORM = 'application/x-www-form-urlencoded;charset=UTF-8';

/** Reads the caller's arguments; rejects with a `TypeError` where fetch would. */
export async function toWireRequest(input: RequestInfo | URL, init: RequestInit | undefined): Promise<WireRequest> {
  const request = input instanceof Request ? input : undefined;
  const url = new URL(request ? request.url : input instanceof URL ? input.href : String(input));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`fetch failed: unsupported protocol ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    // fetch refuses credentials in the URL; silently sending them would surprise more than an error does.
    throw new TypeError('fetch failed: the URL must not include credentials');
  }
  const method = normaliseMethod(init?.method ?? request?.method ?? 'GET');
  const headers = toHeaderRecord(init?.headers ?? request?.headers);

  let body: Uint8Array | undefined;
  if (init?.body !== undefined && init.body !== null) {
    const encoded = await encodeBody(init.body);
    body = encoded.bytes;
    if (encoded.contentType !== undefined && headers['content-type'] === undefined) {
      headers['content-type'] = encoded.contentType;
    }
  } else if (init?.body === undefined && request?.body) {
    // The Request already set its own content-type header when it was constructed.
    body = new Uint8Array(await request.arrayBuffer());
  }
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw new TypeError(`fetch failed: a ${method} request cannot have a body`);
  }
  if (body !== undefined) headers['content-length'] = String(body.byteLength);
  else if (method === 'POST' || method === 'PUT') headers['content-length'] = '0';
  // The defaults fetch sends; some servers reject requests without them.
  headers['accept'] ??= '*/*';
  headers['user-agent'] ??= 'node';

  const signal = init?.signal ?? request?.signal ?? undefined;
  return { url, method, headers, body, signal };
}

function normaliseMethod(method: string): string {
  const upper = method.toUpperCase();
  // fetch upper-cases only the standard methods; others are sent as written.
  return ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH'].includes(upper) ? upper : method;
}

function toHeaderRecord(init: HeadersInit | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (init === undefined) return record;
  // `Headers` validates names and values and joins duplicates the way fetch does; a `Request`'s headers
  // already are one, so the common ky path skips the copy.
  const headers = init instanceof Headers ? init : new Headers(init);
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

interface EncodedBody {
  readonly bytes: Uint8Array;
  readonly contentType: string | undefined;
}

async function encodeBody(body: BodyInit): Promise<EncodedBody> {
  if (typeof body === 'string') return { bytes: new TextEncoder().encode(body), contentType: TEXT };
  if (body instanceof URLSearchParams) {
    return { bytes: new TextEncoder().encode(body.toString()), contentType: FORM };
  }
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body), contentType: undefined };
  if (ArrayBuffer.isView(body)) {
    return { bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), contentType: undefined };
  }
  // Blob, FormData and streams: let the platform serialise them exactly as fetch would (multipart
  // boundary, the blob's type). Rare for OAuth, so the extra copy does not matter.
  const carrier = new Response(body);
  return {
    bytes: new Uint8Array(await carrier.arrayBuffer()),
    contentType: carrier.headers.get('content-type') ?? undefined,
  };
}
