// simple-oauth2 ships no types; this declares only what the bench calls.
declare module 'simple-oauth2' {
  export interface ModuleOptions {
    client: { id: string; secret: string };
    auth: { tokenHost: string; tokenPath?: string; refreshPath?: string };
    options?: { authorizationMethod?: 'header' | 'body' };
  }
  export type Token = Record<string, unknown>;
  export interface AccessToken {
    readonly token: Token;
    expired(windowSeconds?: number): boolean;
    refresh(params?: Record<string, unknown>): Promise<AccessToken>;
  }
  export class ClientCredentials {
    constructor(options: ModuleOptions);
    getToken(params: Record<string, unknown>): Promise<AccessToken>;
    createToken(token: Token): AccessToken;
  }
  export class AuthorizationCode {
    constructor(options: ModuleOptions);
    createToken(token: Token): AccessToken;
  }
}
