import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export { sendJson } from './http.js';

/** A request as the edge server saw it, body read in full. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  form: URLSearchParams;
}

export type EdgeHandler = (request: RecordedRequest, response: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

/** A small node:http server on 127.0.0.1 for edge cases: the test decides every answer. */
export interface EdgeServer {
  origin: string;
  url(path: string): string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a server whose answers come from `handler`; `close()` also destroys kept-alive and hanging sockets. */
export async function startEdgeServer(handler: EdgeHandler): Promise<EdgeServer> {
  const sockets = new Set<Socket>();
  const requests: RecordedRequest[] = [];
  const server = createServer(async (raw, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of raw) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const request: RecordedRequest = {
      method: raw.method ?? 'GET',
      url: raw.url ?? '/',
      headers: raw.headers,
      body,
      form: new URLSearchParams(body),
    };
    requests.push(request);
    try {
      await handler(request, response, raw);
    } catch (error) {
      response.destroy(error instanceof Error ? error : undefined);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
