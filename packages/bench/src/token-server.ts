/**
 * A tiny keep-alive token endpoint, run in a child process so its CPU time never counts against the
 * client being measured. It answers every request with the same JSON token response and counts them.
 *
 * The parent talks to it over the fork IPC channel: the child sends `{ port }` once listening, and
 * answers `{ type: 'take-count' }` with the number of requests since the previous one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The fixed response: everything each contender's response validation insists on. */
export const TOKEN_RESPONSE = {
  access_token: 'bench-access-token-0123456789abcdef',
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: 'bench-refresh-token-0123456789abcdef',
  scope: 'read',
} as const;

export interface TokenServer {
  /** Origin, e.g. `http://127.0.0.1:40000`. The token endpoint is `${origin}/token`. */
  readonly origin: string;
  /** Requests received since the previous call. */
  takeCount(): Promise<number>;
  /** Kills the child process. Safe to call more than once. */
  close(): void;
}

interface CountMessage {
  type: 'count';
  value: number;
}

const CHILD_FLAG = 'BENCH_TOKEN_SERVER_CHILD';
const STARTUP_LIMIT_MS = 15_000;
const REPLY_LIMIT_MS = 10_000;

/** Forks the server process and waits for its port. */
export async function startTokenServer(): Promise<TokenServer> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, [CHILD_FLAG]: '1' },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const close = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const [ready] = (await once(child, 'message', { signal: AbortSignal.timeout(STARTUP_LIMIT_MS) })) as [
      { port: number },
    ];
    return {
      origin: `http://127.0.0.1:${ready.port}`,
      takeCount: () => request<CountMessage>(child, { type: 'take-count' }).then((m) => m.value),
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

async function request<T>(child: ChildProcess, message: object): Promise<T> {
  const reply = once(child, 'message', { signal: AbortSignal.timeout(REPLY_LIMIT_MS) });
  child.send(message);
  const [value] = (await reply) as [T];
  return value;
}

/** The child side: serve until the parent goes away. */
function serve(): void {
  const body = Buffer.from(JSON.stringify(TOKEN_RESPONSE));
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    // Read the form body like a real endpoint would, then answer.
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json;charset=UTF-8',
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      res.end(body);
    });
  });
  // Keep idle keep-alive sockets for the whole run: reconnects would add noise to the measurement.
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'take-count') {
      process.send?.({ type: 'count', value: count } satisfies CountMessage);
      count = 0;
    }
  });
  // The IPC channel closes when the parent exits or dies: never outlive it.
  process.on('disconnect', () => process.exit(0));
}

if (process.env[CHILD_FLAG] === '1') serve();
