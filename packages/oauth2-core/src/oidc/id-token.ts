import type * as JwtExports from '@x/jwt';
import type { IdTokenClaims, RemoteJwks } from '@x/jwt';
import type { ClientContext } from '../context.js';
import { InvalidArgumentError, OAuth2ResponseError } from '../errors.js';
import type { JsonObject } from '../http/response.js';
import { loadJose } from '../security/jose.js';

type JwtModule = typeof JwtExports;
let jwtModule: Promise<JwtModule> | undefined;

/**
 * `@x/jwt`'s verification (key sets, claim rules) is loaded on first use, like jose: clients that never
 * see an ID token do not pay for importing it. Its errors and `decodeJwt` come from light subpaths.
 */
function loadJwt(): Promise<JwtModule> {
  jwtModule ??= import('@x/jwt').catch((error: unknown) => {
    jwtModule = undefined;
    throw error;
  });
  return jwtModule;
}

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
  /** Verifies a signed UserInfo answer (OpenID Connect Core §5.3.2) with the same keys. */
  verifyUserinfoJwt(jwt: string): Promise<JsonObject>;
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
  let jwks: RemoteJwks | undefined;

  async function requireVerification(): Promise<{ issuer: string; keys: RemoteJwks; jwt: JwtModule }> {
    if (issuer === undefined || jwksUrl === undefined) {
      throw new InvalidArgumentError('provider', `"${provider.name}" has no issuer or JWKS URL, so its signed tokens cannot be verified`);
    }
    const jwt = await loadJwt();
    jwks ??= jwt.createRemoteJwks(jwksUrl, { fetch: http.fetch, ...options.jwksCache });
    return { issuer, keys: jwks, jwt };
  }

  async function verify(idToken: string, checks: IdTokenCheckOptions = {}): Promise<IdTokenClaims> {
    const { issuer: expectedIssuer, keys, jwt } = await requireVerification();
    return jwt.verifyIdToken(idToken, {
      issuer: expectedIssuer,
      audience: options.clientId,
      jwks: keys,
      clockTolerance: options.clockTolerance,
      ...(provider.quirks.idTokenSigningAlgorithms ? { algorithms: [...provider.quirks.idTokenSigningAlgorithms] } : {}),
      ...(options.clientSecret === undefined ? {} : { clientSecret: options.clientSecret }),
      ...checks,
    });
  }

  async function verifyUserinfoJwt(jwt: string): Promise<JsonObject> {
    const { issuer: expectedIssuer, keys } = await requireVerification();
    const { jwtVerify, createLocalJWKSet } = await loadJose();
    const algorithms = provider.quirks.idTokenSigningAlgorithms ? [...provider.quirks.idTokenSigningAlgorithms] : ['RS256', 'PS256', 'ES256', 'EdDSA'];
    const attempt = async () => {
      if (!keys.fresh) await keys.reload();
      const { payload } = await jwtVerify(jwt, createLocalJWKSet(keys.jwks() ?? { keys: [] }), { algorithms });
      return payload;
    };
    let payload: JsonObject;
    try {
      payload = await attempt().catch(async (error: unknown) => {
        // A new kid after a rotation: download once more, as ID-token verification does.
        if ((error as { code?: unknown }).code !== 'ERR_JWKS_NO_MATCHING_KEY' || keys.coolingDown) throw error;
        await keys.reload();
        return attempt();
      });
    } catch (error) {
      throw new OAuth2ResponseError({ status: 200, endpoint: 'userinfo', reason: `the signed answer failed verification (${describe(error)})` }, { cause: error });
    }
    // §5.3.2: a signed answer SHOULD carry iss and aud; when it does, they must be ours.
    const audience = payload.aud;
    const audiences = typeof audience === 'string' ? [audience] : Array.isArray(audience) ? audience : undefined;
    if ((payload.iss !== undefined && payload.iss !== expectedIssuer) || (audiences !== undefined && !audiences.includes(options.clientId))) {
      throw new OAuth2ResponseError({ status: 200, endpoint: 'userinfo', reason: 'the signed answer is for another issuer or client' });
    }
    return payload;
  }

  return { available, verify, verifyUserinfoJwt };
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error';
}
