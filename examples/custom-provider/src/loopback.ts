import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A one-shot listener on 127.0.0.1 for the authorization response of a command-line login. */
export interface LoopbackRedirect {
  /** `http://127.0.0.1:<port>/callback`: register this with the provider. */
  readonly redirectUri: string;
  /** The full callback URL, once the browser comes back. */
  readonly callback: Promise<URL>;
  close(): Promise<void>;
}

/**
 * Native apps receive the redirect on a loopback address (RFC 8252 §7.3): the provider sends the browser
 * to `http://127.0.0.1:<port>/callback?code=...&state=...`, and this listener hands that URL over.
 */
export async function listenForRedirect(port: number): Promise<LoopbackRedirect> {
  let deliver!: (url: URL) => void;
  const callback = new Promise<URL>((resolve) => (deliver = resolve));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    if (req.method !== 'GET' || url.pathname !== '/callback') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end('<!doctype html><meta charset="utf-8"><title>Signed in</title><p>You can close this tab and go back to the terminal.</p>');
    deliver(url);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    redirectUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    callback,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
