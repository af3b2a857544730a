import { ResponseTooLargeError } from '../errors.js';

/**
 * Reads a response body as text, refusing bodies larger than `limit` bytes. A declared `Content-Length`
 * over the limit is refused before reading; an undeclared (chunked) body is counted as it streams and
 * abandoned as soon as it crosses the limit, so a hostile server cannot make us buffer gigabytes.
 */
export async function readBodyText(response: Response, limit: number, endpoint: string): Promise<string> {
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) {
    void response.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError({ status: response.status, endpoint, limit });
  }
  if (response.body === null) return '';
  // With a declared length within the limit, the runtime's own reader is the fast path: the HTTP framing
  // guarantees no more than Content-Length bytes arrive.
  if (declared !== null) return response.text();

  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let received = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limit) {
      void reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError({ status: response.status, endpoint, limit });
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
