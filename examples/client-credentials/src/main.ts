/**
 * A machine-to-machine token (OAuth 2.0 client credentials) from an Alibaba Cloud server app, cached and
 * renewed before it expires, over the keep-alive Node transport.
 *
 *   pnpm --filter @x/example-client-credentials start
 *
 * With no configuration it starts the local Aliyun mock server, whose tokens live 3 seconds here so the
 * renewal shows. For the real service set ALIYUN_CLIENT_ID, ALIYUN_CLIENT_SECRET (a server app) and
 * ALIYUN_REGION (cn or intl); ALIYUN_SCOPE optionally narrows the scope.
 */
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient, OAuth2Error } from '@x/oauth2-core';
import type { AccessToken } from '@x/oauth2-core';
import { createNodeFetch } from '@x/oauth2-core/node';
import { aliyunProvider } from '@x/provider-aliyun';
import type { AliyunRegion } from '@x/provider-aliyun';
import { seededApps, startAliyunMockServer } from '@x/provider-aliyun/testing';
import type { AliyunMockServer } from '@x/provider-aliyun/testing';
import { TokenCache } from './token-cache.js';

const env = process.env;
const region: AliyunRegion = env.ALIYUN_REGION === 'intl' ? 'intl' : 'cn';
const real = env.ALIYUN_CLIENT_ID && env.ALIYUN_CLIENT_SECRET;

let mock: AliyunMockServer | undefined;
if (!real) mock = await startAliyunMockServer({ accessTokenValidity: 3 });
const credentials = real
  ? { clientId: env.ALIYUN_CLIENT_ID!, clientSecret: env.ALIYUN_CLIENT_SECRET! }
  : { clientId: seededApps.server.clientId, clientSecret: seededApps.server.clientSecret };

// Optional: a keep-alive node:http transport for services that ask for tokens often. Without `fetch`,
// the client uses the runtime's global fetch, which works everywhere.
const nodeFetch = createNodeFetch({ maxSockets: 8 });

const client = createClient(mock ? aliyunProvider(region, { signinOrigin: mock.origin, oauthOrigin: mock.origin }) : aliyunProvider(region), {
  ...credentials,
  // Alibaba Cloud server apps authenticate with HTTP Basic (web apps put the secret in the form body).
  tokenEndpointAuthMethod: 'client_secret_basic',
  fetch: nodeFetch,
  ...(env.ALIYUN_SCOPE ? { scope: env.ALIYUN_SCOPE } : {}),
});

// Renew one second before expiry here, because the mock's tokens are so short-lived; a minute is usual.
const tokens = new TokenCache(() => client.clientCredentials.getToken(), { renewBeforeSeconds: mock ? 1 : 60 });

console.log(mock ? `Local Aliyun mock server at ${mock.origin}, server app ${credentials.clientId}` : `Alibaba Cloud (${region}), app ${credentials.clientId}`);

const started = Date.now();
let previous: AccessToken | undefined;
try {
  for (let call = 1; call <= 8; call += 1) {
    const token = await tokens.get();
    const source = previous === undefined ? 'new token' : token === previous ? 'cached token' : 'renewed token';
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`[${seconds}s] call ${call}: ${source.padEnd(13)} ${fingerprint(token)}, expires in ${expiresIn(token)}`);
    previous = token;
    // Stand-in for the job's real work with the token (an API call).
    await delay(500);
  }
  if (mock) {
    const tokenRequests = mock.requests.filter((request) => request.path === '/v1/token').length;
    console.log(`${tokenRequests} token requests for 8 calls.`);
  }
} catch (error) {
  if (!(error instanceof OAuth2Error)) throw error;
  console.error(`Could not get a token (${error.code}): ${error.message}`);
  process.exitCode = 1;
} finally {
  nodeFetch.close();
  await mock?.close();
}

/** Identifies a token in logs without revealing it. */
function fingerprint(token: AccessToken): string {
  return createHash('sha256').update(token.accessToken).digest('hex').slice(0, 8);
}

function expiresIn(token: AccessToken): string {
  return token.expiresAt === undefined ? 'unknown' : `${((token.expiresAt.getTime() - Date.now()) / 1000).toFixed(1)} s`;
}
