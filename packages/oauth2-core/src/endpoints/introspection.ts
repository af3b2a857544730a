import { endpointUrl, postAuthenticatedForm } from '../context.js';
import type { CallOptions, ClientContext } from '../context.js';
import { InvalidArgumentError, OAuth2ResponseError } from '../errors.js';
import { successBody } from '../http/response.js';
import type { TokenTypeHint } from '../token.js';

/** An introspection response (RFC 7662 §2.2): `active` and, for active tokens, what the server says. */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  username?: string;
  token_type?: string;
  exp?: number;
  iat?: number;
  nbf?: number;
  sub?: string;
  aud?: string | string[];
  iss?: string;
  jti?: string;
  [claim: string]: unknown;
}

/** Asks the server whether a token is active, and what it grants (RFC 7662). */
export async function introspectToken(
  context: ClientContext,
  token: string,
  hint: TokenTypeHint | undefined,
  call?: CallOptions,
): Promise<IntrospectionResponse> {
  if (typeof token !== 'string' || token === '') throw new InvalidArgumentError('token', 'the token to introspect is required');
  const url = endpointUrl(context, 'introspection', 'token introspection');
  const result = await postAuthenticatedForm(
    context,
    { endpoint: 'introspection', url, params: { token, token_type_hint: hint }, idempotent: true },
    call,
  );
  const body = successBody(result, { endpoint: 'introspection', status: result.status }, context.provider.quirks);
  if (typeof body.active !== 'boolean') {
    throw new OAuth2ResponseError({ status: result.status, endpoint: 'introspection', reason: '`active` is missing or not a boolean (RFC 7662 §2.2)' });
  }
  return body as IntrospectionResponse;
}
