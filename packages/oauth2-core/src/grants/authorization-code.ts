import {
  AuthorizationResponseError,
  CallbackError,
  InvalidArgumentError,
  OAuth2ResponseError,
  StateMismatchError,
} from '../errors.js';
import { jsonObjectOrUndefined, optional, serverError } from '../http/response.js';
import { bodyExcerpt } from '../security/redact.js';
import { endpointUrl, requestToken } from '../context.js';
import type { CallOptions, ClientContext } from '../context.js';
import type { IdTokenVerifier } from '../oidc/id-token.js';
import { checkRedirectUri } from '../options.js';
import { appendParams, scopeString } from '../params.js';
import type { ExtraParams } from '../params.js';
import { createPkcePair } from '../security/pkce.js';
import { randomToken, timingSafeEqual } from '../security/random.js';
import type { AccessToken } from '../token.js';
import { log } from '../log.js';

/** Parameters of an authorization URL. Extra ones (`prompt`, `accessType`, `loginHint`...) are sent too. */
export interface AuthorizeUrlParams extends ExtraParams {
  redirectUri?: string;
  scope?: string | readonly string[];
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  nonce?: string;
}

/** What {@link AuthorizationCodeGrant.createAuthorizationRequest} returns: keep all but `url` in the session. */
export interface AuthorizationRequest {
  /** Redirect the user agent here. */
  url: string;
  /** Store it; `handleCallback` checks the callback carries the same. */
  state: string;
  /** Store it; it proves at the token endpoint that this client started the login (PKCE). */
  codeVerifier: string;
  /** Store it when present; `handleCallback` checks the ID token carries it. */
  nonce?: string;
}

/** The values stored at `createAuthorizationRequest` time, checked against the callback. */
export interface CallbackChecks {
  state: string;
  codeVerifier?: string;
  nonce?: string;
  /** The redirect URI used in the authorization request, when it was not the client's default. */
  redirectUri?: string;
  /** Maximum authentication age in seconds, when `max_age` was requested. */
  maxAge?: number;
}

/** Parameters of the code exchange. Extra ones are sent in the token request. */
export interface CodeExchangeParams extends ExtraParams {
  code: string;
  redirectUri?: string;
  codeVerifier?: string;
}

/** The authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636), state, nonce and RFC 9207 `iss`. */
export interface AuthorizationCodeGrant {
  /**
   * Builds an authorization URL from exactly the parameters given (plus the client's defaults). For a
   * secure login with generated state and PKCE, use {@link createAuthorizationRequest}.
   *
   * @example
   * ```ts
   * const url = client.authorizationCode.authorizeURL({ redirectUri, scope: 'openid', state, prompt: 'login' });
   * ```
   */
  authorizeURL(params?: AuthorizeUrlParams): string;
  /**
   * Starts a login the secure way: generates `state`, a PKCE S256 verifier and, when the provider supports
   * it and `openid` is requested, a `nonce`. Store everything but `url` in the user's session.
   *
   * @example
   * ```ts
   * const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest({ scope: 'openid profile' });
   * req.session.login = checks;
   * res.redirect(url);
   * ```
   */
  createAuthorizationRequest(params?: AuthorizeUrlParams): Promise<AuthorizationRequest>;
  /**
   * Exchanges a code for a token. Prefer {@link handleCallback}, which also checks state and the ID token.
   *
   * @example
   * ```ts
   * const token = await client.authorizationCode.getToken({ code, redirectUri, codeVerifier });
   * ```
   */
  getToken(params: CodeExchangeParams, options?: CallOptions): Promise<AccessToken>;
  /**
   * Completes a login from the callback URL: checks `state`, turns `error=` into an
   * `AuthorizationResponseError`, checks `iss` (RFC 9207), exchanges the code with the PKCE verifier, and
   * verifies the ID token (nonce included) when one comes back and the provider has an issuer and JWKS.
   *
   * @example
   * ```ts
   * const token = await client.authorizationCode.handleCallback(req.originalUrl, req.session.login);
   * ```
   */
  handleCallback(callback: string | URL | URLSearchParams, checks: CallbackChecks, options?: CallOptions): Promise<AccessToken>;
  /**
   * Asks the authorization server whether it accepts an authorization URL, as a browser would, without
   * following its redirect. Use it at deployment or in a health check, server-side.
   *
   * Why: for an unknown client or an unregistered redirect URI, RFC 6749 §4.1.2.1 has the server show the
   * user an error page instead of redirecting, so the callback, and with it every error handling of the
   * application, is never reached: the login just stalls. This check turns a JSON error page into an
   * `OAuth2ServerError` (`endpoint: 'authorization'`), a redirect back with `error=` into an
   * `AuthorizationResponseError`, and another error status into an `OAuth2ResponseError`. It resolves when
   * the server shows its login page or redirects anywhere else.
   *
   * @example
   * ```ts
   * await client.authorizationCode.checkAuthorizationUrl(client.authorizationCode.authorizeURL({ state: 'startup-check' }));
   * ```
   */
  checkAuthorizationUrl(url: string | URL, options?: CallOptions): Promise<void>;
}

