import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, defineProvider, InvalidArgumentError } from '../src/index.js';
import type { OAuth2Client } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeServer } from './helpers/edge-server.js';

let server: EdgeServer;
let client: OAuth2Client;

beforeAll(async () => {
  server = await startEdgeServer((_request, response) => sendJson(response, 200, { sub: 'user-1' }));
  const provider = defineProvider({ name: 'userinfo', endpoints: { token: server.url('/token'), userinfo: server.url('/userinfo') } });
  client = createClient(provider, { clientId: 'app' });
});

afterAll(async () => {
  await server.close();
});

describe('client.userinfo(accessTokenString)', () => {
  it('sends a well-formed access token as a Bearer token', async () => {
    expect(await client.userinfo('at-plain-123')).toEqual({ sub: 'user-1' });
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer at-plain-123');
  });

  for (const [name, suffix] of [['CR LF and a header', '\r\nX-Injected: 1'], ['a space', ' extra'], ['a NUL', '\u0000']] as const) {
    it(`refuses an access token with ${name} before sending anything, without quoting it`, async () => {
      const secret = 'AT-userinfo-5e1d';
      const before = server.requests.length;
      const error = await client.userinfo(`${secret}${suffix}`).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('token');
      for (const view of [(error as Error).message, JSON.stringify(error), inspect(error, { depth: 5 })]) expect(view).not.toContain(secret);
      expect(server.requests).toHaveLength(before);
    });
  }
});
