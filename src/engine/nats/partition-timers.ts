import type { ConsumerMessages, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { Clock } from '../../runtime/clock';
import type { OperationMessage } from '../../runtime/messages';
import { ScheduledMessages, type ScheduledEntry } from '../scheduled-messages';
import type { HubClient } from './hub-client';
import type { HubLayout } from './hub-layout';
import { labelled, withDeadline } from './step-deadlines';
import { openOrderedConsumer } from './ordered-consumers';
import { decodeText } from './wire-codec';

/** What a {@link PartitionTimers} needs. */
export interface PartitionTimersOptions {
  readonly partition: number;
  /** The hub connection's `orderedJs`. */
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly layout: HubLayout;
  readonly hubClient: HubClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long opening the timer consumer may take. */
  readonly openTimeoutMs: number;
}

/**
 * The scheduled signals of one owned partition: read from `<hub>_TIMERS` (the last one per
 * subject), kept in time order, and fired when due: published to `<hub>_WORK` with their
 * stored id, then purged from the timer stream. A fire that fails is tried again a second
 * later; one fired twice (a purge that failed) is dropped as a duplicate by its id.
 */
export class PartitionTimers {
  private readonly scheduled: ScheduledMessages;
  private messages: ConsumerMessages | undefined;
  private reading: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: PartitionTimersOptions) {
    this.scheduled = new ScheduledMessages(options.clock, (due) => this.fire(due));
  }

  /** Scheduled signals waiting for their time. */
  get size(): number {
    return this.scheduled.size;
  }

  /** Opens the timer consumer and starts firing what is due. */
  async start(): Promise<void> {
    const { partition, js, layout, openTimeoutMs } = this.options;
    // From the start of the filter: the default. (Naming DeliverPolicy.All explicitly made nats.js 2.x hang on a 2.9 server.)
    const consumer = await labelled(
      openOrderedConsumer(js, layout.timerStream, { filter_subjects: layout.timerFilter(partition) }, openTimeoutMs),
      `Partition ${partition}: opening its timers`,
    );
    this.messages = await withDeadline(consumer.consume(), openTimeoutMs, `Partition ${partition}: reading its timers`);
    this.reading = this.read(this.messages!);
    this.scheduled.start();
  }

  /** Stops reading and firing; resolves once the reading loop ended. */
  stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    this.scheduled.stop();
    return this.reading ?? Promise.resolve();
  }

  private async read(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      if (msg.data.length === 0) continue;
      const message = JSON.parse(decodeText(msg.data)) as OperationMessage;
      this.scheduled.add([{ due: message.scheduledTime ?? 0, key: msg.subject, message }]);
    }
  }

  private fire(due: readonly ScheduledEntry[]): void {
    const { hubClient, jsm, layout, logger, partition } = this.options;
    void Promise.all(
      due.map(async (entry) => {
        await hubClient.publishWork(entry.message);
        await jsm.streams.purge(layout.timerStream, { filter: entry.key });
      }),
    ).catch((error: unknown) => {
      if (this.stopped) return;
      logger.warn({ partition, err: error }, 'could not fire scheduled messages; retrying');
      setTimeout(() => this.scheduled.add(due), 1000);
    });
  }
}
