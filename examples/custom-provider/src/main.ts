/**
 * Two ways to use a provider this project ships no preset for:
 *  1. write a preset with defineProvider() (src/github-like.ts: GitHub and its quirks) and sign in with it;
 *  2. get one from the server's metadata with discover() and request a machine-to-machine token.
 *
 *   pnpm --filter @x/example-custom-provider start
 *
 * With no configuration both run against a local stand-in (src/local-server.ts). For the real GitHub, set
 * GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (an OAuth app whose callback URL is
 * http://127.0.0.1:8976/callback; CALLBACK_PORT changes the port). For your own authorization server,
 * set OAUTH_ISSUER, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET and optionally OAUTH_SCOPE.
 */
import { createClient, discover, OAuth2Error, OAuth2ServerError } from '@x/oauth2-core';
import { fetchGitHubUser, githubProvider } from './github-like.js';
import { startLocalServer } from './local-server.js';
import type { LocalServer } from './local-server.js';
import { listenForRedirect } from './loopback.js';

const env = process.env;
const loopback = await listenForRedirect(Number(env.CALLBACK_PORT ?? 8976));

const realGitHub = env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET
  ? { clientId: env.GITHUB_CLIENT_ID, clientSecret: env.GITHUB_CLIENT_SECRET }
  : undefined;
const realIssuer = env.OAUTH_ISSUER && env.OAUTH_CLIENT_ID && env.OAUTH_CLIENT_SECRET
  ? { issuer: env.OAUTH_ISSUER, clientId: env.OAUTH_CLIENT_ID, clientSecret: env.OAUTH_CLIENT_SECRET, scope: env.OAUTH_SCOPE }
  : undefined;

const localGitHubApp = { clientId: 'local-github-app', clientSecret: 'local-github-secret' };
const localMachine = { clientId: 'local-machine', clientSecret: 'local-machine-secret' };
let local: LocalServer | undefined;
if (!realGitHub || !realIssuer) {
  local = await startLocalServer({ github: { ...localGitHubApp, redirectUri: loopback.redirectUri }, machine: localMachine });
}

try {
  await signInWithGitHub();
  await machineTokenFromDiscovery();
} catch (error) {
  if (!(error instanceof OAuth2Error)) throw error;
  console.error(`Failed (${error.code}): ${error.message}`);
  process.exitCode = 1;
} finally {
  await loopback.close();
  await local?.close();
}

async function signInWithGitHub(): Promise<void> {
  const origin = realGitHub ? 'https://github.com' : local!.origin;
  const apiOrigin = realGitHub ? 'https://api.github.com' : `${local!.origin}/api`;
  console.log(`1. A preset written with defineProvider(): GitHub${realGitHub ? '' : ` (local stand-in at ${origin})`}`);

  const client = createClient(githubProvider(origin), {
    ...(realGitHub ?? localGitHubApp),
    redirectUri: loopback.redirectUri,
    scope: ['read:user', 'user:email'],
  });
  const { url, state, codeVerifier } = await client.authorizationCode.createAuthorizationRequest();
  if (realGitHub) {
    console.log(`   Open this URL in your browser and approve:\n   ${url}`);
  } else {
    // The stand-in approves at once and redirects, so following the redirect plays the browser's part.
    console.log(`   Authorization URL: ${url}`);
    await fetch(url, { signal: AbortSignal.timeout(10_000) });
  }
  const callback = await loopback.callback;

  const token = await client.authorizationCode.handleCallback(callback, { state, codeVerifier });
  console.log(`   Token: ${token.tokenType}, scopes ${token.scope?.join(' ') ?? '(none listed)'}, ${token.expiresAt ? `expires ${token.expiresAt.toISOString()}` : 'expiry not stated'}`);
  const user = await fetchGitHubUser(apiOrigin, token.accessToken);
  console.log(`   Signed in as ${user.login}${user.name ? ` (${user.name})` : ''}, id ${user.id}`);

  // Codes are single use. GitHub's own error code is mapped to the standard one by the preset.
  try {
    await client.authorizationCode.getToken({ code: callback.searchParams.get('code') ?? '', codeVerifier });
  } catch (error) {
    if (!(error instanceof OAuth2ServerError)) throw error;
    console.log(`   Using the code again: ${error.name} ${error.error} (HTTP ${error.status}): ${error.errorDescription ?? ''}`);
  }
}

async function machineTokenFromDiscovery(): Promise<void> {
  const issuer = realIssuer?.issuer ?? local!.origin;
  console.log(`\n2. A preset from discover(${issuer})`);
  const provider = await discover(issuer);
  console.log(`   Token endpoint ${provider.endpoints.token}, client authentication ${provider.tokenEndpointAuthMethod}`);

  const client = createClient(provider, realIssuer ?? localMachine);
  const token = await client.clientCredentials.getToken({ scope: realIssuer?.scope ?? 'reports:read' });
  console.log(`   Client-credentials token: ${token.tokenType}, scope ${token.scope?.join(' ') ?? '(none listed)'}, expires ${token.expiresAt?.toISOString() ?? 'not stated'}`);
}
