export { createClient } from './client.js';
export type { OAuth2Client, CallOptions } from './client.js';
export { defineProvider } from './provider.js';
export type {
  ProviderDefinition,
  ProviderEndpoints,
  ProviderPreset,
  ProviderQuirks,
  ResponseContext,
  ServerErrorMapping,
  TokenEndpointAuthMethod,
} from './provider.js';
export type { ClientOptions } from './options.js';
export type { RetryOptions } from './http/transport.js';
export type { ClientPrivateKey } from './http/client-auth.js';
export { discover, presetFromMetadata } from './oidc/discovery.js';
export type { AuthorizationServerMetadata, DiscoveryOptions } from './oidc/discovery.js';
export { AccessToken } from './token.js';
export type { AccessTokenJSON, RefreshParams, TokenTypeHint } from './token.js';
export type { TokenResponse } from './token-response.js';
export type {
  AuthorizationCodeGrant,
  AuthorizationRequest,
  AuthorizeUrlParams,
  CallbackChecks,
  CodeExchangeParams,
} from './grants/authorization-code.js';
export type { ClientCredentialsGrant, ClientCredentialsParams, PasswordGrant, PasswordParams } from './grants/simple-grants.js';
export type { DeviceAuthorization, DeviceCodeGrant, DevicePollOptions } from './grants/device-code.js';
export type { IntrospectionResponse } from './endpoints/introspection.js';
export type { UserinfoClaims, UserinfoOptions } from './oidc/userinfo.js';
export type { EndSessionParams } from './oidc/end-session.js';
export type { IdTokenCheckOptions } from './oidc/id-token.js';
export type { ExtraParams, ParamValue } from './params.js';
export {
  AuthorizationResponseError,
  CallbackError,
  DeviceCodeExpiredError,
  InvalidArgumentError,
  NoRefreshTokenError,
  OAuth2AbortError,
  OAuth2Error,
  OAuth2NetworkError,
  OAuth2ResponseError,
  OAuth2ServerError,
  OAuth2TimeoutError,
  RefreshTokenSpentError,
  ResponseTooLargeError,
  StateMismatchError,
  UnsupportedOperationError,
} from './errors.js';
export type { ServerErrorDetails } from './errors.js';
export { IdTokenValidationError, JwksFetchError, JwtFormatError } from '@x/jwt/errors';
export type { IdTokenClaims, IdTokenErrorCode } from '@x/jwt';
