import type { AccessToken } from '@x/oauth2-core';

/**
 * Keeps one machine-to-machine token and renews it shortly before it expires.
 *
 * A client-credentials token has no refresh token (RFC 6749 §4.4.3): "refreshing" it means asking for a
 * new one. Renewing `renewBeforeSeconds` early absorbs clock skew and the time a request spends in
 * flight, so a caller never sends a token that dies on the way. Concurrent callers share one request.
 *
 * @example
 * ```ts
 * const tokens = new TokenCache(() => client.clientCredentials.getToken({ scope: 'reports:read' }));
 * const response = await fetch(api, { headers: { authorization: `Bearer ${(await tokens.get()).accessToken}` } });
 * ```
 */
export class TokenCache {
  readonly #request: () => Promise<AccessToken>;
  readonly #renewBeforeSeconds: number;
  #token: AccessToken | undefined;
  #pending: Promise<AccessToken> | undefined;

  constructor(request: () => Promise<AccessToken>, options: { renewBeforeSeconds?: number } = {}) {
    this.#request = request;
    this.#renewBeforeSeconds = options.renewBeforeSeconds ?? 60;
  }

  /** A token valid for at least `renewBeforeSeconds` more, from the cache when possible. */
  async get(): Promise<AccessToken> {
    if (this.#token !== undefined && !this.#token.expired(this.#renewBeforeSeconds)) return this.#token;
    this.#pending ??= this.#request()
      .then((token) => (this.#token = token))
      .finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** Forgets the token, e.g. after the API answered 401 because it was revoked. */
  clear(): void {
    this.#token = undefined;
  }
}
