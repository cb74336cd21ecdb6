import { nextLockStep, type LockRequest, type UnlockRequest } from './entity-locks';
import type { EntityLock, OperationMessage } from './messages';

/**
 * One entity's lock during a batch: who holds it (an orchestration's critical section) and
 * the messages from others that wait for it. A `$lock` request takes a free lock (or one its
 * owner already holds) and travels on; one for a lock held by another waits in the queue like
 * any other message. The owner's `$unlock` frees the lock and hands back the waiting messages,
 * in arrival order, to run next (a waiting `$lock` among them takes the lock again before the
 * messages behind it).
 */
export class EntityLockQueue {
  private lock: EntityLock | undefined;
  /** Messages {@link release} handed back; created on first use, as most entities never hold a lock. */
  private released: Set<OperationMessage> | undefined;

  /** @param committed the lock as stored in the entity's committed snapshot */
  constructor(private readonly committed: EntityLock | undefined) {
    this.lock = committed;
  }

  /** The lock to store with the entity's snapshot (undefined: not locked). */
  get current(): EntityLock | undefined {
    return this.lock;
  }

  /** True while a critical section holds the entity. */
  get isHeld(): boolean {
    return this.lock !== undefined;
  }

  /** True when the lock or its queue differs from the committed one, so the snapshot must be stored. */
  get changed(): boolean {
    return this.lock !== this.committed;
  }

  /**
   * Handles a `$lock` message: takes the lock for the request's owner and returns the next
   * step (the request to the section's next entity, or the grant), or queues the message
   * behind the current owner and returns undefined.
   */
  request(message: OperationMessage, request: LockRequest): OperationMessage | undefined {
    if (this.lock && this.lock.owner !== request.owner) {
      this.enqueue(message);
      return undefined;
    }
    this.lock = { owner: request.owner, queue: this.lock?.queue ?? [] };
    return nextLockStep(message, request);
  }

  /**
   * Handles an `$unlock` message: when it comes from the owner, frees the lock and returns the
   * messages that waited for it, which run next. Anyone else's unlock changes nothing.
   */
  release(request: UnlockRequest | undefined): readonly OperationMessage[] {
    if (!this.lock || this.lock.owner !== request?.owner) return [];
    const waiting = this.lock.queue;
    this.released ??= new Set();
    for (const message of waiting) this.released.add(message);
    this.lock = undefined;
    return waiting;
  }

  /** Queues an ordinary message when the entity is locked by someone other than its sender; true when it was queued. */
  holdBack(message: OperationMessage): boolean {
    if (!this.lock || message.lockOwner === this.lock.owner) return false;
    this.enqueue(message);
    return true;
  }

  /** True for a message handed back by {@link release}: it was admitted when it arrived, in an earlier batch or this one. */
  wasWaiting(message: OperationMessage): boolean {
    return this.released?.has(message) ?? false;
  }

  private enqueue(message: OperationMessage): void {
    this.lock = { owner: this.lock!.owner, queue: [...this.lock!.queue, message] };
  }
}
