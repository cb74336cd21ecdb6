import type { Logger } from 'pino';
import type { ActivityHandler } from '../runtime/activity-tasks';
import type { Clock } from '../runtime/clock';

/** Settings every engine takes, whatever it stores its log in. */
export interface EngineOptions {
  readonly logger: Logger;
  /** Partitions of the hub or data directory (fixed once created). */
  readonly partitionCount: number;
  /** Most messages a partition takes into one batch. */
  readonly maxBatchSize: number;
  /** Most entities kept in memory, over all partitions. */
  readonly cacheCapacity: number;
  readonly clock: Clock;
  /** Runs activity tasks; without it, tasks wait until a process with activities takes them. */
  readonly activities?: ActivityHandler;
  /** Most activities running at once. */
  readonly activityConcurrency: number;
}
