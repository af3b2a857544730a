import { endpointUrl, postAuthenticatedForm } from '../context.js';
import type { CallOptions, ClientContext } from '../context.js';
import { InvalidArgumentError } from '../errors.js';
import { successBody } from '../http/response.js';
import { log } from '../log.js';
import type { TokenTypeHint } from '../token.js';

/**
 * Revokes a token (RFC 7009). Any 2xx answer means done, whatever its body: the RFC defines none, and
 * some providers (Aliyun) send `{"success":true}`. Revocation is idempotent, so it is retried like other
 * safe calls.
 */
export async function revokeToken(context: ClientContext, token: string, hint: TokenTypeHint | undefined, call?: CallOptions): Promise<void> {
  if (typeof token !== 'string' || token === '') throw new InvalidArgumentError('token', 'the token to revoke is required');
  const url = endpointUrl(context, 'revocation', 'token revocation');
  const result = await postAuthenticatedForm(
    context,
    { endpoint: 'revocation', url, params: { token, token_type_hint: hint }, idempotent: true },
    call,
  );
  if (result.status >= 200 && result.status < 300) {
    log.token('revoked a token (hint %s)', hint ?? 'none');
    return;
  }
  successBody(result, { endpoint: 'revocation', status: result.status }, context.provider.quirks);
}
