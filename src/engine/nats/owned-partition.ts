import type { JsMsg } from '@nats-io/jetstream';
import type { StorageError } from '../../errors';
import type { PartitionWorker } from '../partition-worker';
import type { InputRetention } from './input-retention';
import type { PartitionTimers } from './partition-timers';
import type { WorkFeed } from './work-feed';

/** A partition this worker owns. */
export interface OwnedPartition {
  readonly partition: number;
  readonly worker: PartitionWorker<JsMsg>;
  /** The `<hub>_STATE` sequence of each entity's current snapshot: the fence of its next commit. */
  readonly stateSeqs: Map<string, number>;
  /** The `lastAppliedSeq` of each entity's newest snapshot this ownership committed or loaded. */
  readonly appliedSeqs: Map<string, number>;
  readonly timers: PartitionTimers;
  readonly retention: InputRetention;
  /** Entities whose local snapshot proved stale (a fenced commit): read them from the server. */
  readonly fromServer: Set<string>;
  /** The current consumer's run: what it replays and what was loaded during it. */
  run: ConsumerRun;
  work?: WorkFeed;
  loops: Promise<void>[];
  /**
   * Consumer set-ups under way (the first, or a replacement). Releasing the partition
   * waits for them: the consumer's name is the same for every ownership, so one that
   * outlived its ownership could delete the next ownership's consumer.
   */
  readonly consumerSetups: Set<Promise<void>>;
  /** Still starting: a restart asked for meanwhile waits for the start to end. */
  starting?: boolean;
  /** Why a restart was asked for during the start. */
  restartWhenStarted?: string;
  restarting?: boolean;
  /** Another restart was asked for while one was under way. */
  restartAgain?: boolean;
  /** No batch may run: the consumer is being replaced, or the partition halted. */
  paused?: boolean;
  /** Why the partition stopped for good (a state regression that could not be repaired). */
  halted?: StorageError;
}

/** What one consumer of a partition replays, and what it has seen so far. */
export interface ConsumerRun {
  /** Every input at or below it had been applied and committed before this consumer started. */
  readonly replayFloor: number;
  /** Inputs of the partition below this position were purged when this consumer started (0: none). */
  readonly purgedBelow: number;
  /** `lastAppliedSeq` of each entity's snapshot as first loaded during this run. */
  readonly loadedSeqs: Map<string, number>;
  /** Entities whose regression this run has already reported. */
  readonly reported: Set<string>;
}

export function newRun(replayFloor: number, purgedBelow: number): ConsumerRun {
  return { replayFloor, purgedBelow, loadedSeqs: new Map(), reported: new Set() };
}
