/**
 * Sign in on a device without a browser (RFC 8628): show a code, let the user approve it on another
 * screen, wait, then print who they are.
 *
 *   pnpm --filter @x/example-device-flow start
 *
 * With no configuration it starts a local OpenID Connect provider. To use your own, set OIDC_ISSUER and
 * OIDC_CLIENT_ID (and OIDC_CLIENT_SECRET for a confidential client, OIDC_SCOPE to change the scopes).
 */
import { createClient, discover, OAuth2AbortError, OAuth2Error } from '@x/oauth2-core';
import { startLocalProvider } from './local-provider.js';
import type { LocalProvider } from './local-provider.js';
import { startProgress } from './progress.js';

interface Config {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scope: string;
}

function configFromEnv(env: NodeJS.ProcessEnv): Config | undefined {
  const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret, OIDC_SCOPE: scope } = env;
  if (!issuer) return undefined;
  if (!clientId) throw new Error('OIDC_ISSUER is set but OIDC_CLIENT_ID is not: set both, or neither to use the local provider');
  return { issuer, clientId, ...(clientSecret ? { clientSecret } : {}), scope: scope ?? 'openid profile email' };
}

async function main(): Promise<number> {
  // Ctrl-C aborts the wait cleanly (a second Ctrl-C kills the process the usual way).
  const cancel = new AbortController();
  process.once('SIGINT', () => cancel.abort(new Error('cancelled with Ctrl-C')));
  const { signal } = cancel;

  let local: LocalProvider | undefined;
  let config = configFromEnv(process.env);
  if (config === undefined) {
    local = await startLocalProvider();
    config = { issuer: local.issuer, clientId: local.clientId, scope: 'openid profile email' };
    console.log(`Using a local OpenID Connect provider at ${local.issuer} (any login name and password work).`);
  }

  try {
    const client = createClient(await discover(config.issuer, { signal }), {
      clientId: config.clientId,
      ...(config.clientSecret ? { clientSecret: config.clientSecret } : {}),
      scope: config.scope,
    });

    const authorization = await client.deviceCode.start({}, { signal });
    console.log(`\nTo sign in, open ${authorization.verificationUri} and enter the code ${authorization.userCode}`);
    if (authorization.verificationUriComplete) {
      console.log(`(or open ${authorization.verificationUriComplete}, which fills the code in)`);
    }
    console.log('');

    const progress = startProgress(process.stderr, 'Waiting for you to approve the sign-in (Ctrl-C to cancel)');
    let token;
    try {
      token = await client.deviceCode.poll(authorization, {
        signal,
        onPending: ({ attempt }) => {
          if (attempt > 1) progress.tick();
        },
      });
    } finally {
      progress.stop();
    }

    // The device grant hands back an ID token unverified: check it like any other before trusting it.
    const claims = token.idToken ? await client.verifyIdToken(token.idToken, { accessToken: token.accessToken }) : undefined;
    const userinfo = client.provider.endpoints.userinfo
      ? await client.userinfo(token, { signal, ...(claims ? { expectedSubject: claims.sub } : {}) })
      : undefined;

    const identity = { ...claims, ...userinfo };
    console.log(`Signed in as ${String(identity.name ?? identity.preferred_username ?? identity.sub ?? 'an unnamed user')}.`);
    if (claims) console.log(`\nID token claims (verified):\n${JSON.stringify(claims, null, 2)}`);
    if (userinfo) console.log(`\nUserInfo:\n${JSON.stringify(userinfo, null, 2)}`);
    console.log(`\nAccess token ${token.expiresAt ? `valid until ${token.expiresAt.toISOString()}` : 'with no stated expiry'}.`);
    return 0;
  } catch (error) {
    if (error instanceof OAuth2AbortError) {
      console.error('Cancelled.');
      return 130;
    }
    if (error instanceof OAuth2Error) {
      // Codes are stable: branch on them, e.g. ERR_OAUTH2_SERVER with error "access_denied".
      console.error(`Sign-in failed (${error.code}): ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await local?.close();
  }
}

process.exitCode = await main();
