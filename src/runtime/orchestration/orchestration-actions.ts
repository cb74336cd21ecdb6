import type { EntityId } from '../../registry/entity-id';
import type { CommandEvent, ExecutionStartedEvent, HistoryEvent, LocksReleasedEvent } from './history-events';
import { deterministicUuid, executionStarted, messageIdAt } from './orchestration-ids';

/**
 * What an engine must carry out after committing a turn. Every action names the instance
 * and execution that produced it, and the step of the durable call it carries out;
 * responses the engine sends back must carry that step (as their `seq`) and `executionId`.
 */
export type OrchestrationAction =
  | ScheduleActivityAction
  | CreateTimerAction
  | StartSubOrchestrationAction
  | CallEntityAction
  | SignalEntityAction
  | RequestLocksAction
  | ReleaseLocksAction
  | SendEventAction;

interface ActionFields {
  /** The orchestration instance that produced the action. */
  readonly instanceId: string;
  readonly executionId: string;
}

/** Run the activity (at least once) and send `TaskCompleted`/`TaskFailed` with this step as `seq` to the instance. */
export interface ScheduleActivityAction extends ActionFields {
  readonly kind: 'scheduleActivity';
  readonly step: number;
  readonly name: string;
  readonly input?: unknown;
  /** Which attempt of a retried call this is, from 2 on (absent for the first). */
  readonly attempt?: number;
  /** Milliseconds the attempt may run. */
  readonly startToCloseTimeoutMs?: number;
  /** Milliseconds the attempt may go without a heartbeat. */
  readonly heartbeatTimeoutMs?: number;
}

/** Send `TimerFired` with this step as `seq` to the instance at (not before) `fireAt`, surviving restarts. */
export interface CreateTimerAction extends ActionFields {
  readonly kind: 'createTimer';
  readonly step: number;
  /** Epoch milliseconds. */
  readonly fireAt: number;
}

/**
 * Start instance `subInstanceId` with the `started` event. When it ends, that instance's
 * turn produces a `sendEvent` back to this one; if it cannot be started (the id is taken),
 * send `SubOrchestrationFailed` with this step as `seq` instead.
 */
export interface StartSubOrchestrationAction extends ActionFields {
  readonly kind: 'startSubOrchestration';
  readonly step: number;
  readonly subInstanceId: string;
  readonly started: ExecutionStartedEvent;
}

/** Send a `call` operation to the entity; answer with `EntityResponse` and this step as `seq`. */
export interface CallEntityAction extends ActionFields {
  readonly kind: 'callEntity';
  readonly step: number;
  /** Deterministic: receivers drop duplicates by it. */
  readonly messageId: string;
  readonly target: EntityId;
  readonly operation: string;
  readonly input?: unknown;
}

/** Send a one-way operation to the entity. */
export interface SignalEntityAction extends ActionFields {
  readonly kind: 'signalEntity';
  readonly step: number;
  readonly messageId: string;
  readonly target: EntityId;
  readonly operation: string;
  readonly input?: unknown;
  /** Epoch milliseconds before which the operation must not run. */
  readonly scheduledTime?: number;
}

/**
 * Acquire the entities' locks for this instance one after the other, in the given
 * (sorted) order, then send `LockGranted` with this step as `seq`. A locked entity runs only this
 * instance's operations until the locks are released.
 */
export interface RequestLocksAction extends ActionFields {
  readonly kind: 'requestLocks';
  readonly step: number;
  /** Identifies the lock request at the entities. */
  readonly lockRequestId: string;
  readonly entities: readonly EntityId[];
}

/** Release the locks of the request at `step` (also if not all of them were granted yet). */
export interface ReleaseLocksAction extends ActionFields {
  readonly kind: 'releaseLocks';
  readonly step: number;
  readonly lockRequestId: string;
  readonly entities: readonly EntityId[];
}

/**
 * Deliver `event` to another instance: the outcome of a sub-orchestration to its parent, or
 * an external event sent with `ctx.sendEvent` (which took `step`). An instance that does
 * not exist or has ended drops it.
 */
export interface SendEventAction extends ActionFields {
  readonly kind: 'sendEvent';
  readonly targetInstanceId: string;
  readonly event: HistoryEvent;
  readonly step?: number;
}

/** Where an action comes from: enough to address its responses. */
export interface ActionSource {
  readonly instanceId: string;
  readonly started: ExecutionStartedEvent;
}

/** The action that carries out a command recorded in history. */
export function actionFor(source: ActionSource, event: CommandEvent | LocksReleasedEvent): OrchestrationAction {
  const { executionId } = source.started;
  const fields = { instanceId: source.instanceId, executionId };
  switch (event.kind) {
    case 'TaskScheduled':
      return {
        ...fields,
        kind: 'scheduleActivity',
        step: event.seq,
        name: event.name,
        ...optionalInput(event.input),
        ...(event.attempt === undefined ? {} : { attempt: event.attempt }),
        ...(event.startToCloseTimeout === undefined ? {} : { startToCloseTimeoutMs: event.startToCloseTimeout }),
        ...(event.heartbeatTimeout === undefined ? {} : { heartbeatTimeoutMs: event.heartbeatTimeout }),
      };
    case 'TimerCreated':
      return { ...fields, kind: 'createTimer', step: event.seq, fireAt: event.fireAt };
    case 'SubOrchestrationCreated': {
      const started = executionStarted({
        name: event.name,
        input: event.input,
        // The child's execution id is derived, so a re-run of this turn starts the same execution.
        executionId: deterministicUuid(`${executionId}/sub/${event.seq}`),
        parent: { instanceId: source.instanceId, executionId, seq: event.seq },
      });
      return { ...fields, kind: 'startSubOrchestration', step: event.seq, subInstanceId: event.instanceId, started };
    }
    case 'EntityCalled':
      return {
        ...fields,
        kind: 'callEntity',
        step: event.seq,
        messageId: messageIdAt(executionId, event.seq),
        target: event.target,
        operation: event.operation,
        ...optionalInput(event.input),
      };
    case 'EntitySignaled':
      return {
        ...fields,
        kind: 'signalEntity',
        step: event.seq,
        messageId: messageIdAt(executionId, event.seq),
        target: event.target,
        operation: event.operation,
        ...optionalInput(event.input),
        ...(event.scheduledTime === undefined ? {} : { scheduledTime: event.scheduledTime }),
      };
    case 'LockRequested':
      return { ...fields, kind: 'requestLocks', step: event.seq, lockRequestId: messageIdAt(executionId, event.seq), entities: event.entities };
    case 'LocksReleased':
      return { ...fields, kind: 'releaseLocks', step: event.seq, lockRequestId: messageIdAt(executionId, event.seq), entities: event.entities };
    case 'EventSent':
      return {
        ...fields,
        kind: 'sendEvent',
        step: event.seq,
        targetInstanceId: event.instanceId,
        event: { kind: 'EventRaised', name: event.name, ...optionalInput(event.input) },
      };
  }
}

function optionalInput(input: unknown): { input?: unknown } {
  return input === undefined ? {} : { input };
}
