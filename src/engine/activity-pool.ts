import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ActivityHandler } from '../runtime/activity-tasks';
import type { OperationMessage } from '../runtime/messages';
import type { Delivery } from './partition-worker';

/** What an engine does once a task's outcome is known: send it durably, then consume the task. */
export type ActivityCompletion<Ack> = (delivery: Delivery<Ack>, outcome: readonly OperationMessage[]) => Promise<void>;

/** Settings of an {@link ActivityPool}. */
export interface ActivityPoolOptions<Ack> {
  readonly handler: ActivityHandler;
  readonly complete: ActivityCompletion<Ack>;
  /** Most activities running at once in this process. */
  readonly concurrency: number;
  readonly logger: Logger;
  /** Delay before a task whose outcome could not be delivered is tried again. */
  readonly retryDelayMs: number;
}

/**
 * Runs activity tasks with bounded concurrency, in arrival order. A task is consumed only
 * after its outcome is sent, so a crash in between runs it again (activities are
 * at-least-once).
 */
export class ActivityPool<Ack> {
  private readonly waiting: Delivery<Ack>[] = [];
  private readonly running = new Set<Promise<void>>();
  private active = false;

  constructor(private readonly options: ActivityPoolOptions<Ack>) {}

  /** Activities running now. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Tasks waiting for a free slot. */
  get backlog(): number {
    return this.waiting.length;
  }

  enqueue(delivery: Delivery<Ack>): void {
    this.waiting.push(delivery);
    this.pump();
  }

  start(): void {
    this.active = true;
    this.pump();
  }

  /** Stops starting tasks and waits for the running ones to report. */
  async stop(): Promise<void> {
    this.active = false;
    await Promise.allSettled([...this.running]);
  }

  /** Forgets the waiting tasks (their queue will deliver them again) and returns them, so an engine can hand them back at once. */
  dropWaiting(): Delivery<Ack>[] {
    return this.waiting.splice(0);
  }

  private pump(): void {
    while (this.active && this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const delivery = this.waiting.shift()!;
      const run: Promise<void> = this.run(delivery).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async run(delivery: Delivery<Ack>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.options.handler(delivery.message);
        await this.options.complete(delivery, outcome);
        return;
      } catch (error) {
        this.options.logger.error(
          { err: error, task: delivery.message.id, activity: delivery.message.operation, attempt },
          'could not run an activity task or report its outcome; retrying',
        );
        if (!this.active) return;
        await delay(Math.min(this.options.retryDelayMs * 2 ** Math.min(attempt - 1, 5), 30_000));
        if (!this.active) return;
      }
    }
  }
}
