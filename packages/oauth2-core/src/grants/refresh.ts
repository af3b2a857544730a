import type { IdTokenClaims } from '@x/jwt';
import { requestToken } from '../context.js';
import type { CallOptions, ClientContext } from '../context.js';
import { NoRefreshTokenError, OAuth2AbortError, OAuth2ResponseError, RefreshTokenSpentError } from '../errors.js';
import type { IdTokenVerifier } from '../oidc/id-token.js';
import { tokenSubject } from '../oidc/userinfo.js';
import { AccessToken } from '../token.js';
import type { RefreshParams } from '../token.js';
import type { TokenFields } from '../token-response.js';

type MakeToken = (fields: TokenFields, claims?: IdTokenClaims) => AccessToken;

/** What a refresh request brings back: the validated response and the claims of its verified ID token. */
interface Exchange {
  fields: TokenFields;
  claims: IdTokenClaims | undefined;
}

/** One refresh request for one refresh token, and the callers that wait for it. */
interface Flight {
  exchange: Promise<Exchange>;
  /** Whether callers without parameters or signal may join it: a shareable flight, until it settles. */
  joinable: boolean;
  /** The result per previous token (or refresh token string), so that callers passing the same one share it. */
  results: Map<AccessToken | string, Promise<AccessToken>>;
  /**
   * Whether the refresh token may still be sent once this flight is over: not after a success that
   * rotated it. A flight that never sent it (refused as spent, aborted while waiting) passes on what the
   * flight before it says. Never rejects.
   */
  usableAfter: Promise<boolean>;
}

/**
 * The refresh token grant (RFC 6749 §6). A rotating refresh token is single-use: a second request with
 * it would fail, or make the server revoke the whole grant (RFC 9700 §4.14.2). So, per refresh token:
 *
 * - concurrent refreshes without parameters or signal share one request (and the verification of the
 *   ID token it returns); each caller's new token is then built from its own previous token (the ID token
 *   and claims it keeps, the OpenID Connect Core §12.2 `sub` check);
 * - a refresh that cannot share (parameters, or a signal of its own) waits for the one in flight, then
 *   runs if that one left the refresh token usable (it failed, or the server does not rotate), and
 *   otherwise fails with an `InvalidArgumentError` for `token` without sending anything: the refresh
 *   token has been spent, and the caller should refresh the token that the other refresh returned.
 */
export function createRefresher(context: ClientContext, idTokens: IdTokenVerifier, makeToken: MakeToken) {
  /** The last request started for each refresh token, until it settles. */
  const flights = new Map<string, Flight>();

  async function exchange(refreshToken: string, params: RefreshParams, call: CallOptions): Promise<Exchange> {
    const fields = await requestToken(context, 'refresh_token', { ...params, refresh_token: refreshToken }, { idempotent: false, ...call });
    if (fields.idToken === undefined || !idTokens.available) return { fields, claims: undefined };
    return { fields, claims: await idTokens.verify(fields.idToken, { accessToken: fields.accessToken }) };
  }

  /** The new token of one caller: the shared answer, completed from that caller's previous token. */
  function finish(previous: AccessToken | string, refreshToken: string, { fields, claims }: Exchange): AccessToken {
    const before = typeof previous === 'string' ? undefined : previous;
    // Providers that do not rotate omit refresh_token (and often id_token): keep what we had.
    const merged: TokenFields = {
      ...fields,
      refreshToken: fields.refreshToken ?? refreshToken,
      ...(fields.idToken === undefined && before?.idToken !== undefined ? { idToken: before.idToken } : {}),
    };
    if (fields.idToken === undefined) return makeToken(merged, before?.idTokenClaims);
    if (claims === undefined) return makeToken(merged);
    // OpenID Connect Core §12.2: a refreshed ID token must be about the same user. A restored token has
    // no verified claims; its stored ID token says who (see tokenSubject).
    const previousSubject = before === undefined ? undefined : tokenSubject(before);
    if (previousSubject !== undefined && claims.sub !== previousSubject) {
      throw new OAuth2ResponseError({ status: 200, endpoint: 'token', reason: 'the refreshed ID token is about another subject' });
    }
    return makeToken(merged, claims);
  }

  function start(refreshToken: string, params: RefreshParams, call: CallOptions, shareable: boolean): Flight {
    const usableBefore = flights.get(refreshToken)?.usableAfter ?? Promise.resolve(true);
    let sent = false;
    const run = async () => {
      if (!(await waitFor(usableBefore, call.signal))) {
        throw new RefreshTokenSpentError();
      }
      sent = true;
      return exchange(refreshToken, params, call);
    };
    const pending = run();
    const usableAfter = pending.then(
      ({ fields }) => fields.refreshToken === undefined || fields.refreshToken === refreshToken,
      // A refused or failed request leaves the token as it was, as far as the client can tell: the next
      // refresh runs, and the server's answer says. One that never left defers to the flight before it.
      () => (sent ? true : usableBefore),
    );
    const flight: Flight = { exchange: pending, joinable: shareable, results: new Map(), usableAfter };
    // Registered before any caller's reaction: a refresh started once a caller has its result is a new one.
    const close = () => {
      flight.joinable = false;
    };
    pending.then(close, close);
    flights.set(refreshToken, flight);
    // Kept until its outcome for the token is known, so that no later refresh overtakes a pending one.
    void usableAfter.then(() => {
      if (flights.get(refreshToken) === flight) flights.delete(refreshToken);
    });
    return flight;
  }

  return function refresh(token: AccessToken | string, params?: RefreshParams, call: CallOptions = {}): Promise<AccessToken> {
    const refreshToken = typeof token === 'string' ? token : token instanceof AccessToken ? token.refreshToken : undefined;
    if (typeof refreshToken !== 'string' || refreshToken === '') return Promise.reject(new NoRefreshTokenError());
    const shareable = (params === undefined || Object.keys(params).length === 0) && call.signal === undefined;
    if (!shareable) {
      return start(refreshToken, params ?? {}, call, false).exchange.then((result) => finish(token, refreshToken, result));
    }
    const current = flights.get(refreshToken);
    const flight = current?.joinable ? current : start(refreshToken, {}, {}, true);
    let result = flight.results.get(token);
    if (result === undefined) {
      result = flight.exchange.then((shared) => finish(token, refreshToken, shared));
      flight.results.set(token, result);
    }
    return result;
  };
}

/** Waits for a promise that never rejects; an abort of the caller's signal ends the wait. */
function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(new OAuth2AbortError('the refresh', { cause: signal.reason }));
    const onAbort = () => reject(new OAuth2AbortError('the refresh', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}
