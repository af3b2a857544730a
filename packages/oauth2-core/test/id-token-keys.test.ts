/** Where the client gets the keys that ID tokens are checked with. */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, defineProvider, IdTokenValidationError } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeServer } from './helpers/edge-server.js';

describe('the JWKS of the provider', () => {
  let provider: EdgeServer;
  let elsewhere: EdgeServer;
  let forged: string;

  beforeAll(async () => {
    const attacker = await generateKeyPair('RS256');
    const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    elsewhere = await startEdgeServer((_request, response) => sendJson(response, 200, { keys: [attackerJwk] }));
    provider = await startEdgeServer((_request, response) => {
      response.writeHead(302, { location: elsewhere.url('/keys') }).end();
    });
    const now = Math.floor(Date.now() / 1000);
    forged = await new SignJWT({ sub: 'victim' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(provider.origin)
      .setAudience('app')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(attacker.privateKey);
  });
  afterAll(async () => {
    await Promise.all([provider.close(), elsewhere.close()]);
  });

  it('is not taken from wherever a redirect points', async () => {
    const client = createClient(
      defineProvider({ name: 'redirecting', issuer: provider.origin, endpoints: { token: provider.url('/token'), jwks: provider.url('/jwks') } }),
      { clientId: 'app' },
    );
    const error = await client.verifyIdToken(forged).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IdTokenValidationError);
    expect((error as IdTokenValidationError).code).toBe('ERR_JWKS_FETCH');
    expect(elsewhere.requests).toHaveLength(0);
  });
});
