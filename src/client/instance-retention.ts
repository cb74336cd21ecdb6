import type { Logger } from 'pino';
import { InvalidOptionsError } from '../errors';
import type { Clock, ClockTimer } from '../runtime/clock';
import type { OrchestrationClient } from './orchestration-client';

/**
 * How long ended orchestration instances are kept. Each round purges every instance that
 * ended (Completed, Failed or Terminated) more than `maxAgeMs` ago, with its history.
 *
 * @example
 * ```ts
 * const app = await DurableApp.create({ orchestrators, instanceRetention: { maxAgeMs: 30 * 24 * 3600_000 } });
 * ```
 */
export interface InstanceRetentionOptions {
  /** Keep ended instances this many milliseconds after they ended (their last update). */
  readonly maxAgeMs: number;
  /** Milliseconds between rounds. Default: an hour, or `maxAgeMs` when that is shorter. */
  readonly intervalMs?: number;
}

const HOUR_MS = 3_600_000;

/** Checks retention options once; throws an {@link InvalidOptionsError} with the fix. */
export function validateRetention(options: InstanceRetentionOptions): Required<InstanceRetentionOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('instanceRetention must be an object such as { maxAgeMs: 30 * 24 * 3600_000 }.');
  }
  const { maxAgeMs, intervalMs } = options;
  if (typeof maxAgeMs !== 'number' || !Number.isFinite(maxAgeMs) || maxAgeMs < 0) {
    throw new InvalidOptionsError(`instanceRetention.maxAgeMs must be a non-negative number of milliseconds, got ${String(maxAgeMs)}.`);
  }
  if (intervalMs !== undefined && (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 1)) {
    throw new InvalidOptionsError(`instanceRetention.intervalMs must be a positive number of milliseconds, got ${String(intervalMs)}.`);
  }
  return { maxAgeMs, intervalMs: intervalMs ?? Math.max(1, Math.min(HOUR_MS, maxAgeMs)) };
}

/**
 * Runs the retention policy in the background: a round at start, then one every
 * `intervalMs` of the clock. A round that fails is logged and the next one tries again.
 * Every process that runs it purges the same instances; purging twice is harmless.
 */
export class InstanceRetention {
  private timer: ClockTimer | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly client: OrchestrationClient,
    private readonly policy: Required<InstanceRetentionOptions>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops scheduling rounds and waits for the one under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.round;
  }

  /** One round now; resolves with the number of instances purged. */
  async runOnce(): Promise<number> {
    const endedBefore = new Date(this.clock.now() - this.policy.maxAgeMs);
    const { instancesDeleted } = await this.client.purgeInstances({ lastUpdatedTimeTo: endedBefore });
    if (instancesDeleted > 0) this.logger.info({ instancesDeleted, endedBefore }, 'retention purged ended orchestration instances');
    return instancesDeleted;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(() => {
      this.round = this.runOnce().then(
        () => undefined,
        (error: unknown) => this.logger.warn({ err: error }, 'retention round failed; the next round tries again'),
      );
      void this.round.then(() => this.schedule(this.policy.intervalMs));
    }, delayMs);
  }
}
