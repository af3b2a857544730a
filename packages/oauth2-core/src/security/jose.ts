import type * as Jose from 'jose';

/**
 * `jose` is loaded on first use only: importing it costs 40–55 ms of cold start, which a user of client
 * credentials or device flow with opaque tokens should never pay.
 */
let josePromise: Promise<typeof Jose> | undefined;

export function loadJose(): Promise<typeof Jose> {
  josePromise ??= import('jose');
  return josePromise;
}
