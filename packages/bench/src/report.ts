/**
 * Renders the measurements as Markdown: one table per measurement, ratios against the baseline measured in
 * the same run, and a short reading of each table written from its numbers.
 */
import type { ColdRow } from './cold-start.js';
import type { Environment } from './environment.js';
import type { FootprintRow } from './footprint.js';
import type { IdTokenRow } from './id-token.js';
import type { StormRow } from './refresh-storm.js';
import { median } from './stats.js';
import type { TokenResults, TokenRow, TokenStats } from './token-requests.js';

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

/** Names used to find rows the text talks about. */
const BASELINE = 'raw fetch';
const RAW_KY = 'raw ky';
const RAW_HTTP = 'raw node:http keep-alive';
const US = 'us (default)';
const US_NODE = 'us + createNodeFetch';

const THROUGHPUT_TARGET = 0.95;
const CPU_TARGET = 1.05;
const COLD_MARGIN_MS = 10;

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits = 1): string => n.toFixed(digits);
const times = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(2)}×`);
const percent = (n: number): string => `${Math.round(n * 100)}%`;
const kb = (bytes: number | undefined): string => (bytes === undefined ? '–' : `${(bytes / 1000).toFixed(1)} kB`);
const verdict = (ok: boolean): string => (ok ? 'met' : 'missed');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function statsOf(rows: readonly TokenRow[], name: string, concurrency: number): TokenStats | undefined {
  return rows.find((row) => row.name === name)?.stats.get(concurrency);
}

function tokenSection(results: TokenResults): string {
  const { rows, options } = results;
  const header = ['Contender'];
  for (const c of options.concurrencies) {
    header.push(`req/s @${c}`, '× fetch', `CPU ms/1k @${c}`, '× fetch');
  }
  const body = rows.map((row) => {
    const cells = [row.error !== undefined && row.stats.size === 0 ? `${row.name} (failed: ${row.error})` : row.name];
    for (const c of options.concurrencies) {
      const stats = row.stats.get(c);
      const base = statsOf(rows, BASELINE, c);
      if (stats === undefined) {
        cells.push('–', '–', '–', '–');
        continue;
      }
      const mark = stats.truncated > 0 ? ' (time-capped)' : '';
      cells.push(
        `${int(stats.rps)}${mark}`,
        times(base ? stats.rps / base.rps : undefined),
        fixed(stats.cpuPer1000, 0),
        times(base ? stats.cpuPer1000 / base.cpuPer1000 : undefined),
      );
    }
    return cells;
  });
  const failures = rows.filter((row) => row.error !== undefined && row.stats.size > 0);
  const spreads = rows.flatMap((row) => [...row.stats.values()].map((stats) => stats.spread));

  const overheadRows = options.concurrencies.map((c) => {
    const ky = statsOf(rows, RAW_KY, c);
    const us = statsOf(rows, US, c);
    const usNode = statsOf(rows, US_NODE, c);
    const thr = ky && us ? us.rps / ky.rps : undefined;
    const cpu = ky && us ? us.cpuPer1000 / ky.cpuPer1000 : undefined;
    return [
      String(c),
      thr === undefined ? '–' : `${times(thr)} (${verdict(thr >= THROUGHPUT_TARGET)})`,
      cpu === undefined ? '–' : `${times(cpu)} (${verdict(cpu <= CPU_TARGET)})`,
      times(ky && usNode ? usNode.rps / ky.rps : undefined),
      times(ky && usNode ? usNode.cpuPer1000 / ky.cpuPer1000 : undefined),
    ];
  });

  return [
    '## 1. Token requests (client_credentials)',
    '',
    `${options.requestsPerRound.toLocaleString('en-US')} requests per round, ${options.rounds} rounds per concurrency after one warm-up round, ` +
      'contenders rotated each round; medians. The token server is a separate process; CPU is the client ' +
      'process only (user + system). Ratios are to raw fetch measured in the same run.',
    '',
    table(header, body),
    '',
    spreads.length > 0
      ? `Noise: the rounds of a row differed by ${percent(median(spreads))} of its median req/s (median over rows; worst ${percent(Math.max(...spreads))}), so differences smaller than that are not significant.`
      : '',
    '',
    ...failures.map((row) => `- ${row.name} failed part-way: ${row.error ?? ''}`),
    ...(failures.length > 0 ? [''] : []),
    'Our overhead relative to raw ky (targets: throughput ≥ 0.95×, CPU per request ≤ 1.05×):',
    '',
    table(['Concurrency', 'us ÷ ky req/s', 'us ÷ ky CPU/req', 'us + createNodeFetch ÷ ky req/s', 'us + createNodeFetch ÷ ky CPU/req'], overheadRows),
    '',
    '**What this means.** ' + tokenReading(results),
  ].join('\n');
}

function tokenReading({ rows, options }: TokenResults): string {
  const sentences: string[] = [];
  for (const c of options.concurrencies) {
    const base = statsOf(rows, BASELINE, c);
    const ky = statsOf(rows, RAW_KY, c);
    const http = statsOf(rows, RAW_HTTP, c);
    const us = statsOf(rows, US, c);
    const usNode = statsOf(rows, US_NODE, c);
    if (!base) continue;
    const parts: string[] = [`At concurrency ${c}, raw fetch did ${int(base.rps)} req/s`];
    if (http) parts.push(`raw node:http ${times(http.rps / base.rps)} that`);
    if (ky) parts.push(`raw ky ${times(ky.rps / base.rps)} (ky's own cost on top of fetch)`);
    let sentence = `${parts.join(', ')}.`;
    if (us && ky) {
      const thr = us.rps / ky.rps;
      const cpu = us.cpuPer1000 / ky.cpuPer1000;
      sentence +=
        ` Our default client reached ${times(thr)} raw ky's throughput (${verdict(thr >= THROUGHPUT_TARGET)})` +
        ` at ${times(cpu)} its CPU per request (${verdict(cpu <= CPU_TARGET)}).`;
    } else {
      sentence += ' Our default client was not measured (see the table).';
    }
    if (usNode) {
      sentence += ` With createNodeFetch we did ${times(usNode.rps / base.rps)} raw fetch's throughput`;
      sentence += http ? `, ${times(usNode.rps / http.rps)} of raw node:http's.` : '.';
    }
    sentences.push(sentence);
  }
  const libs = ['simple-oauth2', 'openid-client', 'oauth4webapi', '@badgateway/oauth2-client'];
  const c1 = options.concurrencies[0];
  if (c1 !== undefined) {
    const usNode = statsOf(rows, US_NODE, c1);
    const faster = libs.filter((name) => {
      const other = statsOf(rows, name, c1);
      return usNode !== undefined && other !== undefined && other.rps > usNode.rps;
    });
    if (usNode) {
      sentences.push(
        faster.length === 0
          ? `At concurrency ${c1} our fastest configuration out-ran every other library measured.`
          : `At concurrency ${c1}, ${faster.join(', ')} still out-ran our fastest configuration.`,
      );
    }
  }
  return sentences.join(' ');
}

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
  const reference = rows.find((row) => row.name === 'ky + debug')?.importMs;
  const body = rows.map((row) => [
    row.name,
    row.importMs === undefined ? `– (${row.error ?? 'not run'})` : fixed(row.importMs),
    reference === undefined || row.importMs === undefined ? '–' : `${row.importMs - reference >= 0 ? '+' : ''}${fixed(row.importMs - reference)}`,
  ]);
  const ours = rows.find((row) => row.name === '@x/oauth2-core')?.importMs;
  const jose = rows.find((row) => row.name === 'jose')?.importMs;
  let reading = 'Our entry was not measured (see the table).';
  if (ours !== undefined && reference !== undefined) {
    const delta = ours - reference;
    reading =
      `Importing @x/oauth2-core took ${fixed(ours)} ms, ${fixed(Math.abs(delta))} ms ${delta >= 0 ? 'more' : 'less'} than ky + debug alone ` +
      `(target ≤ +${COLD_MARGIN_MS} ms: ${verdict(delta <= COLD_MARGIN_MS)})` +
      (jose !== undefined ? `; jose alone takes ${fixed(jose)} ms, which is what loading it lazily keeps off the start-up path.` : '.');
  }
  return [
    '## 4. Cold start',
    '',
    `Time spent in \`await import()\` in a fresh \`node\` process (Node's own boot excluded), median of ${rounds} spawns per library, alternating, after one discarded spawn each.`,
    '',
    table(['Import', 'ms', 'Δ vs ky + debug'], body),
    '',
    `**What this means.** ${reading}`,
  ].join('\n');
}

