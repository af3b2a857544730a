/**
 * Renders the measurements as Markdown: one table per measurement, ratios against the baseline measured in
 * the same run, and a short reading of each table written from its numbers.
 */
import { COLD_REFERENCE, type ColdRow } from './cold-start.js';
import type { Environment } from './environment.js';
import { OUR_BUNDLE_BUDGET_BYTES, type FootprintRow } from './footprint.js';
import type { IdTokenRow } from './id-token.js';
import type { StormRow } from './refresh-storm.js';
import { median } from './stats.js';
import { pairedRatios, statsOf, type TokenResults, type TokenRow } from './token-requests.js';

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
const NODE_FETCH = 'createNodeFetch alone (diagnostic)';
const KY_NODE = 'raw ky + createNodeFetch (diagnostic)';
const US_NODE_NO_RETRY = 'us + createNodeFetch, retry: false (diagnostic)';

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

function rowOf(rows: readonly TokenRow[], name: string): TokenRow | undefined {
  return rows.find((row) => row.name === name);
}

/** A contender that never produced a sample (it failed at set-up or in its first round). */
const failedEarly = (row: TokenRow): boolean =>
  row.error !== undefined && [...row.rounds.values()].every((list) => list.every((s) => s === undefined));

function tokenSection(results: TokenResults): string {
  const { rows, options } = results;
  const baseline = rowOf(rows, BASELINE);
  const header = ['Contender'];
  for (const c of options.concurrencies) header.push(`req/s @${c}`, '× fetch', `CPU ms/1k @${c}`, '× fetch');
  const body = rows.map((row) => {
    const cells = [failedEarly(row) ? `${row.name} (failed: ${row.error ?? ''})` : row.name];
    for (const c of options.concurrencies) {
      const stats = statsOf(row, c);
      const ratio = pairedRatios(row, baseline, c);
      if (stats === undefined) {
        cells.push('–', '–', '–', '–');
        continue;
      }
      const mark = stats.truncated > 0 ? ' (time-capped)' : '';
      cells.push(`${int(stats.rps)}${mark}`, times(ratio?.rps), fixed(stats.cpuPer1000, 0), times(ratio?.cpu));
    }
    return cells;
  });
  const failures = rows.filter((row) => row.error !== undefined && !failedEarly(row));
  const noise = rows.flatMap((row) => options.concurrencies.map((c) => statsOf(row, c)?.noise)).filter((n): n is number => n !== undefined);

  const overheadRows = options.concurrencies.map((c) => {
    const us = pairedRatios(rowOf(rows, US), rowOf(rows, RAW_KY), c);
    const usNode = pairedRatios(rowOf(rows, US_NODE), rowOf(rows, RAW_KY), c);
    return [
      String(c),
      us === undefined ? '–' : `${times(us.rps)} (${verdict(us.rps >= THROUGHPUT_TARGET)})`,
      us === undefined ? '–' : `${times(us.cpu)} (${verdict(us.cpu <= CPU_TARGET)})`,
      times(usNode?.rps),
      times(usNode?.cpu),
    ];
  });

  return [
    '## 1. Token requests (client_credentials)',
    '',
    `${options.requestsPerRound.toLocaleString('en-US')} requests per round, ${roundsSummary(results)} after one warm-up round; ` +
      'every round runs every contender back to back, in an order rotated each round. req/s and CPU are medians over ' +
      'rounds; ratios are medians of the ratios within each round (paired), so load that slows a whole round cancels ' +
      'out. The token server is a separate process; CPU is the client process only (user + system).',
    '',
    table(header, body),
    '',
    noise.length > 0
      ? `Noise: the interquartile range of a row's rounds was ${percent(median(noise))} of its median req/s (median over rows; ` +
        `worst ${percent(Math.max(...noise))}). Paired ratios are steadier than that, but treat differences of a few percent as ties.`
      : '',
    '',
    ...failures.map((row) => `- ${row.name} failed part-way: ${row.error ?? ''}`),
    ...(failures.length > 0 ? [''] : []),
    'Our overhead relative to raw ky (targets: throughput ≥ 0.95×, CPU per request ≤ 1.05×), paired per round:',
    '',
    table(['Concurrency', 'us ÷ ky req/s', 'us ÷ ky CPU/req', 'us + createNodeFetch ÷ ky req/s', 'us + createNodeFetch ÷ ky CPU/req'], overheadRows),
    '',
    '**What this means.** ' + tokenReading(results),
  ].join('\n');
}

