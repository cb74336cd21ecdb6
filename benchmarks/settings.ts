/** Sizes of one benchmark run. */
export interface BenchSettings {
  readonly mode: 'full' | 'quick';
  /** Repetitions of each throughput scenario; the median is reported. */
  readonly repetitions: number;
  /** Unreported runs first (JIT warm-up): signals sent over many keys and to one key. */
  readonly warmup: { readonly manyKeysTotal: number; readonly oneKeyTotal: number };
  readonly ceiling: { readonly batchSize: number; readonly durationMs: number; readonly syncWrites: number; readonly syncWarmup: number };
  readonly manyKeys: { readonly total: number; readonly keys: number; readonly maxInFlight: number };
  readonly oneKey: { readonly total: number; readonly keys: number; readonly maxInFlight: number };
  readonly calls: { readonly count: number; readonly warmup: number };
  /** Any single scenario taking longer than this fails the run. */
  readonly scenarioTimeoutMs: number;
}

export const FULL: BenchSettings = {
  mode: 'full',
  repetitions: 3,
  warmup: { manyKeysTotal: 20_000, oneKeyTotal: 10_000 },
  ceiling: { batchSize: 1000, durationMs: 1000, syncWrites: 500, syncWarmup: 50 },
  manyKeys: { total: 200_000, keys: 1000, maxInFlight: 5000 },
  oneKey: { total: 100_000, keys: 1, maxInFlight: 5000 },
  calls: { count: 2000, warmup: 200 },
  scenarioTimeoutMs: 60_000,
};

export const QUICK: BenchSettings = {
  mode: 'quick',
  repetitions: 3,
  warmup: { manyKeysTotal: 5_000, oneKeyTotal: 2_000 },
  ceiling: { batchSize: 1000, durationMs: 300, syncWrites: 150, syncWarmup: 20 },
  manyKeys: { total: 20_000, keys: 1000, maxInFlight: 5000 },
  oneKey: { total: 10_000, keys: 1, maxInFlight: 5000 },
  calls: { count: 300, warmup: 50 },
  scenarioTimeoutMs: 30_000,
};

/** Targets printed next to the results; missing one does not fail the run. */
export const TARGETS = {
  manyKeysSignalsPerSecond: 50_000,
  oneKeySignalsPerSecond: 20_000,
  callP50Ms: 0.3,
} as const;

export function settingsFromArgs(args: readonly string[]): BenchSettings {
  for (const arg of args) {
    if (arg !== '--quick') throw new Error(`Unknown argument '${arg}'. Usage: npm run bench [-- --quick]`);
  }
  return args.includes('--quick') ? QUICK : FULL;
}
