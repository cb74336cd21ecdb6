import type { BenchArgs } from './bench-args';
import type { WorkerPlacement } from './bench-hub';

/** One way of running a hub's workers in the NATS scenarios. */
export interface NatsConfiguration {
  readonly workers: number;
  readonly placement: WorkerPlacement;
}

/** Sizes of the orchestration scenarios on one engine. */
export interface OrchestrationSettings {
  /** Unreported runs first, on a fresh app or hub (JIT warm-up): HelloSequence instances, fan-out activities. */
  readonly warmup: { readonly helloInstances: number; readonly fanOutActivities: number };
  /** HelloSequence (5 sequential activities): instances started, most of them running at once. */
  readonly helloSequence: { readonly instances: number; readonly maxInFlight: number };
  /** One fan-out/fan-in instance of this many activities. */
  readonly fanOut: { readonly activities: number };
}

/**
 * The replay scenario (embedded engine): a LongChain of `steps` sequential activities
 * (3 history events each) is timed with `OrchestrationExecutor.restore` (full replay,
 * `restores` times, median) and `advance` of the live instance by one event (`liveTurns`).
 * The history is read from the engine when `engineSteps` equals `steps`, otherwise built by
 * driving the executor alone (same events, no storage). On the engine, an `engineSteps`
 * chain is then sent `engineTurns` events while live and one event after each of
 * `restarts` app restarts (the first operation after a restart replays the whole history).
 */
export interface ReplaySettings {
  readonly steps: number;
  readonly restores: number;
  readonly liveTurns: number;
  readonly engineSteps: number;
  readonly engineTurns: number;
  readonly restarts: number;
}

/** Sizes of the NATS JetStream scenarios (a nats-server started by the benchmark). */
export interface NatsSettings {
  /** Each JetStream publish ceiling measurement: how long, and how many publishes outstanding. */
  readonly ceiling: { readonly durationMs: number; readonly maxInFlight: number };
  /** Measured one after another, each on a fresh hub with fresh workers; the client is this process. */
  readonly configurations: readonly NatsConfiguration[];
  /** Unreported runs on each fresh hub first (JIT warm-up of new worker processes). */
  readonly warmup: { readonly manyKeysTotal: number; readonly oneKeyTotal: number };
  readonly manyKeys: { readonly total: number; readonly keys: number; readonly maxInFlight: number };
  readonly oneKey: { readonly total: number; readonly keys: number; readonly maxInFlight: number };
  readonly calls: { readonly count: number; readonly warmup: number };
  /**
   * Partition ownership is decided by hashing random worker ids, so a start can leave a
   * worker with nothing or with most partitions. Workers are started again (new ids) while
   * one owns none, or, for the first `balancedAttempts` starts, while one owns more than
   * `maxImbalance` times its fair share (32 / workers); at most `attempts` starts.
   */
  readonly spread: { readonly maxImbalance: number; readonly balancedAttempts: number; readonly attempts: number; readonly timeoutMs: number };
  /** Orchestrations on a hub of their own, with `orchestrationWorkers` child worker processes against the same kind of server. */
  readonly orchestrations: OrchestrationSettings;
  readonly orchestrationWorkers: number;
}

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
  readonly orchestrations: OrchestrationSettings;
  readonly replay: ReplaySettings;
  /** Any single scenario taking longer than this fails the run. */
  readonly scenarioTimeoutMs: number;
  /** Absent with `--no-nats`. */
  readonly nats?: NatsSettings;
}

const NATS_FULL: NatsSettings = {
  ceiling: { durationMs: 1000, maxInFlight: 5000 },
  configurations: [
    { workers: 1, placement: 'child' },
    { workers: 3, placement: 'child' },
    { workers: 1, placement: 'in-process' },
  ],
  warmup: { manyKeysTotal: 10_000, oneKeyTotal: 5_000 },
  manyKeys: { total: 30_000, keys: 1000, maxInFlight: 5000 },
  oneKey: { total: 30_000, keys: 1, maxInFlight: 5000 },
  calls: { count: 1000, warmup: 100 },
  spread: { maxImbalance: 1.5, balancedAttempts: 5, attempts: 10, timeoutMs: 30_000 },
  orchestrations: {
    warmup: { helloInstances: 200, fanOutActivities: 200 },
    helloSequence: { instances: 1000, maxInFlight: 200 },
    fanOut: { activities: 1000 },
  },
  orchestrationWorkers: 1,
};

