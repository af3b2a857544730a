import { endpointUrl, postAuthenticatedForm } from '../context.js';
import type { CallOptions, ClientContext } from '../context.js';
import { InvalidArgumentError } from '../errors.js';
import { jsonObjectOrUndefined, serverError, successBody } from '../http/response.js';
import type { JsonObject } from '../http/response.js';
import { log } from '../log.js';
import type { TokenTypeHint } from '../token.js';

/**
 * Revokes a token (RFC 7009). A 2xx answer means done: the RFC defines no body, so a body is returned as
 * the server sent it when it is a JSON object (Aliyun sends `{"success":true,"message":"success"}`) and
 * ignored otherwise, unless it carries an OAuth `error`, which some servers send with status 200.
 * Revocation is idempotent, so it is retried like other safe calls.
 */
export async function revokeToken(
  context: ClientContext,
  token: string,
  hint: TokenTypeHint | undefined,
  call?: CallOptions,
): Promise<JsonObject | undefined> {
  if (typeof token !== 'string' || token === '') throw new InvalidArgumentError('token', 'the token to revoke is required');
  const url = endpointUrl(context, 'revocation', 'token revocation');
  const result = await postAuthenticatedForm(
    context,
    { endpoint: 'revocation', url, params: { token, token_type_hint: hint }, idempotent: true },
    call,
  );
  const responseContext = { endpoint: 'revocation', status: result.status };
  if (result.status < 200 || result.status >= 300) {
    successBody(result, responseContext, context.provider.quirks);
  }
  const body = jsonObjectOrUndefined(result);
  if (body !== undefined && body.error !== undefined) throw serverError(body, result, responseContext, context.provider.quirks);
  log.token('revoked a token (hint %s)', hint ?? 'none');
  return body;
}
