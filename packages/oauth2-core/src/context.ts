import { UnsupportedOperationError } from './errors.js';
import { authenticateClient } from './http/client-auth.js';
import { successBody } from './http/response.js';
import type { JsonObject } from './http/response.js';
import type { HttpClient, HttpResult } from './http/transport.js';
import { log } from './log.js';
import type { ResolvedOptions } from './options.js';
import { appendParams } from './params.js';
import type { ExtraParams } from './params.js';
import type { ProviderEndpoints, ProviderPreset } from './provider.js';
import { tokenFieldsFromResponse } from './token-response.js';
import type { TokenFields } from './token-response.js';

/** Per-call options of every method that talks to the server. */
export interface CallOptions {
  /** Cancels the call; it then rejects with an `OAuth2AbortError`. */
  signal?: AbortSignal;
}

/** What every grant and endpoint module shares: the provider, the options and the one HTTP path. */
export interface ClientContext {
  readonly provider: ProviderPreset;
  readonly options: ResolvedOptions;
  readonly http: HttpClient;
}

/** The URL of an endpoint, or an error saying the preset lacks it. */
export function endpointUrl(context: ClientContext, endpoint: keyof ProviderEndpoints, what: string): string {
  const url = context.provider.endpoints[endpoint];
  if (url === undefined) throw new UnsupportedOperationError(context.provider.name, endpoint, what);
  return url;
}

/**
 * POSTs an authenticated form to one of the provider's endpoints (token, revocation, introspection,
 * device authorization): the client's credentials are added as its authentication method requires.
 */
export async function postAuthenticatedForm(
  context: ClientContext,
  request: { endpoint: keyof ProviderEndpoints; url: string; params: ExtraParams; idempotent: boolean },
  call: CallOptions = {},
): Promise<HttpResult> {
  const form = new URLSearchParams();
  appendParams(form, request.params, context.provider.quirks.scopeSeparator);
  const headers: Record<string, string> = {};
  const { auth } = context.options;
  await authenticateClient(auth, form, headers);
  const result = await context.http.send({
    endpoint: request.endpoint,
    url: request.url,
    method: 'POST',
    form,
    headers,
    // A retried request would carry the same client assertion, whose jti a server may refuse as a replay
    // (RFC 7523 §3): clients authenticating with assertions are not retried.
    idempotent: request.idempotent && !assertionMethods.has(auth.method),
    ...(call.signal ? { signal: call.signal } : {}),
  });
  // Only error building reads this, so it is collected then, not on every successful request.
  return {
    ...result,
    get sentSecrets() {
      const values = secretParams.flatMap((name) => form.getAll(name));
      return auth.clientSecret === undefined ? values : [...values, auth.clientSecret];
    },
  };
}

const assertionMethods = new Set(['private_key_jwt', 'client_secret_jwt']);
/** Form parameters whose values are credentials: masked wherever a server echoes them. */
const secretParams = ['client_secret', 'client_assertion', 'assertion', 'code', 'code_verifier', 'refresh_token', 'password', 'device_code', 'token', 'subject_token', 'actor_token'];

/**
 * Requests a token from the token endpoint and validates the answer. `idempotent` is true only for
 * grants whose repetition is harmless (client credentials, password); codes and refresh tokens are
 * single-use and never retried.
 */
export async function requestToken(
  context: ClientContext,
  grantType: string,
  params: ExtraParams,
  request: { idempotent: boolean } & CallOptions,
): Promise<TokenFields> {
  log.token('requesting a token with grant %s', grantType);
  const result = await postAuthenticatedForm(
    context,
    { endpoint: 'token', url: context.provider.endpoints.token, params: { grant_type: grantType, ...params }, idempotent: request.idempotent },
    request,
  );
  const body = tokenBody(context, result, grantType);
  const fields = tokenFieldsFromResponse(body, {
    status: result.status,
    endpoint: 'token',
    scopeSeparator: context.provider.quirks.scopeSeparator,
    receivedAt: Date.now(),
  });
  log.token('received a %s token for grant %s, expires %s', fields.tokenType, grantType, fields.expiresAt?.toISOString() ?? 'unknown');
  return fields;
}

function tokenBody(context: ClientContext, result: HttpResult, grantType: string): JsonObject {
  const responseContext = { endpoint: 'token', status: result.status, grantType };
  const body = successBody(result, responseContext, context.provider.quirks);
  return context.provider.quirks.normalizeTokenResponse?.(body, responseContext) ?? body;
}
