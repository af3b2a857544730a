import type * as Jose from 'jose';

/**
 * `jose` is loaded on first use only: importing it costs 40–55 ms of cold start, which a user of client
 * credentials or device flow with opaque tokens should never pay.
 */
let josePromise: Promise<typeof Jose> | undefined;

/** @internal Loads `jose` once; a failed load is forgotten, so the next call tries again. */
export function loadJose(importer: () => Promise<typeof Jose> = () => import('jose')): Promise<typeof Jose> {
  if (josePromise !== undefined) return josePromise;
  const loading = importer();
  josePromise = loading;
  // A transient failure (a chunk that failed to load in a bundle, an interrupted install) must not
  // disable signing and verification for the life of the process.
  loading.catch(() => {
    if (josePromise === loading) josePromise = undefined;
  });
  return loading;
}
