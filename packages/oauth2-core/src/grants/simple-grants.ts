import { requestToken } from '../context.js';
import type { CallOptions, ClientContext } from '../context.js';
import { InvalidArgumentError } from '../errors.js';
import type { ExtraParams } from '../params.js';
import type { AccessToken } from '../token.js';
import type { TokenFields } from '../token-response.js';

/** Parameters of the client credentials grant. Extra ones (`audience`, `resource`...) are sent too. */
export interface ClientCredentialsParams extends ExtraParams {
  scope?: string | readonly string[];
}

/** The client credentials grant (RFC 6749 §4.4), for machine-to-machine access. */
export interface ClientCredentialsGrant {
  /**
   * Requests a token for the client itself. Retried on network errors, 429 and 503 (asking again is
   * harmless).
   *
   * @example
   * ```ts
   * const token = await client.clientCredentials.getToken({ scope: 'reports:read' });
   * ```
   */
  getToken(params?: ClientCredentialsParams, options?: CallOptions): Promise<AccessToken>;
}

/** Parameters of the resource owner password grant. */
export interface PasswordParams extends ExtraParams {
  username: string;
  password: string;
  scope?: string | readonly string[];
}

/**
 * The resource owner password credentials grant (RFC 6749 §4.3). RFC 9700 §2.4 forbids it for new
 * deployments; it exists for legacy first-party systems.
 */
export interface PasswordGrant {
  /**
   * @example
   * ```ts
   * const token = await client.password.getToken({ username, password, scope: 'profile' });
   * ```
   */
  getToken(params: PasswordParams, options?: CallOptions): Promise<AccessToken>;
}

type MakeToken = (fields: TokenFields) => AccessToken;

export function createClientCredentialsGrant(context: ClientContext, makeToken: MakeToken): ClientCredentialsGrant {
  return {
    async getToken(params = {}, call) {
      const { scope = context.options.scope, ...extra } = params;
      return makeToken(await requestToken(context, 'client_credentials', { scope, ...extra }, { idempotent: true, ...call }));
    },
  };
}

export function createPasswordGrant(context: ClientContext, makeToken: MakeToken): PasswordGrant {
  return {
    async getToken(params, call) {
      const { username, password, scope = context.options.scope, ...extra } = params ?? ({} as PasswordParams);
      if (typeof username !== 'string' || username === '') throw new InvalidArgumentError('username', 'is required');
      if (typeof password !== 'string') throw new InvalidArgumentError('password', 'is required');
      return makeToken(await requestToken(context, 'password', { username, password, scope, ...extra }, { idempotent: true, ...call }));
    },
  };
}

/**
 * Any other grant, by its type URI: token exchange (RFC 8693), JWT bearer (RFC 7523), SAML bearer...
 * Never retried, since the server may consume what it is given.
 */
export async function requestGenericGrant(
  context: ClientContext,
  makeToken: MakeToken,
  grantType: string,
  params: ExtraParams,
  call?: CallOptions,
): Promise<AccessToken> {
  if (typeof grantType !== 'string' || grantType === '') throw new InvalidArgumentError('grantType', 'is required');
  return makeToken(await requestToken(context, grantType, params ?? {}, { idempotent: false, ...call }));
}
