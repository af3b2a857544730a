import type { CryptoKey, JWTVerifyOptions, JWTVerifyResult } from 'jose';
import { checkIdTokenClaims, checkIdTokenType, type ClaimExpectations } from './claims.js';
import { assertCompactJwt } from './decode.js';
import { IdTokenValidationError, type OAuth2Error } from './errors.js';
import { checkHashClaim } from './hashes.js';
import { fromJoseError } from './jose-errors.js';
import { loadJose, type JoseModule } from './jose.js';
import type { KeyResolver, KeySource } from './key-source.js';
import { asymmetricKeySource, secretKey } from './keys.js';
import { allowedAlgorithms, checkOptions, DEFAULT_CLOCK_TOLERANCE, type VerifyIdTokenOptions } from './options.js';
import type { IdTokenClaims } from './types.js';

function isHmac(alg: unknown): alg is 'HS256' | 'HS384' | 'HS512' {
  return alg === 'HS256' || alg === 'HS384' || alg === 'HS512';
}

/**
 * The key for the token's header, chosen by its `alg`. This is the algorithm gate: jose calls it with the
 * parsed protected header before it checks any signature (doing it here, with a prepared Set, spares the
 * Set jose would build from an `algorithms` array on every call).
 */
function keyResolver(options: VerifyIdTokenOptions, algorithms: ReadonlySet<string>, asymmetric: KeySource): KeyResolver {
  const { clientSecret } = options;
  return (header, token) => {
    const { alg } = header;
    if (typeof alg !== 'string' || !algorithms.has(alg)) {
      throw new IdTokenValidationError(
        'ERR_ID_TOKEN_ALGORITHM',
        `the ID token is signed with alg ${JSON.stringify(String(alg).slice(0, 20))}, which is not allowed; allowed: ${[...algorithms].join(', ')} (see the algorithms option; "none" is never accepted)`,
      );
    }
    // The alg decides where the key comes from, never the other way round: HMAC only ever uses the client
    // secret and asymmetric algorithms only the JWKS, which defeats key confusion (HS256 "signed" with
    // the issuer's public key) whatever the algorithms option says.
    if (isHmac(alg)) {
      if (clientSecret === undefined) {
        throw new IdTokenValidationError(
          'ERR_ID_TOKEN_ALGORITHM',
          `the ID token is signed with ${alg}, a symmetric algorithm, but no clientSecret was given; a public key is never used as an HMAC key`,
        );
      }
      return secretKey(clientSecret, alg);
    }
    return asymmetric.resolve(header, token);
  };
}

/**
 * jose's signature check (then its own exp/nbf check). jose leaves several keys matching a kid-less header
 * to the caller, handing over an async iterator of them (its documented pattern): each is tried until one
 * verifies the signature.
 */
