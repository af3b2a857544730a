/** The token-request section of the report: the table, our overhead against raw ky, and its reading. */
import { NAMES } from './token-contenders.js';
import { median } from './stats.js';
import { pairedRatios, statsOf, type TokenResults, type TokenRow } from './token-requests.js';
import { fixed, int, percent, table, times, verdict } from './report-format.js';

const BASELINE = NAMES.rawFetch;
const RAW_KY = NAMES.rawKy;
const RAW_HTTP = NAMES.rawNodeHttp;
const US = NAMES.us;
const US_NODE = NAMES.usNode;

/** The targets of the default client against raw ky. */
const THROUGHPUT_TARGET = 0.95;
const CPU_TARGET = 1.05;

function rowOf(rows: readonly TokenRow[], name: string): TokenRow | undefined {
  return rows.find((row) => row.name === name);
}

/** A contender that never produced a sample (it failed at set-up or in its first round). */
const failedEarly = (row: TokenRow): boolean =>
  row.error !== undefined && [...row.rounds.values()].every((list) => list.every((s) => s === undefined));

export function tokenSection(results: TokenResults): string {
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
    const libs = [NAMES.simpleOauth2, NAMES.openidClient, NAMES.oauth4webapi, NAMES.badgateway];
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
  const [http, transport, ky, us, noRetry] = [RAW_HTTP, NAMES.nodeFetchAlone, NAMES.kyNodeFetch, US_NODE, NAMES.usNodeNoRetry].map(cpu);
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
