import { randomBytes } from 'node:crypto';
import type { AuthorizationRequest } from './authorization-request.js';
import type { MockClock } from './clock.js';

/** Who was granted what: the common part of codes and tokens. */
export interface Grant {
  readonly clientId: string;
  /** Absent for client_credentials tokens, which act for the app itself. */
  readonly accountId: string | undefined;
  readonly scopes: readonly string[];
}

export interface CodeRecord extends Grant {
  readonly accountId: string;
  readonly redirectUri: string;
  readonly issueRefreshToken: boolean;
  readonly codeChallenge: { readonly value: string; readonly method: 'plain' | 'S256' } | undefined;
}

export interface RefreshTokenRecord extends Grant {
  readonly accountId: string;
  readonly expiresAt: number;
}

interface Expiring<T> {
  readonly value: T;
  readonly expiresAt: number;
}

/** Opaque, unguessable values: codes, tokens and login transactions. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * In-memory state: authorization codes, access and refresh tokens, and pending login pages. Everything
 * expires by the server's clock; lookups treat an expired entry as absent.
 */
export class MockStore {
  private readonly codes = new Map<string, Expiring<CodeRecord>>();
  private readonly accessTokens = new Map<string, Expiring<Grant>>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  /** The access tokens minted under each refresh token, so revoking the grant revokes them too. */
  private readonly accessTokensByRefreshToken = new Map<string, Set<string>>();

  /** Login pages shown but not yet answered, by the transaction id in their form. */
  private readonly logins = new Map<string, Expiring<AuthorizationRequest>>();

  constructor(private readonly clock: MockClock) {}

  /** Remembers the request behind a login page; abandoned pages are swept when the next one opens. */
  beginLogin(request: AuthorizationRequest, validitySeconds: number): string {
    const now = this.clock.now();
    for (const [id, entry] of this.logins) if (entry.expiresAt <= now) this.logins.delete(id);
    const id = randomToken();
    this.logins.set(id, { value: request, expiresAt: now + validitySeconds * 1000 });
    return id;
  }

  /** A login page's form can be submitted once. */
  takeLogin(id: string): AuthorizationRequest | undefined {
    const entry = this.logins.get(id);
    this.logins.delete(id);
    return entry !== undefined && entry.expiresAt > this.clock.now() ? entry.value : undefined;
  }

  issueCode(record: CodeRecord, validitySeconds: number): string {
    const code = randomToken();
    this.codes.set(code, { value: record, expiresAt: this.clock.now() + validitySeconds * 1000 });
    return code;
  }

  /** Codes are single use: the first lookup removes the code, whatever the outcome of the request. */
  consumeCode(code: string): CodeRecord | undefined {
    const entry = this.codes.get(code);
    this.codes.delete(code);
    return entry !== undefined && entry.expiresAt > this.clock.now() ? entry.value : undefined;
  }

  issueAccessToken(grant: Grant, validitySeconds: number, refreshToken?: string): string {
    const token = randomToken();
    this.accessTokens.set(token, { value: grant, expiresAt: this.clock.now() + validitySeconds * 1000 });
    if (refreshToken !== undefined) this.accessTokensByRefreshToken.get(refreshToken)?.add(token);
    return token;
  }

  findAccessToken(token: string): Grant | undefined {
    const entry = this.accessTokens.get(token);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.accessTokens.delete(token);
      return undefined;
    }
    return entry.value;
  }

  revokeAccessToken(token: string, clientId: string): boolean {
    const entry = this.accessTokens.get(token);
    if (entry === undefined || entry.value.clientId !== clientId) return false;
    return this.accessTokens.delete(token);
  }

  issueRefreshToken(grant: Grant & { readonly accountId: string }, validitySeconds: number): string {
    return this.storeRefreshToken({ ...grant, expiresAt: this.clock.now() + validitySeconds * 1000 });
  }

  findRefreshToken(token: string): RefreshTokenRecord | undefined {
    const record = this.refreshTokens.get(token);
    if (record === undefined) return undefined;
    if (record.expiresAt <= this.clock.now()) {
      this.forgetRefreshToken(token);
      return undefined;
    }
    return record;
  }

  /** Replaces a refresh token with a new one that keeps the grant and its expiry. */
  rotateRefreshToken(token: string): string {
    const record = this.refreshTokens.get(token);
    if (record === undefined) throw new Error('rotateRefreshToken: unknown refresh token');
    const issued = this.accessTokensByRefreshToken.get(token) ?? new Set<string>();
    this.forgetRefreshToken(token);
    const rotated = this.storeRefreshToken(record);
    this.accessTokensByRefreshToken.set(rotated, issued);
    return rotated;
  }

  /** Revokes a refresh token and the access tokens minted under it; `false` if it was not this client's. */
  revokeRefreshToken(token: string, clientId: string): boolean {
    const record = this.refreshTokens.get(token);
    if (record === undefined || record.clientId !== clientId) return false;
    for (const accessToken of this.accessTokensByRefreshToken.get(token) ?? []) {
      this.accessTokens.delete(accessToken);
    }
    this.forgetRefreshToken(token);
    return true;
  }

  private storeRefreshToken(record: RefreshTokenRecord): string {
    const token = randomToken();
    this.refreshTokens.set(token, record);
    this.accessTokensByRefreshToken.set(token, new Set());
    return token;
  }

  private forgetRefreshToken(token: string): void {
    this.refreshTokens.delete(token);
    this.accessTokensByRefreshToken.delete(token);
  }
}
