import { AppStoppedError } from '../../errors';
import type { OperationMessage } from '../../runtime/messages';
import { foldClientSignals, type MergeLookup } from '../../runtime/signal-folding';
import type { LevelStore, StoreOperation } from '../level-store';
import { StorageKeys } from './storage-keys';

/** An inbox segment: the messages one group commit appended. Deleted once all are applied. */
export interface Segment {
  readonly key: string;
  remaining: number;
  /** Done markers of the segment's finished activity tasks, deleted together with the segment. */
  readonly markers: string[];
}

/** What one writer of the database wants committed. */
export interface WriteRequest {
  /** Messages to append to the inbox log; they get consecutive positions in this order. */
  readonly append?: readonly OperationMessage[];
  /** Messages delivered in order with this commit but not stored (calls: their sender waits). */
  readonly transient?: readonly OperationMessage[];
  /** Other writes that must be atomic with the appends (snapshots, timers). */
  readonly operations?: readonly StoreOperation[];
}

interface Pending {
  readonly request: WriteRequest;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The single writer of the embedded engine's database. Every request that arrives while a
 * write is in flight joins the next one: one LevelDB batch (and one fsync) for many
 * signals and partition commits. Appended messages of one round form one inbox segment,
 * so a signal costs a share of one put instead of a put and a delete of its own.
 */
export class CommitWriter {
  private queue: Pending[] = [];
  private retiredSegments: string[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly store: LevelStore,
    private readonly sync: boolean,
    private lastSeq: number,
    private readonly deliver: (message: OperationMessage, segment: Segment | undefined) => void,
    /** Mergeable operations: client signals of one that wait for the same write are folded. */
    private readonly mergeOf?: MergeLookup,
  ) {}

  /** Commits the request with the next group; resolves when it is durable and delivered. */
  submit(request: WriteRequest): Promise<void> {
    if (this.closed) return Promise.reject(new AppStoppedError());
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Retires a fully applied segment: it (and its done markers) is deleted with the next write. */
  retire(segment: Segment): void {
    this.retiredSegments.push(segment.key, ...segment.markers);
    this.flushing ??= this.flush();
  }

  /** Writes what is queued, then refuses new requests. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    if (this.retiredSegments.length > 0) await this.flush();
  }

  private async flush(): Promise<void> {
    // Requests made in the same tick join this write.
    await Promise.resolve();
    try {
      while (this.queue.length > 0 || this.retiredSegments.length > 0) {
        const round = this.queue;
        this.queue = [];
        await this.writeRound(round);
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeRound(round: readonly Pending[]): Promise<void> {
    const operations: StoreOperation[] = [];
    // Everything delivered with this write, in order: appended messages and calls.
    let delivered: OperationMessage[] = [];
    let transient: Set<OperationMessage> | undefined;
    let appendedCount = 0;
    for (const { request } of round) {
      if (request.operations) for (const op of request.operations) operations.push(op);
      if (request.append) {
        for (const message of request.append) delivered.push(message);
        appendedCount += request.append.length;
      }
      if (request.transient) {
        transient ??= new Set();
        for (const message of request.transient) {
          delivered.push(message);
          transient.add(message);
        }
      }
    }
    // A call between two signals keeps them apart: it is not foldable, so it ends their run.
    if (this.mergeOf && appendedCount > 1) delivered = foldClientSignals(delivered, this.mergeOf);
    const appended = transient ? delivered.filter((m) => !transient.has(m)) : delivered;
    const firstSeq = this.lastSeq + 1;
    const segment: Segment | undefined = appended.length > 0 ? { key: StorageKeys.segment(firstSeq), remaining: appended.length, markers: [] } : undefined;
    if (segment) {
      // Positions are not stored: a message's position is the segment's plus its index.
      operations.push({ type: 'put', key: segment.key, value: JSON.stringify(appended) });
      appended.forEach((message, i) => (message.seq = firstSeq + i));
      operations.push({ type: 'put', key: StorageKeys.lastSeq, value: String(firstSeq + appended.length - 1) });
    }
    // Deleting applied segments needs no fsync: if it is lost, recovery skips their messages by position.
    const needsSync = this.sync && operations.length > 0;
    const retired = this.retiredSegments;
    this.retiredSegments = [];
    for (const key of retired) operations.push({ type: 'del', key });
    try {
      if (operations.length > 0) await this.store.write(operations, needsSync);
    } catch (error) {
      this.retiredSegments.push(...retired);
      for (const pending of round) pending.reject(error);
      return;
    }
    if (segment) this.lastSeq = firstSeq + appended.length - 1;
    for (const message of delivered) this.deliver(message, transient?.has(message) ? undefined : segment);
    // Every signal folded into a stored message is as durable as that message.
    for (const pending of round) pending.resolve();
  }
}
