import { describe, expect, test } from 'vitest';
import { Orchestrator } from '../../../decorators';
import { InvalidOptionsError } from '../../../src/errors';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import { Driver, T0, actionsOf, executorFor, fired, raised } from './replay-harness';

const HOUR = 3_600_000;

@Orchestrator()
class Approval {
  async run(ctx: OrchestrationContext): Promise<string> {
    const approved = ctx.waitForExternalEvent<{ by: string }>('Approved');
    const timeout = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 72 * HOUR));
    const winner = await ctx.any([approved, timeout]);
    if (winner === approved) {
      timeout.cancel();
      return `approved by ${approved.result!.by} at ${ctx.currentUtcDateTime.toISOString()}`;
    }
    return `timed out at ${ctx.currentUtcDateTime.toISOString()}`;
  }
}

@Orchestrator()
class TwoApprovals {
  async run(ctx: OrchestrationContext): Promise<string[]> {
    const first = await ctx.waitForExternalEvent<string>('Vote');
    const second = await ctx.waitForExternalEvent<string>('Vote');
    const other = await ctx.waitForExternalEvent<string>('Other');
    return [first, second, other];
  }
}

@Orchestrator()
class CanceledWait {
  async run(ctx: OrchestrationContext): Promise<string> {
    const abandoned = ctx.waitForExternalEvent<string>('Go');
    const timer = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 1_000));
    const winner = await ctx.any([abandoned, timer]);
    if (winner === timer) abandoned.cancel();
    const next = await ctx.waitForExternalEvent<string>('Go');
    return `${winner === timer ? 'timer' : 'event'} then ${next}`;
  }
}

@Orchestrator()
class Sleeper {
  async run(ctx: OrchestrationContext, ms: number): Promise<number[]> {
    const times = [ctx.currentUtcDateTime.getTime()];
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + ms));
    times.push(ctx.currentUtcDateTime.getTime());
    return times;
  }
}

@Orchestrator()
class BadTimer {
  async run(ctx: OrchestrationContext): Promise<string> {
    try {
      ctx.createTimer(new Date('not a date'));
      return 'accepted';
    } catch (error) {
      return error instanceof InvalidOptionsError ? 'refused' : 'wrong error';
    }
  }
}

const executor = () => executorFor({ orchestrators: [Approval, TwoApprovals, CanceledWait, Sleeper, BadTimer] });

describe('any() of an external event and a timer', () => {
  test('the timer is a durable timer 72 hours from the turn time', async () => {
    const driver = new Driver(executor());
    const first = await driver.start('Approval');
    expect(actionsOf(first, 'createTimer')).toEqual([
      { kind: 'createTimer', instanceId: 'instance-1', executionId: 'exec-1', step: 1, fireAt: T0 + 72 * HOUR },
    ]);
    expect(first.newHistory.at(-1)).toEqual({ kind: 'TimerCreated', seq: 1, fireAt: T0 + 72 * HOUR });
  });

  test('the event wins when it comes first', async () => {
    const driver = new Driver(executor());
    await driver.start('Approval');
    const done = await driver.send([raised('Approved', { by: 'ann' })], 5_000);
    expect(done.status).toBe('Completed');
    expect(done.output).toBe(`approved by ann at ${new Date(T0 + 5_000).toISOString()}`);
  });

  test('the timer wins when it fires first; a later event is dropped', async () => {
    const driver = new Driver(executor());
    await driver.start('Approval');
    const done = await driver.send([fired(1, T0 + 72 * HOUR)], 72 * HOUR);
    expect(done.output).toBe(`timed out at ${new Date(T0 + 72 * HOUR).toISOString()}`);
    const late = await driver.send([raised('Approved', { by: 'bob' })]);
    expect(late.newHistory).toEqual([]);
    expect(late.dropped).toEqual([{ event: raised('Approved', { by: 'bob' }), reason: 'the instance is Completed' }]);
  });

  test.each([
    ['event first', [raised('Approved', { by: 'cy' }), fired(1, T0 + 72 * HOUR)], 'approved by cy'],
    ['timer first', [fired(1, T0 + 72 * HOUR), raised('Approved', { by: 'cy' })], 'timed out'],
  ])('in one batch, whichever is first in history wins (%s), live and on replay', async (_label, events, expected) => {
    const live = new Driver(executor());
    await live.start('Approval');
    const done = await live.send(events);
    expect(String(done.output)).toMatch(new RegExp(`^${expected}`));

    // A replay of that history must pick the same winner.
    const replayed = new Driver(executor(), 'instance-1', true);
    await replayed.start('Approval');
    await replayed.send(events);
    expect(replayed.turns.at(-1)!.output).toBe(done.output);
    expect(replayed.history).toEqual(live.history);
  });

  test('a canceled timer that fires later is absorbed without effect', async () => {
    const driver = new Driver(executor());
    await driver.start('CanceledWait');
    const afterTimer = await driver.send([fired(1, T0 + 1_000)]);
    expect(afterTimer.status).toBe('Running');
    const done = await driver.send([raised('Go', 'now')]);
    expect(done.output).toBe('timer then now');
  });
});

describe('external events', () => {
  test('events raised before anybody waits are kept and taken in order, per name', async () => {
    const driver = new Driver(executor());
    const first = await driver.send([raised('Other', 'o'), raised('Vote', 'yes')]);
    expect(first.status).toBe('Pending');
    await driver.send([{ kind: 'ExecutionStarted', name: 'TwoApprovals', executionId: 'e', generation: 0 }]);
    const done = await driver.send([raised('Vote', 'no')]);
    expect(done.output).toEqual(['yes', 'no', 'o']);
  });

  test('a canceled wait does not take the next event of its name', async () => {
    const driver = new Driver(executor());
    await driver.start('CanceledWait');
    await driver.send([fired(1, T0 + 1_000)]);
    const done = await driver.send([raised('Go', 'first')]);
    expect(done.output).toBe('timer then first');
  });
});

describe('timers', () => {
  test('currentUtcDateTime is the time of the turn that resumed the code, on replay too', async () => {
    const driver = new Driver(executor());
    await driver.start('Sleeper', 60_000);
    const done = await driver.send([fired(0, T0 + 60_000)], 61_000);
    expect(done.output).toEqual([T0, T0 + 61_000]);

    const evicted = new Driver(executor());
    await evicted.start('Sleeper', 60_000);
    evicted.evict();
    const replayed = await evicted.send([fired(0, T0 + 60_000)], 61_000);
    expect(replayed.output).toEqual([T0, T0 + 61_000]);
  });

  test('an invalid Date is refused before a step is taken', async () => {
    const driver = new Driver(executor());
    const done = await driver.start('BadTimer');
    expect(done.output).toBe('refused');
    expect(done.actions).toEqual([]);
  });
});
