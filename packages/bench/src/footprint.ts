/**
 * Measurement 5: footprint. What `npm install <library>` brings (packages in the dependency closure and
 * their bytes on disk, as installed here), and the minified + gzipped browser bundle of the library's
 * entry (esbuild), where it bundles for browsers at all.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { errorMessage } from './stats.js';

export const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface FootprintTarget {
  readonly name: string;
  /** The row's label when it is not the package name. */
  readonly label?: string;
  /** Left out of the bundle (loaded lazily, or counted in its own row). */
  readonly external?: readonly string[];
  /** Skip the install-size walk (a second bundle row of a package already listed). */
  readonly bundleOnly?: boolean;
}

/**
 * The bundle target of issue 6 for our entry (gzipped, jose excluded), for the reading. CI's size-limit
 * budgets (root package.json) hold the sizes we ship against growth; this is the goal we measure against.
 */
export const OUR_BUNDLE_TARGET_BYTES = 8000;

export const FOOTPRINT_TARGETS: readonly FootprintTarget[] = [
  { name: '@x/oauth2-core', external: ['jose'] },
  { name: '@x/oauth2-core', label: '@x/oauth2-core, own code only', external: ['jose', 'ky', 'debug'], bundleOnly: true },
  { name: 'ky' },
  { name: 'jose' },
  { name: 'simple-oauth2' },
  { name: 'openid-client' },
  { name: 'oauth4webapi' },
  { name: '@badgateway/oauth2-client' },
];

export interface FootprintRow {
  readonly name: string;
  readonly packages?: number;
  readonly installedBytes?: number;
  /** Names of the closure, for the report's footnotes. */
  readonly closure?: readonly string[];
  readonly minifiedBytes?: number;
  readonly gzipBytes?: number;
  readonly bundleError?: string;
  /** For targets with externals: how the entry reaches each one (`static`, `dynamic`, `none`). */
  readonly externalImports?: Readonly<Record<string, 'static' | 'dynamic' | 'none'>>;
  readonly error?: string;
}

interface PackageJson {
  name?: string;
  version?: string;
  files?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const readJson = (file: string): PackageJson => JSON.parse(readFileSync(file, 'utf8')) as PackageJson;

/** Node's lookup: `node_modules/<name>` in the directory and each ancestor. Returns the real path. */
export function findPackage(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir, depth = 0; depth < 64; dir = dirname(dir), depth++) {
    const candidate = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return realpathSync(dirname(candidate));
    if (dirname(dir) === dir) break;
  }
  return undefined;
}

/** Bytes of a package as installed. A workspace package counts only what it would publish (`files`). */
function packageBytes(dir: string): number {
  const isWorkspace = !dir.includes(`${sep}node_modules${sep}`);
  const published = isWorkspace ? readJson(join(dir, 'package.json')).files : undefined;
  const alwaysPublished = /^(package\.json|readme|license|licence|changelog)/i;
  let total = 0;
  const walk = (path: string, depth: number): void => {
    const stat = lstatSync(path);
    if (stat.isFile()) total += stat.size;
    if (!stat.isDirectory() || depth > 32) return;
    for (const entry of readdirSync(path)) {
      if (entry === 'node_modules') continue;
      if (path === dir && published && !published.includes(entry) && !alwaysPublished.test(entry)) continue;
      walk(join(path, entry), depth + 1);
    }
  };
  walk(dir, 0);
  return total;
}

function closure(name: string): { packages: string[]; bytes: number } {
  const root = findPackage(name, benchDir);
  if (root === undefined) throw new Error(`${name} is not installed`);
  const seen = new Map<string, string>(); // real path -> name@version
  const queue = [root];
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    const dir = queue[i];
    if (dir === undefined || seen.has(dir)) continue;
    const manifest = readJson(join(dir, 'package.json'));
    seen.set(dir, `${manifest.name ?? '?'}@${manifest.version ?? '?'}`);
    const deps = { ...manifest.optionalDependencies, ...manifest.dependencies };
    for (const dep of Object.keys(deps)) {
      const found = findPackage(dep, dir);
      if (found !== undefined) queue.push(found);
    }
  }
  let bytes = 0;
  for (const dir of seen.keys()) bytes += packageBytes(dir);
  return { packages: [...seen.values()].sort(), bytes };
}

function importKind(metafile: Metafile, specifier: string): 'static' | 'dynamic' | 'none' {
  let kind: 'static' | 'dynamic' | 'none' = 'none';
  for (const input of Object.values(metafile.inputs)) {
    for (const imported of input.imports) {
      if (imported.path !== specifier && !imported.path.startsWith(`${specifier}/`)) continue;
      if (imported.kind === 'dynamic-import') kind = kind === 'static' ? 'static' : 'dynamic';
      else kind = 'static';
    }
  }
  return kind;
}

async function bundle(target: FootprintTarget): Promise<Pick<FootprintRow, 'minifiedBytes' | 'gzipBytes' | 'externalImports'>> {
  const result = await build({
    stdin: { contents: `export * from ${JSON.stringify(target.name)};`, resolveDir: benchDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: [...(target.external ?? [])],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  const externalImports = Object.fromEntries((target.external ?? []).map((name) => [name, importKind(result.metafile, name)]));
  return {
    minifiedBytes: code.byteLength,
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    ...(target.external ? { externalImports } : {}),
  };
}

/** esbuild lists every unresolvable import; the first one and the count say enough. */
function bundleFailure(error: unknown): string {
  if (error instanceof Error && 'errors' in error && Array.isArray(error.errors)) {
    const messages = error.errors as Array<{ text?: unknown }>;
    const first = typeof messages[0]?.text === 'string' ? messages[0].text : 'failed';
    return messages.length > 1 ? `${first} (and ${messages.length - 1} more)` : first;
  }
  return errorMessage(error).slice(0, 160);
}

export async function measureFootprint(): Promise<FootprintRow[]> {
  const rows: FootprintRow[] = [];
  for (const target of FOOTPRINT_TARGETS) {
    let installed: Pick<FootprintRow, 'packages' | 'installedBytes' | 'closure' | 'error'> = {};
    try {
      if (!target.bundleOnly) {
        const { packages, bytes } = closure(target.name);
        installed = { packages: packages.length, installedBytes: bytes, closure: packages };
      }
    } catch (error) {
      installed = { error: errorMessage(error) };
    }
    let bundled: Pick<FootprintRow, 'minifiedBytes' | 'gzipBytes' | 'externalImports' | 'bundleError'>;
    try {
      bundled = await bundle(target);
    } catch (error) {
      bundled = { bundleError: bundleFailure(error) };
    }
    rows.push({ name: target.label ?? target.name, ...installed, ...bundled });
  }
  return rows;
}
