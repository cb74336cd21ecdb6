import { describe, expect, test } from 'vitest';
import { Activity, Orchestrator } from '../../../decorators';
import { ActivityFailedError, SerializationError, UnknownActivityError } from '../../../src/errors';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import { Driver, actionsOf, completed, executorFor, failed, raised, withoutMarkers } from './replay-harness';

class Payments {
  @Activity() charge(amount: number): string {
    return `charged ${amount}`;
  }
}

@Orchestrator()
class CatchesFailure {
  async run(ctx: OrchestrationContext): Promise<string> {
    try {
      return await ctx.activities(Payments).charge(5);
    } catch (error) {
      if (!(error instanceof ActivityFailedError)) return 'wrong error type';
      return `${error.activityName} failed: ${error.remoteName}/${error.remoteMessage}/${error.remoteCode}`;
    }
  }
}

@Orchestrator()
class DoesNotCatch {
  async run(ctx: OrchestrationContext): Promise<string> {
    return ctx.activities(Payments).charge(5);
  }
}

@Orchestrator()
class BadInputs {
  async run(ctx: OrchestrationContext, what: string): Promise<unknown> {
    if (what === 'bigint-caught') {
      try {
        ctx.callActivity('Payments.charge', { amount: 10n });
      } catch (error) {
        return error instanceof SerializationError ? error.message : 'wrong error';
      }
    }
    if (what === 'bigint') ctx.callActivity('Payments.charge', 10n);
    if (what === 'output') return { at: new Map([['a', 1]]) };
    if (what === 'unknown-activity') {
      try {
        ctx.callActivity('Payments.refund', 1);
      } catch (error) {
        return error instanceof UnknownActivityError ? error.message : 'wrong error';
      }
    }
    if (what === 'status') ctx.setCustomStatus(() => 1);
    return 'ok';
  }
}

@Orchestrator()
class Waits {
  async run(ctx: OrchestrationContext): Promise<string[]> {
    const first = ctx.activities(Payments).charge(1);
    const event = await ctx.waitForExternalEvent<string>('e');
    ctx.setCustomStatus(`got ${event}`);
    return [await first, event];
  }
}

const executor = () => executorFor({ orchestrators: [CatchesFailure, DoesNotCatch, BadInputs, Waits], activities: [Payments] });

describe('activity failures', () => {
  test('an activity failure reaches the orchestrator as an ActivityFailedError it can catch', async () => {
    const driver = new Driver(executor());
    await driver.start('CatchesFailure');
    const done = await driver.send([failed(0, 'CardDeclined', 'no funds', 'E_CARD')]);
    expect(done.status).toBe('Completed');
    expect(done.output).toBe('Payments.charge failed: CardDeclined/no funds/E_CARD');
  });

  test('an uncaught activity failure fails the instance with the typed error', async () => {
    const driver = new Driver(executor());
    await driver.start('DoesNotCatch');
    const done = await driver.send([failed(0, 'CardDeclined', 'no funds')]);
    expect(done.status).toBe('Failed');
    expect(done.failure).toEqual({
      name: 'ActivityFailedError',
      message: "Activity 'Payments.charge' failed with CardDeclined: no funds",
      code: 'JETSTATE_ACTIVITY_FAILED',
    });
    expect(done.newHistory.at(-1)).toEqual({ kind: 'ExecutionFailed', error: done.failure });
  });
});

