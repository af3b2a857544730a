import { ResponseTooLargeError } from '../errors.js';

/** Bounds of one body read. */
export interface BodyLimits {
  /** Bodies larger than this many bytes are refused. */
  maxBytes: number;
  /** The endpoint's name, for errors. */
  endpoint: string;
  /** Time left for the read, in ms; past it the body is cancelled and `onTimeout()` is thrown. */
  timeLeft: number;
  onTimeout: () => Error;
}

/**
 * Reads a response body as text within a size and a time limit. A declared `Content-Length` over the
 * limit is refused before reading; otherwise the body is counted as it streams and abandoned as soon as it
 * crosses the limit, so a hostile server cannot make us buffer gigabytes. A body that stops arriving is
 * cancelled (which closes the connection) when the time is up, whatever the runtime's fetch does with its
 * own signal once the headers are in.
 */
export async function readBodyText(response: Response, limits: BodyLimits): Promise<string> {
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > limits.maxBytes) {
    void response.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError({ status: response.status, endpoint: limits.endpoint, limit: limits.maxBytes });
  }
  if (response.body === null) return '';

  const reader = response.body.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void reader.cancel().catch(() => undefined);
  }, Math.max(0, limits.timeLeft));
  try {
    const decoder = new TextDecoder();
    let received = 0;
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut) throw limits.onTimeout();
      if (done) return text + decoder.decode();
      received += value.byteLength;
      if (received > limits.maxBytes) {
        void reader.cancel().catch(() => undefined);
        throw new ResponseTooLargeError({ status: response.status, endpoint: limits.endpoint, limit: limits.maxBytes });
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    throw timedOut ? limits.onTimeout() : error;
  } finally {
    clearTimeout(timer);
  }
}
