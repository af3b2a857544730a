/**
 * The slice of our own packages the bench drives, loaded from their built `dist/` (what users install).
 *
 * The client and `@x/jwt` are written alongside the bench, so they are loaded dynamically and checked
 * at run time: a missing export marks the "us" rows as unavailable instead of failing the whole run.
 * The interfaces restate the calls of DESIGN.md; the assignments below make the compiler check that the
 * real modules still match them.
 */

export interface CoreToken {
  readonly accessToken: string;
  refresh(): Promise<CoreToken>;
}

export interface CoreClient {
  readonly clientCredentials: { getToken(): Promise<CoreToken> };
  createToken(json: Record<string, unknown>): CoreToken;
}

/** What a provider definition needs for the bench: a name and the token endpoint. */
export interface CoreProviderDefinition {
  name: string;
  endpoints: { token: string };
}

export interface CoreClientOptions {
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  /** `false` turns off the client's retries of idempotent calls. */
  retry?: false;
}

interface CoreApi {
  defineProvider(definition: CoreProviderDefinition): object;
  createClient(provider: object, options: CoreClientOptions): CoreClient;
}

interface NodeApi {
  createNodeFetch(): typeof fetch & { close(): void };
}

export interface VerifyOptions {
  issuer: string;
  audience: string;
  jwks: { keys: JsonWebKey[] };
}

interface JwtApi {
  verifyIdToken(idToken: string, options: VerifyOptions): Promise<object>;
}

/**
 * A module that may not have grown the export yet. The index signature keeps TypeScript from rejecting a
 * module that has other exports but none of these; present ones are still checked against the interface.
 */
type MaybeExports<T> = Partial<T> & Record<string, unknown>;

/** Everything the "us" rows need, or why it is unavailable. */
export type Loaded<T> = { ok: true; api: T } | { ok: false; reason: string };

export async function loadClient(): Promise<Loaded<CoreApi & NodeApi>> {
  try {
    const core: MaybeExports<CoreApi> = await import('@x/oauth2-core');
    const node: MaybeExports<NodeApi> = await import('@x/oauth2-core/node');
    const { createClient, defineProvider } = core;
    const { createNodeFetch } = node;
    if (typeof createClient !== 'function' || typeof defineProvider !== 'function') {
      return { ok: false, reason: '@x/oauth2-core does not export createClient/defineProvider yet' };
    }
    if (typeof createNodeFetch !== 'function') {
      return { ok: false, reason: '@x/oauth2-core/node does not export createNodeFetch' };
    }
    return { ok: true, api: { createClient, defineProvider, createNodeFetch } };
  } catch (error) {
    return { ok: false, reason: `cannot load @x/oauth2-core: ${String(error)}` };
  }
}

export async function loadJwt(): Promise<Loaded<JwtApi>> {
  try {
    const jwt: MaybeExports<JwtApi> = await import('@x/jwt');
    const { verifyIdToken } = jwt;
    if (typeof verifyIdToken !== 'function') return { ok: false, reason: '@x/jwt does not export verifyIdToken yet' };
    return { ok: true, api: { verifyIdToken } };
  } catch (error) {
    return { ok: false, reason: `cannot load @x/jwt: ${String(error)}` };
  }
}
