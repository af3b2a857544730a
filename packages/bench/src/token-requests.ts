/**
 * Measurement 1: client_credentials token requests per second, and client CPU time per 1,000 requests,
 * at several concurrencies. Contenders alternate within each round (rotated every round) so drifts of a
 * noisy machine spread over all of them; the report uses the median of the rounds.
 */
import { TOKEN_RESPONSE } from './token-server.js';
import { TOKEN_CONTENDERS, type Requester, type TokenContender } from './token-contenders.js';
import { errorMessage, median, rotate } from './stats.js';

export interface TokenRequestOptions {
  readonly concurrencies: readonly number[];
  /** Requests per round (the same for every contender). */
  readonly requestsPerRound: number;
  readonly rounds: number;
  /** A round stops early past this, so a pathological contender cannot eat the time budget. */
  readonly roundLimitMs: number;
}

export interface TokenStats {
  /** Median requests per second over the rounds. */
  readonly rps: number;
  /** Median client CPU time (user + system) per 1,000 requests, in ms. */
  readonly cpuPer1000: number;
  /** Rounds that hit `roundLimitMs`. */
  readonly truncated: number;
  /** (max − min) / median of the rounds' req/s: how noisy this row was. */
  readonly spread: number;
}

export interface TokenRow {
  readonly name: string;
  readonly pkg: string;
  /** Keyed by concurrency. Missing when the contender failed. */
  readonly stats: ReadonlyMap<number, TokenStats>;
  readonly error?: string;
}

export interface TokenResults {
  readonly options: TokenRequestOptions;
  readonly rows: readonly TokenRow[];
}

interface Sample {
  readonly rps: number;
  readonly cpuPer1000: number;
  readonly truncated: boolean;
}

interface Entry {
  readonly contender: TokenContender;
  readonly requester: Requester;
  readonly samples: Map<number, Sample[]>;
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
    return { contender, requester, samples: new Map() };
  } catch (error) {
    return { name: contender.name, pkg: contender.pkg, stats: new Map(), error: errorMessage(error) };
  }
}

export async function measureTokenRequests(
  origin: string,
  options: TokenRequestOptions,
  progress: (line: string) => void,
): Promise<TokenResults> {
  const prepared = await Promise.all(TOKEN_CONTENDERS.map((contender) => setUp(contender, origin)));
  const entries = prepared.filter((item): item is Entry => 'requester' in item);
  try {
    for (const concurrency of options.concurrencies) {
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
      for (const entry of entries) await run(entry, Math.ceil(options.requestsPerRound / 2));
      for (let round = 0; round < options.rounds; round++) {
        for (const entry of rotate(entries, round)) {
          const sample = await run(entry, options.requestsPerRound);
          if (sample === undefined) continue;
          const list = entry.samples.get(concurrency) ?? [];
          list.push(sample);
          entry.samples.set(concurrency, list);
        }
        progress(`token requests: concurrency ${concurrency}, round ${round + 1}/${options.rounds} done`);
      }
    }
  } finally {
    for (const entry of entries) entry.requester.close();
  }

  const rows = prepared.map((item): TokenRow => {
    if (!('requester' in item)) return item;
    const stats = new Map<number, TokenStats>();
    for (const [concurrency, samples] of item.samples) {
      const rates = samples.map((s) => s.rps);
      stats.set(concurrency, {
        rps: median(rates),
        spread: (Math.max(...rates) - Math.min(...rates)) / median(rates),
        cpuPer1000: median(samples.map((s) => s.cpuPer1000)),
        truncated: samples.filter((s) => s.truncated).length,
      });
    }
    return {
      name: item.contender.name,
      pkg: item.contender.pkg,
      stats,
      ...(item.error !== undefined ? { error: item.error } : {}),
    };
  });
  return { options, rows };
}
