import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, defineProvider, OAuth2ResponseError } from '../src/index.js';
import type { OAuth2Client } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeServer } from './helpers/edge-server.js';

// A token restored with client.createToken() has no verified claims: its stored ID token still says who
// the user is, and answers about someone else must be refused as for a token fresh from the server.

let server: EdgeServer;
let client: OAuth2Client;
let sign: (subject: string) => Promise<string>;
/** The `sub` the UserInfo endpoint answers, and the one of the ID token the next refresh returns. */
let userinfoSubject = 'alice';
let refreshedSubject = 'alice';

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  server = await startEdgeServer(async (request, response) => {
    if (request.url === '/jwks') return sendJson(response, 200, { keys: [jwk] });
    if (request.url === '/userinfo') return sendJson(response, 200, { sub: userinfoSubject, name: 'Someone' });
    sendJson(response, 200, { access_token: 'at-new', token_type: 'Bearer', expires_in: 3600, id_token: await sign(refreshedSubject) });
  });
  sign = (subject) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(server.origin)
      .setAudience('app')
      .setSubject(subject)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(privateKey);
  };
  const provider = defineProvider({
    name: 'oidc',
    issuer: server.origin,
    endpoints: { token: server.url('/token'), userinfo: server.url('/userinfo'), jwks: server.url('/jwks') },
  });
  client = createClient(provider, { clientId: 'app', clientSecret: 'secret' });
});

afterAll(async () => {
  await server.close();
});

/** A token as an application stores it after a login as alice, and restores it later. */
async function restoredAlice(idToken?: string) {
  const stored = JSON.parse(JSON.stringify({ access_token: 'at-stored', token_type: 'Bearer', refresh_token: 'rt-stored', id_token: idToken ?? (await sign('alice')) }));
  const token = client.createToken(stored);
  expect(token.idTokenClaims).toBeUndefined();
  return token;
}

describe('userinfo with a restored token', () => {
  it("refuses an answer about another user than the stored ID token's", async () => {
    userinfoSubject = 'mallory';
    const error = await client.userinfo(await restoredAlice()).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ResponseError);
    expect((error as OAuth2ResponseError).message).toMatch(/`sub` differs from the ID token's/);
  });

  it("accepts an answer about the stored ID token's user", async () => {
    userinfoSubject = 'alice';
    expect(await client.userinfo(await restoredAlice())).toEqual({ sub: 'alice', name: 'Someone' });
  });

  it('has nothing to compare with when the stored ID token is not a JWT', async () => {
    userinfoSubject = 'mallory';
    expect((await client.userinfo(await restoredAlice('opaque-id-token'))).sub).toBe('mallory');
  });
});

describe('refreshing a restored token', () => {
  it("refuses a refreshed ID token about another user than the stored one's (OpenID Connect Core §12.2)", async () => {
    refreshedSubject = 'mallory';
    const error = await (await restoredAlice()).refresh().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2ResponseError);
    expect((error as OAuth2ResponseError).message).toMatch(/another subject/);
  });

  it('accepts a refreshed ID token about the same user, and the new token carries verified claims', async () => {
    refreshedSubject = 'alice';
    const fresh = await (await restoredAlice()).refresh();
    expect(fresh.idTokenClaims?.sub).toBe('alice');
    expect(fresh.accessToken).toBe('at-new');
  });
});
