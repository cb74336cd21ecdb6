import { describe, expect, test } from 'vitest';
import { Activity, Orchestrator } from '../../../decorators';
import { ActivityFailedError } from '../../../src/errors';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import { Driver, actionsOf, completed, executorFor, failed } from './replay-harness';

class Work {
  @Activity() square(n: number): number {
    return n * n;
  }
  @Activity() list(count: number): number[] {
    return Array.from({ length: count }, (_, i) => i + 1);
  }
}

@Orchestrator()
class FanOutFanIn {
  async run(ctx: OrchestrationContext, count: number): Promise<number> {
    const items = await ctx.callActivity<number[]>('Work.list', count);
    const work = ctx.activities(Work);
    const squares = await ctx.all(items.map((n) => work.square(n)));
    return squares.reduce((sum, n) => sum + n, 0);
  }
}

@Orchestrator()
class FanOutWithFailure {
  async run(ctx: OrchestrationContext): Promise<string> {
    const work = ctx.activities(Work);
    try {
      await ctx.all([work.square(1), work.square(2), work.square(3)]);
      return 'no failure';
    } catch (error) {
      if (error instanceof ActivityFailedError) return `caught ${error.remoteName}: ${error.remoteMessage}`;
      return 'wrong error type';
    }
  }
}

@Orchestrator()
class TypedTuple {
  async run(ctx: OrchestrationContext): Promise<string> {
    const [n, list] = await ctx.all([ctx.activities(Work).square(3), ctx.activities(Work).list(2)] as const);
    const check: [number, number[]] = [n, list];
    return JSON.stringify(check);
  }
}

const executor = () => executorFor({ orchestrators: [FanOutFanIn, FanOutWithFailure, TypedTuple], activities: [Work] });

describe('fan-out/fan-in', () => {
  test('all activities are scheduled in one turn and the results are gathered in input order', async () => {
    const driver = new Driver(executor());
    await driver.start('FanOutFanIn', 5);
    const fanOut = await driver.send([completed(0, [1, 2, 3, 4, 5])]);
    const scheduled = actionsOf(fanOut, 'scheduleActivity');
    expect(scheduled.map((a) => [a.step, a.name, a.input])).toEqual([
      [1, 'Work.square', 1],
      [2, 'Work.square', 2],
      [3, 'Work.square', 3],
      [4, 'Work.square', 4],
      [5, 'Work.square', 5],
    ]);
    // Completions arrive in reverse order and across several turns.
    expect((await driver.send([completed(5, 25), completed(4, 16)])).status).toBe('Running');
    expect((await driver.send([completed(3, 9)])).status).toBe('Running');
    const done = await driver.send([completed(2, 4), completed(1, 1)]);
    expect(done.status).toBe('Completed');
    expect(done.output).toBe(55);
  });

  test('a fan-out of 300 completes with the right sum, live and after a full replay', async () => {
    const count = 300;
    const results = Array.from({ length: count }, (_, i) => completed(i + 1, (i + 1) * (i + 1)));
    const expected = results.reduce((sum, _, i) => sum + (i + 1) * (i + 1), 0);

    const live = new Driver(executor());
    await live.start('FanOutFanIn', count);
    await live.send([
      completed(
        0,
        Array.from({ length: count }, (_, i) => i + 1),
      ),
    ]);
    await live.send(results.slice(0, 150));
    expect((await live.send(results.slice(150))).output).toBe(expected);

    const replayed = new Driver(executor(), 'instance-1', true);
    await replayed.start('FanOutFanIn', count);
    await replayed.send([
      completed(
        0,
        Array.from({ length: count }, (_, i) => i + 1),
      ),
    ]);
    await replayed.send(results.slice(0, 150));
    const done = await replayed.send(results.slice(150));
    expect(done.output).toBe(expected);
    expect(replayed.history).toEqual(live.history);
  });

  test('all() fails with the first failure in history order, and the orchestrator can catch it', async () => {
    const driver = new Driver(executor());
    await driver.start('FanOutWithFailure');
    const done = await driver.send([completed(0, 1), failed(2, 'RangeError', 'too big'), failed(1, 'TypeError', 'not a number')]);
    expect(done.status).toBe('Completed');
    expect(done.output).toBe('caught RangeError: too big');
  });

  test('all() over a typed tuple gives each result its own type', async () => {
    const driver = new Driver(executor());
    await driver.start('TypedTuple');
    const done = await driver.send([completed(1, [1, 2]), completed(0, 9)]);
    expect(done.output).toBe('[9,[1,2]]');
  });
});