function footprintSection(rows: readonly FootprintRow[]): string {
  const body = rows.map((row) => {
    const notes: string[] = [];
    for (const [name, kind] of Object.entries(row.externalImports ?? {})) notes.push(`${name} external, imported ${kind === 'none' ? 'nowhere' : kind === 'dynamic' ? 'lazily (dynamic import)' : 'statically'}`);
    if (row.bundleError !== undefined) notes.push(`no browser bundle: ${row.bundleError}`);
    if (row.error !== undefined) notes.push(row.error);
    return [row.name, row.packages === undefined ? '–' : String(row.packages), kb(row.installedBytes), kb(row.minifiedBytes), kb(row.gzipBytes), notes.join('; ')];
  });
  const ours = rows.find((row) => row.name === '@x/oauth2-core');
  const closures = rows
    .filter((row) => row.closure !== undefined && row.closure.length > 1)
    .map((row) => `- ${row.name}: ${row.closure?.join(', ') ?? ''}`);
  let reading = 'Our package was not measured (see the table).';
  if (ours?.packages !== undefined) {
    const others = rows.filter((row) => row !== ours && row.packages !== undefined);
    const smaller = others.filter((row) => (row.installedBytes ?? 0) < (ours.installedBytes ?? 0)).map((row) => row.name);
    reading =
      `Installing @x/oauth2-core brings ${ours.packages} packages, ${kb(ours.installedBytes)} on disk` +
      (smaller.length > 0 ? ` (smaller installs: ${smaller.join(', ')})` : ' (the smallest install measured)') +
      (ours.gzipBytes !== undefined ? `; its browser entry is ${kb(ours.gzipBytes)} min+gzip without jose.` : '.') +
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
    `- Run time: ${fixed(results.durationMs / 1000, 0)} s (\`pnpm bench\`)`,
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