export function createAuthorizationCodeGrant(
  context: ClientContext,
  idTokens: IdTokenVerifier,
  makeToken: (fields: Awaited<ReturnType<typeof requestToken>>, claims?: Awaited<ReturnType<IdTokenVerifier['verify']>>) => AccessToken,
): AuthorizationCodeGrant {
  const { provider, options } = context;
  const separator = provider.quirks.scopeSeparator;

  function authorizeURL(params: AuthorizeUrlParams = {}): string {
    const endpoint = endpointUrl(context, 'authorization', 'the authorization code flow');
    const { redirectUri, scope, ...extra } = params;
    const redirect = redirectUri ?? options.redirectUri;
    if (redirect === undefined) throw new InvalidArgumentError('redirectUri', 'is required: pass it here or in createClient options');
    checkRedirectUri(redirect, 'redirectUri');
    const query = new URLSearchParams();
    appendParams(query, { ...provider.quirks.authorizationParams }, separator);
    appendParams(query, { response_type: 'code', client_id: options.clientId, redirect_uri: redirect }, separator);
    const scopeValue = scopeString(scope ?? options.scope, separator);
    if (scopeValue !== undefined) query.set('scope', scopeValue);
    appendParams(query, extra, separator);
    const url = new URL(endpoint);
    for (const [name, value] of query) url.searchParams.set(name, value);
    // URLSearchParams writes spaces as "+"; "%20" is what every server decodes, RFC 3986 style.
    url.search = url.search.replace(/\+/g, '%20');
    return url.toString();
  }

  async function createAuthorizationRequest(params: AuthorizeUrlParams = {}): Promise<AuthorizationRequest> {
    const pkce = await createPkcePair();
    const state = params.state ?? randomToken();
    const scope = scopeString(params.scope ?? options.scope, separator);
    const wantsNonce = provider.quirks.supportsNonce && scope !== undefined && scope.split(separator).includes('openid');
    if (params.nonce !== undefined && !provider.quirks.supportsNonce) {
      throw new InvalidArgumentError('nonce', `the "${provider.name}" provider does not echo a nonce in its ID tokens, so one sent would make every login fail verification`);
    }
    const nonce = params.nonce ?? (wantsNonce ? randomToken() : undefined);
    const url = authorizeURL({
      ...params,
      state,
      codeChallenge: pkce.codeChallenge,
      codeChallengeMethod: pkce.codeChallengeMethod,
      ...(nonce === undefined ? {} : { nonce }),
    });
    log.flow('authorization request created (PKCE S256%s)', nonce === undefined ? '' : ', nonce');
    return { url, state, codeVerifier: pkce.codeVerifier, ...(nonce === undefined ? {} : { nonce }) };
  }

  async function getToken(params: CodeExchangeParams, call?: CallOptions): Promise<AccessToken> {
    const fields = await exchange(params, call);
    return makeToken(fields);
  }

  function exchange(params: CodeExchangeParams, call: CallOptions = {}) {
    const { code, redirectUri, codeVerifier, ...extra } = params ?? ({} as CodeExchangeParams);
    if (typeof code !== 'string' || code === '') throw new InvalidArgumentError('code', 'the authorization code is required');
    const redirect = redirectUri ?? options.redirectUri;
    return requestToken(
      context,
      'authorization_code',
      { code, redirect_uri: redirect, code_verifier: codeVerifier, ...extra },
      // A code is single-use: a retried request would fail or, worse, hide a replay.
      { idempotent: false, ...call },
    );
  }

  async function handleCallback(callback: string | URL | URLSearchParams, checks: CallbackChecks, call?: CallOptions): Promise<AccessToken> {
    if (typeof checks?.state !== 'string' || checks.state === '') {
      throw new InvalidArgumentError('checks.state', 'the state stored when the login started is required');
    }
    const response = callbackParams(callback);
    // RFC 6749 §3.1: parameters must not repeat. A second code or state is how an attacker would slip
    // their own in next to the real one, so a repeat is refused before anything is read.
    for (const name of ['state', 'code', 'iss', 'error', 'error_description', 'error_uri']) {
      if (response.getAll(name).length > 1) throw new CallbackError(`the callback repeats the ${name} parameter (RFC 6749 §3.1 forbids it)`);
    }
    // State first, before trusting anything else in the callback, error responses included (RFC 9700 §4.7).
    const state = response.get('state');
    if (state === null || !timingSafeEqual(state, checks.state)) throw new StateMismatchError();

    checkIssuer(response.get('iss'));
    if (response.get('error') !== null) throw authorizationError(response);
    const code = response.get('code');
    if (code === null || code === '') throw new CallbackError('the callback has neither a code nor an error');

    const fields = await exchange(
      {
        code,
        ...(checks.redirectUri === undefined ? {} : { redirectUri: checks.redirectUri }),
        ...(checks.codeVerifier === undefined ? {} : { codeVerifier: checks.codeVerifier }),
      },
      call,
    );
    if (fields.idToken === undefined || !idTokens.available) return makeToken(fields);
    const claims = await idTokens.verify(fields.idToken, {
      ...(checks.nonce === undefined ? {} : { nonce: checks.nonce }),
      ...(checks.maxAge === undefined ? {} : { maxAge: checks.maxAge }),
      accessToken: fields.accessToken,
    });
    log.flow('ID token verified');
    return makeToken(fields, claims);
  }

  /** RFC 9207 §2.4: the `iss` of an authorization response must be the issuer we started the login with. */
  function checkIssuer(iss: string | null): void {
    if (iss === null) {
      if (provider.quirks.requireIssParameter) {
        throw new CallbackError('the callback has no iss, although this provider always sends one (RFC 9207: possible mix-up attack)');
      }
      return;
    }
    if (provider.issuer === undefined) {
      throw new CallbackError(
        `the callback carries iss, but the "${provider.name}" preset has no issuer to compare it with; set issuer in the preset (RFC 9207)`,
      );
    }
    if (iss !== provider.issuer) {
      throw new CallbackError(
        `the callback's iss "${bodyExcerpt(iss) ?? ''}" is not this provider's issuer "${provider.issuer}" (RFC 9207: a mix-up attack or a misconfigured issuer)`,
      );
    }
  }

  async function checkAuthorizationUrl(url: string | URL, call: CallOptions = {}): Promise<void> {
    const target = typeof url === 'string' && URL.canParse(url) ? url : url instanceof URL ? url.href : undefined;
    if (target === undefined) throw new InvalidArgumentError('url', 'must be an absolute authorization URL');
    const result = await context.http.send({
      endpoint: 'authorization',
      url: target,
      method: 'GET',
      accept: 'text/html, application/json',
      idempotent: true,
      followRedirects: false,
      ...(call.signal ? { signal: call.signal } : {}),
    });
    const location = result.headers.get('location');
    if (result.status >= 300 && result.status < 400 && location !== null) {
      const back = URL.canParse(location, target) ? new URL(location, target).searchParams : new URLSearchParams();
      const error = back.get('error');
      if (error === null || error === '') return;
      throw authorizationError(back);
    }
    // Parsed whatever its content type: error pages meant for a browser may well say text/html.
    const body = jsonObjectOrUndefined(result);
    if (body !== undefined && typeof body.error === 'string') {
      throw serverError(body, result, { endpoint: 'authorization', status: result.status }, provider.quirks);
    }
    if (result.status >= 400) {
      throw new OAuth2ResponseError({
        status: result.status,
        endpoint: 'authorization',
        reason: 'the authorization endpoint refused the URL',
        ...optional('bodyExcerpt', bodyExcerpt(result.text)),
      });
    }
  }

  return { authorizeURL, createAuthorizationRequest, getToken, handleCallback, checkAuthorizationUrl };
}

