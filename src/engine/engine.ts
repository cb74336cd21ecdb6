import type { Observable } from 'rxjs';
import type { EntityId } from '../registry/entity-id';
import type { DeadLetters } from './dead-letters';
import type { EntitySnapshot, OperationMessage, OperationReply } from '../runtime/messages';

/** Which snapshots {@link Engine.listSnapshots} returns. */
export interface SnapshotQuery {
  /** Only entities of this name. */
  readonly name?: string;
  /** Only entities whose key starts with this. */
  readonly keyPrefix?: string;
  /** Only entities whose last operation was at or after this time (epoch ms). */
  readonly lastModifiedFrom?: number;
  /** Only entities whose last operation was at or before this time (epoch ms). */
  readonly lastModifiedTo?: number;
  /**
   * Only snapshots for which this returns true. It runs while the engine scans, so a page
   * holds `pageSize` matches however many snapshots were passed over to find them.
   */
  readonly where?: (snapshot: EntitySnapshot) => boolean;
  readonly pageSize: number;
  /** Opaque token from a previous page. */
  readonly continuationToken?: string;
}

/** One page of snapshots. */
export interface SnapshotPage {
  readonly snapshots: readonly EntitySnapshot[];
  /** Present when more pages follow. */
  readonly continuationToken?: string;
}

/** Which entities' committed changes to watch: all of one name, or one entity. */
export interface WatchFilter {
  readonly name: string;
  readonly key?: string;
}

/** Counters of what an engine has processed since it started. */
export interface EngineStats {
  /** Operations applied successfully (a run of signals merged in the apply loop counts once). */
  readonly applied: number;
  /**
   * Signals (and calls) received: what the messages taken from the log stand for. With
   * mergeable operations this is more than `messagesApplied`, by what folding saved.
   */
  readonly signalsReceived: number;
  /** Messages taken from the log and applied (duplicates excluded); a folded message counts once. */
  readonly messagesApplied: number;
  /** Operations that threw (or left unstorable state) and were rolled back. */
  readonly failed: number;
  /** Redelivered messages skipped because their entity had already applied them. */
  readonly duplicates: number;
  /** Committed batches. */
  readonly batches: number;
  /** Messages delivered and waiting to be applied. */
  readonly backlog: number;
  /** Scheduled messages waiting for their time. */
  readonly scheduled: number;
  /** Malformed messages moved out of the way (NATS engine: to the dead-letter stream). */
  readonly deadLettered: number;
  /** Commits refused because an entity's stored snapshot had changed under this process (NATS fencing). */
  readonly fenced: number;
  /**
   * Snapshots found older than one already committed (or missing), as a NATS server can
   * serve after a crash, and repaired from a worker's local copy or the retained inputs.
   */
  readonly stateRegressions: number;
  /** Partitions stopped because a lost snapshot could not be repaired (the log says why). */
  readonly haltedPartitions: readonly number[];
  /** The partitions this process processes now (all of them on the embedded engine). */
  readonly partitions: readonly number[];
}

/** Stats with every counter at zero and no partitions, for an engine to add to. */
export function zeroStats(): { -readonly [K in keyof EngineStats]: EngineStats[K] extends readonly number[] ? number[] : EngineStats[K] } {
  return {
    applied: 0,
    signalsReceived: 0,
    messagesApplied: 0,
    failed: 0,
    duplicates: 0,
    batches: 0,
    backlog: 0,
    scheduled: 0,
    deadLettered: 0,
    fenced: 0,
    stateRegressions: 0,
    haltedPartitions: [],
    partitions: [],
  };
}

/**
 * The contract every engine implements. The runtime and the client see only this; an
 * engine owns delivery (the log), partition processing and commits.
 */
export interface Engine {
  /** Starts processing: partitions, scheduled messages. Recovery has happened when this resolves. */
  start(): Promise<void>;
  /** Stops taking work, finishes and commits in-flight batches, releases storage. */
  stop(): Promise<void>;
  /** Durably enqueues one-way messages; resolves once they survive a crash. */
  send(messages: readonly OperationMessage[]): Promise<void>;
  /** Delivers a call and resolves with its reply once the operation's effects are committed. */
  call(message: OperationMessage): Promise<OperationReply>;
  /** The committed snapshot of one entity, if it has one. */
  readSnapshot(id: EntityId): Promise<EntitySnapshot | undefined>;
  /** Committed snapshots of existing entities, in key order, a page at a time. */
  listSnapshots(query: SnapshotQuery): Promise<SnapshotPage>;
  /** What the engine has processed so far. */
  stats(): EngineStats;
  /**
   * Committed changes of an entity's state (or existence) matching `filter`, emitted after
   * their commit. An engine may also emit the current snapshot first, or a snapshot more
   * than once; consumers order and de-duplicate by `version`. Completes on stop.
   */
  watch(filter: WatchFilter): Observable<EntitySnapshot>;
  /** The engine's dead letters, when it keeps any (NATS). */
  readonly deadLetters?: DeadLetters;
}
