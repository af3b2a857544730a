/**
 * Renders the measurements as Markdown: one table per measurement, ratios against the baseline measured in
 * the same run, and a short reading of each table written from its numbers.
 */
import { COLD_REFERENCE, type ColdRow } from './cold-start.js';
import type { Environment } from './environment.js';
import { OUR_BUNDLE_TARGET_BYTES, type FootprintRow } from './footprint.js';
import type { IdTokenRow } from './id-token.js';
import type { StormRow } from './refresh-storm.js';
import { fixed, int, kb, table, times, verdict } from './report-format.js';
import { tokenSection } from './report-tokens.js';
import type { TokenResults } from './token-requests.js';

export interface BenchResults {
  readonly environment: Environment;
  readonly quick: boolean;
  readonly durationMs: number;
  readonly tokens: TokenResults;
  readonly storm: readonly StormRow[];
  readonly idTokens: readonly IdTokenRow[];
  readonly coldStart: readonly ColdRow[];
  readonly coldRounds: number;
  readonly footprint: readonly FootprintRow[];
}

/** The start-up target: our import may cost at most this much more than ky + debug. */
const COLD_MARGIN_MS = 10;

function stormSection(rows: readonly StormRow[]): string {
  const body = rows.map((row) => [
    row.name,
    String(row.callers),
    row.serverRequests === undefined ? '–' : String(row.serverRequests),
    row.fulfilled === undefined ? '–' : String(row.fulfilled),
    row.wallMs === undefined ? '–' : fixed(row.wallMs, 0),
    row.error ?? '',
  ]);
  const readings = rows
    .filter((row) => row.serverRequests !== undefined)
    .map((row) => `${row.name} sent ${row.serverRequests ?? 0} refresh request(s) for ${row.callers} concurrent callers`);
  return [
    '## 2. Refresh storm',
    '',
    'Concurrent callers refresh the same expired token at once; the token server counts the requests it receives.',
    '',
    table(['Library', 'Callers', 'Requests at the server', 'Callers resolved', 'Wall ms', 'Error'], body),
    '',
    '**What this means.** ' +
      (readings.length > 0
        ? `${readings.join('; ')}. With single-use refresh tokens every request after the first would be rejected or would revoke the grant.`
        : 'No library completed the storm.'),
  ].join('\n');
}

function idTokenSection(rows: readonly IdTokenRow[], quick: boolean): string {
  const jose = rows.find((row) => row.name.startsWith('bare jose'));
  const ours = rows.find((row) => row.name.startsWith('us'));
  const body = rows.map((row) => [
    row.name,
    row.perSecond === undefined ? `– (${row.error ?? 'not run'})` : int(row.perSecond),
    times(row.perSecond !== undefined && jose?.perSecond ? row.perSecond / jose.perSecond : undefined),
  ]);
  let reading = 'Our verifier was not measured (see the table).';
  if (ours?.perSecond !== undefined && jose?.perSecond !== undefined) {
    const ratio = ours.perSecond / jose.perSecond;
    reading =
      `verifyIdToken ran at ${times(ratio)} the rate of a bare jwtVerify. ` +
      (ratio >= 0.9
        ? 'The OIDC claim checks on top of the signature cost little; the RSA signature dominates.'
        : 'The gap is work beyond the signature check (claim rules, key-set handling per call); at ' +
          `${int(ours.perSecond)} verifications/s it matters only for servers verifying tokens on every request.`);
  }
  return [
    '## 3. ID-token verification',
    '',
    `Same RS256 token and key, local JWK set for both, sequential calls${quick ? ' (quick run)' : ''}; medians of alternating rounds.`,
    '',
    table(['Verifier', 'Verifications/s', '× jose'], body),
    '',
    `**What this means.** ${reading}`,
  ].join('\n');
}

function coldSection(rows: readonly ColdRow[], rounds: number): string {
  const signed = (n: number | undefined): string => (n === undefined ? '–' : `${n >= 0 ? '+' : '−'}${fixed(Math.abs(n))}`);
  const body = rows.map((row) => [
    row.name,
    row.importMs === undefined ? `– (${row.error ?? 'not run'})` : fixed(row.importMs),
    signed(row.deltaMs),
  ]);
  const ours = rows.find((row) => row.name === '@x/oauth2-core');
  const jose = rows.find((row) => row.name === 'jose')?.importMs;
  let reading = 'Our entry was not measured (see the table).';
  if (ours?.importMs !== undefined && ours.deltaMs !== undefined) {
    const delta = ours.deltaMs;
    reading =
      `Importing @x/oauth2-core took ${fixed(ours.importMs)} ms, ${fixed(Math.abs(delta))} ms ${delta >= 0 ? 'more' : 'less'} than ${COLD_REFERENCE} ` +
      `in the same rounds (target ≤ +${COLD_MARGIN_MS} ms: ${verdict(delta <= COLD_MARGIN_MS)})` +
      (jose !== undefined ? `; jose alone takes ${fixed(jose)} ms, which loading it lazily keeps off the start-up path.` : '.');
  }
  return [
    '## 4. Cold start',
    '',
    `Time spent in \`await import()\` in a fresh \`node\` process (Node's own boot excluded), median of ${rounds} spawns per library, ` +
      `alternating, after one discarded spawn each. Δ is the median of the per-round differences to ${COLD_REFERENCE}.`,
    '',
    table(['Import', 'ms', `Δ vs ${COLD_REFERENCE} (ms)`], body),
    '',
    `**What this means.** ${reading}`,
  ].join('\n');
}

