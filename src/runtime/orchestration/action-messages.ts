import type { EntityId } from '../../registry/entity-id';
import { ACTIVITY_TASK_TARGET } from '../activity-tasks';
import { LOCK_OPERATION, UNLOCK_OPERATION, type LockRequest, type UnlockRequest } from '../entity-locks';
import type { OperationMessage } from '../messages';
import type { OperationContext } from '../operation-context';
import type { CallEntityAction, OrchestrationAction, SignalEntityAction } from './orchestration-actions';
import { messageIdAt } from './orchestration-ids';
import {
  deliverMessage,
  instanceMessage,
  InstanceOperation,
  instanceTarget,
  type ActivityTaskInput,
  type DeliverInput,
  type EntityCallContext,
  type StartInput,
} from './orchestration-target';

// How the actions of an orchestration turn become messages, emitted from the instance's operation
// and committed with its state.

/** Emits the messages that carry out an action; `stepId` gives the message id of the durable call at a step. */
export function emitAction(
  action: OrchestrationAction,
  context: OperationContext,
  stepId: (seq: number) => string = (seq) => messageIdAt(action.executionId, seq),
): void {
  const { instanceId, executionId } = action;
  switch (action.type) {
    case 'scheduleActivity': {
      const input: ActivityTaskInput = {
        instanceId,
        executionId,
        seq: action.seq,
        ...(action.input === undefined ? {} : { input: action.input }),
        ...(action.attempt === undefined ? {} : { attempt: action.attempt }),
        ...(action.startToCloseTimeout === undefined ? {} : { startToCloseTimeout: action.startToCloseTimeout }),
        ...(action.heartbeatTimeout === undefined ? {} : { heartbeatTimeout: action.heartbeatTimeout }),
      };
      context.emit({
        id: stepId(action.seq),
        target: { name: ACTIVITY_TASK_TARGET, key: `${instanceId}:${action.seq}:${executionId}` },
        operation: action.name,
        kind: 'signal',
        input,
      });
      return;
    }
    case 'createTimer':
      context.emit(
        deliverMessage(`${stepId(action.seq)}>timer`, instanceId, [{ kind: 'TimerFired', seq: action.seq, executionId, fireAt: action.fireAt }], action.fireAt),
      );
      return;
    case 'startSubOrchestration':
      context.emit(
        instanceMessage(`${stepId(action.seq)}>start`, action.subInstanceId, InstanceOperation.start, 'signal', {
          started: action.started,
        } satisfies StartInput),
      );
      return;
    case 'signalEntity':
    case 'callEntity':
      context.emit(entityMessage(action, instanceId, executionId));
      return;
    case 'requestLocks': {
      const [first] = action.entities;
      const granted: DeliverInput = { events: [{ kind: 'LockGranted', seq: action.seq, executionId }], locked: action.entities };
      if (!first) {
        context.emit(deliverMessage(`${action.lockRequestId}>granted`, instanceId, granted.events));
        return;
      }
      const request: LockRequest = {
        owner: instanceId,
        entities: action.entities,
        index: 0,
        grant: { target: instanceTarget(instanceId), operation: InstanceOperation.deliver, input: granted },
      };
      context.emit({ id: `${action.lockRequestId}>lock`, target: first, operation: LOCK_OPERATION, kind: 'signal', input: request });
      return;
    }
    case 'releaseLocks':
      emitUnlocks(context, action.entities, `${action.lockRequestId}>unlock`);
      return;
    case 'sendEvent': {
      const event = action.event;
      const step = 'seq' in event ? `:${event.seq}` : '';
      const id = action.seq === undefined ? `${executionId}>${event.kind}${step}` : stepId(action.seq);
      context.emit(deliverMessage(id, action.targetInstanceId, [event]));
      return;
    }
  }
}

/**
 * The message that carries an entity signal or call from an instance. It names the
 * instance as its lock owner: it runs on an entity the instance has locked, and waits on
 * one locked by another. A call also says where its outcome goes.
 */
function entityMessage(action: SignalEntityAction | CallEntityAction, instanceId: string, executionId: string): OperationMessage {
  const call: EntityCallContext | undefined = action.type === 'callEntity' ? { seq: action.seq, executionId } : undefined;
  return {
    id: action.messageId,
    target: action.target,
    operation: action.operation,
    kind: 'signal',
    ...(action.input === undefined ? {} : { input: action.input }),
    ...(action.type === 'signalEntity' && action.scheduledTime !== undefined ? { scheduledTime: action.scheduledTime } : {}),
    lockOwner: instanceId,
    ...(call ? { replyVia: { target: instanceTarget(instanceId), operation: InstanceOperation.entityResponse, context: call } } : {}),
  };
}

/** Sends `$unlock` for this instance to each entity, with ids `<idPrefix>><n>`. */
export function emitUnlocks(context: OperationContext, entities: readonly EntityId[], idPrefix: string): void {
  const unlock: UnlockRequest = { owner: context.entityId.key };
  for (const [i, entity] of entities.entries()) {
    context.emit({ id: `${idPrefix}>${i}`, target: entity, operation: UNLOCK_OPERATION, kind: 'signal', input: unlock });
  }
}
