import type { Observable } from 'rxjs';
import { AppStoppedError } from '../../errors';
import type { EntityId } from '../../registry/entity-id';
import type { BatchOutcome, EntityExecutor } from '../../runtime/entity-executor';
import type { EntitySnapshot, OperationMessage, OperationReply } from '../../runtime/messages';
import { decodeSnapshot, encodeSnapshot } from '../../runtime/snapshot-codec';
import { isActivityTask } from '../../runtime/activity-tasks';
import { ActivityPool } from '../activity-pool';
import type { EngineOptions } from '../engine-options';
import { ChangeTopics } from '../change-topics';
import { zeroStats, type Engine, type EngineStats, type SnapshotPage, type SnapshotQuery, type WatchFilter } from '../engine';
import { partitionOf } from '../partitioner';
import { PartitionWorker, type Delivery, type PartitionSink } from '../partition-worker';
import { CommitWriter, type Segment } from './commit-writer';
import { LevelStore, type StoreOperation } from '../level-store';
import { ScheduledMessages, type ScheduledEntry } from '../scheduled-messages';
import { StorageKeys } from './storage-keys';

/** How hard a commit tries to reach the disk. */
export type Durability = 'strict' | 'relaxed';

/** Settings of the {@link EmbeddedEngine}. */
export interface EmbeddedEngineOptions extends EngineOptions {
  readonly directory: string;
  readonly executor: EntityExecutor;
  /** `strict` fsyncs every group commit; `relaxed` leaves flushing to the OS (survives a process crash, not a power cut). */
  readonly durability: Durability;
}

interface Waiter {
  readonly resolve: (reply: OperationReply) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One process, one LevelDB: the inbox log, snapshots and scheduled messages share a
 * database, so a partition's commit (new snapshots, messages its operations sent, and
 * consumption of its inputs) is a single atomic write through the {@link CommitWriter}.
 */
export class EmbeddedEngine implements Engine, PartitionSink<Segment | undefined> {
  private readonly topics = new ChangeTopics();
  private readonly partitions: PartitionWorker<Segment | undefined>[];
  private readonly waiters = new Map<string, Waiter>();
  private readonly scheduled: ScheduledMessages;
  /** The messages each commit stored as timers, for its afterCommit to arm: the clock moves on during the write, so afterCommit must not decide again. */
  private readonly storedTimers = new WeakMap<BatchOutcome, ScheduledEntry[]>();
  private readonly writer: CommitWriter;
  private readonly activities: ActivityPool<Segment | undefined> | undefined;
  private state: 'open' | 'running' | 'stopping' | 'stopped' = 'open';

  private constructor(
    private readonly store: LevelStore,
    private readonly options: EmbeddedEngineOptions,
    lastSeq: number,
  ) {
    const logger = options.logger.child({ engine: 'embedded' });
    this.partitions = Array.from(
      { length: options.partitionCount },
      (_, p) =>
        new PartitionWorker<Segment | undefined>(p, options.executor, this, logger.child({ partition: p }), {
          maxBatchSize: options.maxBatchSize,
          cacheCapacity: Math.max(16, Math.ceil(options.cacheCapacity / options.partitionCount)),
          retryDelayMs: 50,
        }),
    );
    this.writer = new CommitWriter(
      store,
      options.durability === 'strict',
      lastSeq,
      (message, segment) => this.deliver(message, segment),
      options.executor.mergeOf,
    );
    this.scheduled = new ScheduledMessages(options.clock, (due) => this.fireScheduled(due));
    this.activities = options.activities
      ? new ActivityPool<Segment | undefined>({
          handler: options.activities,
          concurrency: options.activityConcurrency,
          logger,
          retryDelayMs: 100,
          // The outcome is stored before the task is consumed: a crash in between runs the task again.
          // A done marker is stored atomically with the outcome, because the task's segment stays
          // until all of its messages are consumed and recovery would otherwise run it again.
          complete: async ({ message, ack: segment }, outcome) => {
            const marker = segment && message.seq !== undefined ? StorageKeys.activityDone(message.seq) : undefined;
            await this.writer.submit({ append: outcome, ...(marker ? { operations: [{ type: 'put', key: marker, value: '' }] } : {}) });
            if (marker) segment!.markers.push(marker);
            this.consumed(segment);
          },
        })
      : undefined;
  }

