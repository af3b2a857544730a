/**
 * Measurement 4: cold start, the time a fresh Node process spends in `await import(...)` of a library
 * (Node's own boot excluded). Each sample is a new process; targets alternate in every round and the
 * median is reported.
 */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { errorMessage, median, rotate } from './stats.js';

const run = promisify(execFile);
const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** `debug` is a dependency of @x/oauth2-core, not of the bench: resolve it (and ky, for the pair) from there. */
const coreDir = resolve(benchDir, '../oauth2-core');

export interface ColdTarget {
  readonly name: string;
  /** Imported in order, in one process. */
  readonly specifiers: readonly string[];
  /** Where bare specifiers resolve from. */
  readonly cwd: string;
}

export const COLD_TARGETS: readonly ColdTarget[] = [
  { name: '@x/oauth2-core', specifiers: ['@x/oauth2-core'], cwd: benchDir },
  { name: 'ky + debug', specifiers: ['ky', 'debug'], cwd: coreDir },
  { name: 'ky', specifiers: ['ky'], cwd: benchDir },
  { name: 'debug', specifiers: ['debug'], cwd: coreDir },
  { name: 'jose', specifiers: ['jose'], cwd: benchDir },
  { name: 'simple-oauth2', specifiers: ['simple-oauth2'], cwd: benchDir },
  { name: 'openid-client', specifiers: ['openid-client'], cwd: benchDir },
  { name: 'oauth4webapi', specifiers: ['oauth4webapi'], cwd: benchDir },
  { name: '@badgateway/oauth2-client', specifiers: ['@badgateway/oauth2-client'], cwd: benchDir },
];

export interface ColdRow {
  readonly name: string;
  /** Median import time in ms. */
  readonly importMs?: number;
  readonly error?: string;
}

const SPAWN_LIMIT_MS = 20_000;

async function sample(target: ColdTarget): Promise<number> {
  const code = [
    'const started = performance.now();',
    `for (const specifier of ${JSON.stringify(target.specifiers)}) await import(specifier);`,
    'process.stdout.write(String(performance.now() - started));',
  ].join('\n');
  // A clean environment: no inherited loaders (NODE_OPTIONS) and no DEBUG namespaces switched on.
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  delete env['DEBUG'];
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], {
    cwd: target.cwd,
    env,
    timeout: SPAWN_LIMIT_MS,
  });
  const ms = Number(stdout.trim());
  if (!Number.isFinite(ms)) throw new Error(`unexpected output: ${stdout.slice(0, 200)}`);
  return ms;
}

export async function measureColdStart(rounds: number): Promise<ColdRow[]> {
  const samples = new Map<string, number[]>();
  const errors = new Map<string, string>();
  const take = async (target: ColdTarget, record: boolean): Promise<void> => {
    if (errors.has(target.name)) return;
    try {
      const ms = await sample(target);
      if (record) samples.set(target.name, [...(samples.get(target.name) ?? []), ms]);
    } catch (error) {
      errors.set(target.name, errorMessage(error));
    }
  };
  // The first spawn of each warms the file-system cache; a cold disk is not what this compares.
  for (const target of COLD_TARGETS) await take(target, false);
  for (let round = 0; round < rounds; round++) {
    for (const target of rotate(COLD_TARGETS, round)) await take(target, true);
  }
  return COLD_TARGETS.map((target): ColdRow => {
    const error = errors.get(target.name);
    return error !== undefined ? { name: target.name, error } : { name: target.name, importMs: median(samples.get(target.name) ?? []) };
  });
}
