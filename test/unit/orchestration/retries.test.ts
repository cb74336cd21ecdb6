import { describe, expect, test } from 'vitest';
import { Activity, Orchestrator } from '../../../decorators';
import { ActivityFailedError, InvalidOptionsError } from '../../../src/errors';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import type { RetryOptions } from '../../../src/runtime/orchestration/retry-policy';
import { compileRetryPolicy, retryDelayMs } from '../../../src/runtime/orchestration/retry-policy';
import { Driver, T0, actionsOf, completed, executorFor, failed, fired, withoutMarkers } from './replay-harness';

class Flaky {
  @Activity() call(input: string): string {
    return input;
  }
}

const retry: RetryOptions = { maxNumberOfAttempts: 4, firstRetryInterval: 1_000, backoffCoefficient: 2, maxRetryInterval: 3_000 };

@Orchestrator()
class WithRetries {
  async run(ctx: OrchestrationContext, attempts: number): Promise<string> {
    try {
      return await ctx.callActivity<string>('Flaky.call', 'x', { retry: { ...retry, maxNumberOfAttempts: attempts } });
    } catch (error) {
      if (error instanceof ActivityFailedError) return `gave up: ${error.message} [attempts=${error.attempts}]`;
      throw error;
    }
  }
}

@Orchestrator()
class OnlyRangeErrors {
  async run(ctx: OrchestrationContext): Promise<string> {
    const handle = (error: Error) => error instanceof ActivityFailedError && error.remoteName === 'RangeError';
    return ctx.activities(Flaky, { retry: { ...retry, handle } }).call('y');
  }
}

@Orchestrator()
class BadRetry {
  async run(ctx: OrchestrationContext, options: RetryOptions): Promise<string> {
    try {
      ctx.callActivity('Flaky.call', 'z', { retry: options });
      return 'accepted';
    } catch (error) {
      return error instanceof InvalidOptionsError ? error.message : 'wrong error';
    }
  }
}

const executor = () => executorFor({ orchestrators: [WithRetries, OnlyRangeErrors, BadRetry], activities: [Flaky] });

