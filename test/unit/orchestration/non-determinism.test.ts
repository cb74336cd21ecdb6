import { describe, expect, test } from 'vitest';
import { Activity, Orchestrator } from '../../../decorators';
import { NonDeterminismError } from '../../../src/errors';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import { Driver, completed, executorFor, raised, withoutMarkers } from './replay-harness';

class Steps {
  @Activity() a(n: number): number {
    return n;
  }
  @Activity() b(n: number): number {
    return n;
  }
}

// Version 1 of the 'Order' orchestrator, whose histories the other versions replay.
@Orchestrator('Order')
class OrderV1 {
  async run(ctx: OrchestrationContext): Promise<number> {
    const steps = ctx.activities(Steps);
    const x = await steps.a(1);
    const y = await steps.a(2);
    return x + y;
  }
}

@Orchestrator('Order')
class CallsBInstead {
  async run(ctx: OrchestrationContext): Promise<number> {
    const steps = ctx.activities(Steps);
    const x = await steps.a(1);
    try {
      // Catching the error does not save the instance: the mismatch is recorded, not just thrown.
      return x + (await steps.b(2));
    } catch {
      return -1;
    }
  }
}

@Orchestrator('Order')
class StopsEarly {
  async run(ctx: OrchestrationContext): Promise<number> {
    return ctx.activities(Steps).a(1);
  }
}

@Orchestrator('Order')
class AddsACall {
  async run(ctx: OrchestrationContext): Promise<number> {
    const steps = ctx.activities(Steps);
    const x = await steps.a(1);
    const [y] = await ctx.all([steps.a(2), steps.b(3)]);
    return x + y;
  }
}

@Orchestrator('Order')
class GuidFirst {
  async run(ctx: OrchestrationContext): Promise<number> {
    ctx.newGuid();
    return ctx.activities(Steps).a(1);
  }
}

@Orchestrator('Order')
class TimerInstead {
  async run(ctx: OrchestrationContext): Promise<number> {
    await ctx.activities(Steps).a(1);
    await ctx.createTimer(ctx.currentUtcDateTime);
    return 0;
  }
}

@Orchestrator('Pair')
class PairV1 {
  async run(ctx: OrchestrationContext): Promise<number[]> {
    const steps = ctx.activities(Steps);
    return ctx.all([steps.a(1), steps.a(2)]);
  }
}

@Orchestrator('Pair')
class PairDropsOne {
  async run(ctx: OrchestrationContext): Promise<number[]> {
    return [await ctx.activities(Steps).a(1)];
  }
}

@Orchestrator()
class AwaitsAPlainTimeout {
  async run(ctx: OrchestrationContext): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return ctx.activities(Steps).a(1);
  }
}

let lateCallError: unknown;

@Orchestrator()
class CallsFromACallback {
  async run(ctx: OrchestrationContext): Promise<unknown> {
    setTimeout(() => {
      try {
        ctx.callActivity('Steps.a', 1);
      } catch (error) {
        lateCallError = error;
      }
    }, 1);
    return ctx.waitForExternalEvent('go');
  }
}

/** A history recorded by version 1: a(1) completed, a(2) scheduled. */
async function recordedHistory() {
  const v1 = new Driver(executorFor({ orchestrators: [OrderV1], activities: [Steps] }));
  await v1.start('Order');
  await v1.send([completed(0, 10)]);
  return v1.history;
}

async function replayWith(orchestrator: Function) {
  const executor = executorFor({ orchestrators: [orchestrator], activities: [Steps] });
  const history = await recordedHistory();
  const live = await executor.restore('instance-1', history);
  const turn = await executor.advance(live, [completed(1, 20)], Date.UTC(2030, 0, 2));
  return { executor, live, turn, history };
}

