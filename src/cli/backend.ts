import type { DeadLetter } from '../index';
import type { StatusPayload } from '../http/status-payload';

/** An entity's name and key, as the command line writes it: `Name/key`. */
export interface EntityRef {
  readonly name: string;
  readonly key: string;
}

/** One row of `jetstate list`. */
export interface EntityRow {
  readonly entityId: EntityRef;
  /** ISO 8601. */
  readonly lastOperationTime: string;
  /** The orchestration instance holding the entity's lock, if any. */
  readonly lockedBy?: string;
  /** Messages queued behind that lock. */
  readonly backlogQueueSize: number;
  /** Present when the state was asked for. */
  readonly state?: unknown;
}

/** A committed change seen by `jetstate watch`. */
export interface EntityChangeEvent {
  readonly entityId: EntityRef;
  readonly exists: boolean;
  readonly state?: unknown;
}

/** Which entities `listEntities` returns. */
export interface EntityListQuery {
  readonly name?: string;
  readonly fetchState: boolean;
  readonly lastOperationFrom?: Date;
  /** Most rows in all. */
  readonly limit: number;
}

/** Which instances `listInstances` returns. */
export interface InstanceListQuery {
  readonly runtimeStatus?: readonly string[];
  readonly instanceIdPrefix?: string;
  /** Most rows in all. */
  readonly limit: number;
}

/** Which ended instances `purgeInstances` deletes. */
export interface InstancePurgeFilter {
  readonly runtimeStatus?: readonly string[];
  /** Only instances created before this time. */
  readonly createdBefore?: Date;
}

/** How a long-lived stream ends: the caller aborts it (Ctrl-C) or it ends by itself. */
export interface StreamControl {
  readonly signal: AbortSignal;
}

/**
 * What the commands need from a hub or an app, written once for both ways of reaching it: a
 * client-only NATS connection (`--nats`) or a running app's HTTP API (`--url`). Values are
 * plain JSON; instance statuses have the HTTP API's shape in both modes, so `--json` output
 * does not depend on the mode.
 */
export interface Backend {
  /** `nats` or `http`, for messages that depend on the mode. */
  readonly mode: 'nats' | 'http';
  /** Where it is connected, for messages. */
  readonly target: string;

  signal(id: EntityRef, operation: string, input: unknown): Promise<void>;
  call(id: EntityRef, operation: string, input: unknown): Promise<unknown>;
  /** The committed state, or `undefined` when the entity has none. */
  read(id: EntityRef): Promise<{ readonly state: unknown } | undefined>;
  listEntities(query: EntityListQuery): Promise<EntityRow[]>;
  /** Calls `onChange` with the current state, then each committed change, until aborted. */
  watchEntity(id: EntityRef, onChange: (change: EntityChangeEvent) => void, control: StreamControl): Promise<void>;
  /** Every committed change of every entity of `name`, until aborted. */
  watchEntities(name: string, onChange: (change: EntityChangeEvent) => void, control: StreamControl): Promise<void>;
  deleteEntity(id: EntityRef): Promise<void>;

  /** Starts an instance; resolves with its id once it is stored. */
  startNew(orchestrator: string, input: unknown, instanceId: string | undefined): Promise<string>;
  /** The status, or `undefined` for an unknown id. */
  getStatus(instanceId: string, showHistory: boolean): Promise<StatusPayload | undefined>;
  listInstances(query: InstanceListQuery): Promise<StatusPayload[]>;
  raiseEvent(instanceId: string, event: string, data: unknown): Promise<void>;
  terminate(instanceId: string, reason: string | undefined): Promise<void>;
  suspend(instanceId: string, reason: string | undefined): Promise<void>;
  resume(instanceId: string, reason: string | undefined): Promise<void>;
  rewind(instanceId: string, reason: string | undefined): Promise<void>;
  /** Runs an ended instance again; resolves with the id of the new execution. */
  restart(instanceId: string, newInstanceId: boolean): Promise<string>;
  /** Purges one ended instance; resolves with how many were deleted (0 or 1). */
  purgeInstance(instanceId: string): Promise<number>;
  purgeInstances(filter: InstancePurgeFilter): Promise<number>;
  /**
   * Calls `onStatus` with the status now and at each committed change, and resolves with the
   * final one once the instance has ended (or `undefined` when aborted first).
   * Rejects with a not-found error for an unknown id.
   */
  watchStatus(instanceId: string, onStatus: (status: StatusPayload) => void, control: StreamControl): Promise<StatusPayload | undefined>;

  /** The hub's dead letters (NATS only). */
  deadLetters(): DeadLetterAccess;

  close(): Promise<void>;
}

/** The dead-letter calls the `dlq` commands make. */
export interface DeadLetterAccess {
  /** Up to `limit` dead letters after `afterSeq`, in order. */
  list(subjectPrefix: string | undefined, limit: number, afterSeq: number): Promise<DeadLetter[]>;
  get(seq: number): Promise<DeadLetter | undefined>;
  /** Replays one; resolves with 1, or 0 when there is none at `seq`. */
  replay(seq: number): Promise<number>;
  purge(subjectPrefix: string | undefined): Promise<number>;
}
