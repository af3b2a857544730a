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

/** How often, in server-clock time, expired entries are removed (lookups already treat them as absent). */
const sweepIntervalMs = 60_000;

/** How many entries of each kind a store holds, for tests and diagnostics. */
export interface MockStoreCounts {
  readonly codes: number;
  readonly accessTokens: number;
  readonly refreshTokens: number;
  readonly logins: number;
}

/**
 * In-memory state: authorization codes, access and refresh tokens, and pending login pages. Everything
 * expires by the server's clock; lookups treat an expired entry as absent, and expired entries are swept
 * out when something new is stored, at most once a minute, so a long-running server keeps only what is
 * still valid.
 */
export class MockStore {
  private readonly codes = new Map<string, Expiring<CodeRecord>>();
  private readonly accessTokens = new Map<string, Expiring<Grant>>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  /** The access tokens minted under each refresh token, so revoking the grant revokes them too. */
  private readonly accessTokensByRefreshToken = new Map<string, Set<string>>();

  /** Login pages shown but not yet answered, by the transaction id in their form. */
  private readonly logins = new Map<string, Expiring<AuthorizationRequest>>();

  private nextSweep: number;

  constructor(private readonly clock: MockClock) {
    this.nextSweep = clock.now() + sweepIntervalMs;
  }

  counts(): MockStoreCounts {
    return { codes: this.codes.size, accessTokens: this.accessTokens.size, refreshTokens: this.refreshTokens.size, logins: this.logins.size };
  }

  /** Remembers the request behind a login page, until it is answered or expires. */
  beginLogin(request: AuthorizationRequest, validitySeconds: number): string {
    this.sweepIfDue();
    const id = randomToken();
    this.logins.set(id, { value: request, expiresAt: this.clock.now() + validitySeconds * 1000 });
    return id;
  }

  /** A login page's form can be submitted once. */
  takeLogin(id: string): AuthorizationRequest | undefined {
    const entry = this.logins.get(id);
    this.logins.delete(id);
    return entry !== undefined && entry.expiresAt > this.clock.now() ? entry.value : undefined;
  }

  issueCode(record: CodeRecord, validitySeconds: number): string {
    this.sweepIfDue();
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
    this.sweepIfDue();
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
    this.sweepIfDue();
    const token = randomToken();
    this.refreshTokens.set(token, record);
    this.accessTokensByRefreshToken.set(token, new Set());
    return token;
  }

  private forgetRefreshToken(token: string): void {
    this.refreshTokens.delete(token);
    this.accessTokensByRefreshToken.delete(token);
  }

  /** Removes every expired entry, once per interval: one pass over the store, not one per request. */
  private sweepIfDue(): void {
    const now = this.clock.now();
    if (now < this.nextSweep) return;
    this.nextSweep = now + sweepIntervalMs;
    for (const [code, entry] of this.codes) if (entry.expiresAt <= now) this.codes.delete(code);
    for (const [token, entry] of this.accessTokens) if (entry.expiresAt <= now) this.accessTokens.delete(token);
    for (const [token, record] of this.refreshTokens) if (record.expiresAt <= now) this.forgetRefreshToken(token);
    for (const issued of this.accessTokensByRefreshToken.values()) {
      for (const accessToken of issued) if (!this.accessTokens.has(accessToken)) issued.delete(accessToken);
    }
    for (const [id, entry] of this.logins) if (entry.expiresAt <= now) this.logins.delete(id);
  }
}
