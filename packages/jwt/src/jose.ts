import type * as Jose from 'jose';

// jose is loaded on first use, never by a static import: it costs 40-55 ms of cold start that an
// application which only builds authorization URLs, or only calls decodeJwt, must not pay. Everything in
// this package that needs it goes through `loadJose()`; `index.ts`'s static import graph stays jose-free
// (test/entry-graph.test.ts checks the built output).

/** The jose module namespace. */
export type JoseModule = typeof Jose;

let loaded: JoseModule | undefined;
let loading: Promise<JoseModule> | undefined;

/**
 * The jose module: synchronously once loaded (saving a microtask on every verification), otherwise a
 * promise of it. A failed import is not cached, so a later call tries again.
 */
export function loadJose(): JoseModule | Promise<JoseModule> {
  if (loaded !== undefined) return loaded;
  loading ??= import('jose').then(
    (module) => (loaded = module),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
