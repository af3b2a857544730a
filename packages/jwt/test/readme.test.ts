import { readFile } from 'node:fs/promises';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import * as jwt from '../src/index.js';

const README = new URL('../README.md', import.meta.url);

/** The block after the README's "runnable example" marker, with its import lines apart. */
async function runnableExample(): Promise<{ imports: string[]; body: string }> {
  const text = await readFile(README, 'utf8');
  const match = /<!-- runnable example[^>]*-->\n```js\n([\s\S]*?)\n```/.exec(text);
  if (match?.[1] === undefined) throw new Error('README.md has no runnable example block');
  const lines = match[1].split('\n');
  return {
    imports: lines.filter((line) => line.startsWith('import ')),
    body: lines.filter((line) => !line.startsWith('import ')).join('\n'),
  };
}

describe('README', () => {
  it('has a runnable example that decodes, verifies and rejects as it says', async () => {
    const { imports, body } = await runnableExample();
    expect(imports).toEqual([
      "import { decodeJwt, verifyIdToken, IdTokenValidationError } from '@x/jwt';",
      "import { SignJWT, exportJWK, generateKeyPair } from 'jose';",
    ]);
    const printed: string[] = [];
    const console = { log: (...parts: unknown[]) => printed.push(parts.join(' ')) };
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
      ...parameters: string[]
    ) => (...values: unknown[]) => Promise<void>;
    const example = new AsyncFunction(
      'decodeJwt',
      'verifyIdToken',
      'IdTokenValidationError',
      'SignJWT',
      'exportJWK',
      'generateKeyPair',
      'console',
      body,
    );

    await example(jwt.decodeJwt, jwt.verifyIdToken, jwt.IdTokenValidationError, jose.SignJWT, jose.exportJWK, jose.generateKeyPair, console);

    expect(printed).toEqual(['signed with ES256 key-1', 'signed in: user-42', 'rejected: ERR_ID_TOKEN_AUDIENCE']);
  });
});