/**
 * The error of an authorization response (RFC 6749 §4.1.2.1). Everything in it is whatever the redirect
 * carried: bounded and masked like any server text.
 */
function authorizationError(params: URLSearchParams): AuthorizationResponseError {
  const description = params.get('error_description');
  const uri = params.get('error_uri');
  return new AuthorizationResponseError({
    error: bodyExcerpt(params.get('error') ?? '') ?? 'error',
    ...optional('errorDescription', description === null ? undefined : bodyExcerpt(description)),
    ...optional('errorUri', uri === null ? undefined : bodyExcerpt(uri)),
  });
}

function callbackParams(callback: string | URL | URLSearchParams): URLSearchParams {
  if (callback instanceof URLSearchParams) return callback;
  if (typeof callback !== 'string' && !(callback instanceof URL)) {
    throw new InvalidArgumentError('callback', 'must be the callback URL (string or URL) or its URLSearchParams');
  }
  const text = String(callback);
  const hashStart = text.indexOf('#');
  const beforeHash = hashStart === -1 ? text : text.slice(0, hashStart);
  const queryStart = beforeHash.indexOf('?');
  // A bare query string ("code=...&state=...") is accepted too.
  const query = queryStart === -1 ? (beforeHash.includes('=') && !beforeHash.includes('/') ? beforeHash : '') : beforeHash.slice(queryStart + 1);
  if (query === '' && hashStart !== -1 && /(^|[&#?])(code|state|error)=/.test(text.slice(hashStart))) {
    throw new CallbackError(
      'the authorization response is in the URL fragment, which a server never receives; the code flow answers in the query (response_mode=query)',
    );
  }
  return new URLSearchParams(query);
}
