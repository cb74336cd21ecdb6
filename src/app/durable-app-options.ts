import type { Logger, LoggerOptions } from 'pino';
import type { Durability } from '../engine/embedded/embedded-engine';
import type { Constructor } from '../registry/entity-definition';

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
  /** Directory of the embedded engine's LevelDB database. Default `./.jetstate`. */
  dataDir?: string;
  /** A pino logger, or options for the one jetstate creates. Default: pino at level `info`. */
  logger?: Logger | LoggerOptions;
  /**
   * Creates entity instances, for dependency injection. Must return a new instance on
   * every call. Default: `new cls()`.
   */
  resolve?: <T>(cls: Constructor<T>) => T;
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
}

/** The options after validation, with every default filled in. */
export interface DurableAppOptionsWithDefaults {
  readonly entities: readonly Function[];
  readonly dataDir: string;
  readonly logger: Logger | LoggerOptions;
  readonly resolve: (<T>(cls: Constructor<T>) => T) | undefined;
  readonly durability: Durability;
  readonly partitionCount: number;
  readonly maxBatchSize: number;
  readonly cacheCapacity: number;
}
