import { describe, expect, test } from 'vitest';
import { Activity, Orchestrator } from '../../../decorators';
import { SubOrchestrationFailedError } from '../../../src/errors';
import type { HistoryEvent } from '../../../src/runtime/orchestration/history-events';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import { Driver, actionsOf, completed, executorFor, failed, fired } from './replay-harness';

class Steps {
  @Activity() step(n: number): number {
    return n + 1;
  }
}

@Orchestrator()
class Child {
  async run(ctx: OrchestrationContext, n: number): Promise<string> {
    const next = await ctx.callActivity<number>('Steps.step', n);
    return `child ${ctx.instanceId} of ${ctx.parentInstanceId} -> ${next}`;
  }
}

@Orchestrator()
class Parent {
  async run(ctx: OrchestrationContext, n: number): Promise<string[]> {
    const typed: string = await ctx.callSubOrchestrator(Child, n);
    try {
      await ctx.callSubOrchestrator<string>('Child', n + 10, { instanceId: 'named-child' });
      return [typed, 'second succeeded'];
    } catch (error) {
      if (error instanceof SubOrchestrationFailedError) return [typed, `${error.subInstanceId}: ${error.remoteName}: ${error.remoteMessage}`];
      throw error;
    }
  }
}

@Orchestrator()
class RetryingParent {
  async run(ctx: OrchestrationContext): Promise<string> {
    return ctx.callSubOrchestrator(Child, 1, { retry: { maxNumberOfAttempts: 2, firstRetryInterval: 500 } });
  }
}

const executor = () => executorFor({ orchestrators: [Child, Parent, RetryingParent], activities: [Steps] });

/** The event a sendEvent action of `turn` carries to `target`. */
function sentTo(turn: Awaited<ReturnType<Driver['send']>>, target: string): HistoryEvent {
  const sends = actionsOf(turn, 'sendEvent').filter((a) => a.targetInstanceId === target);
  expect(sends).toHaveLength(1);
  return sends[0]!.event;
}

describe('sub-orchestrations', () => {
  test('the parent starts the child with a derived id, and the child reports its output back', async () => {
    const parent = new Driver(executor(), 'parent');
    const start = await parent.start('Parent', 1);
    const [spawn] = actionsOf(start, 'startSubOrchestration');
    expect(spawn).toMatchObject({ step: 0, subInstanceId: 'parent:0', instanceId: 'parent', executionId: 'exec-1' });
    expect(spawn!.started).toMatchObject({
      kind: 'ExecutionStarted',
      name: 'Child',
      input: 1,
      generation: 0,
      parent: { instanceId: 'parent', executionId: 'exec-1', seq: 0 },
    });
    expect(start.newHistory.at(-1)).toEqual({ kind: 'SubOrchestrationCreated', seq: 0, name: 'Child', instanceId: 'parent:0', input: 1 });

    const child = new Driver(executor(), spawn!.subInstanceId);
    await child.send([spawn!.started]);
    const childDone = await child.send([completed(0, 2)]);
    expect(childDone.output).toBe('child parent:0 of parent -> 2');
    const report = sentTo(childDone, 'parent');
    expect(report).toEqual({ kind: 'SubOrchestrationCompleted', seq: 0, executionId: 'exec-1', result: 'child parent:0 of parent -> 2' });

    const next = await parent.send([report]);
    expect(actionsOf(next, 'startSubOrchestration')).toMatchObject([{ step: 1, subInstanceId: 'named-child', started: { input: 11 } }]);
  });

  test('a failed child reaches the parent as a SubOrchestrationFailedError it can catch', async () => {
    const parent = new Driver(executor(), 'parent');
    const start = await parent.start('Parent', 1);
    await parent.send([{ kind: 'SubOrchestrationCompleted', seq: 0, result: 'first' }]);
    const second = parent.turns.at(-1)!;
    const spawn = actionsOf(second, 'startSubOrchestration')[0]!;

    const child = new Driver(executor(), spawn.subInstanceId);
    await child.send([spawn.started]);
    const childDone = await child.send([failed(0, 'Error', 'disk full')]);
    expect(childDone.status).toBe('Failed');
    const report = sentTo(childDone, 'parent');
    expect(report).toMatchObject({ kind: 'SubOrchestrationFailed', seq: 1, executionId: 'exec-1', error: { name: 'ActivityFailedError' } });

    const done = await parent.send([report]);
    expect(start.status).toBe('Running');
    expect(done.output).toEqual(['first', "named-child: ActivityFailedError: Activity 'Steps.step' failed with Error: disk full"]);
  });

  test('a terminated child fails the parent task with the reason', async () => {
    const parent = new Driver(executor(), 'parent');
    const start = await parent.start('Parent', 1);
    const spawn = actionsOf(start, 'startSubOrchestration')[0]!;
    const child = new Driver(executor(), spawn.subInstanceId);
    await child.send([spawn.started]);
    const terminated = await child.send([{ kind: 'ExecutionTerminated', reason: 'operator' }]);
    expect(terminated.status).toBe('Terminated');
    expect(sentTo(terminated, 'parent')).toEqual({
      kind: 'SubOrchestrationFailed',
      seq: 0,
      executionId: 'exec-1',
      error: { name: 'ExecutionTerminated', message: "Instance 'parent:0' was terminated: operator" },
    });
  });

  test('a response for another execution of the parent is dropped', async () => {
    const parent = new Driver(executor(), 'parent');
    await parent.start('Parent', 1);
    const stale = await parent.send([{ kind: 'SubOrchestrationCompleted', seq: 0, executionId: 'old-exec', result: 'stale' }]);
    expect(stale.newHistory).toEqual([]);
    expect(stale.dropped[0]!.reason).toBe("it answers execution 'old-exec', not the current execution 'exec-1'");
  });

  test('a retried sub-orchestration gets a new instance id per attempt', async () => {
    const parent = new Driver(executor(), 'p');
    const start = await parent.start('RetryingParent');
    expect(actionsOf(start, 'startSubOrchestration')[0]!.subInstanceId).toBe('p:0');
    await parent.send([{ kind: 'SubOrchestrationFailed', seq: 0, error: { name: 'Error', message: 'x' } }]);
    const retried = await parent.send([fired(1, 0)]);
    expect(actionsOf(retried, 'startSubOrchestration')[0]!.subInstanceId).toBe('p:2');
    const done = await parent.send([{ kind: 'SubOrchestrationCompleted', seq: 2, result: 'second time' }]);
    expect(done.output).toBe('second time');
  });
});
