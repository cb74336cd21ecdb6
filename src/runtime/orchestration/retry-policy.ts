import { InvalidOptionsError } from '../../errors';

/**
 * How a failed activity or sub-orchestration is retried. Between attempts the orchestration
 * waits on a durable timer, so retries survive restarts and cost nothing while waiting.
 * The delay before attempt n+1 is `firstRetryInterval * backoffCoefficient^(n-1)`, capped at
 * `maxRetryInterval`.
 *
 * @example
 * ```ts
 * const retry = { maxNumberOfAttempts: 5, firstRetryInterval: 1_000, backoffCoefficient: 2, maxRetryInterval: 30_000 };
 * const receipt = await ctx.callActivity('Payments.charge', order, { retry });
 * ```
 */
export interface RetryOptions {
  /** Attempts in total, the first included (at least 1). */
  maxNumberOfAttempts: number;
  /** Milliseconds to wait before the second attempt (more than 0). */
  firstRetryInterval: number;
  /** Multiplies the delay after each failed attempt; 1 (the default) keeps it constant. At least 1. */
  backoffCoefficient?: number;
  /** Upper bound of the delay, in milliseconds. Unbounded by default. */
  maxRetryInterval?: number;
  /**
   * Decides from the error (an `ActivityFailedError` or `SubOrchestrationFailedError`)
   * whether to retry. Must be deterministic: it runs again on replay. Retries all by default.
   */
  handle?: (error: Error) => boolean;
}

/** {@link RetryOptions} validated, with defaults filled in. */
export interface RetryPolicy {
  readonly maxNumberOfAttempts: number;
  readonly firstRetryIntervalMs: number;
  readonly backoffCoefficient: number;
  readonly maxRetryIntervalMs: number;
  readonly handle: (error: Error) => boolean;
}

/** Validates retry options once, where they are given; throws an {@link InvalidOptionsError}. */
export function compileRetryPolicy(options: RetryOptions): RetryPolicy {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError(`retry must be an object like { maxNumberOfAttempts: 3, firstRetryInterval: 1000 }.`);
  }
  const { maxNumberOfAttempts, firstRetryInterval, backoffCoefficient = 1, maxRetryInterval = Number.POSITIVE_INFINITY, handle } = options;
  if (!Number.isInteger(maxNumberOfAttempts) || maxNumberOfAttempts < 1) {
    throw new InvalidOptionsError(`retry.maxNumberOfAttempts must be an integer of at least 1, got ${String(maxNumberOfAttempts)}.`);
  }
  if (typeof firstRetryInterval !== 'number' || !Number.isFinite(firstRetryInterval) || firstRetryInterval <= 0) {
    throw new InvalidOptionsError(`retry.firstRetryInterval must be a number of milliseconds above 0, got ${String(firstRetryInterval)}.`);
  }
  if (typeof backoffCoefficient !== 'number' || !Number.isFinite(backoffCoefficient) || backoffCoefficient < 1) {
    throw new InvalidOptionsError(`retry.backoffCoefficient must be a finite number of at least 1, got ${String(backoffCoefficient)}.`);
  }
  if (typeof maxRetryInterval !== 'number' || Number.isNaN(maxRetryInterval) || maxRetryInterval < firstRetryInterval) {
    throw new InvalidOptionsError(
      `retry.maxRetryInterval must be a number of milliseconds no smaller than firstRetryInterval (${firstRetryInterval}), got ${String(maxRetryInterval)}.`,
    );
  }
  if (handle !== undefined && typeof handle !== 'function') {
    throw new InvalidOptionsError(`retry.handle must be a function (error) => boolean, got ${typeof handle}.`);
  }
  return {
    maxNumberOfAttempts,
    firstRetryIntervalMs: firstRetryInterval,
    backoffCoefficient,
    maxRetryIntervalMs: maxRetryInterval,
    handle: handle ?? (() => true),
  };
}

/** Milliseconds to wait after the failed attempt number `attempt` (1-based) before the next one. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  const delayMs = policy.firstRetryIntervalMs * policy.backoffCoefficient ** (attempt - 1);
  return Math.min(delayMs, policy.maxRetryIntervalMs);
}
