import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

// A resolve hook that refuses the specifier "jose": importing the entry must succeed without it, and the
// first verification must then try to load it (which proves the hook, and so this test, can fail).
const blockJose = `
export async function resolve(specifier, context, next) {
  if (specifier === 'jose' || specifier.startsWith('jose/')) throw new Error('BLOCKED: jose was imported');
  return next(specifier, context);
}`;

let outDir: string;

beforeAll(async () => {
  // Compile the sources as the build does, into a directory of our own (dist/ may be in use by others).
  outDir = await mkdtemp(join(tmpdir(), 'x-jwt-entry-'));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', join(packageDir, 'tsconfig.build.json'), '--outDir', outDir, '--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false']);
}, 60_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

async function runModule(source: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', source], { cwd: packageDir });
  return stdout.trim();
}

describe('the @x/jwt entry point', () => {
  it('imports without loading jose, and loads it on the first verification', async () => {
    const entry = pathToFileURL(join(outDir, 'index.js')).href;
    const output = await runModule(`
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(blockJose)}));
      const jwt = await import(${JSON.stringify(entry)});
      const header = btoa(JSON.stringify({ alg: 'RS256' })).replaceAll('=', '');
      const payload = btoa(JSON.stringify({ sub: 'x' })).replaceAll('=', '');
      const decoded = jwt.decodeJwt(header + '.' + payload + '.c2ln');
      jwt.createRemoteJwks('https://issuer.example/jwks');
      const verification = await jwt
        .verifyIdToken(header + '.' + payload + '.c2ln', { issuer: 'https://issuer.example', audience: 'c', jwks: { keys: [] } })
        .then(() => 'verified', (error) => error.message);
      console.log(JSON.stringify({ exports: Object.keys(jwt).sort(), sub: decoded.payload.sub, verification }));
    `);

    const result = JSON.parse(output) as { exports: string[]; sub: string; verification: string };
    expect(result.exports).toEqual([
      'IdTokenValidationError',
      'InvalidArgumentError',
      'JwksFetchError',
      'JwtFormatError',
      'MAX_JWT_LENGTH',
      'OAuth2Error',
      'createRemoteJwks',
      'decodeJwt',
      'verifyIdToken',
    ]);
    expect(result.sub).toBe('x');
    expect(result.verification).toMatch(/BLOCKED: jose was imported/);
  });
});
