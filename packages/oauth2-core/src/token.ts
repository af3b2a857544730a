import type { IdTokenClaims } from '@x/jwt';
import { NoRefreshTokenError } from './errors.js';
import type { TokenFields, TokenResponse } from './token-response.js';

/** Which token to revoke (RFC 7009 §2.1 `token_type_hint`). */
export type TokenTypeHint = 'access_token' | 'refresh_token';

/** What `AccessToken#toJSON()` produces: wire names, `expires_at` as ISO-8601, provider extras kept. */
export interface AccessTokenJSON {
  access_token: string;
  token_type: string;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  expires_at?: string;
  [field: string]: unknown;
}

/** Parameters added to a refresh request (e.g. a narrower `scope`). */
export type RefreshParams = Record<string, string | string[] | undefined>;

/** What a token needs from the client that issued it. Internal: implemented by the client. */
export interface TokenOwner {
  refresh(token: AccessToken, params?: RefreshParams): Promise<AccessToken>;
  revoke(token: string, hint: TokenTypeHint): Promise<unknown>;
  readonly scopeSeparator: string;
}

const inspect = Symbol.for('nodejs.util.inspect.custom');

/**
 * A token set from the token endpoint, in the style of simple-oauth2: check it with `expired()`, renew it
 * with `refresh()`, end it with `revoke()`/`revokeAll()`, store it with `toJSON()` and restore it with
 * `client.createToken()`. Immutable: `refresh()` returns a new token.
 *
 * Printing a token with `console.log` or `util.inspect` masks the token values; `toJSON()` keeps them,
 * since it exists to store them.
 */
export class AccessToken {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly refreshToken: string | undefined;
  readonly idToken: string | undefined;
  /** The granted scopes, when the server listed them. */
  readonly scope: string[] | undefined;
  /** When the access token expires: computed once, on receipt. `undefined` when the server did not say. */
  readonly expiresAt: Date | undefined;
  /** The provider's response fields, normalised (`expires_in` a number). */
  readonly raw: Readonly<TokenResponse>;
  /** The claims of `idToken`, set when the client verified it (the code flow and refreshes do). */
  readonly idTokenClaims: IdTokenClaims | undefined;
  readonly #owner: TokenOwner;

  /** @internal Tokens are made by clients: use the grants or `client.createToken(json)`. */
  constructor(fields: TokenFields, owner: TokenOwner, idTokenClaims?: IdTokenClaims) {
    this.accessToken = fields.accessToken;
    this.tokenType = fields.tokenType;
    this.refreshToken = fields.refreshToken;
    this.idToken = fields.idToken;
    this.scope = fields.scope;
    this.expiresAt = fields.expiresAt;
    this.raw = Object.freeze(fields.raw);
    this.idTokenClaims = idTokenClaims;
    this.#owner = owner;
  }

  /**
   * Whether the access token has expired, or will within `windowSeconds` (refresh a little early to
   * absorb clock skew and latency). A token whose lifetime the server did not state is never reported
   * expired: only the resource server can tell.
   *
   * @example
   * ```ts
   * if (token.expired(60)) token = await token.refresh();
   * ```
   */
  expired(windowSeconds = 0): boolean {
    if (this.expiresAt === undefined) return false;
    return this.expiresAt.getTime() - windowSeconds * 1000 <= Date.now();
  }

  /**
   * Exchanges the refresh token for a new token. Concurrent calls share one HTTP request, so a burst of
   * callers cannot spend a rotating refresh token twice. When the server omits a new refresh token (or ID
   * token), the new token keeps this one's.
   *
   * @example
   * ```ts
   * const fresh = await token.refresh();
   * await store.save(fresh.toJSON());
   * ```
   */
  refresh(params?: RefreshParams): Promise<AccessToken> {
    if (this.refreshToken === undefined) return Promise.reject(new NoRefreshTokenError());
    return this.#owner.refresh(this, params);
  }

  /**
   * Revokes the access or the refresh token (RFC 7009). Needs the provider's revocation endpoint.
   *
   * @example
   * ```ts
   * await token.revoke('refresh_token');
   * ```
   */
  async revoke(tokenType: TokenTypeHint): Promise<void> {
    const value = tokenType === 'refresh_token' ? this.refreshToken : this.accessToken;
    if (value === undefined) throw new NoRefreshTokenError();
    await this.#owner.revoke(value, tokenType);
  }

  /**
   * Revokes the access token, then the refresh token when there is one.
   *
   * @example
   * ```ts
   * await token.revokeAll(); // on logout
   * ```
   */
  async revokeAll(): Promise<void> {
    await this.revoke('access_token');
    if (this.refreshToken !== undefined) await this.revoke('refresh_token');
  }

  /**
   * The token in wire form for storage: `JSON.stringify` it, and later `client.createToken(JSON.parse(s))`.
   * It contains the credentials themselves: store it as you would a password.
   */
  toJSON(): AccessTokenJSON {
    const { expires_in: _expiresIn, ...fields } = this.raw;
    const json: AccessTokenJSON = { ...fields, access_token: this.accessToken, token_type: this.tokenType };
    if (this.refreshToken !== undefined) json.refresh_token = this.refreshToken;
    if (this.idToken !== undefined) json.id_token = this.idToken;
    if (this.scope !== undefined) json.scope = this.scope.join(this.#owner.scopeSeparator);
    if (this.expiresAt !== undefined) json.expires_at = this.expiresAt.toISOString();
    return json;
  }

  /** Node's `util.inspect` (and so `console.log`) shows the token without its secrets. */
  [inspect](): string {
    const expires = this.expiresAt === undefined ? 'unknown expiry' : `expires ${this.expiresAt.toISOString()}`;
    const parts = [this.tokenType, expires, this.refreshToken === undefined ? 'no refresh token' : 'refreshable'];
    if (this.scope !== undefined) parts.push(`scope "${this.scope.join(' ')}"`);
    return `AccessToken { ${parts.join(', ')} }`;
  }
}
