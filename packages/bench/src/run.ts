/**
 * `pnpm bench`: runs every measurement once, writes `results.md` next to this package's package.json and
 * prints it. `BENCH_QUICK=1` runs a few-second smoke version with the same shape.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { measureColdStart } from './cold-start.js';
import { describeEnvironment } from './environment.js';
import { benchDir, measureFootprint } from './footprint.js';
import { measureIdToken } from './id-token.js';
import { measureRefreshStorm } from './refresh-storm.js';
import { renderReport } from './report.js';
import { measureTokenRequests, type TokenRequestOptions } from './token-requests.js';
import { startTokenServer, type TokenServer } from './token-server.js';

const quick = process.env['BENCH_QUICK'] === '1';

const settings = {
  tokens: {
    concurrencies: [1, 64],
    requestsPerRound: quick ? 200 : 2000,
    rounds: quick ? 2 : 15,
    roundLimitMs: quick ? 5_000 : 20_000,
    // Two concurrencies: about three of the five minutes `pnpm bench` may take.
    budgetMs: quick ? 10_000 : 90_000,
  } satisfies TokenRequestOptions,
  stormCallers: 200,
  idToken: { verificationsPerRound: quick ? 200 : 2000, rounds: quick ? 2 : 5 },
  coldRounds: quick ? 3 : 11,
};

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

async function main(): Promise<void> {
  const started = performance.now();
  const environment = describeEnvironment();
  let server: TokenServer | undefined;
  const stop = (): void => {
    server?.close();
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    server = await startTokenServer();
    log(`token server on ${server.origin}`);
    const tokens = await measureTokenRequests(server.origin, settings.tokens, log);
    log('refresh storm');
    const storm = await measureRefreshStorm(server, settings.stormCallers);
    server.close();
    log('ID-token verification');
    const idTokens = await measureIdToken(settings.idToken);
    log('cold start');
    const coldStart = await measureColdStart(settings.coldRounds);
    log('footprint');
    const footprint = await measureFootprint();
    const report = renderReport({
      environment,
      quick,
      durationMs: performance.now() - started,
      tokens,
      storm,
      idTokens,
      coldStart,
      coldRounds: settings.coldRounds,
      footprint,
    });
    const file = resolve(benchDir, 'results.md');
    writeFileSync(file, report);
    console.log(report);
    log(`wrote ${file}`);
  } finally {
    server?.close();
  }
}

main().then(
  // Pooled keep-alive sockets of some contenders would otherwise keep the process alive for a while.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
