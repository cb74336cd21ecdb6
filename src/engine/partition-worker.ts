import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { entityIdToString } from '../registry/entity-id';
import { EntityCache } from '../runtime/entity-cache';
import type { BatchOutcome, EntityExecutor, SnapshotLoader } from '../runtime/entity-executor';
import type { OperationMessage } from '../runtime/messages';
import { telemetry } from '../telemetry/telemetry';

/** A message waiting in a partition, with whatever the engine needs to acknowledge it. */
export interface Delivery<Ack = unknown> {
  readonly message: OperationMessage;
  readonly ack: Ack;
}

/** The engine side of a partition: storage reads, the atomic commit, and what follows it. */
export interface PartitionSink<Ack> extends SnapshotLoader {
  /** Makes the batch's outcome durable atomically: snapshots, produced messages, consumed inputs. */
  commit(partition: number, batch: readonly Delivery<Ack>[], outcome: BatchOutcome): Promise<void>;
  /** Runs after a successful commit: replies, change streams, acknowledgements. */
  afterCommit(partition: number, batch: readonly Delivery<Ack>[], outcome: BatchOutcome): void;
}

/** Tuning of a {@link PartitionWorker}. */
export interface PartitionWorkerOptions {
  readonly maxBatchSize: number;
  readonly cacheCapacity: number;
  /** Delay before a failed commit is retried; doubles up to 30 times this. */
  readonly retryDelayMs: number;
  /** Checked before every batch; when false the worker pauses until {@link PartitionWorker.activate} is called again. */
  readonly mayProcess?: () => boolean;
}

/**
 * The processing loop of one partition, shared by the engines: take a batch of pending
 * messages, apply it, commit once, then publish what it produced. One batch at a time,
 * so operations on one entity never interleave.
 */
export class PartitionWorker<Ack> {
  private readonly cache: EntityCache;
  private queue: Delivery<Ack>[] = [];
  private head = 0;
  private running: Promise<void> | undefined;
  private active = false;
  private failures = 0;
  private stopWatchingBacklog: (() => void) | undefined;
  /** Totals over committed batches. */
  readonly totals = { applied: 0, failed: 0, duplicates: 0, batches: 0, signalsReceived: 0, messagesApplied: 0 };

  constructor(
    readonly partition: number,
    private readonly executor: EntityExecutor,
    private readonly sink: PartitionSink<Ack>,
    private readonly logger: Logger,
    private readonly options: PartitionWorkerOptions,
  ) {
    this.cache = new EntityCache(options.cacheCapacity);
  }

  /** Number of messages waiting. */
  get backlog(): number {
    return this.queue.length - this.head;
  }

  /** Queues a message; it runs once the worker is active. */
  enqueue(delivery: Delivery<Ack>): void {
    this.queue.push(delivery);
    if (this.active && !this.running) this.running = this.loop();
  }

  /** Starts processing what is queued and what arrives later. */
  activate(): void {
    this.active = true;
    this.stopWatchingBacklog ??= telemetry().watchBacklog(this.partition, () => this.backlog);
    if (!this.running && this.backlog > 0) this.running = this.loop();
  }

  /** Stops taking new batches and waits for the one in flight to commit. */
  async deactivate(): Promise<void> {
    this.active = false;
    this.stopWatchingBacklog?.();
    this.stopWatchingBacklog = undefined;
    await this.running;
  }

  /** Drops cached entities and queued messages (used when the partition moves elsewhere). */
  reset(): void {
    this.cache.clear();
    this.dropQueue();
  }

  /** Drops queued messages; the engine will deliver them again (cached entities stay valid). */
  dropQueue(): void {
    this.queue = [];
    this.head = 0;
  }

  private async loop(): Promise<void> {
    // Let the caller that triggered the loop finish queueing its burst first.
    await Promise.resolve();
    try {
      while (this.active && this.backlog > 0 && (this.options.mayProcess?.() ?? true)) {
        const batch = this.take();
        const committed = await this.process(batch);
        if (!committed) {
          this.queue.splice(this.head, 0, ...batch);
          await delay(Math.min(this.options.retryDelayMs * 2 ** Math.min(this.failures - 1, 5), this.options.retryDelayMs * 30));
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private take(): Delivery<Ack>[] {
    const end = Math.min(this.queue.length, this.head + this.options.maxBatchSize);
    const batch = this.queue.slice(this.head, end);
    this.head = end;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  private async process(batch: Delivery<Ack>[]): Promise<boolean> {
    let outcome: BatchOutcome | undefined;
    const span = telemetry().batch(this.partition, batch.length);
    try {
      outcome = await span.run(() =>
        this.executor.execute(
          batch.map((d) => d.message),
          this.cache,
          this.sink,
        ),
      );
      span.committing();
      await this.sink.commit(this.partition, batch, outcome);
    } catch (error) {
      span.failed(error);
      this.failures++;
      // The in-memory entities ran ahead of storage; forget them so they reload.
      this.cache.invalidate(batch.map((d) => entityIdToString(d.message.target)));
      this.logger.error({ partition: this.partition, err: error, attempt: this.failures }, 'batch commit failed; retrying');
      return false;
    }
    this.failures = 0;
    this.totals.applied += outcome.applied;
    this.totals.failed += outcome.failed;
    this.totals.duplicates += outcome.duplicates;
    this.totals.signalsReceived += outcome.signals;
    this.totals.messagesApplied += outcome.messages;
    this.totals.batches++;
    span.committed(outcome.applied, outcome.failed);
    this.sink.afterCommit(this.partition, batch, outcome);
    return true;
  }
}
