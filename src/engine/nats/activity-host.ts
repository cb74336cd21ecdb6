import { AckPolicy, nanos, type ConsumerMessages, type JsMsg } from 'nats';
import type { Logger } from 'pino';
import type { ActivityHandler } from '../../runtime/activity-tasks';
import type { Clock } from '../../runtime/clock';
import type { OperationMessage } from '../../runtime/messages';
import { ActivityPool } from '../activity-pool';
import type { HubClient } from './hub-client';
import type { HubConnection } from './hub-connection';
import { decodeText } from './wire-codec';

/** How long the server waits for a running task's acknowledgement before giving it to another worker; renewed while it runs. */
const TASK_ACK_WAIT_MS = 60_000;

/** What an {@link ActivityHost} needs. */
export interface ActivityHostOptions {
  readonly connection: HubConnection;
  readonly hub: HubClient;
  readonly handler: ActivityHandler;
  readonly concurrency: number;
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * Runs activity tasks on a worker. Every worker of a hub pulls from one durable consumer
 * on `<hub>_ACT`, so tasks spread over the live workers; a task is acknowledged after its
 * outcome is published, and a worker that dies mid-task leaves it to be delivered again
 * (activities are at-least-once).
 */
export class ActivityHost {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly pool: ActivityPool<JsMsg>;
  /** Tasks held by this worker, kept from redelivery elsewhere while they wait or run. */
  private readonly heartbeats = new Map<JsMsg, NodeJS.Timeout>();

  constructor(private readonly options: ActivityHostOptions) {
    this.pool = new ActivityPool<JsMsg>({
      handler: options.handler,
      concurrency: options.concurrency,
      logger: options.logger,
      retryDelayMs: 250,
      complete: async ({ ack }, outcome) => {
        const now = options.clock.now();
        await Promise.all(outcome.map((m) => options.hub.send(m, now)));
        clearInterval(this.heartbeats.get(ack));
        this.heartbeats.delete(ack);
        ack.ack();
      },
    });
  }

  /** Tasks running or waiting in this process. */
  get pending(): number {
    return this.pool.inFlight + this.pool.backlog;
  }

  async start(): Promise<void> {
    const { jsm, js, layout } = this.options.connection;
    // Adding a consumer with the same settings is idempotent, so every worker can do it.
    await jsm.consumers.add(layout.activityStream, {
      durable_name: layout.activityConsumer,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(TASK_ACK_WAIT_MS),
      max_ack_pending: -1,
    });
    const consumer = await js.consumers.get(layout.activityStream, layout.activityConsumer);
    this.messages = await consumer.consume({ max_messages: this.options.concurrency });
    this.pool.start();
    this.loop = this.consume(this.messages);
  }

  async stop(): Promise<void> {
    this.messages?.stop();
    await this.loop;
    // Tasks not started yet go back to the server when their acknowledgement wait passes.
    this.pool.dropWaiting();
    await this.pool.stop();
    for (const heartbeat of this.heartbeats.values()) clearInterval(heartbeat);
    this.heartbeats.clear();
  }

  private async consume(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      let task: OperationMessage;
      try {
        task = JSON.parse(decodeText(msg.data)) as OperationMessage;
      } catch (error) {
        this.options.logger.error({ err: error, subject: msg.subject }, 'dropping an activity task that is not JSON');
        msg.term();
        continue;
      }
      this.heartbeats.set(
        msg,
        setInterval(() => msg.working(), TASK_ACK_WAIT_MS / 3),
      );
      this.pool.enqueue({ message: task, ack: msg });
    }
  }
}
