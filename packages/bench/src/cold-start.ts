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

/** The reference the start-up target is stated against: ours ≤ ky + debug + 10 ms. */
export const COLD_REFERENCE = 'ky + debug';

export const COLD_TARGETS: readonly ColdTarget[] = [
  { name: '@x/oauth2-core', specifiers: ['@x/oauth2-core'], cwd: benchDir },
  { name: COLD_REFERENCE, specifiers: ['ky', 'debug'], cwd: coreDir },
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
  /** Median over rounds of (this − reference) within the same round, in ms. */
  readonly deltaMs?: number;
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
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: target.cwd, env, timeout: SPAWN_LIMIT_MS }));
  } catch (error) {
    // The child's stderr holds a stack trace; its error line is what the report needs.
    const stderr = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
    const line = stderr.split('\n').find((l) => /^\w*Error\b/.test(l.trim()));
    throw new Error(line?.trim().slice(0, 200) ?? errorMessage(error).split('\n')[0]);
  }
  const ms = Number(stdout.trim());
  if (!Number.isFinite(ms)) throw new Error(`unexpected output: ${stdout.slice(0, 200)}`);
  return ms;
}

export async function measureColdStart(rounds: number): Promise<ColdRow[]> {
  // Per target, the sample of each round (undefined where it failed), so deltas can be paired by round.
  const samples = new Map<string, (number | undefined)[]>(COLD_TARGETS.map((t) => [t.name, []]));
  const errors = new Map<string, string>();
  const take = async (target: ColdTarget): Promise<number | undefined> => {
    if (errors.has(target.name)) return undefined;
    try {
      return await sample(target);
    } catch (error) {
      errors.set(target.name, errorMessage(error));
      return undefined;
    }
  };
  // The first spawn of each warms the file-system cache; a cold disk is not what this compares.
  for (const target of COLD_TARGETS) await take(target);
  for (let round = 0; round < rounds; round++) {
    for (const target of rotate(COLD_TARGETS, round)) {
      const list = samples.get(target.name) ?? [];
      list[round] = await take(target);
    }
  }
  const reference = samples.get(COLD_REFERENCE) ?? [];
  return COLD_TARGETS.map((target): ColdRow => {
    const error = errors.get(target.name);
    if (error !== undefined) return { name: target.name, error };
    const own = samples.get(target.name) ?? [];
    const deltas = own.flatMap((ms, round) => {
      const ref = reference[round];
      return ms === undefined || ref === undefined ? [] : [ms - ref];
    });
    return {
      name: target.name,
      importMs: median(own.filter((ms): ms is number => ms !== undefined)),
      ...(deltas.length > 0 ? { deltaMs: median(deltas) } : {}),
    };
  });
}
