import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AliyunMockRequest, AliyunMockServerOptions } from '@x/provider-aliyun/testing';

/** A question to the demo host (`demo-host.ts`). */
export interface HostRequest {
  id: number;
  method: 'refreshToken' | 'sessionCount' | 'requests' | 'close';
  /** For `refreshToken`: whose. Default: the first signed-in session. */
  sessionId?: string;
}

export interface HostReply {
  id: number;
  result?: unknown;
  error?: string;
}

/** The demo, started in its own process on a free port with the embedded mock Aliyun server. */
export interface DemoProcess {
  /** The app, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly mock: { readonly origin: string; readonly issuer: string };
  /**
   * The refresh token of a signed-in session (by the value of its `aliyun-demo.sid` cookie; default: the
   * first), read from the app's session store: the browser never has it.
   */
  refreshToken(sessionCookie?: string): Promise<string | null>;
  /** How many sessions the app's store holds. */
  sessionCount(): Promise<number>;
  /** The requests the mock server received (secrets redacted). */
  requests(): Promise<AliyunMockRequest[]>;
  /** What the app wrote to stdout and stderr. */
  output(): string;
  close(): Promise<void>;
}

const hostPath = fileURLToPath(new URL('demo-host.ts', import.meta.url));
const exampleDir = fileURLToPath(new URL('../..', import.meta.url));

export async function startDemoProcess(mockOptions: Omit<AliyunMockServerOptions, 'apps'> = {}): Promise<DemoProcess> {
  const child: ChildProcess = fork(hostPath, [JSON.stringify(mockOptions)], {
    cwd: exampleDir,
    execPath: process.execPath,
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (reply: HostReply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.error !== undefined) waiter?.reject(new Error(reply.error));
    else waiter?.resolve(reply.result);
  });
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`the demo process exited (${code}):\n${output}`));
    pending.clear();
  });

  let nextId = 1;
  const ask = <T>(method: HostRequest['method'], sessionId?: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, method, ...(sessionId === undefined ? {} : { sessionId }) } satisfies HostRequest);
    });

  const ready = await new Promise<{ url: string; mockOrigin: string; mockIssuer: string }>((resolve, reject) => {
    pending.set(0, { resolve: resolve as (value: unknown) => void, reject });
  });

  return {
    url: ready.url,
    mock: { origin: ready.mockOrigin, issuer: ready.mockIssuer },
    // express-session's cookie value is `s:<session id>.<signature>`, URL-encoded.
    refreshToken: (cookie) => ask('refreshToken', cookie === undefined ? undefined : /^s:([^.]+)\./.exec(decodeURIComponent(cookie))?.[1]),
    sessionCount: () => ask('sessionCount'),
    requests: () => ask('requests'),
    output: () => output,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await ask('close').catch(() => child.kill('SIGKILL'));
      await exited;
    },
  };
}
