import { describe, expect, it } from 'vitest';
import { daemon, login, regions, useMockServer, webClient } from './helpers/aliyun.js';

const asString = useMockServer({ expiresInType: 'string', accessTokenValidity: 3599 });
const asNumber = useMockServer({ expiresInType: 'number', accessTokenValidity: 3599 });

describe.each(regions)('expires_in on the %s site', (region) => {
  for (const [kind, mock] of [['a JSON string ("3599")', asString], ['a JSON number', asNumber]] as const) {
    it(`computes expiresAt from ${kind}, on login and on refresh`, async () => {
      const client = webClient(mock(), region);
      const started = Date.now();
      const { token } = await login(client, mock(), { accessType: 'offline' });
      const finished = Date.now();

      expect(token.raw.expires_in).toBe(3599);
      expect(token.expiresAt!.getTime()).toBeGreaterThanOrEqual(started + 3599_000);
      expect(token.expiresAt!.getTime()).toBeLessThanOrEqual(finished + 3599_000);
      expect(token.expired()).toBe(false);
      expect(token.expired(3600)).toBe(true);

      const refreshed = await token.refresh();
      expect(refreshed.raw.expires_in).toBe(3599);
      expect(refreshed.expiresAt!.getTime()).toBeGreaterThanOrEqual(started + 3599_000);
    });
  }

  it('is exercised with both wire types: the mock really sends a string or a number', async () => {
    const basic = `Basic ${btoa(`${daemon.clientId}:${daemon.clientSecret}`)}`;
    for (const [mock, type] of [[asString, 'string'], [asNumber, 'number']] as const) {
      const response = await fetch(mock().endpoints.token, {
        method: 'POST',
        headers: { authorization: basic },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      const body = (await response.json()) as { expires_in: unknown };
      expect(typeof body.expires_in).toBe(type);
    }
    const client = webClient(asString(), region);
    const { token } = await login(client, asString(), {});
    // Stored tokens carry the absolute expires_at, never the relative expires_in.
    expect(token.toJSON().expires_in).toBeUndefined();
    expect(token.toJSON().expires_at).toBe(token.expiresAt!.toISOString());
  });
});