describe('non-determinism', () => {
  test('an activity changed from a to b fails the instance, naming the step, what history has and what the code does', async () => {
    const { live, turn } = await replayWith(CallsBInstead);
    expect(turn.status).toBe('Failed');
    expect(turn.failure).toEqual({
      name: 'NonDeterminismError',
      code: 'JETSTATE_NON_DETERMINISM',
      message:
        "Orchestration 'Order' (instance 'instance-1') is not deterministic at step 1: the history has TaskScheduled 'Steps.a' there, " +
        "but the code now does TaskScheduled 'Steps.b'. Orchestrator code must make the same durable calls in the same order on every replay: " +
        'use ctx.currentUtcDateTime, ctx.newGuid() and activities instead of the clock, random numbers or I/O, and deploy changed orchestrators ' +
        'under a new name (or let running instances finish first).',
    });
    expect(live.history.length).toBeGreaterThan(0);
  });

  test('the error carries the step and both sides as fields', async () => {
    const executor = executorFor({ orchestrators: [CallsBInstead], activities: [Steps] });
    const live = await executor.restore('instance-1', await recordedHistory());
    const error = live.pendingFailure;
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect(error).toMatchObject({
      step: 1,
      expected: "TaskScheduled 'Steps.a'",
      found: "TaskScheduled 'Steps.b'",
      orchestrator: 'Order',
      instanceId: 'instance-1',
    });
  });

  test('the failing turn appends only its marker and the failure: nothing replayed is appended again, nothing is scheduled', async () => {
    const { executor, live, turn, history } = await replayWith(CallsBInstead);
    expect(withoutMarkers(turn.newHistory)).toEqual([{ kind: 'ExecutionFailed', error: turn.failure }]);
    expect(turn.actions).toEqual([]);
    expect(turn.dropped).toEqual([{ event: completed(1, 20), reason: 'the instance is Failed' }]);
    expect(live.history).toEqual([...history, ...turn.newHistory]);
    // The instance stays failed: later events change nothing, with or without a replay.
    const again = await executor.advance(live, [raised('x')], Date.UTC(2030, 0, 3));
    expect(again.newHistory).toEqual([]);
    expect(again.status).toBe('Failed');
    const restored = await executor.restore('instance-1', live.history);
    expect((await executor.advance(restored, [completed(1, 20)], Date.UTC(2030, 0, 4))).newHistory).toEqual([]);
  });

  test.each([
    [StopsEarly, 1, "TaskScheduled 'Steps.a'", 'run() returning'],
    [AddsACall, 2, 'no durable call', "TaskScheduled 'Steps.b'"],
    [GuidFirst, 0, "TaskScheduled 'Steps.a'", 'newGuid()'],
    [TimerInstead, 1, "TaskScheduled 'Steps.a'", 'TimerCreated'],
  ])('%o: step %i, history has %s, code does %s', async (orchestrator, seq, expected, found) => {
    const { live, turn } = await replayWith(orchestrator);
    expect(turn.status).toBe('Failed');
    expect(turn.failure?.name).toBe('NonDeterminismError');
    expect(turn.failure?.message).toContain(`at step ${seq}: the history has ${expected} there, but the code now does ${found}.`);
    expect(turn.actions).toEqual([]);
    expect(live.status).toBe('Failed');
  });

  test('a call the code no longer makes, while it still waits on another, is found when replay ends', async () => {
    const v1 = new Driver(executorFor({ orchestrators: [PairV1], activities: [Steps] }));
    await v1.start('Pair');
    const executor = executorFor({ orchestrators: [PairDropsOne], activities: [Steps] });
    const live = await executor.restore('instance-1', v1.history);
    expect(live.pendingFailure).toMatchObject({ step: 1, expected: "TaskScheduled 'Steps.a'", found: 'no such call' });
    const turn = await executor.advance(live, [], Date.UTC(2030, 0, 2));
    expect(turn.status).toBe('Failed');
    expect(withoutMarkers(turn.newHistory).map((e) => e.kind)).toEqual(['ExecutionFailed']);
  });

  test('a response in history for a call the code has not made stops the replay there', async () => {
    const v1 = new Driver(executorFor({ orchestrators: [PairV1], activities: [Steps] }));
    await v1.start('Pair');
    await v1.send([completed(1, 2)]);
    const executor = executorFor({ orchestrators: [PairDropsOne], activities: [Steps] });
    const live = await executor.restore('instance-1', v1.history);
    expect(live.pendingFailure).toMatchObject({ step: 1, expected: "TaskScheduled 'Steps.a'", found: 'no such call before its response in history' });
  });

  test('the unchanged orchestrator replays the same history without complaint', async () => {
    const { turn } = await replayWith(OrderV1);
    expect(turn.status).toBe('Completed');
    expect(turn.output).toBe(30);
  });

  test('awaiting something that is not a durable task fails the instance instead of leaving it hanging', async () => {
    const driver = new Driver(executorFor({ orchestrators: [AwaitsAPlainTimeout], activities: [Steps] }));
    const turn = await driver.start('AwaitsAPlainTimeout');
    expect(turn.status).toBe('Failed');
    expect(turn.failure?.name).toBe('NonDeterminismError');
    expect(turn.failure?.message).toContain('a wait on something that is not a durable task');
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The code resumed after its turn and tried a durable call: refused, and nothing recorded.
    const after = await driver.send([raised('x')]);
    expect(after.newHistory).toEqual([]);
  });

  test('a durable call from a callback after the turn throws and fails the instance at its next turn', async () => {
    const driver = new Driver(executorFor({ orchestrators: [CallsFromACallback], activities: [Steps] }));
    expect((await driver.start('CallsFromACallback')).status).toBe('Running');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lateCallError).toBeInstanceOf(NonDeterminismError);
    const next = await driver.send([raised('go', 1)]);
    expect(next.status).toBe('Failed');
    expect(next.failure?.message).toContain("ctx.callActivity('Steps.a') from code that ran after its turn ended");
    expect(next.actions).toEqual([]);
  });
});
