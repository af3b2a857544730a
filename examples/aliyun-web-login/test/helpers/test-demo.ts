import { promisify } from 'node:util';
import session from 'express-session';
import type { AliyunMockServer, AliyunMockServerOptions } from '@x/provider-aliyun/testing';
import { startDemo } from '../../src/server.js';

/** The demo in the test process, on a free port, with the embedded mock Aliyun server. */
export interface TestDemo {
  /** The app, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly mock: AliyunMockServer;
  /** The app's sessions: what the browser never sees, its tokens included. */
  readonly store: session.MemoryStore;
  /**
   * The refresh token of a signed-in session, by the value of its `aliyun-demo.sid` cookie (default:
   * the first signed-in session).
   */
  refreshToken(sessionCookie?: string): Promise<string | undefined>;
  sessionCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startTestDemo(mock: Omit<AliyunMockServerOptions, 'apps'> = {}): Promise<TestDemo> {
  const store = new session.MemoryStore();
  const demo = await startDemo({ port: 0, sessionSecret: 'test-session-secret' }, { sessionStore: store, mock });
  return {
    url: demo.url,
    mock: demo.mock!,
    store,
    async refreshToken(sessionCookie) {
      // express-session's cookie value is `s:<session id>.<signature>`, URL-encoded.
      const id = sessionCookie === undefined ? undefined : /^s:([^.]+)\./.exec(decodeURIComponent(sessionCookie))?.[1];
      const sessions = Object.entries((await promisify(store.all.bind(store))()) ?? {});
      return sessions.find(([sid, data]) => (id === undefined || sid === id) && data.token)?.[1].token?.refresh_token;
    },
    sessionCount: async () => (await promisify(store.length.bind(store))()) ?? 0,
    close: () => demo.close(),
  };
}
