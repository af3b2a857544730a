import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { answerDeviceCode } from './user-agent.js';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

interface Program {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the program exits or the deadline passes. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(): Promise<number | null>;
}

const running: ChildProcess[] = [];

/** Runs `src/main.ts` as a user would (`pnpm start`), against the workspace sources. */
function startProgram(): Program {
  const env = { ...process.env };
  for (const name of ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_SCOPE']) delete env[name];
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
    cwd: exampleDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    waitForStdout(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out);
          if (match) finish(() => resolve(match));
        };
        const onExit = (code: number | null) =>
          finish(() => reject(new Error(`the program exited (${code}) before printing ${pattern}\n${out}\n${err}`)));
        const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms\n${out}\n${err}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.off('exit', onExit);
          settle();
        };
        child.stdout!.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
  };
}

const codePrompt = /open (http\S+) and enter the code ([A-Z]{4}-[A-Z]{4})/;

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('device-flow example', () => {
  it('shows a code and a link, waits visibly, and prints the identity once approved', async () => {
    const program = startProgram();
    const [, verificationUri, userCode] = await program.waitForStdout(codePrompt);

    await answerDeviceCode(verificationUri!, userCode!, { login: 'alice' });

    expect(await program.exited()).toBe(0);
    expect(program.stderr()).toContain('Waiting for you to approve the sign-in');
    expect(program.stdout()).toContain('Signed in as Alice.');
    expect(program.stdout()).toMatch(/ID token claims \(verified\):[\s\S]*"sub": "alice"/);
    expect(program.stdout()).toMatch(/UserInfo:[\s\S]*"email": "alice@example.com"/);
  });

  it('reports a sign-in the user cancelled on the other screen', async () => {
    const program = startProgram();
    const [, verificationUri, userCode] = await program.waitForStdout(codePrompt);

    await answerDeviceCode(verificationUri!, userCode!, { decision: 'cancel' });

    expect(await program.exited()).toBe(1);
    expect(program.stderr()).toMatch(/Sign-in failed \(ERR_OAUTH2_SERVER\): .*access_denied/);
  });

  it('stops cleanly on Ctrl-C while waiting', async () => {
    const program = startProgram();
    await program.waitForStdout(codePrompt);

    program.child.kill('SIGINT');

    expect(await program.exited()).toBe(130);
    expect(program.stderr()).toContain('Cancelled.');
    expect(program.stdout()).not.toContain('Signed in');
  });
});
