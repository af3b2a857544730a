import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

export type Behaviour =
  | { kind: 'keys'; keys: JWK[] }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'html' }
  | { kind: 'invalid-json' }
  | { kind: 'not-a-key-set' }
  | { kind: 'endless-body' }
  | { kind: 'no-response' }
  | { kind: 'huge-body'; bytes: number }
  | { kind: 'redirect'; location: string };

/**
 * A JSON Web Key Set endpoint on 127.0.0.1 (random port) whose answer a test switches at will, and which
 * counts the requests it receives.
 */
export interface JwksServer {
  url: string;
  requests: number;
  behaviour: Behaviour;
  close(): Promise<void>;
}

function answer(behaviour: Behaviour, response: ServerResponse): void {
  switch (behaviour.kind) {
    case 'keys':
      response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: behaviour.keys }));
      return;
    case 'status':
      response.writeHead(behaviour.status, { 'content-type': 'application/json' }).end(behaviour.body ?? '{"error":"server_error"}');
      return;
    case 'html':
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>Sign in</body></html>');
      return;
    case 'invalid-json':
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [');
      return;
    case 'not-a-key-set':
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"issuer":"https://issuer.example"}');
      return;
    case 'endless-body':
      // Headers and the start of a body, then nothing, forever.
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"keys":[');
      return;
    case 'no-response':
      return;
    case 'huge-body': {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = ' '.repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < behaviour.bytes) {
          sent += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        response.end();
      };
      response.on('error', () => undefined);
      pump();
      return;
    }
    case 'redirect':
      response.writeHead(302, { location: behaviour.location }).end();
      return;
  }
}

export async function startJwksServer(behaviour: Behaviour): Promise<JwksServer> {
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    state.requests += 1;
    answer(state.behaviour, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const state: JwksServer = {
    url: `http://127.0.0.1:${port}/jwks`,
    requests: 0,
    behaviour,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return state;
}
