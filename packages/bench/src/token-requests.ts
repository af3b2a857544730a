/**
 * Measurement 1: client_credentials token requests per second, and client CPU time per 1,000 requests,
 * at several concurrencies.
 *
 * The machine is shared and noisy, so the design leans on pairing: every round runs every contender once,
 * back to back (order rotated each round), and ratios are taken within a round before the median over
 * rounds. A burst of outside load then slows a whole round, and mostly cancels out of its ratios.
 */
import { TOKEN_RESPONSE } from './token-server.js';
import { TOKEN_CONTENDERS, type Requester, type TokenContender } from './token-contenders.js';
import { errorMessage, median, quantile, rotate } from './stats.js';

export interface TokenRequestOptions {
  readonly concurrencies: readonly number[];
  /** Requests per round (the same for every contender). */
  readonly requestsPerRound: number;
  readonly rounds: number;
  /** A round stops early past this, so a pathological contender cannot eat the time budget. */
  readonly roundLimitMs: number;
  /** Time allowed per concurrency; no new round starts past it (a slow machine gets fewer rounds). */
  readonly budgetMs: number;
}

/** One contender's round. */
export interface Sample {
  /** Requests per second. */
  readonly rps: number;
  /** Client CPU time (user + system) per 1,000 requests, in ms. */
  readonly cpuPer1000: number;
  /** Whether the round hit `roundLimitMs` before its last request. */
  readonly truncated: boolean;
}

export interface TokenRow {
  readonly name: string;
  readonly pkg: string;
  /** Per concurrency, the samples indexed by round (`undefined` where the contender had failed). */
  readonly rounds: ReadonlyMap<number, readonly (Sample | undefined)[]>;
  readonly error?: string;
}

export interface TokenResults {
  readonly options: TokenRequestOptions;
  /** Rounds actually run per concurrency (fewer than `options.rounds` when the budget ran out). */
  readonly roundsRun: ReadonlyMap<number, number>;
  readonly rows: readonly TokenRow[];
}

/** Medians of a row at one concurrency. */
export interface TokenStats {
  readonly rps: number;
  readonly cpuPer1000: number;
  readonly truncated: number;
  /** Interquartile range of the rounds' req/s relative to their median: this row's noise. */
  readonly noise: number;
}

export function statsOf(row: TokenRow | undefined, concurrency: number): TokenStats | undefined {
  const samples = (row?.rounds.get(concurrency) ?? []).filter((s): s is Sample => s !== undefined);
  if (samples.length === 0) return undefined;
  const rates = samples.map((s) => s.rps);
  const rps = median(rates);
  return {
    rps,
    cpuPer1000: median(samples.map((s) => s.cpuPer1000)),
    truncated: samples.filter((s) => s.truncated).length,
    noise: (quantile(rates, 0.75) - quantile(rates, 0.25)) / rps,
  };
}

/** Median over rounds of `a / b` within each round, for throughput and for CPU per request. */
export function pairedRatios(
  a: TokenRow | undefined,
  b: TokenRow | undefined,
  concurrency: number,
): { rps: number; cpu: number } | undefined {
  const left = a?.rounds.get(concurrency) ?? [];
  const right = b?.rounds.get(concurrency) ?? [];
  const rps: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < Math.min(left.length, right.length); round++) {
    const x = left[round];
    const y = right[round];
    if (x === undefined || y === undefined) continue;
    rps.push(x.rps / y.rps);
    cpu.push(x.cpuPer1000 / y.cpuPer1000);
  }
  return rps.length === 0 ? undefined : { rps: median(rps), cpu: median(cpu) };
}

interface Entry {
  readonly contender: TokenContender;
  readonly requester: Requester;
  readonly rounds: Map<number, (Sample | undefined)[]>;
  error?: string;
}

/** `total` requests spread over `concurrency` workers, timed by wall clock and process CPU. */
async function runRound(requester: Requester, total: number, concurrency: number, limitMs: number): Promise<Sample> {
  let issued = 0;
  let completed = 0;
  const started = performance.now();
  const deadline = started + limitMs;
  const cpuBefore = process.cpuUsage();
  const worker = async (): Promise<void> => {
    while (issued < total && performance.now() < deadline) {
      issued++;
      await requester.request();
      completed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    rps: (completed / wallMs) * 1000,
    cpuPer1000: ((cpu.user + cpu.system) / 1000 / completed) * 1000,
    truncated: completed < total,
  };
}

async function setUp(contender: TokenContender, origin: string): Promise<Entry | TokenRow> {
  try {
    const requester = await contender.setup(origin);
    const token = await requester.request();
    if (token !== TOKEN_RESPONSE.access_token) throw new Error(`unexpected access token ${token}`);
    return { contender, requester, rounds: new Map() };
  } catch (error) {
    return { name: contender.name, pkg: contender.pkg, rounds: new Map(), error: errorMessage(error) };
  }
}

export async function measureTokenRequests(
  origin: string,
  options: TokenRequestOptions,
  progress: (line: string) => void,
): Promise<TokenResults> {
  const prepared = await Promise.all(TOKEN_CONTENDERS.map((contender) => setUp(contender, origin)));
  const entries = prepared.filter((item): item is Entry => 'requester' in item);
  const roundsRun = new Map<number, number>();
  try {
    for (const concurrency of options.concurrencies) {
      const deadline = performance.now() + options.budgetMs;
      const run = async (entry: Entry, total: number): Promise<Sample | undefined> => {
        if (entry.error !== undefined) return undefined;
        try {
          return await runRound(entry.requester, total, concurrency, options.roundLimitMs);
        } catch (error) {
          entry.error = errorMessage(error);
          return undefined;
        }
      };
      // Warm-up: JIT, connection pools and lazy imports, not recorded.
      for (const entry of entries) await run(entry, options.requestsPerRound);
      for (const entry of entries) entry.rounds.set(concurrency, []);
      let round = 0;
      for (; round < options.rounds && performance.now() < deadline; round++) {
        for (const entry of rotate(entries, round)) {
          const samples = entry.rounds.get(concurrency) ?? [];
          samples[round] = await run(entry, options.requestsPerRound);
        }
      }
      roundsRun.set(concurrency, round);
      progress(`token requests: concurrency ${concurrency} done, ${round} rounds`);
    }
  } finally {
    for (const entry of entries) entry.requester.close();
  }

  return {
    options,
    roundsRun,
    rows: prepared.map((item): TokenRow => {
      if (!('requester' in item)) return item;
      const { contender, rounds, error } = item;
      return { name: contender.name, pkg: contender.pkg, rounds, ...(error !== undefined ? { error } : {}) };
    }),
  };
}