describe('retry policy', () => {
  test('delays grow by the backoff coefficient and are capped at maxRetryInterval', () => {
    const policy = compileRetryPolicy(retry);
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(policy, attempt))).toEqual([1_000, 2_000, 3_000, 3_000]);
    expect(retryDelayMs(compileRetryPolicy({ maxNumberOfAttempts: 3, firstRetryInterval: 500 }), 3)).toBe(500);
  });

  test('failed attempts are retried after durable timers, then the result comes through', async () => {
    const driver = new Driver(executor());
    const start = await driver.start('WithRetries', 4);
    expect(actionsOf(start, 'scheduleActivity').map((a) => a.step)).toEqual([0]);

    const firstFailure = await driver.send([failed(0, 'Error', 'down')], 10_000);
    const firstTimer = T0 + 10_000 + 1_000;
    expect(firstFailure.actions).toEqual([{ kind: 'createTimer', instanceId: 'instance-1', executionId: 'exec-1', step: 1, fireAt: firstTimer }]);

    const secondAttempt = await driver.send([fired(1, firstTimer)], 1_000);
    expect(actionsOf(secondAttempt, 'scheduleActivity')).toMatchObject([{ step: 2, name: 'Flaky.call', input: 'x' }]);

    const secondFailure = await driver.send([failed(2, 'Error', 'still down')], 5_000);
    // The failure's turn is at T0+16 s; the second delay is 1 s * 2.
    const secondTimer = T0 + 16_000 + 2_000;
    expect(actionsOf(secondFailure, 'createTimer')).toMatchObject([{ step: 3, fireAt: secondTimer }]);

    await driver.send([fired(3, secondTimer)], 2_000);
    const done = await driver.send([completed(4, 'ok at last')]);
    expect(done.status).toBe('Completed');
    expect(done.output).toBe('ok at last');
    expect(withoutMarkers(driver.history).map((e) => e.kind)).toEqual([
      'ExecutionStarted',
      'TaskScheduled',
      'TaskFailed',
      'TimerCreated',
      'TimerFired',
      'TaskScheduled',
      'TaskFailed',
      'TimerCreated',
      'TimerFired',
      'TaskScheduled',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);
  });

  test('after the last attempt the orchestrator gets an ActivityFailedError with the attempt count', async () => {
    const driver = new Driver(executor());
    await driver.start('WithRetries', 2);
    await driver.send([failed(0, 'TypeError', 'one')]);
    await driver.send([fired(1, 0)]);
    const done = await driver.send([failed(2, 'TypeError', 'two', 'E_TWO')]);
    expect(done.output).toBe("gave up: Activity 'Flaky.call' failed with TypeError: two (after 2 attempts) [attempts=2]");
    expect(done.actions).toEqual([]);
  });

  test('a NonRetryableError thrown by the activity is not retried, with attempts left and whatever handle() says', async () => {
    const driver = new Driver(executor());
    await driver.start('WithRetries', 4);
    const done = await driver.send([failed(0, 'NonRetryableError', 'card refused', 'JETSTATE_NON_RETRYABLE')]);
    expect(actionsOf(done, 'createTimer')).toEqual([]);
    expect(done.output).toBe("gave up: Activity 'Flaky.call' failed with NonRetryableError: card refused [attempts=1]");
  });

  test('handle() decides which failures are retried', async () => {
    const driver = new Driver(executor());
    await driver.start('OnlyRangeErrors');
    const retried = await driver.send([failed(0, 'RangeError', 'busy')]);
    expect(actionsOf(retried, 'createTimer')).toHaveLength(1);
    await driver.send([fired(1, 0)]);
    const done = await driver.send([failed(2, 'TypeError', 'bug')]);
    expect(done.status).toBe('Failed');
    expect(done.failure).toEqual({
      name: 'ActivityFailedError',
      message: "Activity 'Flaky.call' failed with TypeError: bug (after 2 attempts)",
      code: 'JETSTATE_ACTIVITY_FAILED',
    });
  });

  test('retries survive eviction: a full replay makes the same attempts and timers', async () => {
    const live = new Driver(executor());
    const replayed = new Driver(executor(), 'instance-1', true);
    for (const driver of [live, replayed]) {
      await driver.start('WithRetries', 3);
      await driver.send([failed(0, 'Error', 'a')]);
      await driver.send([fired(1, 0)]);
      await driver.send([failed(2, 'Error', 'b')]);
      await driver.send([fired(3, 0)]);
      await driver.send([completed(4, 'fine')]);
    }
    expect(replayed.turns.at(-1)!.output).toBe('fine');
    expect(replayed.history).toEqual(live.history);
    expect(replayed.turns.map((t) => t.actions)).toEqual(live.turns.map((t) => t.actions));
  });

  test.each([
    [{ maxNumberOfAttempts: 0, firstRetryInterval: 1 }, 'retry.maxNumberOfAttempts must be an integer of at least 1, got 0.'],
    [{ maxNumberOfAttempts: 2, firstRetryInterval: 0 }, 'retry.firstRetryInterval must be a number of milliseconds above 0, got 0.'],
    [{ maxNumberOfAttempts: 2, firstRetryInterval: 10, backoffCoefficient: 0.5 }, 'retry.backoffCoefficient must be a finite number of at least 1, got 0.5.'],
    [
      { maxNumberOfAttempts: 2, firstRetryInterval: 10, maxRetryInterval: 5 },
      'retry.maxRetryInterval must be a number of milliseconds no smaller than firstRetryInterval (10), got 5.',
    ],
  ])('invalid options %j are refused where they are given, before anything is scheduled', async (options, message) => {
    const driver = new Driver(executor());
    const done = await driver.start('BadRetry', options);
    expect(done.output).toBe(message);
    expect(done.actions).toEqual([]);
  });
});