async function verifySignature(
  jose: JoseModule,
  idToken: string,
  key: CryptoKey | KeyResolver,
  verifyOptions: JWTVerifyOptions,
): Promise<JWTVerifyResult> {
  try {
    return await jose.jwtVerify(idToken, key, verifyOptions);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
    let lastError: unknown = error;
    for await (const candidate of error as AsyncIterable<CryptoKey>) {
      try {
        return await jose.jwtVerify(idToken, candidate, verifyOptions);
      } catch (candidateError) {
        lastError = candidateError;
        if ((candidateError as { code?: unknown }).code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') break;
      }
    }
    throw lastError;
  }
}

/** Turns what `verifySignature` threw into this package's error. */
function verificationError(error: unknown, expectations: ClaimExpectations): OAuth2Error {
  const { code, payload } = (error ?? {}) as { code?: unknown; payload?: unknown };
  // jose checks exp and nbf itself, after the signature; its claim errors carry the verified payload. Our
  // rules run on it, so that they apply in their order and with our messages, from one place (claims.ts).
  if ((code === 'ERR_JWT_EXPIRED' || code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') && typeof payload === 'object' && payload !== null) {
    try {
      checkIdTokenClaims(payload as Record<string, unknown>, expectations);
    } catch (ruleError) {
      return ruleError as OAuth2Error;
    }
  }
  return fromJoseError(error);
}

/**
 * Verifies an OpenID Connect ID token and returns its claims. The signature is checked with jose against
 * the issuer's keys (`jwks`) or, for HS256/384/512 only, the client secret; then every rule of OpenID
 * Connect Core §3.1.3.7 and §3.1.3.8: `iss` exact, `aud` contains the client, `azp` when there are several
 * audiences, `exp`/`nbf` with `clockTolerance`, `iat` present and not in the future, `sub` present, `nonce`
 * equal when one was sent, `auth_time` with `maxAge`, and `at_hash`/`c_hash` when present and the access
 * token/code is given. `alg: none` is never accepted. Other JWTs the issuer signs with the same keys are
 * refused (`ERR_ID_TOKEN_TYPE`): a `typ` header other than `JWT`/`application/jwt` (an `at+jwt` access
 * token, a `logout+jwt` logout token...) or an `events` claim (a logout or other security event token).
 *
 * Rejects with `IdTokenValidationError` whose `code` names the failed rule (`JwksFetchError` with
 * `ERR_JWKS_FETCH` when the keys cannot be downloaded), `JwtFormatError` for a string that is not a JWT,
 * or `InvalidArgumentError` for unusable options. jose is loaded on the first call.
 *
 * @example
 * ```ts
 * import { createRemoteJwks, verifyIdToken } from '@x/jwt';
 *
 * const jwks = createRemoteJwks('https://issuer.example/.well-known/jwks.json'); // once per client
 *
 * const claims = await verifyIdToken(tokenResponse.id_token, {
 *   issuer: 'https://issuer.example',
 *   audience: 'my-client-id',
 *   jwks,
 *   nonce: session.nonce,
 *   accessToken: tokenResponse.access_token,
 * });
 * console.log(claims.sub);
 * ```
 */
export async function verifyIdToken(idToken: string, options: VerifyIdTokenOptions): Promise<IdTokenClaims> {
  checkOptions(options);
  const algorithms = allowedAlgorithms(options);
  assertCompactJwt(idToken);
  const clockTolerance = options.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE;
  const currentDate = options.currentDate ?? new Date();
  const loading = loadJose();
  // Once jose is loaded, skip the await: a microtask per call is measurable next to a signature check.
  const jose = loading instanceof Promise ? await loading : loading;
  const verifyOptions: JWTVerifyOptions = { clockTolerance, currentDate };
  const keySource = asymmetricKeySource(jose, options.jwks, options.fetch);
  // Fast path: a header this key set has already resolved, for an algorithm still allowed, goes to jose
  // with the key itself (see key-source.ts). The HMAC path always goes through the resolver.
  const known = keySource.cached(idToken.slice(0, idToken.indexOf('.')));
  const key = known !== undefined && algorithms.has(known.alg) ? known.key : keyResolver(options, algorithms, keySource);

  const expectations: ClaimExpectations = {
    issuer: options.issuer,
    audience: options.audience,
    nonce: options.nonce,
    maxAge: options.maxAge,
    clockTolerance,
    now: Math.floor(currentDate.getTime() / 1000),
  };

  let result: JWTVerifyResult;
  try {
    result = await verifySignature(jose, idToken, key, verifyOptions);
  } catch (error) {
    throw verificationError(error, expectations);
  }

  checkIdTokenType(result.protectedHeader);
  const claims = result.payload as Record<string, unknown>;
  checkIdTokenClaims(claims, expectations);
  const alg = result.protectedHeader.alg as string;
  if (claims.at_hash !== undefined) await checkHashClaim('at_hash', claims.at_hash, options.accessToken, alg);
  if (claims.c_hash !== undefined) await checkHashClaim('c_hash', claims.c_hash, options.code, alg);
  return claims;
}
