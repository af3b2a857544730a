import { InvalidArgumentError } from '@x/oauth2-core';
import type { AuthorizeUrlParams } from '@x/oauth2-core';

/**
 * A scope value: the OpenID Connect ones Alibaba Cloud knows, or an API scope such as `/acs/ccc` (any
 * string is accepted; the named ones are for autocompletion).
 *
 * @example
 * ```ts
 * const scope: AliyunScope[] = ['openid', 'aliuid', 'profile', '/acs/ccc'];
 * ```
 */
export type AliyunScope = 'openid' | 'aliuid' | 'profile' | (string & {});

/**
 * `access_type`: `online` (the default) gets no refresh token; `offline` gets one (web apps; native apps
 * always get one).
 *
 * @example
 * ```ts
 * const accessType: AliyunAccessType = 'offline';
 * ```
 */
export type AliyunAccessType = 'online' | 'offline';

/**
 * The authorization parameters Alibaba Cloud understands, typed: `accessType` (or `access_type`) and
 * `prompt: 'admin_consent'`, its only prompt. Assignable to the core's `AuthorizeUrlParams`, so it can be
 * passed to `authorizeURL` and `createAuthorizationRequest` as is; {@link aliyunAuthorizeParams} also
 * checks the values at run time.
 *
 * @example
 * ```ts
 * const params: AliyunAuthorizeParams = { scope: ['openid', '/acs/ccc'], accessType: 'offline' };
 * const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest(params);
 * ```
 */
export interface AliyunAuthorizeParams extends AuthorizeUrlParams {
  scope?: AliyunScope | readonly AliyunScope[];
  /** `offline` asks for a refresh token. Sent as `access_type`. */
  accessType?: AliyunAccessType;
  /** The wire name of `accessType`; give one or the other. */
  access_type?: AliyunAccessType;
  /**
   * `admin_consent` makes an administrator consent for the whole account, e.g. when a token came back
   * without some requested scope.
   */
  prompt?: 'admin_consent';
  /** Alibaba Cloud does not document `nonce`: do not send one (ID tokens would not carry it back). */
  nonce?: never;
}

const accessTypes: readonly string[] = ['online', 'offline'];

/**
 * Checks Alibaba Cloud authorization parameters at run time (for callers without type checking, or
 * values from configuration) and returns them in wire form (`access_type`). Refuses an unknown
 * `access_type` or `prompt`, and a `nonce`, which Alibaba Cloud would not echo in the ID token.
 *
 * @example
 * ```ts
 * const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest(
 *   aliyunAuthorizeParams({ scope: 'openid /acs/ccc', accessType: 'offline', prompt: 'admin_consent' }),
 * );
 * ```
 */
export function aliyunAuthorizeParams(params: AliyunAuthorizeParams = {}): AuthorizeUrlParams {
  if (typeof params !== 'object' || params === null) throw new InvalidArgumentError('params', 'must be an object of authorization parameters');
  const { accessType, access_type: wireAccessType, ...rest } = params;
  if (accessType !== undefined && wireAccessType !== undefined && accessType !== wireAccessType) {
    throw new InvalidArgumentError('accessType', `conflicts with access_type ("${String(accessType)}" vs "${String(wireAccessType)}"); give one`);
  }
  const access = accessType ?? wireAccessType;
  if (access !== undefined && !accessTypes.includes(access)) {
    throw new InvalidArgumentError('accessType', `must be 'online' or 'offline', got ${JSON.stringify(access)}`);
  }
  if (rest.prompt !== undefined && rest.prompt !== 'admin_consent') {
    throw new InvalidArgumentError('prompt', `Alibaba Cloud supports only 'admin_consent', got ${JSON.stringify(rest.prompt)}`);
  }
  if ('nonce' in rest && rest.nonce !== undefined) {
    throw new InvalidArgumentError('nonce', 'Alibaba Cloud does not echo a nonce in its ID tokens; leave it out (state and PKCE protect the login)');
  }
  return access === undefined ? { ...rest } : { ...rest, access_type: access };
}
