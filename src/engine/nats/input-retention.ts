import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { HubLayout } from './hub-layout';

/** How long a partition keeps its acknowledged inputs unless `inputRetentionMs` says otherwise: above nats-server 2.9's 2-minute sync interval. */
export const DEFAULT_INPUT_RETENTION_MS = 180_000;

/** What an {@link InputRetention} needs. */
export interface InputRetentionOptions {
  readonly jsm: JetStreamManager;
  /** Where each partition's purge point and acknowledgement floor are recorded (the hub's config bucket). */
  readonly config: KV;
  readonly layout: HubLayout;
  readonly partition: number;
  /** How long an acknowledged input is kept. */
  readonly retentionMs: number;
  readonly logger: Logger;
}

/**
 * Deletes a partition's inputs from `<hub>_WORK` once they are safe to lose. An
 * acknowledged input is covered by a committed snapshot, but a NATS server that crashes
 * can come back with an older snapshot (or none) for entities it wrote shortly before,
 * while their inputs stay acknowledged. So inputs are kept for `retentionMs` after their
 * acknowledgement, long enough for the server to have flushed the snapshots that cover
 * them; a partition's new consumer applies them again where a snapshot fell behind.
 *
 * It samples the partition consumer's acknowledgement floor (every input at or below it
 * is acknowledged) and purges up to the floor sampled `retentionMs` ago. The purge point
 * is recorded first, so a replay knows which inputs it can no longer count on.
 *
 * The highest floor sampled is recorded too. A nats-server killed with SIGKILL can come
 * back with a consumer's acknowledgement floor fallen back (to 0 after a short life),
 * while what it stored in streams and buckets survives; the recorded floor tells the next
 * consumer which of the inputs it replays had been committed, and so which of them prove
 * that a snapshot fell behind.
 */
export class InputRetention {
  private readonly samples: { readonly atMs: number; readonly floor: number }[] = [];
  private purgedUpTo = 0;
  private floorRecorded = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: InputRetentionOptions) {}

  /** The partition's inputs below this position have been purged (0: none ever was). */
  async purgedBelow(): Promise<number> {
    const entry = await this.options.config.get(this.purgeKey);
    return entry && entry.operation === 'PUT' ? Number(entry.string()) : 0;
  }

  /** The highest acknowledgement floor recorded for the partition (0: none yet). */
  async recordedFloor(): Promise<number> {
    const entry = await this.options.config.get(this.floorKey);
    const floor = entry && entry.operation === 'PUT' ? Number(entry.string()) : 0;
    this.floorRecorded = Math.max(this.floorRecorded, floor);
    return floor;
  }

  /**
   * Forgets the samples taken so far: called when the partition's consumer is replaced,
   * so nothing is purged while the new consumer may still be replaying it.
   */
  restart(): void {
    this.samples.length = 0;
  }

  private get purgeKey(): string {
    return `purged.p${this.options.partition}`;
  }

  private get floorKey(): string {
    return `floor.p${this.options.partition}`;
  }

  /** How often the floor is sampled: a quarter of the retention, between 1 and 5 seconds. */
  get sampleIntervalMs(): number {
    return Math.min(5_000, Math.max(1_000, Math.floor(this.options.retentionMs / 4)));
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.sample().finally(() => (this.running = undefined));
    }, this.sampleIntervalMs);
    this.timer.unref();
  }

  /**
   * Stops sampling. A sample in flight is left to finish: what it purges was acknowledged
   * long enough ago whoever owns the partition next.
   */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Samples the floor now and purges what has been acknowledged for long enough. */
  async sample(nowMs = Date.now()): Promise<void> {
    const { jsm, layout, partition, retentionMs, logger } = this.options;
    try {
      const info = await jsm.consumers.info(layout.workStream, layout.consumerName(partition));
      const floor = info.ack_floor.stream_seq;
      this.samples.push({ atMs: nowMs, floor });
      if (floor > this.floorRecorded) {
        await this.options.config.put(this.floorKey, String(floor));
        this.floorRecorded = floor;
      }
      let safeFloor = 0;
      while (this.samples.length > 0 && this.samples[0]!.atMs <= nowMs - retentionMs) safeFloor = this.samples.shift()!.floor;
      if (safeFloor === 0 || safeFloor + 1 <= this.purgedUpTo) return;
      await this.options.config.put(this.purgeKey, String(safeFloor + 1));
      await jsm.streams.purge(layout.workStream, { filter: layout.workFilter(partition), seq: safeFloor + 1 });
      this.purgedUpTo = safeFloor + 1;
    } catch (error) {
      // The next sample tries again; keeping inputs longer is always safe.
      logger.debug({ partition, err: error }, 'could not purge retained inputs');
    }
  }
}
