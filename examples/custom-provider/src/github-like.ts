import { defineProvider } from '@x/oauth2-core';
import type { ProviderPreset } from '@x/oauth2-core';

/**
 * A preset for GitHub's OAuth apps, a provider this project does not ship: endpoints plus its quirks, as
 * data and two small hooks. `origin` points it elsewhere (the example's local stand-in, GitHub
 * Enterprise Server).
 *
 * GitHub is an OAuth 2.0 server, not an OpenID provider: no ID token, no UserInfo endpoint, no refresh
 * token for classic OAuth apps. The user comes from its REST API (`GET /user`).
 */
export function githubProvider(origin = 'https://github.com'): ProviderPreset {
  return defineProvider({
    name: 'github',
    endpoints: {
      authorization: `${origin}/login/oauth/authorize`,
      token: `${origin}/login/oauth/access_token`,
    },
    // GitHub reads client_id and client_secret from the form body.
    tokenEndpointAuthMethod: 'client_secret_post',
    quirks: {
      // No ID token, so a nonce would be pointless.
      supportsNonce: false,
      // Sent with every authorization URL: do not offer to create an account in the middle of a sign-in.
      authorizationParams: { allow_signup: 'false' },
      // GitHub lists the granted scopes comma-separated ("read:user,user:email"); RFC 6749 §3.3 says spaces.
      normalizeTokenResponse: (body) =>
        typeof body.scope === 'string' ? { ...body, scope: body.scope.split(',').filter(Boolean).join(' ') } : body,
      // GitHub answers token errors with HTTP 200 and its own codes (the core already treats an `error`
      // member in a 2xx body as an error). Map them to the RFC 6749 §5.2 codes callers branch on; the
      // description keeps GitHub's wording.
      mapServerError: (body) => {
        const standard: Record<string, string> = {
          bad_verification_code: 'invalid_grant',
          incorrect_client_credentials: 'invalid_client',
          redirect_uri_mismatch: 'invalid_grant',
        };
        return typeof body.error === 'string' && body.error in standard ? { error: standard[body.error]! } : undefined;
      },
    },
  });
}

/** The fields of GitHub's `GET /user` this example shows. */
export interface GitHubUser {
  login: string;
  id: number;
  name: string | null;
}

/** Calls GitHub's REST API with the access token (`apiOrigin`: `https://api.github.com`). */
export async function fetchGitHubUser(apiOrigin: string, accessToken: string): Promise<GitHubUser> {
  const response = await fetch(`${apiOrigin}/user`, {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/vnd.github+json', 'user-agent': 'x-oauth2-example' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`GET /user answered HTTP ${response.status}`);
  return (await response.json()) as GitHubUser;
}
