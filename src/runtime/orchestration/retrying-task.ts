import { ErrorCode } from '../../errors';
import { DurableTask } from './durable-task';
import { compileRetryPolicy, retryDelayMs, type RetryOptions } from './retry-policy';

/**
 * Runs `attempt` until it succeeds or the policy gives up, waiting on a durable timer
 * between attempts. Every attempt and every timer is a durable call of its own (with its
 * own step), and the decisions are taken synchronously as their responses are delivered,
 * so a replay makes exactly the same calls. A failure caused by a `NonRetryableError` is
 * never retried.
 */
export function withRetry(
  options: RetryOptions,
  attempt: (number: number) => DurableTask<unknown>,
  timer: (fireAt: number) => DurableTask<void>,
  now: () => number,
  finalError: (error: Error, attempts: number) => Error,
): DurableTask<unknown> {
  const policy = compileRetryPolicy(options);
  const result = new DurableTask<unknown>();
  let attempts = 0;
  const next = (): void => {
    attempts++;
    const task = attempt(attempts);
    task.onSettled(() => {
      if (!task.isFaulted) {
        result.resolve(task.result);
        return;
      }
      const error = task.error!;
      // A NonRetryableError thrown by the activity or operation ends the retries at once.
      let retry = attempts < policy.maxNumberOfAttempts && (error as { remoteCode?: string }).remoteCode !== ErrorCode.NonRetryable;
      try {
        retry &&= Boolean(policy.handle(error));
      } catch (thrown) {
        result.reject(thrown instanceof Error ? thrown : new Error(String(thrown)));
        return;
      }
      if (!retry) {
        result.reject(finalError(error, attempts));
        return;
      }
      timer(now() + retryDelayMs(policy, attempts)).onSettled(next);
    });
  };
  next();
  return result;
}
