import { describe, expect, test } from 'vitest';
import { InvalidOptionsError } from '../../../src/errors';
import { CancellableDurableTask, DurableTask, whenAll, whenAny } from '../../../src/runtime/orchestration/durable-task';
import type { Task } from '../../../src/runtime/orchestration/orchestration-context';

describe('DurableTask', () => {
  test('await gives the result; a failure is thrown', async () => {
    const ok = new DurableTask<number>();
    const bad = new DurableTask<number>();
    ok.resolve(3);
    bad.reject(new RangeError('no'));
    expect(await ok).toBe(3);
    await expect(bad).rejects.toThrow('no');
    expect([ok.isCompleted, ok.isFaulted, ok.result]).toEqual([true, false, 3]);
    expect([bad.isCompleted, bad.isFaulted, bad.error?.message]).toEqual([true, true, 'no']);
  });

  test('settles once: later settlements are ignored', async () => {
    const task = new DurableTask<string>();
    task.resolve('first');
    task.resolve('second');
    task.reject(new Error('late'));
    expect(await task).toBe('first');
  });

  test('await of any() gives back the winning task itself, not its result', async () => {
    const a = new DurableTask<string>();
    const b = new DurableTask<string>();
    const race = whenAny([a, b]);
    b.resolve('b wins');
    a.resolve('a later');
    const winner = await race;
    expect(winner).toBe(b);
    expect(winner.result).toBe('b wins');
    // The winner is still an awaitable task afterwards.
    expect(await winner).toBe('b wins');
  });

  test('any() of tasks that settled before it picks the one that settled first, not the first in the array', async () => {
    const a = new DurableTask<number>();
    const b = new DurableTask<number>();
    b.resolve(2);
    a.resolve(1);
    expect(await whenAny([a, b])).toBe(b);
    expect(() => whenAny([])).toThrow(InvalidOptionsError);
  });

  test('all() keeps input order and fails with the first failure to settle', async () => {
    const [a, b, c] = [new DurableTask<number>(), new DurableTask<number>(), new DurableTask<number>()];
    const all = whenAll([a, b, c]);
    c.resolve(3);
    a.resolve(1);
    expect(all.isCompleted).toBe(false);
    b.resolve(2);
    expect(await all).toEqual([1, 2, 3]);

    const [x, y] = [new DurableTask<number>(), new DurableTask<number>()];
    const failing = whenAll([x, y]);
    y.reject(new Error('y failed'));
    x.reject(new Error('x failed'));
    await expect(failing).rejects.toThrow('y failed');
    expect(await whenAll([])).toEqual([]);
  });

  test('all() and any() refuse plain promises', () => {
    expect(() => whenAll([Promise.resolve(1) as unknown as Task<number>])).toThrow(
      'all() takes tasks from the orchestration context (callActivity, createTimer, waitForExternalEvent, ...), got object.',
    );
  });

  test('a canceled task never settles and tells its owner once', () => {
    let canceled = 0;
    const timer = new CancellableDurableTask<void>(() => canceled++);
    timer.cancel();
    timer.cancel();
    timer.resolve();
    expect([timer.isCanceled, timer.isCompleted, canceled]).toEqual([true, false, 1]);
    const done = new CancellableDurableTask<void>(() => canceled++);
    done.resolve();
    done.cancel();
    expect([done.isCanceled, canceled]).toEqual([false, 1]);
  });

  test('a failed task nobody awaits is not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      new DurableTask<number>().reject(new Error('ignored'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