function roundsSummary({ options, roundsRun }: TokenResults): string {
  const counts = options.concurrencies.map((c) => `${roundsRun.get(c) ?? 0} at concurrency ${c}`);
  const capped = options.concurrencies.some((c) => (roundsRun.get(c) ?? 0) < options.rounds);
  return `rounds: ${counts.join(', ')}${capped ? ` (of ${options.rounds} planned; the time budget ran out)` : ''}`;
}

function tokenReading({ rows, options }: TokenResults): string {
  const sentences: string[] = [];
  const baseline = rowOf(rows, BASELINE);
  const ratio = (name: string, c: number, to: TokenRow | undefined = baseline) => pairedRatios(rowOf(rows, name), to, c);
  for (const c of options.concurrencies) {
    const base = statsOf(baseline, c);
    if (!base) continue;
    const http = ratio(RAW_HTTP, c);
    const ky = ratio(RAW_KY, c);
    const parts: string[] = [`At concurrency ${c}, raw fetch did ${int(base.rps)} req/s`];
    if (http) parts.push(`raw node:http ${times(http.rps)} that at ${times(http.cpu)} the CPU per request`);
    if (ky) parts.push(`raw ky ${times(ky.rps)} at ${times(ky.cpu)} the CPU (ky's own cost on top of fetch)`);
    let sentence = `${parts.join(', ')}.`;
    const us = ratio(US, c, rowOf(rows, RAW_KY));
    sentence += us
      ? ` Our default client reached ${times(us.rps)} raw ky's throughput (${verdict(us.rps >= THROUGHPUT_TARGET)})` +
        ` at ${times(us.cpu)} its CPU per request (${verdict(us.cpu <= CPU_TARGET)}).`
      : ' Our default client was not measured (see the table).';
    const usNode = ratio(US_NODE, c);
    const usNodeVsHttp = ratio(US_NODE, c, rowOf(rows, RAW_HTTP));
    if (usNode) {
      sentence += ` With createNodeFetch we did ${times(usNode.rps)} raw fetch's throughput`;
      sentence += usNodeVsHttp ? ` (${times(usNodeVsHttp.rps)} raw node:http's).` : '.';
    }
    sentences.push(sentence);
  }
  const c1 = options.concurrencies[0];
  if (c1 !== undefined) sentences.push(costBreakdown(rows, c1));
  if (c1 !== undefined && statsOf(rowOf(rows, US_NODE), c1)) {
    const libs = ['simple-oauth2', 'openid-client', 'oauth4webapi', '@badgateway/oauth2-client'];
    const faster = libs.filter((name) => (ratio(name, c1, rowOf(rows, US_NODE))?.rps ?? 0) > 1);
    sentences.push(
      faster.length === 0
        ? `At concurrency ${c1} our fastest configuration out-ran every other library measured.`
        : `At concurrency ${c1}, ${faster.join(', ')} still out-ran our fastest configuration: ` +
          'the remaining gap is per-request work above the transport (ky and the client), not the socket.',
    );
  }
  return sentences.join(' ');
}

/** Where the CPU of one request goes on our fastest path, layer by layer, from the diagnostic rows. */
function costBreakdown(rows: readonly TokenRow[], c: number): string {
  const cpu = (name: string): number | undefined => statsOf(rowOf(rows, name), c)?.cpuPer1000;
  const [http, transport, ky, us, noRetry] = [cpu(RAW_HTTP), cpu(NODE_FETCH), cpu(KY_NODE), cpu(US_NODE), cpu(US_NODE_NO_RETRY)];
  if (http === undefined || transport === undefined || ky === undefined || us === undefined) return '';
  // CPU ms per 1,000 requests is the same number as µs per request.
  const µs = (n: number): string => `${Math.round(n)} µs`;
  const retry =
    noRetry === undefined
      ? ''
      : ` With \`retry: false\`, us + createNodeFetch used ${µs(noRetry)} per request, ${µs(Math.abs(us - noRetry))} ` +
        `${us >= noRetry ? 'less' : 'more'} than with retries on (ky clones every request it may retry).`;
  return (
    `Where the CPU of one request goes at concurrency ${c} (medians, client process): raw node:http ${µs(http)}; ` +
    `createNodeFetch adds ${µs(transport - http)} (Request/Response objects, abort wiring); ky on top adds ${µs(ky - transport)}; ` +
    `the client on top of that adds ${µs(us - ky)}.${retry}`
  );
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
        ? `; its browser entry is ${kb(ours.gzipBytes)} min+gzip without jose, against a size-limit budget of ` +
          `${kb(OUR_BUNDLE_BUDGET_BYTES)} (${verdict(ours.gzipBytes <= OUR_BUNDLE_BUDGET_BYTES)})` +
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
