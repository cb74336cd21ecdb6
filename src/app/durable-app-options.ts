import type { Logger, LoggerOptions } from 'pino';
import type { Durability } from '../engine/embedded/embedded-engine';
import type { NatsServers } from '../engine/nats/hub-connection';
import type { InstanceRetentionOptions } from '../client/instance-retention';
import type { Clock } from '../runtime/clock';
import type { ResolveInstance } from '../runtime/instance-factory';

/**
 * Settings of {@link DurableApp.create}.
 *
 * @example
 * ```ts
 * const app = await DurableApp.create({ entities: [Counter], dataDir: './.jetstate' });
 * ```
 */
export interface DurableAppOptions {
  /** Entity classes this app hosts (each decorated with `@Entity()`). */
  entities?: Function[];
  /** Orchestrator classes this app hosts (each decorated with `@Orchestrator()`). */
  orchestrators?: Function[];
  /** Classes whose methods are activities (marked with `@Activity()`) this app runs. */
  activities?: Function[];
  /**
   * Run on NATS JetStream instead of the embedded engine: a server URL (`nats://host:4222`),
   * several, or nats.js connection options. Any number of processes can host the same hub.
   */
  nats?: NatsServers;
  /** The hub on the NATS server: its streams and buckets are named after it. Default `jetstate`. */
  hub?: string;
  /** NATS: a worker's partitions move to the others this long after it dies. Default 10,000 ms. */
  leaseTimeMs?: number;
  /**
   * NATS: how long a worker keeps inputs on the server after applying them. A NATS server
   * that crashes can come back with snapshots older than the ones it acknowledged; the
   * inputs kept since let the partition's next consumer rebuild them. Keep it above the
   * server's flush interval (2 minutes on nats-server 2.9). Default 180,000 ms.
   */
  inputRetentionMs?: number;
  /**
   * NATS: copies of each of the hub's streams and buckets: 1 on a single server, 3 or 5 on a
   * JetStream cluster (a write is then acknowledged once a quorum stored it, so losing one
   * server loses nothing). Checked against the cluster when the hub is created; an existing
   * hub's streams are changed to it in place. Default 1.
   */
  replicas?: 1 | 3 | 5;
  /** NATS: how long a `call` waits for its reply. Default 30,000 ms. */
  callTimeoutMs?: number;
  /**
   * NATS: how long an activity task taken by a worker that died waits before another worker
   * runs it. A worker renews the tasks it runs every third of this. Give every worker of a
   * hub the same value. Default 60,000 ms.
   */
  activityAckWaitMs?: number;
  /**
   * Directory of the LevelDB database: the embedded engine's storage (default `./.jetstate`),
   * or a NATS worker's local snapshot copy (only when given; without it, a worker reads
   * snapshots from the server).
   */
  dataDir?: string;
  /** A pino logger, or options for the one jetstate creates. Default: pino at level `info`. */
  logger?: Logger | LoggerOptions;
  /**
   * Creates entity instances, for dependency injection. Must return a new instance on
   * every call. Default: `new cls()`.
   */
  resolve?: ResolveInstance;
  /**
   * `strict` (default) fsyncs every group commit: what was acknowledged survives a power
   * cut. `relaxed` leaves flushing to the OS: it survives a process crash, not a power cut.
   */
  durability?: Durability;
  /** Number of partitions (units of parallelism). Default 32. */
  partitionCount?: number;
  /** Most messages one partition applies per commit. Default 1,000. */
  maxBatchSize?: number;
  /** Most entities kept in memory between batches, over all partitions. Default 100,000. */
  cacheCapacity?: number;
  /** Most activities one process runs at once. Default 100. */
  maxConcurrentActivities?: number;
  /**
   * Purge ended orchestration instances in the background once they are older than
   * `maxAgeMs` (since they ended). Default: keep them until purged.
   */
  instanceRetention?: InstanceRetentionOptions;
  /**
   * Where time comes from (scheduled signals, timestamps). Default: the system clock. Tests
   * pass a {@link ManualClock} to move time on at will.
   */
  clock?: Clock;
}

/** The options after validation, with every default filled in. */
export interface DurableAppOptionsWithDefaults {
  readonly entities: readonly Function[];
  readonly orchestrators: readonly Function[];
  readonly activities: readonly Function[];
  readonly nats: NatsServers | undefined;
  readonly hub: string;
  readonly leaseTimeMs: number;
  readonly inputRetentionMs: number;
  readonly replicas: 1 | 3 | 5;
  readonly callTimeoutMs: number;
  readonly activityAckWaitMs: number;
  /** Whether `partitionCount` was given (a NATS hub's stored count wins otherwise). */
  readonly partitionCountGiven: boolean;
  readonly dataDir: string;
  readonly logger: Logger | LoggerOptions;
  readonly resolve: ResolveInstance | undefined;
  readonly durability: Durability;
  readonly partitionCount: number;
  readonly maxBatchSize: number;
  readonly cacheCapacity: number;
  readonly clock: Clock;
  readonly maxConcurrentActivities: number;
  readonly instanceRetention: Required<InstanceRetentionOptions> | undefined;
}
