import { setTimeout as delay } from 'node:timers/promises';
import { nanos } from '@nats-io/transport-node';
import { AckPolicy, type Consumer, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { Registry } from '../../registry/registry';
import type { ActivityHandler } from '../../runtime/activity-tasks';
import { HTTP_ACTIVITY } from '../../runtime/orchestration/durable-http';
import type { Clock } from '../../runtime/clock';
import { ActivityPool } from '../activity-pool';
import type { HubClient } from './hub-client';
import type { HubConnection } from './hub-connection';
import { decodeActivityTask } from './wire-codec';
import { publishDeadLetter } from './dead-letter-publishing';

/** How long the server waits for a running task's acknowledgement before giving it to another worker, unless set; renewed while it runs. */
export const DEFAULT_ACTIVITY_ACK_WAIT_MS = 60_000;
/**
 * How long one pull request stays open. Stopping waits for the open one to end: a pull
 * request cannot be withdrawn, and tasks the server sends after the worker stopped
 * listening would stay taken until the acknowledgement wait passes.
 */
const PULL_EXPIRES_MS = 1_000;
/**
 * How long a task this worker does not have the activity for is held back before it is
 * offered again: this, plus up to as much again at random, so the redelivery does not keep
 * meeting this worker's next pull request.
 */
const FOREIGN_TASK_DELAY_MS = 500;
/**
 * A task for an activity this worker does not have is handed back (for a worker that has
 * it, e.g. during a rolling upgrade) until it has been delivered this many times; after that
 * it is run anyway, which fails it with an `UnknownActivityError` as on the embedded engine,
 * so the orchestration does not wait forever for an activity no worker has.
 */
const FOREIGN_TASK_DELIVERIES = 50;

/** What an {@link ActivityTaskConsumer} needs. */
export interface ActivityTaskConsumerOptions {
  readonly connection: HubConnection;
  readonly hubClient: HubClient;
  readonly registry: Registry;
  readonly handler: ActivityHandler;
  readonly concurrency: number;
  /** The consumer's acknowledgement wait: how long a task held by a worker that died stays taken. */
  readonly ackWaitMs: number;
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * Runs activity tasks on a worker. Every worker of a hub pulls from one durable consumer
 * on `<hub>_ACT`, so tasks spread over the live workers; a task is acknowledged after its
 * outcome is published, and a worker that dies mid-task leaves it to be delivered again
 * (activities are at-least-once). A worker pulls only as many tasks as it has free
 * slots, so a burst spreads over the workers instead of piling up on the first one. A task
 * that is not one (bad JSON, wrong shape) goes to the dead-letter stream; a worker that
 * stops hands the tasks it has not started back at once.
 */
export class ActivityTaskConsumer {
  private running = false;
  /**
   * Set when this worker handed a task back: it then pulls nothing until the task has been
   * offered again, so the redelivery goes to another worker's pull request rather than to
   * this one's (the server serves waiting pull requests in order).
   */
  private handedBack = false;
  private readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private loop: Promise<void> | undefined;
  /** Wakes the pull loop when a slot frees up (or the consumer stops). */
  private wake: (() => void) | undefined;
  private readonly pool: ActivityPool<JsMsg>;
  /** Tasks held by this worker, kept from redelivery elsewhere while they wait or run. */
  private readonly heartbeats = new Map<JsMsg, NodeJS.Timeout>();
  private deadLetteredCount = 0;

  constructor(private readonly options: ActivityTaskConsumerOptions) {
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.pool = new ActivityPool<JsMsg>({
      handler: options.handler,
      concurrency: options.concurrency,
      logger: options.logger,
      retryDelayMs: 250,
      complete: async ({ ack }, outcome) => {
        const now = options.clock.now();
        await Promise.all(outcome.map((m) => options.hubClient.send(m, now)));
        this.release(ack);
        ack.ack();
      },
    });
  }

  /** Tasks running or waiting in this process. */
  get pending(): number {
    return this.pool.inFlight + this.pool.backlog;
  }

  /** Tasks moved to the dead-letter stream by this worker. */
  get deadLettered(): number {
    return this.deadLetteredCount;
  }

  async start(): Promise<void> {
    const { jsm, js, layout } = this.options.connection;
    // Adding a consumer with the same settings is idempotent, so every worker can do it.
    await jsm.consumers.add(layout.activityStream, {
      durable_name: layout.activityConsumer,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.options.ackWaitMs),
      max_ack_pending: -1,
    });
    const consumer = await js.consumers.get(layout.activityStream, layout.activityConsumer);
    this.running = true;
    this.pool.start();
    this.loop = this.pull(consumer);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.resolveStopped();
    this.wake?.();
    // The open pull request ends within PULL_EXPIRES_MS; what it still brings is handed back.
    await this.loop;
    // Tasks not started yet go back to the server now, for the other workers.
    for (const delivery of this.pool.dropWaiting()) this.handBack(delivery.ack);
    await this.pool.stop();
    // Tasks whose outcome could not be sent before the stop.
    for (const msg of [...this.heartbeats.keys()]) this.handBack(msg);
  }

  /** Pulls tasks while running, at most as many as there are free slots. */
  private async pull(consumer: Consumer): Promise<void> {
    while (this.running) {
      // Held tasks (waiting or running) leave their slot when they are acknowledged or handed back.
      const free = this.options.concurrency - this.heartbeats.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      try {
        if (this.handedBack) {
          this.handedBack = false;
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, 2 * FOREIGN_TASK_DELAY_MS))), this.stopped]);
          clearTimeout(timer);
          continue;
        }
        const batch = await consumer.fetch({ max_messages: free, expires: PULL_EXPIRES_MS });
        for await (const msg of batch) await this.accept(msg);
      } catch (error) {
        if (!this.running) return;
        this.options.logger.warn({ err: error }, 'could not pull activity tasks; retrying');
        await delay(PULL_EXPIRES_MS);
      }
    }
  }

  private async accept(msg: JsMsg): Promise<void> {
    if (!this.running) {
      // Brought by the pull request that was open when the consumer stopped.
      msg.nak();
      return;
    }
    const decoded = decodeActivityTask(msg.data);
    if ('reason' in decoded) {
      await this.deadLetter(msg, decoded.reason);
      return;
    }
    const task = decoded.message;
    if (!this.options.registry.hasActivity(task.operation) && task.operation !== HTTP_ACTIVITY && msg.info.deliveryCount < FOREIGN_TASK_DELIVERIES) {
      this.options.logger.debug(
        { activity: task.operation, task: task.id, delivery: msg.info.deliveryCount },
        'this worker does not have the activity; handing the task back',
      );
      msg.nak(FOREIGN_TASK_DELAY_MS + Math.floor(Math.random() * FOREIGN_TASK_DELAY_MS));
      this.handedBack = true;
      return;
    }
    this.heartbeats.set(
      msg,
      setInterval(() => msg.working(), this.options.ackWaitMs / 3),
    );
    this.pool.enqueue({ message: task, ack: msg });
  }

  /** Forgets a task this worker no longer holds, freeing its slot. */
  private release(msg: JsMsg): void {
    clearInterval(this.heartbeats.get(msg));
    this.heartbeats.delete(msg);
    this.wake?.();
  }

  /** Gives a held task back to the server at once, for any worker. */
  private handBack(msg: JsMsg): void {
    this.release(msg);
    try {
      msg.nak();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not hand an activity task back; it returns after the acknowledgement wait');
    }
  }

  private async deadLetter(msg: JsMsg, reason: string): Promise<void> {
    const { js, layout } = this.options.connection;
    try {
      await publishDeadLetter(js, layout.activityDeadLetterSubject(), 'act', msg, reason);
      msg.ack();
      this.deadLetteredCount++;
      this.options.logger.warn({ subject: msg.subject, reason }, 'activity task moved to the dead-letter stream');
    } catch (error) {
      this.options.logger.error({ err: error }, 'could not dead-letter an activity task; it will be redelivered');
    }
  }
}
