// oidc-provider ships no type declarations. This describes only the little the embedded demo provider uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** The Koa context oidc-provider hands to middleware and to its page hooks. */
  export interface ProviderContext {
    readonly path: string;
    readonly method: string;
    body: unknown;
    type: string;
  }

  export type ProviderMiddleware = (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>;

  export interface Configuration {
    [setting: string]: unknown;
  }

  export class Provider {
    constructor(issuer: string, configuration: Configuration);
    /** A request listener for `node:http`. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    /** Adds a Koa middleware that runs around the provider's own routes. */
    use(middleware: ProviderMiddleware): this;
  }
  export default Provider;
}
