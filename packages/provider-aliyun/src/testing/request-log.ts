import type { IncomingHttpHeaders } from 'node:http';

/**
 * One HTTP request the mock server received, for assertions such as "the client sent its secret in the
 * body, not in a Basic header". Values of secrets, codes, verifiers and tokens are replaced by
 * `[redacted]`; their names stay, so `'code_verifier' in entry.form` works.
 *
 * @example
 * ```ts
 * const tokenRequest = server.requests.find((entry) => entry.path === '/v1/token');
 * expect(tokenRequest?.authorization).toBe('none');
 * expect(tokenRequest?.form.grant_type).toBe('authorization_code');
 * ```
 */
export interface AliyunMockRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The urlencoded form body's fields; empty for other bodies. */
  readonly form: Readonly<Record<string, string>>;
  /** The scheme of the `Authorization` header. */
  readonly authorization: 'none' | 'basic' | 'bearer' | 'other';
  /** The answer's status; `undefined` while pending, or when the request was hung or reset on purpose. */
  readonly status: number | undefined;
}

export interface MutableLogEntry extends AliyunMockRequest {
  status: number | undefined;
  form: Readonly<Record<string, string>>;
}

const redactedNames = new Set([
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'id_token',
  'token',
  'password',
  'transaction',
]);

/** The parameters as a plain object, with sensitive values replaced. */
export function redactedParams(params: URLSearchParams): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of params) {
    Object.defineProperty(result, name, {
      value: redactedNames.has(name) ? '[redacted]' : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

export function authorizationScheme(headers: IncomingHttpHeaders): AliyunMockRequest['authorization'] {
  const scheme = headers.authorization?.split(' ')[0]?.toLowerCase();
  if (scheme === undefined) return 'none';
  return scheme === 'basic' || scheme === 'bearer' ? scheme : 'other';
}
