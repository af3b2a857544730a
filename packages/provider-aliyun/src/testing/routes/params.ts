import { echo, MockOAuthError } from '../errors.js';
import { repeatedParam, type MockRequest } from '../http.js';

/**
 * The parameters of a POST endpoint. Alibaba Cloud reads the query string as well as the form body
 * (aliyun-protocol.md, "Token endpoint" [code]); a name sent twice is refused (RFC 6749 §3.2).
 */
export function postParams(req: MockRequest): URLSearchParams {
  if (req.bodyType === 'other') {
    throw new MockOAuthError('invalid_request', 'the request body must be application/x-www-form-urlencoded');
  }
  const params = new URLSearchParams([...req.query, ...req.form]);
  const repeated = repeatedParam(params);
  if (repeated !== undefined) throw new MockOAuthError('invalid_request', `${echo(repeated)} was sent more than once`);
  return params;
}

/** A required parameter; empty counts as missing. */
export function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') throw new MockOAuthError('invalid_request', `${name} is required`);
  return value;
}