function footprintSection(rows: readonly FootprintRow[]): string {
  const body = rows.map((row) => {
    const notes: string[] = [];
    // jose is the one that must stay lazy; ky and debug are left out of the own-code row only to size it.
    const jose = row.externalImports?.['jose'];
    if (jose !== undefined) {
      notes.push(`jose external, imported ${jose === 'none' ? 'nowhere' : jose === 'dynamic' ? 'lazily (dynamic import)' : 'statically'}`);
    }
    if (row.bundleError !== undefined) notes.push(`no browser bundle: ${row.bundleError}`);
    if (row.error !== undefined) notes.push(row.error);
    return [row.name, row.packages === undefined ? '–' : String(row.packages), kb(row.installedBytes), kb(row.minifiedBytes), kb(row.gzipBytes), notes.join('; ')];
  });
  const ours = rows.find((row) => row.name === '@x/oauth2-core');
  const ownCode = rows.find((row) => row.name.startsWith('@x/oauth2-core,'));
  const closures = rows
    .filter((row) => row.closure !== undefined && row.closure.length > 1)
    .map((row) => `- ${row.name}: ${row.closure?.join(', ') ?? ''}`);
  let reading = 'Our package was not measured (see the table).';
  if (ours?.packages !== undefined) {
    const others = rows.filter((row) => row !== ours && row !== ownCode && row.packages !== undefined);
    const smaller = others.filter((row) => (row.installedBytes ?? 0) < (ours.installedBytes ?? 0)).map((row) => row.name);
    reading =
      `Installing @x/oauth2-core brings ${ours.packages} packages, ${kb(ours.installedBytes)} on disk` +
      (smaller.length > 0 ? ` (smaller installs: ${smaller.join(', ')})` : ' (the smallest install measured)') +
      (ours.gzipBytes !== undefined
        ? `; its browser entry is ${kb(ours.gzipBytes)} min+gzip without jose, against the target of ` +
          `${kb(OUR_BUNDLE_TARGET_BYTES)} (${verdict(ours.gzipBytes <= OUR_BUNDLE_TARGET_BYTES)})` +
          (ownCode?.gzipBytes !== undefined ? `; our own code (@x/oauth2-core and @x/jwt, ky and debug left out too) is ${kb(ownCode.gzipBytes)} of it.` : '.')
        : '.') +
      ' Installed sizes include each package as published (sources, maps, types), which is what lands in node_modules.';
  }
  return [
    '## 5. Footprint',
    '',
    'Installed: the package and its dependency closure as installed here (bytes of files). Bundle: esbuild, ' +
      '`export * from "<pkg>"`, minified, platform browser, gzip level 9.',
    '',
    table(['Library', 'Packages', 'Installed', 'Minified', 'Min + gzip', 'Notes'], body),
    '',
    'Dependency closures:',
    '',
    ...closures,
    '',
    `**What this means.** ${reading}`,
  ].join('\n');
}

export function renderReport(results: BenchResults): string {
  const env = results.environment;
  const versions = Object.entries(env.versions).map(([name, version]) => `${name} ${version}`).join(', ');
  return [
    '# @x/oauth2-core benchmarks',
    '',
    `- Date: ${env.date}${results.quick ? ' (BENCH_QUICK=1: smoke run, numbers are rough)' : ''}`,
    `- Machine: ${env.cpuModel}, ${env.cores} cores, ${env.memoryGiB} GiB, ${env.os}; shared, so expect noise of several percent`,
    `- Node: ${env.node}`,
    `- Versions: ${versions}`,
    `- Measurement time: ${fixed(results.durationMs / 1000, 0)} s (\`pnpm bench\` builds the packages first)`,
    '',
    tokenSection(results.tokens),
    '',
    stormSection(results.storm),
    '',
    idTokenSection(results.idTokens, results.quick),
    '',
    coldSection(results.coldStart, results.coldRounds),
    '',
    footprintSection(results.footprint),
    '',
  ].join('\n');
}