  /** Opens the database and recovers the inbox and scheduled messages; processing waits for {@link start}. */
  static async open(options: EmbeddedEngineOptions): Promise<EmbeddedEngine> {
    const store = await LevelStore.open(options.directory);
    try {
      const lastSeq = Number((await store.get(StorageKeys.lastSeq)) ?? 0);
      const engine = new EmbeddedEngine(store, options, lastSeq);
      await engine.recover();
      return engine;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  async start(): Promise<void> {
    this.assertOpen();
    this.state = 'running';
    for (const partition of this.partitions) partition.activate();
    this.scheduled.start();
    this.activities?.start();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.scheduled.stop();
    await Promise.all([...this.partitions.map((p) => p.deactivate()), this.activities?.stop()]);
    await this.writer.close();
    for (const waiter of this.waiters.values()) {
      waiter.reject(new AppStoppedError('The app stopped before this call was applied; it was not applied. Call again after restarting.'));
    }
    this.waiters.clear();
    await this.store.close();
    this.state = 'stopped';
    this.topics.end();
  }

  send(messages: readonly OperationMessage[]): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return Promise.reject(new AppStoppedError());
    if (messages.every((m) => m.scheduledTime === undefined)) return this.writer.submit({ append: messages });
    return this.sendScheduled(messages);
  }

  private async sendScheduled(messages: readonly OperationMessage[]): Promise<void> {
    const now = this.options.clock.now();
    const append: OperationMessage[] = [];
    const timers: ScheduledEntry[] = [];
    for (const message of messages) {
      if (message.scheduledTime !== undefined && message.scheduledTime > now) timers.push(scheduledEntry(message));
      else append.push(message);
    }
    await this.writer.submit({ append, operations: timers.map(timerPut) });
    this.scheduled.add(timers);
  }

  call(message: OperationMessage): Promise<OperationReply> {
    this.assertOpen();
    return new Promise<OperationReply>((resolve, reject) => {
      this.waiters.set(message.id, { resolve, reject });
      this.writer.submit({ transient: [message] }).catch((error: unknown) => {
        this.waiters.delete(message.id);
        reject(error);
      });
    });
  }

  watch(filter: WatchFilter): Observable<EntitySnapshot> {
    return this.topics.watch(filter);
  }

  stats(): EngineStats {
    const stats = { ...zeroStats(), scheduled: this.scheduled.size, partitions: this.partitions.map((p) => p.partition) };
    for (const partition of this.partitions) {
      stats.applied += partition.totals.applied;
      stats.signalsReceived += partition.totals.signalsReceived;
      stats.messagesApplied += partition.totals.messagesApplied;
      stats.failed += partition.totals.failed;
      stats.duplicates += partition.totals.duplicates;
      stats.batches += partition.totals.batches;
      stats.backlog += partition.backlog;
    }
    return stats;
  }

  async readSnapshot(id: EntityId): Promise<EntitySnapshot | undefined> {
    this.assertOpen();
    const text = await this.store.get(StorageKeys.snapshot(id));
    return text === undefined ? undefined : decodeSnapshot(id, text);
  }

  async listSnapshots(query: SnapshotQuery): Promise<SnapshotPage> {
    this.assertOpen();
    const end = StorageKeys.snapshotsEnd(query.name);
    const prefix = query.keyPrefix ?? '';
    // With a name, the prefix narrows the scanned range; without one, it filters.
    const first = query.name !== undefined && prefix !== '' ? `${StorageKeys.snapshotsStart(query.name)}${prefix}` : StorageKeys.snapshotsStart(query.name);
    const start = query.continuationToken === undefined ? first : `${Buffer.from(query.continuationToken, 'base64url').toString('utf8')}\u0000`;
    const snapshots: EntitySnapshot[] = [];
    let lastKey: string | undefined;
    for await (const [key, text] of this.store.entries(start, end)) {
      const id = StorageKeys.snapshotId(key);
      if (!id.key.startsWith(prefix)) {
        if (query.name !== undefined) break;
        continue;
      }
      const snapshot = decodeSnapshot(id, text);
      if (!snapshot.exists) continue;
      if (query.lastModifiedFrom !== undefined && snapshot.lastModified < query.lastModifiedFrom) continue;
      if (query.lastModifiedTo !== undefined && snapshot.lastModified > query.lastModifiedTo) continue;
      if (query.where && !query.where(snapshot)) continue;
      if (snapshots.length === query.pageSize) {
        return { snapshots, continuationToken: Buffer.from(lastKey!, 'utf8').toString('base64url') };
      }
      snapshots.push(snapshot);
      lastKey = key;
    }
    return { snapshots };
  }

  async loadSnapshots(ids: readonly EntityId[]): Promise<readonly (EntitySnapshot | undefined)[]> {
    const texts = await this.store.getMany(ids.map(StorageKeys.snapshot));
    return texts.map((text, i) => (text === undefined ? undefined : decodeSnapshot(ids[i]!, text)));
  }

  async commit(_partition: number, _batch: readonly Delivery<Segment | undefined>[], outcome: BatchOutcome): Promise<void> {
    const operations: StoreOperation[] = outcome.changes.map((snapshot) => ({
      type: 'put',
      key: StorageKeys.snapshot(snapshot.id),
      value: encodeSnapshot(snapshot),
    }));
    const now = this.options.clock.now();
    const append: OperationMessage[] = [];
    const timers: ScheduledEntry[] = [];
    for (const message of outcome.produced) {
      if (message.scheduledTime !== undefined && message.scheduledTime > now) timers.push(scheduledEntry(message));
      else append.push(message);
    }
    operations.push(...timers.map(timerPut));
    await this.writer.submit({ append, operations });
    this.storedTimers.set(outcome, timers);
  }

  afterCommit(_partition: number, batch: readonly Delivery<Segment | undefined>[], outcome: BatchOutcome): void {
    // A timer that fell due while the commit was written is armed all the same: it fires at once.
    this.scheduled.add(this.storedTimers.get(outcome) ?? []);
    this.storedTimers.delete(outcome);
    for (const { ack: segment } of batch) this.consumed(segment);
    for (const reply of outcome.replies) {
      const waiter = this.waiters.get(reply.id);
      this.waiters.delete(reply.id);
      waiter?.resolve(reply);
    }
    for (const snapshot of outcome.published) this.topics.publish(snapshot);
  }

  /** One more message of the segment is done with; the last one retires the segment. */
  private consumed(segment: Segment | undefined): void {
    if (segment && --segment.remaining === 0) this.writer.retire(segment);
  }

  private deliver(message: OperationMessage, segment: Segment | undefined): void {
    if (isActivityTask(message)) {
      if (this.activities) this.activities.enqueue({ message, ack: segment });
      else
        this.options.logger.warn(
          { activity: message.operation, task: message.id },
          'an activity task arrived but this app runs no activities; it stays stored',
        );
      return;
    }
    this.partitions[partitionOf(message.target, this.partitions.length)]!.enqueue({ message, ack: segment });
  }

  private fireScheduled(due: readonly ScheduledEntry[]): void {
    this.writer
      .submit({ append: due.map((entry) => entry.message), operations: due.map((entry) => ({ type: 'del', key: entry.key })) })
      .catch((error: unknown) => {
        if (this.state !== 'running') return;
        this.options.logger.error({ err: error, count: due.length }, 'could not deliver scheduled messages; retrying');
        setTimeout(() => this.scheduled.add(due), 1000).unref();
      });
  }

  /**
   * Reloads unapplied inbox segments (in log order) and scheduled messages. Activity tasks
   * with a done marker are not delivered again: their outcome is already in the inbox.
   */
  private async recover(): Promise<void> {
    const done = new Map<number, string>();
    for await (const [key] of this.store.entries(StorageKeys.activitiesDoneStart, StorageKeys.activitiesDoneEnd))
      done.set(StorageKeys.activityDoneSeq(key), key);
    for await (const [key, text] of this.store.entries(StorageKeys.segmentsStart, StorageKeys.segmentsEnd)) {
      const messages = JSON.parse(text) as OperationMessage[];
      const segment: Segment = { key, remaining: messages.length, markers: [] };
      const firstSeq = StorageKeys.segmentSeq(key);
      messages.forEach((message, i) => {
        message.seq = firstSeq + i;
        const marker = isActivityTask(message) ? done.get(message.seq) : undefined;
        if (marker === undefined) return this.deliver(message, segment);
        done.delete(message.seq);
        segment.markers.push(marker);
        this.consumed(segment);
      });
    }
    // A marker is deleted in the same write as its segment, so none should be left; any left marks nothing.
    if (done.size > 0)
      await this.store.write(
        [...done.values()].map((key) => ({ type: 'del' as const, key })),
        false,
      );
    const timers: ScheduledEntry[] = [];
    for await (const [key, text] of this.store.entries(StorageKeys.timersStart, StorageKeys.timersEnd)) {
      const message = JSON.parse(text) as OperationMessage;
      timers.push({ due: message.scheduledTime ?? 0, key, message });
    }
    this.scheduled.add(timers);
  }

  private assertOpen(): void {
    if (this.state === 'stopping' || this.state === 'stopped') throw new AppStoppedError();
  }
}

function scheduledEntry(message: OperationMessage): ScheduledEntry {
  return { due: message.scheduledTime!, key: StorageKeys.timer(message.scheduledTime!, message.id), message };
}

function timerPut(entry: ScheduledEntry): StoreOperation {
  return { type: 'put', key: entry.key, value: JSON.stringify(entry.message) };
}
