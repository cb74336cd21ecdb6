import { describe, expect, test } from 'vitest';
import { Entity, Operation, Orchestrator } from '../../../decorators';
import { TimeoutError } from '../../../src/errors';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import { Driver, T0, actionsOf, executorFor, fired, raised, withoutMarkers } from './replay-harness';

const HOUR = 3_600_000;

@Orchestrator()
class WaitsWithTimeout {
  async run(ctx: OrchestrationContext): Promise<string> {
    try {
      return `answered ${await ctx.waitForExternalEvent<string>('Answer', { timeout: HOUR })}`;
    } catch (error) {
      return error instanceof TimeoutError ? `timed out: ${error.message}` : `unexpected ${String(error)}`;
    }
  }
}

@Orchestrator()
class BadTimeout {
  async run(ctx: OrchestrationContext): Promise<string> {
    try {
      ctx.waitForExternalEvent('Answer', { timeout: -1 });
      return 'accepted';
    } catch (error) {
      return `refused: ${(error as Error).message}`;
    }
  }
}

@Orchestrator()
class Notifier {
  async run(ctx: OrchestrationContext, targets: string[]): Promise<number> {
    for (const target of targets) ctx.sendEvent(target, 'Notice', { from: ctx.instanceId });
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 1_000));
    return targets.length;
  }
}

@Entity()
class Reminder {
  fired = 0;
  @Operation() fire(note: string): void {
    this.fired += note.length;
  }
}

@Orchestrator()
class SchedulesReminder {
  async run(ctx: OrchestrationContext): Promise<void> {
    ctx
      .entity(Reminder, 'r')
      .signalAt(new Date(ctx.currentUtcDateTime.getTime() + HOUR))
      .fire('wake up');
  }
}

const executor = () => executorFor({ orchestrators: [WaitsWithTimeout, BadTimeout, Notifier, SchedulesReminder], entities: [Reminder] });

describe('waitForExternalEvent with a timeout', () => {
  test('the event arrives first: the task completes with it and the timer is left to be absorbed', async () => {
    const driver = new Driver(executor());
    const started = await driver.start('WaitsWithTimeout');
    expect(actionsOf(started, 'createTimer')).toMatchObject([{ step: 1, fireAt: T0 + HOUR }]);
    const done = await driver.send([raised('Answer', 'yes')]);
    expect(done.output).toBe('answered yes');
  });

  test('the timer fires first: the task fails with a TimeoutError, and a later event does not count', async () => {
    const driver = new Driver(executor());
    await driver.start('WaitsWithTimeout');
    const done = await driver.send([fired(1, T0 + HOUR), raised('Answer', 'late')], HOUR);
    expect(done.output).toBe(`timed out: External event 'Answer' did not arrive within ${HOUR} ms.`);
  });

  test('an event kept from before the wait completes it at once, with no timer', async () => {
    const driver = new Driver(executor());
    await driver.send([raised('Answer', 'early')]);
    const done = await driver.start('WaitsWithTimeout');
    expect(done.output).toBe('answered early');
    expect(actionsOf(done, 'createTimer')).toEqual([]);
  });

  test('replay takes the same branch as the live run', async () => {
    const live = new Driver(executor());
    await live.start('WaitsWithTimeout');
    const done = await live.send([fired(1, T0 + HOUR)], HOUR);
    const replayed = new Driver(executor(), 'instance-1', true);
    await replayed.start('WaitsWithTimeout');
    await replayed.send([fired(1, T0 + HOUR)], HOUR);
    expect(replayed.turns.at(-1)!.output).toBe(done.output);
    expect(replayed.history).toEqual(live.history);
  });

  test('a negative timeout is refused before a step is taken', async () => {
    const done = await new Driver(executor()).start('BadTimeout');
    expect(done.output).toMatch(/^refused: .*timeout must be a non-negative number/);
    expect(done.actions).toEqual([]);
  });
});

describe('sendEvent', () => {
  test('records EventSent commands and sends EventRaised to each target with distinct message steps', async () => {
    const driver = new Driver(executor());
    const started = await driver.start('Notifier', ['a', 'b']);
    expect(withoutMarkers(started.newHistory).filter((e) => e.kind === 'EventSent')).toEqual([
      { kind: 'EventSent', seq: 0, instanceId: 'a', name: 'Notice', input: { from: 'instance-1' } },
      { kind: 'EventSent', seq: 1, instanceId: 'b', name: 'Notice', input: { from: 'instance-1' } },
    ]);
    expect(actionsOf(started, 'sendEvent')).toMatchObject([
      { step: 0, targetInstanceId: 'a', event: raised('Notice', { from: 'instance-1' }) },
      { step: 1, targetInstanceId: 'b', event: raised('Notice', { from: 'instance-1' }) },
    ]);
  });

  test('replay matches the sends and sends nothing again', async () => {
    const driver = new Driver(executor(), 'instance-1', true);
    await driver.start('Notifier', ['a']);
    const done = await driver.send([fired(1, T0 + 1_000)]);
    expect(done.status).toBe('Completed');
    expect(actionsOf(done, 'sendEvent')).toEqual([]);
  });

  test('a replay whose code sends to another instance is non-deterministic', async () => {
    const driver = new Driver(executor());
    await driver.start('Notifier', ['a']);
    const changed = driver.history.map((e) => (e.kind === 'ExecutionStarted' ? { ...e, input: ['z'] } : e));
    const live = await executor().restore('instance-1', changed);
    expect(live.pendingFailure?.message).toMatch(/EventSent 'a:Notice'.*EventSent 'z:Notice'/);
  });
});

describe('signalAt on an entity handle', () => {
  test('sends the signal with its scheduled time, recorded in history', async () => {
    const done = await new Driver(executor()).start('SchedulesReminder');
    expect(actionsOf(done, 'signalEntity')).toMatchObject([
      { target: { name: 'Reminder', key: 'r' }, operation: 'fire', input: 'wake up', scheduledTime: T0 + HOUR },
    ]);
    expect(done.newHistory.find((e) => e.kind === 'EntitySignaled')).toMatchObject({ scheduledTime: T0 + HOUR });
  });
});