const NATS_QUICK: NatsSettings = {
  ceiling: { durationMs: 300, maxInFlight: 5000 },
  configurations: [
    { workers: 1, placement: 'child' },
    { workers: 3, placement: 'child' },
  ],
  warmup: { manyKeysTotal: 2_000, oneKeyTotal: 1_000 },
  manyKeys: { total: 5_000, keys: 1000, maxInFlight: 5000 },
  oneKey: { total: 5_000, keys: 1, maxInFlight: 5000 },
  calls: { count: 200, warmup: 50 },
  spread: { maxImbalance: 1.5, balancedAttempts: 1, attempts: 10, timeoutMs: 30_000 },
  orchestrations: { warmup: { helloInstances: 100, fanOutActivities: 100 }, helloSequence: { instances: 300, maxInFlight: 200 }, fanOut: { activities: 300 } },
  orchestrationWorkers: 1,
};

export const FULL: BenchSettings = {
  mode: 'full',
  repetitions: 3,
  warmup: { manyKeysTotal: 20_000, oneKeyTotal: 10_000 },
  ceiling: { batchSize: 1000, durationMs: 1000, syncWrites: 500, syncWarmup: 50 },
  manyKeys: { total: 200_000, keys: 1000, maxInFlight: 5000 },
  oneKey: { total: 100_000, keys: 1, maxInFlight: 5000 },
  calls: { count: 2000, warmup: 200 },
  orchestrations: {
    warmup: { helloInstances: 300, fanOutActivities: 300 },
    helloSequence: { instances: 1000, maxInFlight: 200 },
    fanOut: { activities: 1000 },
  },
  replay: { steps: 3333, restores: 7, liveTurns: 500, engineSteps: 3333, engineTurns: 20, restarts: 3 },
  scenarioTimeoutMs: 60_000,
  nats: NATS_FULL,
};

export const QUICK: BenchSettings = {
  mode: 'quick',
  repetitions: 3,
  warmup: { manyKeysTotal: 5_000, oneKeyTotal: 2_000 },
  ceiling: { batchSize: 1000, durationMs: 300, syncWrites: 150, syncWarmup: 20 },
  manyKeys: { total: 20_000, keys: 1000, maxInFlight: 5000 },
  oneKey: { total: 10_000, keys: 1, maxInFlight: 5000 },
  calls: { count: 300, warmup: 50 },
  orchestrations: { warmup: { helloInstances: 100, fanOutActivities: 100 }, helloSequence: { instances: 300, maxInFlight: 200 }, fanOut: { activities: 300 } },
  replay: { steps: 3333, restores: 5, liveTurns: 200, engineSteps: 500, engineTurns: 10, restarts: 2 },
  scenarioTimeoutMs: 30_000,
  nats: NATS_QUICK,
};

/** Targets printed next to the results; missing one does not fail the run. */
export const TARGETS = {
  manyKeysSignalsPerSecond: 50_000,
  oneKeySignalsPerSecond: 20_000,
  callP50Ms: 0.3,
  /** NATS: signals applied per second, as a fraction of the JetStream `js.publish` ceiling. */
  natsSignalsRatioToPublishCeiling: 0.6,
  natsCallP50Ms: 2,
  /** Orchestrations: HelloSequence instances completed per second, fan-out/fan-in activities per second. */
  orchestrationsPerSecond: 500,
  fanOutActivitiesPerSecond: 5000,
  natsOrchestrationsPerSecond: 200,
  natsFanOutActivitiesPerSecond: 1500,
} as const;

export function benchSettings(args: BenchArgs): BenchSettings {
  const settings = args.quick ? QUICK : FULL;
  if (!args.skipNats) return settings;
  const { nats: _skipped, ...embeddedOnly } = settings;
  return embeddedOnly;
}
