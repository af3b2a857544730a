import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

describe('client-credentials example', () => {
  it('gets a token from the mock server app, reuses it, and renews it before it expires', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['ALIYUN_CLIENT_ID', 'ALIYUN_CLIENT_SECRET', 'ALIYUN_REGION', 'ALIYUN_SCOPE']) delete env[name];

    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
      cwd: exampleDir,
      env,
      timeout: 15_000,
    });

    expect(stdout).toMatch(/^Local Aliyun mock server at http:\/\/127\.0\.0\.1:\d+, server app 4052276329874410192$/m);
    const calls = [...stdout.matchAll(/call (\d): (new|cached|renewed) token +([0-9a-f]{8}), expires in/g)];
    expect(calls.map(([, call]) => call)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(calls[0]?.[2]).toBe('new');
    expect(calls[1]?.[2]).toBe('cached');
    // Tokens live 3 s and the calls span 3.5 s: at least one renewal, each with a different token.
    const renewals = calls.filter(([, , source]) => source === 'renewed');
    expect(renewals.length).toBeGreaterThanOrEqual(1);
    expect(new Set(calls.map(([, , , fingerprint]) => fingerprint)).size).toBe(renewals.length + 1);
    expect(stdout).toContain(`${renewals.length + 1} token requests for 8 calls.`);
    expect(stderr).toBe('');
  });
});
