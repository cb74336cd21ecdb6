import type { EntityId } from '../../registry/entity-id';
import type { RemoteError } from '../messages';

/**
 * The history of an orchestration instance: an append-only list of events. Events are of
 * three sorts:
 * - **inputs**, which arrive from outside (start, completions, timers, raised events,
 *   entity responses, lock grants, terminate/suspend/resume) and are delivered to the code
 *   in history order;
 * - **commands**, which record the durable calls the code made; each takes the next
 *   sequence number (`seq`) and is matched on replay by (seq, kind, name);
 * - **outcomes** (completed, failed, continued as new), which end an execution.
 *
 * Payloads (`input`, `result`) are plain JSON values.
 */
export type HistoryEvent = InputEvent | CommandEvent | LocksReleasedEvent | OutcomeEvent | PatchAppliedEvent;

/** An error as it is stored in history and crosses process boundaries. */
export type FailureDetails = RemoteError;

/** Who started a sub-orchestration, so its outcome can be sent back. */
export interface ParentInstance {
  readonly instanceId: string;
  readonly executionId: string;
  /** The parent's step that started this instance. */
  readonly seq: number;
}

/** Marks the start of a turn; its timestamp is `ctx.currentUtcDateTime` for that turn. */
export interface OrchestratorStartedEvent {
  readonly kind: 'OrchestratorStarted';
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

/** Starts an execution: the first input of every history. */
export interface ExecutionStartedEvent {
  readonly kind: 'ExecutionStarted';
  /** The orchestrator's registered name. */
  readonly name: string;
  readonly input?: unknown;
  /** Unique per execution: a continued-as-new or restarted instance gets a new one. */
  readonly executionId: string;
  /** 0 for the first execution of an instance, +1 for each continue-as-new. */
  readonly generation: number;
  readonly parent?: ParentInstance;
}

/** Fields of events that answer a command. */
interface ResponseFields {
  /** The step (`seq`) of the command answered. */
  readonly seq: number;
  /** The execution the command belonged to; a response for another execution is dropped. */
  readonly executionId?: string;
}

export interface TaskCompletedEvent extends ResponseFields {
  readonly kind: 'TaskCompleted';
  readonly result?: unknown;
}

export interface TaskFailedEvent extends ResponseFields {
  readonly kind: 'TaskFailed';
  readonly error: FailureDetails;
}

export interface TimerFiredEvent extends ResponseFields {
  readonly kind: 'TimerFired';
  readonly fireAt: number;
}

export interface SubOrchestrationCompletedEvent extends ResponseFields {
  readonly kind: 'SubOrchestrationCompleted';
  readonly result?: unknown;
}

export interface SubOrchestrationFailedEvent extends ResponseFields {
  readonly kind: 'SubOrchestrationFailed';
  readonly error: FailureDetails;
}

/** The answer to an entity call: a result, or the error the operation threw. */
export interface EntityResponseEvent extends ResponseFields {
  readonly kind: 'EntityResponse';
  readonly result?: unknown;
  readonly error?: FailureDetails;
}

/** All the entities of a lock request are now held by this instance. */
export interface LockGrantedEvent extends ResponseFields {
  readonly kind: 'LockGranted';
}

/** An external event raised to the instance by name. Not tied to a step. */
export interface EventRaisedEvent {
  readonly kind: 'EventRaised';
  readonly name: string;
  readonly input?: unknown;
}

export interface ExecutionTerminatedEvent {
  readonly kind: 'ExecutionTerminated';
  readonly reason?: string;
}

export interface ExecutionSuspendedEvent {
  readonly kind: 'ExecutionSuspended';
  readonly reason?: string;
}

export interface ExecutionResumedEvent {
  readonly kind: 'ExecutionResumed';
  readonly reason?: string;
}

/** Events that answer a command, by `seq`. */
export type ResponseEvent =
  | TaskCompletedEvent
  | TaskFailedEvent
  | TimerFiredEvent
  | SubOrchestrationCompletedEvent
  | SubOrchestrationFailedEvent
  | EntityResponseEvent
  | LockGrantedEvent;

/** Events that arrive from outside the orchestrator's code. */
export type InputEvent =
  | OrchestratorStartedEvent
  | ExecutionStartedEvent
  | ResponseEvent
  | EventRaisedEvent
  | ExecutionTerminatedEvent
  | ExecutionSuspendedEvent
  | ExecutionResumedEvent;

export interface TaskScheduledEvent {
  readonly kind: 'TaskScheduled';
  readonly seq: number;
  /** The activity's name. */
  readonly name: string;
  readonly input?: unknown;
  /** Which attempt of a retried call this is, from 2 on (absent for the first). */
  readonly attempt?: number;
  /** Milliseconds the attempt may run before it fails with a `TimeoutError`. */
  readonly startToCloseTimeout?: number;
  /** Milliseconds the attempt may go without a heartbeat. */
  readonly heartbeatTimeout?: number;
}

export interface TimerCreatedEvent {
  readonly kind: 'TimerCreated';
  readonly seq: number;
  /** Epoch milliseconds. */
  readonly fireAt: number;
}

export interface SubOrchestrationCreatedEvent {
  readonly kind: 'SubOrchestrationCreated';
  readonly seq: number;
  /** The sub-orchestrator's name. */
  readonly name: string;
  /** The sub-orchestration's instance id. */
  readonly instanceId: string;
  readonly input?: unknown;
}

export interface EntityCalledEvent {
  readonly kind: 'EntityCalled';
  readonly seq: number;
  readonly target: EntityId;
  readonly operation: string;
  readonly input?: unknown;
}

export interface EntitySignaledEvent {
  readonly kind: 'EntitySignaled';
  readonly seq: number;
  readonly target: EntityId;
  readonly operation: string;
  readonly input?: unknown;
  /** Epoch milliseconds before which the operation must not run. */
  readonly scheduledTime?: number;
}

/** A request to lock entities, in the fixed (sorted) order they must be acquired. */
export interface LockRequestedEvent {
  readonly kind: 'LockRequested';
  readonly seq: number;
  readonly entities: readonly EntityId[];
}

/** An external event sent to another instance (`ctx.sendEvent`). */
export interface EventSentEvent {
  readonly kind: 'EventSent';
  readonly seq: number;
  /** The receiving instance. */
  readonly instanceId: string;
  /** The event's name. */
  readonly name: string;
  readonly input?: unknown;
}

/** Durable calls made by the code; each took the step `seq`. */
export type CommandEvent =
  TaskScheduledEvent | TimerCreatedEvent | SubOrchestrationCreatedEvent | EntityCalledEvent | EntitySignaledEvent | LockRequestedEvent | EventSentEvent;

/** The locks taken by the request at step `seq` were released (end of the section or of the instance). */
export interface LocksReleasedEvent {
  readonly kind: 'LocksReleased';
  readonly seq: number;
  readonly entities: readonly EntityId[];
}

export interface ExecutionCompletedEvent {
  readonly kind: 'ExecutionCompleted';
  readonly result?: unknown;
}

export interface ExecutionFailedEvent {
  readonly kind: 'ExecutionFailed';
  readonly error: FailureDetails;
}

/** This execution ended by `ctx.continueAsNew(input)`; a new history starts with that input. */
export interface ContinuedAsNewEvent {
  readonly kind: 'ContinuedAsNew';
  readonly input?: unknown;
}

/**
 * The code took the new branch of a change named `patchId` (`ctx.patched(patchId)` while
 * running live, or `ctx.deprecatePatch(patchId)`): every replay of this execution takes it too.
 * Takes no step.
 */
export interface PatchAppliedEvent {
  readonly kind: 'PatchApplied';
  readonly patchId: string;
}

/** Events the code produces that end an execution. */
export type OutcomeEvent = ExecutionCompletedEvent | ExecutionFailedEvent | ContinuedAsNewEvent;

export type HistoryEventKind = HistoryEvent['kind'];
