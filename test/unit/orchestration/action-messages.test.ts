import { describe, expect, test } from 'vitest';
import { LOCK_OPERATION, UNLOCK_OPERATION } from '../../../src/runtime/entity-locks';
import { actionMessages, unlockMessages } from '../../../src/runtime/orchestration/action-messages';
import { executionStarted } from '../../../src/runtime/orchestration/orchestration-ids';

const fields = { instanceId: 'i1', executionId: 'e1' } as const;
const instance = (key: string) => ({ name: '$orchestration', key });
const meter = { name: 'Meter', key: 'm' };
const gauge = { name: 'Gauge', key: 'g' };

describe('actionMessages', () => {
  test('an activity becomes a task for the activity target, keyed by instance, step and execution', () => {
    const messages = actionMessages({
      ...fields,
      kind: 'scheduleActivity',
      step: 3,
      name: 'Charge',
      input: { amount: 5 },
      attempt: 2,
      startToCloseTimeoutMs: 1_000,
    });
    expect(messages).toEqual([
      {
        id: 'e1#3',
        target: { name: '$activity', key: 'i1:3:e1' },
        operation: 'Charge',
        kind: 'signal',
        input: { instanceId: 'i1', executionId: 'e1', seq: 3, input: { amount: 5 }, attempt: 2, startToCloseTimeout: 1_000 },
      },
    ]);
  });

  test('a timer becomes a delivery of TimerFired to the instance itself, scheduled at its time', () => {
    expect(actionMessages({ ...fields, kind: 'createTimer', step: 1, fireAt: 5_000 })).toEqual([
      {
        id: 'e1#1>timer',
        target: instance('i1'),
        operation: 'deliver',
        kind: 'signal',
        input: { events: [{ kind: 'TimerFired', seq: 1, executionId: 'e1', fireAt: 5_000 }] },
        scheduledTime: 5_000,
      },
    ]);
  });

  test('a sub-orchestration becomes a start sent to the child instance', () => {
    const started = executionStarted({ name: 'Child', input: 7, executionId: 'child-exec' });
    expect(actionMessages({ ...fields, kind: 'startSubOrchestration', step: 2, subInstanceId: 'child', started })).toEqual([
      { id: 'e1#2>start', target: instance('child'), operation: 'start', kind: 'signal', input: { started } },
    ]);
  });

  test('an entity signal carries the instance as lock owner, and its scheduled time', () => {
    expect(
      actionMessages({ ...fields, kind: 'signalEntity', step: 4, messageId: 'sig-1', target: meter, operation: 'add', input: 2, scheduledTime: 9_000 }),
    ).toEqual([{ id: 'sig-1', target: meter, operation: 'add', kind: 'signal', input: 2, scheduledTime: 9_000, lockOwner: 'i1' }]);
  });

  test('an entity call is a signal whose outcome goes back to the instance as an entity response', () => {
    expect(actionMessages({ ...fields, kind: 'callEntity', step: 5, messageId: 'call-1', target: meter, operation: 'get' })).toEqual([
      {
        id: 'call-1',
        target: meter,
        operation: 'get',
        kind: 'signal',
        lockOwner: 'i1',
        replyVia: { target: instance('i1'), operation: 'entityResponse', context: { seq: 5, executionId: 'e1' } },
      },
    ]);
  });

  test('a lock request goes to the first entity and carries the whole section and the grant', () => {
    const [message, ...rest] = actionMessages({ ...fields, kind: 'requestLocks', step: 6, lockRequestId: 'e1#6', entities: [gauge, meter] });
    expect(rest).toEqual([]);
    expect(message).toEqual({
      id: 'e1#6>lock',
      target: gauge,
      operation: LOCK_OPERATION,
      kind: 'signal',
      input: {
        owner: 'i1',
        entities: [gauge, meter],
        index: 0,
        grant: {
          target: instance('i1'),
          operation: 'deliver',
          input: { events: [{ kind: 'LockGranted', seq: 6, executionId: 'e1' }], locked: [gauge, meter] },
        },
      },
    });
  });

  test('a lock request for no entities is granted at once by the instance itself', () => {
    expect(actionMessages({ ...fields, kind: 'requestLocks', step: 6, lockRequestId: 'e1#6', entities: [] })).toEqual([
      {
        id: 'e1#6>granted',
        target: instance('i1'),
        operation: 'deliver',
        kind: 'signal',
        input: { events: [{ kind: 'LockGranted', seq: 6, executionId: 'e1' }] },
      },
    ]);
  });

  test('a release sends an unlock from the instance to every entity of the section', () => {
    expect(actionMessages({ ...fields, kind: 'releaseLocks', step: 8, lockRequestId: 'e1#6', entities: [gauge, meter] })).toEqual([
      { id: 'e1#6>unlock>0', target: gauge, operation: UNLOCK_OPERATION, kind: 'signal', input: { owner: 'i1' } },
      { id: 'e1#6>unlock>1', target: meter, operation: UNLOCK_OPERATION, kind: 'signal', input: { owner: 'i1' } },
    ]);
  });

  test("an event sent at a step takes that step's id; an outcome sent to a parent is named after its kind and step", () => {
    const raised = { kind: 'EventRaised', name: 'Go', input: 1 } as const;
    expect(actionMessages({ ...fields, kind: 'sendEvent', step: 9, targetInstanceId: 'other', event: raised })).toEqual([
      { id: 'e1#9', target: instance('other'), operation: 'deliver', kind: 'signal', input: { events: [raised] } },
    ]);
    const outcome = { kind: 'SubOrchestrationCompleted', seq: 2, executionId: 'parent-exec', result: 'done' } as const;
    expect(actionMessages({ ...fields, kind: 'sendEvent', targetInstanceId: 'parent', event: outcome })).toEqual([
      { id: 'e1>SubOrchestrationCompleted:2', target: instance('parent'), operation: 'deliver', kind: 'signal', input: { events: [outcome] } },
    ]);
  });

  test('step ids can be replaced (a rewind sends its retries under new ids)', () => {
    const [task] = actionMessages({ ...fields, kind: 'scheduleActivity', step: 3, name: 'Charge' }, (step) => `retry#${step}`);
    expect(task!.id).toBe('retry#3');
    const [timer] = actionMessages({ ...fields, kind: 'createTimer', step: 4, fireAt: 1 }, (step) => `retry#${step}`);
    expect(timer!.id).toBe('retry#4>timer');
  });

  test('the same action always gives the same messages', () => {
    const action = { ...fields, kind: 'callEntity', step: 5, messageId: 'call-1', target: meter, operation: 'get', input: { a: 1 } } as const;
    expect(actionMessages(action)).toEqual(actionMessages(action));
  });
});

describe('unlockMessages', () => {
  test('numbers the unlocks after the prefix, one per entity, all from the owner', () => {
    expect(unlockMessages('i1', [meter, gauge], 'm1>late-unlock>3')).toEqual([
      { id: 'm1>late-unlock>3>0', target: meter, operation: UNLOCK_OPERATION, kind: 'signal', input: { owner: 'i1' } },
      { id: 'm1>late-unlock>3>1', target: gauge, operation: UNLOCK_OPERATION, kind: 'signal', input: { owner: 'i1' } },
    ]);
    expect(unlockMessages('i1', [], 'x')).toEqual([]);
  });
});
