import { AsyncLocalStorage } from 'node:async_hooks';
import { OutsideOperationError } from '../../errors';

/**
 * What an activity knows about the call it serves, from {@link activityContext}.
 *
 * @example
 * ```ts
 * class Payments {
 *   @Activity()
 *   async charge(order: Order): Promise<string> {
 *     const { taskId, signal } = activityContext();
 *     // The same key on every run of this task, so the provider drops a repeat.
 *     return provider.charge(order, { idempotencyKey: taskId, signal });
 *   }
 * }
 * ```
 */
export interface ActivityContext {
  /** The orchestration instance that scheduled the activity. */
  readonly instanceId: string;
  /** The execution of that instance (a new one after each `continueAsNew` or restart). */
  readonly executionId: string;
  /** The activity's registered name. */
  readonly activityName: string;
  /** Which attempt of the orchestration's call this is: 1, then 2, 3... when a retry policy retries it. */
  readonly attempt: number;
  /**
   * Identifies this attempt: the same when the task runs again after a crash (activities run
   * at least once), different for each retry. Use it as an idempotency key.
   */
  readonly taskId: string;
  /** Aborted when the attempt's `startToCloseTimeout` or `heartbeatTimeout` expires: stop the work and let the result go. */
  readonly signal: AbortSignal;
  /** Says the activity is still making progress: restarts the `heartbeatTimeout` countdown. */
  heartbeat(): void;
}

const current = new AsyncLocalStorage<ActivityContext>();

/** Runs `fn` with `context` as the current activity context. */
export function runInActivityContext<T>(context: ActivityContext, fn: () => T): T {
  return current.run(context, fn);
}

/**
 * The context of the activity running now: the instance that called it, its name, the
 * attempt, a stable task id and an `AbortSignal`. Throws an `OutsideOperationError` when no
 * activity runs (outside an `@Activity()` method, or in code it left running after it ended).
 */
export function activityContext(): ActivityContext {
  const context = current.getStore();
  if (!context) {
    throw new OutsideOperationError(
      'activityContext()',
      'activityContext() can only be used while an activity runs (inside an @Activity() method). Call it from the activity itself, not from a constructor or code that runs after the activity returned.',
    );
  }
  return context;
}
