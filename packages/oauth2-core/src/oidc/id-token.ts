import { createRemoteJwks, verifyIdToken } from '@x/jwt';
import type { IdTokenClaims } from '@x/jwt';
import type { ClientContext } from '../context.js';
import { InvalidArgumentError } from '../errors.js';

/** Options of `client.verifyIdToken`. Times are in seconds, as in OpenID Connect Core. */
export interface IdTokenCheckOptions {
  /** The nonce stored when the login started; required in the token when given. */
  nonce?: string;
  /** The `max_age` requested; `auth_time` must then be recent enough. */
  maxAge?: number;
  /** The access token issued with the ID token, to check `at_hash`. */
  accessToken?: string;
  /** The code the ID token came with (hybrid flows), to check `c_hash`. */
  code?: string;
}

/** Verifies the ID tokens of one client against its provider's issuer and JWKS. */
export interface IdTokenVerifier {
  /** Whether the provider has what verification needs: an issuer and a JWKS URL. */
  readonly available: boolean;
  verify(idToken: string, options?: IdTokenCheckOptions): Promise<IdTokenClaims>;
}

/**
 * The client's ID-token verifier: one remote key set per client, fetched through the client's HTTP path
 * and cached, refetched when a token names an unknown `kid` (key rotation).
 */
export function createIdTokenVerifier(context: ClientContext): IdTokenVerifier {
  const { provider, options, http } = context;
  const issuer = provider.issuer;
  const jwksUrl = provider.endpoints.jwks;
  const available = issuer !== undefined && jwksUrl !== undefined;
  let jwks: ReturnType<typeof createRemoteJwks> | undefined;

  async function verify(idToken: string, checks: IdTokenCheckOptions = {}): Promise<IdTokenClaims> {
    if (issuer === undefined || jwksUrl === undefined) {
      throw new InvalidArgumentError('provider', `"${provider.name}" has no issuer or JWKS URL, so its ID tokens cannot be verified`);
    }
    jwks ??= createRemoteJwks(jwksUrl, { fetch: http.fetch, ...options.jwksCache });
    return verifyIdToken(idToken, {
      issuer,
      audience: options.clientId,
      jwks,
      clockTolerance: options.clockTolerance,
      ...(provider.quirks.idTokenSigningAlgorithms ? { algorithms: [...provider.quirks.idTokenSigningAlgorithms] } : {}),
      ...(options.clientSecret === undefined ? {} : { clientSecret: options.clientSecret }),
      ...checks,
    });
  }

  return { available, verify };
}
