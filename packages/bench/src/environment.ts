/** Where and against what the numbers were taken: machine, Node, and the version of every contender. */
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { benchDir, findPackage } from './footprint.js';

export interface Environment {
  readonly date: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** Package name -> installed version. */
  readonly versions: Readonly<Record<string, string>>;
}

const PACKAGES = [
  '@x/oauth2-core',
  '@x/jwt',
  'ky',
  'simple-oauth2',
  'openid-client',
  'oauth4webapi',
  '@badgateway/oauth2-client',
  'jose',
  'esbuild',
];

function versionOf(name: string): string {
  // debug is not a bench dependency; it is found through @x/oauth2-core like the cold-start run does.
  const dir = findPackage(name, benchDir) ?? findPackage(name, join(benchDir, '../oauth2-core'));
  if (dir === undefined) return 'not installed';
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
}

export function describeEnvironment(): Environment {
  const cpuList = cpus();
  return {
    date: new Date().toISOString(),
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    versions: Object.fromEntries([...PACKAGES, 'debug'].map((name) => [name, versionOf(name)])),
  };
}
