import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs `src/main.ts` to completion as `pnpm start` would, against the workspace sources and the local stand-in. */
async function runExample(): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, CALLBACK_PORT: '0' };
  for (const name of ['GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET', 'OAUTH_ISSUER', 'OAUTH_CLIENT_ID', 'OAUTH_CLIENT_SECRET', 'OAUTH_SCOPE']) {
    delete env[name];
  }
  return promisify(execFile)(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
    cwd: exampleDir,
    env,
    timeout: 15_000,
  });
}

describe('custom-provider example', () => {
  let output: { stdout: string; stderr: string };
  beforeAll(async () => {
    output = await runExample();
  });

  it('signs in with the defineProvider() preset, quirks included', () => {
    const { stdout } = output;
    // authorizationParams: allow_signup on every URL; PKCE S256 and state from createAuthorizationRequest.
    expect(stdout).toMatch(/Authorization URL: http:\/\/127\.0\.0\.1:\d+\/login\/oauth\/authorize\?allow_signup=false&response_type=code&client_id=local-github-app&/);
    expect(stdout).toMatch(/code_challenge_method=S256/);
    // normalizeTokenResponse turned "read:user,user:email" into a list; "bearer" became "Bearer".
    expect(stdout).toContain('Token: Bearer, scopes read:user user:email, expiry not stated');
    expect(stdout).toContain('Signed in as octocat (The Octocat), id 583231');
  });

  it("maps GitHub's 200-with-error answer to a typed, standard error", () => {
    expect(output.stdout).toContain(
      'Using the code again: OAuth2ServerError invalid_grant (HTTP 200): The code passed is incorrect or expired.',
    );
  });

  it('builds a working preset from RFC 8414 metadata with discover()', () => {
    const { stdout, stderr } = output;
    expect(stdout).toMatch(/2\. A preset from discover\(http:\/\/127\.0\.0\.1:\d+\)/);
    expect(stdout).toMatch(/Token endpoint http:\/\/127\.0\.0\.1:\d+\/oauth\/token, client authentication client_secret_basic/);
    expect(stdout).toMatch(/Client-credentials token: Bearer, scope reports:read, expires \d{4}-\d\d-\d\dT/);
    expect(stderr).toBe('');
  });
});
