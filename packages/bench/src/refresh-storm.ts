/**
 * Measurement 2: a refresh storm. Many callers notice the same expired token at once and each asks for a
 * refresh; the number that matters is how many refresh requests reach the authorization server (one is
 * ideal: refresh tokens are often single-use, so the others would fail or revoke the grant).
 */
import { AuthorizationCode } from 'simple-oauth2';
import { CLIENT_ID, CLIENT_SECRET } from './token-contenders.js';
import { loadClient } from './core.js';
import { errorMessage } from './stats.js';
import type { TokenServer } from './token-server.js';

export interface StormRow {
  readonly name: string;
  readonly callers: number;
  /** Requests that reached the token server. */
  readonly serverRequests?: number;
  /** Callers whose refresh resolved. */
  readonly fulfilled?: number;
  readonly wallMs?: number;
  readonly error?: string;
}

/** A token that expired a minute ago, as each library stores it. */
const expiredToken = (): Record<string, unknown> => ({
  access_token: 'expired-access-token',
  token_type: 'Bearer',
  refresh_token: 'the-only-refresh-token',
  expires_at: new Date(Date.now() - 60_000).toISOString(),
});

interface Refreshable {
  refresh(): Promise<unknown>;
}

async function storm(name: string, server: TokenServer, callers: number, token: Refreshable): Promise<StormRow> {
  await server.takeCount(); // start from zero
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: callers }, () => token.refresh()));
  const wallMs = performance.now() - started;
  const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  return {
    name,
    callers,
    serverRequests: await server.takeCount(),
    fulfilled,
    wallMs,
    ...(rejected ? { error: errorMessage(rejected.reason) } : {}),
  };
}

const OURS = 'us (token.refresh())';
const SIMPLE = 'simple-oauth2 (accessToken.refresh())';

async function ours(server: TokenServer, callers: number): Promise<StormRow> {
  const name = OURS;
  const loaded = await loadClient();
  if (!loaded.ok) return { name, callers, error: loaded.reason };
  const { createClient, defineProvider } = loaded.api;
  const client = createClient(defineProvider({ name: 'bench', endpoints: { token: `${server.origin}/token` } }), {
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  });
  return storm(name, server, callers, client.createToken(expiredToken()));
}

async function simpleOauth2(server: TokenServer, callers: number): Promise<StormRow> {
  const client = new AuthorizationCode({
    client: { id: CLIENT_ID, secret: CLIENT_SECRET },
    auth: { tokenHost: server.origin, tokenPath: '/token' },
  });
  return storm(SIMPLE, server, callers, client.createToken(expiredToken()));
}

export async function measureRefreshStorm(server: TokenServer, callers: number): Promise<StormRow[]> {
  const rows: StormRow[] = [];
  // One after the other: the server's request count is shared.
  const runs: Array<[string, typeof ours]> = [
    [OURS, ours],
    [SIMPLE, simpleOauth2],
  ];
  for (const [name, run] of runs) {
    try {
      rows.push(await run(server, callers));
    } catch (error) {
      rows.push({ name, callers, error: errorMessage(error) });
    }
  }
  return rows;
}