describe('values that cannot be stored and unknown names', () => {
  test('a non-serializable activity input throws a SerializationError at the call', async () => {
    const done = await new Driver(executor()).start('BadInputs', 'bigint-caught');
    expect(done.output).toBe("input of activity 'Payments.charge'.amount is a BigInt, which JSON cannot store. Store it as a string or a number instead.");
    expect(done.actions).toEqual([]);
  });

  test('uncaught, it fails the instance', async () => {
    const done = await new Driver(executor()).start('BadInputs', 'bigint');
    expect(done.status).toBe('Failed');
    expect(done.failure).toMatchObject({ name: 'SerializationError', code: 'JETSTATE_SERIALIZATION' });
  });

  test('an output that cannot be stored fails the instance with a SerializationError', async () => {
    const done = await new Driver(executor()).start('BadInputs', 'output');
    expect(done.status).toBe('Failed');
    expect(done.failure?.name).toBe('SerializationError');
    expect(done.failure?.message).toContain("output of orchestrator 'BadInputs'");
    expect(done.output).toBeUndefined();
  });

  test('a custom status that cannot be stored fails the instance', async () => {
    const done = await new Driver(executor()).start('BadInputs', 'status');
    expect(done.status).toBe('Failed');
    expect(done.failure?.message).toContain('custom status is a function');
  });

  test('an unknown activity name is refused with an UnknownActivityError listing the known ones', async () => {
    const done = await new Driver(executor()).start('BadInputs', 'unknown-activity');
    expect(done.output).toBe(
      "No activity named 'Payments.refund' is registered. Known activities: 'Payments.charge'. " +
        'Mark the method with @Activity(), list its class in DurableApp.create({ activities: [...] }), or fix the name.',
    );
  });

  test('with requireRegisteredActivities off, any valid name is scheduled', async () => {
    const driver = new Driver(executorFor({ orchestrators: [BadInputs] }, { requireRegisteredActivities: false }));
    const done = await driver.start('BadInputs', 'bigint-caught');
    expect(done.output).toContain('is a BigInt');
    const other = await new Driver(executorFor({ orchestrators: [DoesNotCatch] }, { requireRegisteredActivities: false })).start('DoesNotCatch');
    expect(actionsOf(other, 'scheduleActivity')).toMatchObject([{ name: 'Payments.charge', input: 5 }]);
  });

  test('an unknown orchestrator name fails the instance with an UnknownOrchestratorError', async () => {
    const driver = new Driver(executor());
    const done = await driver.start('Nope');
    expect(done.status).toBe('Failed');
    expect(done.failure).toEqual({
      name: 'UnknownOrchestratorError',
      code: 'JETSTATE_UNKNOWN_ORCHESTRATOR',
      message:
        "No orchestrator named 'Nope' is registered. Known orchestrators: 'CatchesFailure', 'DoesNotCatch', 'BadInputs', 'Waits'. " +
        'Decorate the class with @Orchestrator(), list it in DurableApp.create({ orchestrators: [...] }), or fix the name.',
    });
  });
});

describe('events that are not appended', () => {
  test('duplicates, unknown steps, mismatched kinds and executor-only kinds are dropped with a reason', async () => {
    const driver = new Driver(executor());
    await driver.start('Waits');
    const turn = await driver.send([
      completed(0, 'charged 1'),
      completed(0, 'again'),
      completed(7),
      { kind: 'TimerFired', seq: 0, fireAt: 0 },
      { kind: 'TaskScheduled', seq: 9, name: 'Payments.charge' },
      { kind: 'ExecutionStarted', name: 'Waits', executionId: 'other', generation: 0 },
      { kind: 'ExecutionResumed' },
    ]);
    expect(withoutMarkers(turn.newHistory)).toEqual([completed(0, 'charged 1')]);
    expect(turn.dropped.map((d) => d.reason)).toEqual([
      'step 0 was already answered (a duplicate delivery)',
      'no durable call was made at step 7',
      'step 0 is a TaskScheduled, which TimerFired does not answer',
      'TaskScheduled is written by the executor, not sent to it',
      'the instance has already started',
      'only a Suspended instance can be resumed; it is Running',
    ]);
    const done = await driver.send([raised('e', 'x')]);
    expect(done.output).toEqual(['charged 1', 'x']);
  });

  test('responses before the start are dropped; raised events are kept for later', async () => {
    const driver = new Driver(executor());
    const turn = await driver.send([completed(0), raised('e', 'early')]);
    expect(turn.status).toBe('Pending');
    expect(turn.dropped).toEqual([{ event: completed(0), reason: 'the instance has not started' }]);
    expect(withoutMarkers(turn.newHistory)).toEqual([raised('e', 'early')]);
  });
});

describe('suspend, resume and terminate', () => {
  test('while suspended, events are appended but delivered only on resume, in order', async () => {
    const driver = new Driver(executor());
    await driver.start('Waits');
    const suspended = await driver.send([{ kind: 'ExecutionSuspended', reason: 'maintenance' }, completed(0, 'c'), raised('e', 'x')]);
    expect(suspended.status).toBe('Suspended');
    expect(withoutMarkers(suspended.newHistory).map((e) => e.kind)).toEqual(['ExecutionSuspended', 'TaskCompleted', 'EventRaised']);
    expect(suspended.output).toBeUndefined();
    expect(suspended.customStatus).toBeUndefined();
    driver.evict(); // the deferral is replayed the same way
    const resumed = await driver.send([{ kind: 'ExecutionResumed' }]);
    expect(resumed.status).toBe('Completed');
    expect(resumed.output).toEqual(['c', 'x']);
    expect(resumed.customStatus).toBe('got x');
  });

  test('terminate ends the instance with the reason as output; later events are dropped', async () => {
    const driver = new Driver(executor());
    await driver.start('Waits');
    const done = await driver.send([{ kind: 'ExecutionTerminated', reason: 'cancelled by user' }, completed(0, 'late')]);
    expect(done.status).toBe('Terminated');
    expect(done.output).toBe('cancelled by user');
    expect(done.dropped).toEqual([{ event: completed(0, 'late'), reason: 'the instance is Terminated' }]);
  });
});
