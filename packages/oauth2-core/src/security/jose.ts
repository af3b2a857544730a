/**
 * `jose` is loaded on first use only: importing it costs 40–55 ms of cold start, which a user of client
 * credentials or device flow with opaque tokens should never pay.
 */
let josePromise: Promise<typeof import('jose')> | undefined;

export function loadJose(): Promise<typeof import('jose')> {
  josePromise ??= import('jose');
  return josePromise;
}
