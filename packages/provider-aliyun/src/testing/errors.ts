import { randomUUID } from 'node:crypto';
import type { AliyunMockEndpoint, ResolvedOptions } from './options.js';
import { jsonResponse, type MockResponse } from './http.js';

/** Which configurable HTTP status an error is answered with (see `AliyunMockErrorStatuses`). */
export type ErrorKind = 'request' | 'client' | 'token' | 'scope';

/**
 * An OAuth error the mock answers with. Descriptions are written here, never copied from the request,
 * so no secret, code or token can leak into an error body; the only echoed value is a client id.
 */
export class MockOAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly kind: ErrorKind = 'request',
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'MockOAuthError';
  }
}

/** Request ids look like Alibaba Cloud's: an upper-case UUID. */
export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

/** Truncates a value that is echoed in an error (a client id) so a hostile one cannot bloat the body. */
export function echo(value: string): string {
  return value.length > 128 ? `${value.slice(0, 128)}…` : value;
}

/**
 * The JSON error body Alibaba Cloud sends: `error`, `error_description`, `http_code` and a request id
 * under the field configured for the endpoint (aliyun-protocol.md, "Errors").
 */
export function errorResponse(
  options: ResolvedOptions,
  endpoint: AliyunMockEndpoint,
  err: MockOAuthError,
  status: number = options.errorStatuses[err.kind],
): MockResponse {
  const body: Record<string, string | number> = {
    error: err.error,
    error_description: err.description,
    http_code: status,
  };
  const field = options.requestIdFields[endpoint];
  if (field !== 'none') body[field] = newRequestId();
  return jsonResponse(status, body, { 'cache-control': 'no-store', ...err.headers });
}
