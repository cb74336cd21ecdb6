import type { EntityId } from '../../registry/entity-id';
import { ACTIVITY_TASK_TARGET } from '../activity-tasks';
import { LOCK_OPERATION, UNLOCK_OPERATION, type LockRequest, type UnlockRequest } from '../entity-locks';
import type { OperationMessage } from '../messages';
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

// How the actions of an orchestration turn become messages. Pure: the instance's operation
// emits what these return, and the messages are committed with its state.

/**
 * The messages that carry out an action; `stepId` gives the message id of the durable call
 * at a step (by default the execution's own ids, which a redelivered turn reproduces).
 */
export function actionMessages(
  action: OrchestrationAction,
  stepId: (step: number) => string = (step) => messageIdAt(action.executionId, step),
): OperationMessage[] {
  const { instanceId, executionId } = action;
  switch (action.kind) {
    case 'scheduleActivity': {
      const input: ActivityTaskInput = {
        instanceId,
        executionId,
        seq: action.step,
        ...(action.input === undefined ? {} : { input: action.input }),
        ...(action.attempt === undefined ? {} : { attempt: action.attempt }),
        ...(action.startToCloseTimeoutMs === undefined ? {} : { startToCloseTimeout: action.startToCloseTimeoutMs }),
        ...(action.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeout: action.heartbeatTimeoutMs }),
      };
      return [
        {
          id: stepId(action.step),
          target: { name: ACTIVITY_TASK_TARGET, key: `${instanceId}:${action.step}:${executionId}` },
          operation: action.name,
          kind: 'signal',
          input,
        },
      ];
    }
    case 'createTimer':
      return [
        deliverMessage(
          `${stepId(action.step)}>timer`,
          instanceId,
          [{ kind: 'TimerFired', seq: action.step, executionId, fireAt: action.fireAt }],
          action.fireAt,
        ),
      ];
    case 'startSubOrchestration':
      return [
        instanceMessage(`${stepId(action.step)}>start`, action.subInstanceId, InstanceOperation.start, 'signal', {
          started: action.started,
        } satisfies StartInput),
      ];
    case 'signalEntity':
    case 'callEntity':
      return [entityMessage(action, instanceId, executionId)];
    case 'requestLocks': {
      const [first] = action.entities;
      const granted: DeliverInput = { events: [{ kind: 'LockGranted', seq: action.step, executionId }], locked: action.entities };
      if (!first) return [deliverMessage(`${action.lockRequestId}>granted`, instanceId, granted.events)];
      const request: LockRequest = {
        owner: instanceId,
        entities: action.entities,
        index: 0,
        grant: { target: instanceTarget(instanceId), operation: InstanceOperation.deliver, input: granted },
      };
      return [{ id: `${action.lockRequestId}>lock`, target: first, operation: LOCK_OPERATION, kind: 'signal', input: request }];
    }
    case 'releaseLocks':
      return unlockMessages(instanceId, action.entities, `${action.lockRequestId}>unlock`);
    case 'sendEvent': {
      const event = action.event;
      const answeredStep = 'seq' in event ? `:${event.seq}` : '';
      const id = action.step === undefined ? `${executionId}>${event.kind}${answeredStep}` : stepId(action.step);
      return [deliverMessage(id, action.targetInstanceId, [event])];
    }
  }
}

/**
 * The message that carries an entity signal or call from an instance. It names the
 * instance as its lock owner: it runs on an entity the instance has locked, and waits on
 * one locked by another. A call also says where its outcome goes.
 */
function entityMessage(action: SignalEntityAction | CallEntityAction, instanceId: string, executionId: string): OperationMessage {
  const call: EntityCallContext | undefined = action.kind === 'callEntity' ? { seq: action.step, executionId } : undefined;
  return {
    id: action.messageId,
    target: action.target,
    operation: action.operation,
    kind: 'signal',
    ...(action.input === undefined ? {} : { input: action.input }),
    ...(action.kind === 'signalEntity' && action.scheduledTime !== undefined ? { scheduledTime: action.scheduledTime } : {}),
    lockOwner: instanceId,
    ...(call ? { replyVia: { target: instanceTarget(instanceId), operation: InstanceOperation.entityResponse, context: call } } : {}),
  };
}

/** The `$unlock` messages from instance `owner` to each entity, with ids `<idPrefix>><n>`. */
export function unlockMessages(owner: string, entities: readonly EntityId[], idPrefix: string): OperationMessage[] {
  const unlock: UnlockRequest = { owner };
  return entities.map((entity, i) => ({ id: `${idPrefix}>${i}`, target: entity, operation: UNLOCK_OPERATION, kind: 'signal', input: unlock }));
}
