/**
 * Runs the demo in a Node process of its own for the tests, and answers their questions over IPC.
 *
 * Why not in the test process: the root vitest config hands its resolve conditions (which include
 * `import`) to Node as `--conditions` flags, and with `import` set, the CommonJS `require('is-promise')`
 * inside Express 5's router loads that package's ESM build: every route then fails with "isPromise is not
 * a function". This process runs with `--conditions=source` only, as `pnpm start` would.
 */
import session from 'express-session';
import type { SessionData } from 'express-session';
import { startDemo } from '../../src/server.js';
import type { DemoOptions } from '../../src/server.js';
import type { HostReply, HostRequest } from './demo-process.js';

const sessions = new session.MemoryStore();
const demo = await startDemo(
  { port: 0, sessionSecret: 'test-session-secret' },
  { sessionStore: sessions, mock: JSON.parse(process.argv[2] ?? '{}') as DemoOptions['mock'] },
);
const mock = demo.mock!;

function allSessions(): Promise<SessionData[]> {
  return new Promise((resolve, reject) =>
    sessions.all((error: unknown, all?: Record<string, SessionData> | SessionData[] | null) =>
      error ? reject(error) : resolve(Object.values(all ?? {})),
    ),
  );
}

function oneSession(id: string): Promise<SessionData | undefined> {
  return new Promise((resolve, reject) =>
    sessions.get(id, (error: unknown, data?: SessionData | null) => (error ? reject(error) : resolve(data ?? undefined))),
  );
}

async function answer(request: HostRequest): Promise<unknown> {
  switch (request.method) {
    case 'refreshToken': {
      const candidates = request.sessionId === undefined ? await allSessions() : [await oneSession(request.sessionId)];
      return candidates.find((data) => data?.token)?.token?.refresh_token ?? null;
    }
    case 'sessionCount':
      return (await allSessions()).length;
    case 'requests':
      return mock.requests;
    case 'close':
      await demo.close();
      return null;
  }
}

process.on('message', (request: HostRequest) => {
  // After `close`, letting go of the IPC channel lets the process exit.
  const done = () => (request.method === 'close' ? process.disconnect() : undefined);
  answer(request).then(
    (result) => process.send?.({ id: request.id, result } satisfies HostReply, done),
    (error: unknown) => process.send?.({ id: request.id, error: String(error) } satisfies HostReply, done),
  );
});
process.send?.({ id: 0, result: { url: demo.url, mockOrigin: mock.origin, mockIssuer: mock.issuer } } satisfies HostReply);
