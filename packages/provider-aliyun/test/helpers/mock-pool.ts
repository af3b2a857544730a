import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { seededApps, startAliyunMockServer } from '../../src/testing/index.js';
import type { AliyunMockServer, AliyunMockServerOptions } from '../../src/testing/index.js';

/**
 * The servers of a mock-server test file: one shared server with default options for the tests that need
 * no switch (every test uses fresh codes), and `start(options)` for a server of its own, closed after the test.
 */
export function mockServerPool(): { shared: () => AliyunMockServer; start: (options?: AliyunMockServerOptions) => Promise<AliyunMockServer> } {
  const perTest: AliyunMockServer[] = [];
  let shared: AliyunMockServer | undefined;
  beforeAll(async () => {
    shared = await startAliyunMockServer();
  });
  afterAll(() => shared?.close());
  afterEach(async () => {
    await Promise.all(perTest.splice(0).map((server) => server.close()));
  });
  return {
    shared: () => {
      if (shared === undefined) throw new Error('the shared mock server is not started yet');
      return shared;
    },
    start: async (options) => {
      const server = await startAliyunMockServer(options);
      perTest.push(server);
      return server;
    },
  };
}

/** Exchanges a code of the seeded web app at the mock's token endpoint with plain fetch, expecting success. */
export async function exchangeWebAppCode(server: AliyunMockServer, code: string): Promise<Record<string, unknown>> {
  const { web } = seededApps;
  const response = await fetch(server.endpoints.token, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: web.redirectUris[0] ?? '',
      client_id: web.clientId,
      client_secret: web.clientSecret,
    }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}
