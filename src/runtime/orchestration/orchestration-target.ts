import type { EntityId } from '../../registry/entity-id';
import type { OperationKind, OperationMessage, OperationReply } from '../messages';
import type { ExecutionStartedEvent, FailureDetails, HistoryEvent, ParentInstance } from './history-events';
import type { OrchestrationRuntimeStatus } from './orchestration-status';

/**
 * The built-in target that holds orchestration instances: one per instance id, processed
 * by the partition workers like an entity. Its committed state is a {@link StoredInstance}.
 */
export const ORCHESTRATION_TARGET = '$orchestration';

/** The operations of the orchestration target. */
export const InstanceOperation = {
  /** Start (or restart an ended) instance: input {@link StartInput}. A `call` from clients, a signal from a parent. */
  start: 'start',
  /** History events for the instance (responses, timers, events from other instances): input {@link DeliverInput}. */
  deliver: 'deliver',
  /** An external event from a client: input {@link RaiseInput}. Refused for unknown or ended instances. */
  raiseEvent: 'raiseEvent',
  /** Terminate, suspend, resume: input {@link ControlInput}. */
  terminate: 'terminate',
  suspend: 'suspend',
  resume: 'resume',
  /** Deletes the instance and its history; answers how many instances were deleted (0 or 1). */
  purge: 'purge',
  /** The outcome of an entity call, sent by the entity: input {@link EntityReplyInput}. */
  entityResponse: 'entityResponse',
  /** Starts an ended instance again under its id: input {@link StartInput}. Refused unless the instance has ended. */
  restart: 'restart',
  /** Retries a Failed instance from its failure: input {@link ControlInput}. Refused unless the instance failed. */
  rewind: 'rewind',
} as const;
export type InstanceOperation = (typeof InstanceOperation)[keyof typeof InstanceOperation];

export interface StartInput {
  readonly started: ExecutionStartedEvent;
}

export interface DeliverInput {
  readonly events: readonly HistoryEvent[];
  /**
   * On a lock grant: the entities it locked. If the instance no longer waits for the grant
   * (it ended while the locks were being taken), it releases them at once.
   */
  readonly locked?: readonly EntityId[];
}

/** Which call an entity's reply answers. */
export interface EntityCallContext {
  readonly seq: number;
  readonly executionId: string;
}

/** What an entity sends back for a call from an orchestration (see `ReplyRoute`). */
export interface EntityReplyInput {
  readonly context: EntityCallContext;
  readonly reply: OperationReply;
}

export interface RaiseInput {
  readonly name: string;
  readonly data?: unknown;
}

export interface ControlInput {
  readonly reason?: string;
}

/** What an activity task (a message to `$activity`) carries as its input. */
export interface ActivityTaskInput {
  readonly instanceId: string;
  readonly executionId: string;
  readonly seq: number;
  readonly input?: unknown;
  /** Which attempt of a retried call this is; 1 when absent. */
  readonly attempt?: number;
  /** Milliseconds the attempt may run. */
  readonly startToCloseTimeout?: number;
  /** Milliseconds the attempt may go without a heartbeat. */
  readonly heartbeatTimeout?: number;
}

/** The committed state of one instance: its status fields and the history of its current execution. */
export interface StoredInstance {
  readonly name: string;
  readonly instanceId: string;
  readonly runtimeStatus: OrchestrationRuntimeStatus;
  readonly executionId: string;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly customStatus?: unknown;
  /** Epoch milliseconds. */
  readonly createdTime: number;
  readonly lastUpdatedTime: number;
  readonly failure?: FailureDetails;
  readonly parent?: ParentInstance;
  readonly history: readonly HistoryEvent[];
}

/** The id of an instance's target. */
export function instanceTarget(instanceId: string): EntityId {
  return { name: ORCHESTRATION_TARGET, key: instanceId };
}

/** A message to an orchestration instance. */
export function instanceMessage(
  id: string,
  instanceId: string,
  operation: InstanceOperation,
  kind: OperationKind,
  input: unknown,
  scheduledTime?: number,
): OperationMessage {
  return {
    id,
    target: instanceTarget(instanceId),
    operation,
    kind,
    ...(input === undefined ? {} : { input }),
    ...(scheduledTime === undefined ? {} : { scheduledTime }),
  };
}

/** A signal that delivers history events to an instance. */
export function deliverMessage(id: string, instanceId: string, events: readonly HistoryEvent[], scheduledTime?: number): OperationMessage {
  const input: DeliverInput = { events };
  return instanceMessage(id, instanceId, InstanceOperation.deliver, 'signal', input, scheduledTime);
}
