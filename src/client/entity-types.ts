import type { Observable } from 'rxjs';
import type { EntityId } from '../registry/entity-id';
import type { CallProxy, SignalProxy } from '../runtime/operation-proxy';

/** What {@link EntityHandle.read} and `readEntityState` return. */
export interface EntityStateResponse<T> {
  /** False for a key that was never used, or whose entity was deleted. */
  readonly entityExists: boolean;
  /** The committed state, when the entity exists. */
  readonly entityState?: T;
}

/**
 * Where an entity stands besides its state: the critical section holding it and what waits
 * for it. {@link EntityHandle.read} and listings return it.
 */
export interface EntityLockInfo {
  /** The orchestration instance whose critical section (`ctx.lock`) holds the entity, if any. */
  readonly lockedBy?: string;
  /** Messages (signals, calls, other lock requests) queued behind that lock; 0 when unlocked. */
  readonly backlogQueueSize: number;
}

/** What {@link EntityHandle.read} returns: the state, the lock, and when the state last changed. */
export interface EntityReadResponse<T> extends EntityStateResponse<T>, EntityLockInfo {
  /**
   * When the last committed change of the entity's state (or existence) happened; absent
   * when it never had state. Read-only operations and lock traffic do not move it.
   */
  readonly lastModifiedTime?: Date;
}

/** A committed change of one entity, as streamed by {@link EntityClassHandle.changes$}. */
export interface EntityChange<T> {
  readonly id: EntityId;
  /** False when the change deleted the entity. */
  readonly exists: boolean;
  /** The new committed state; absent when the entity was deleted. */
  readonly state?: T;
  /** Increments with every committed change of this entity. */
  readonly version: number;
  /** When the last operation was applied. */
  readonly lastModified: Date;
}

/**
 * A typed handle on one entity, from `client.entity(Counter, 'visits')`.
 *
 * @example
 * ```ts
 * const counter = app.client.entity(Counter, 'visits');
 * await counter.signal.add(5);              // one-way, resolves once durably enqueued
 * const n = await counter.call.get();       // request/response, typed
 * counter.state$.subscribe((c) => console.log(c.value));
 * ```
 */
export interface EntityHandle<T> {
  readonly id: EntityId;
  /** One-way operations: resolve once the operation is durably enqueued. */
  readonly signal: SignalProxy<T>;
  /** One-way operations applied at (not before) `time`; the schedule survives restarts. */
  signalAt(time: Date): SignalProxy<T>;
  /** Request/response operations: resolve with the result after the operation is committed. */
  readonly call: CallProxy<T>;
  /**
   * The committed state, with the lock that holds the entity (`lockedBy`), the messages
   * queued behind it (`backlogQueueSize`) and the time of the last committed change.
   */
  read(): Promise<EntityReadResponse<T>>;
  /**
   * The current committed state (if the entity exists), then every later committed change
   * of it. Never emits uncommitted state; deletions are not emitted (see `changes$` on
   * `client.entities(...)` for those). Completes when the app stops.
   */
  readonly state$: Observable<T>;
  /** Runs the implicit `delete` operation; resolves once the deletion is committed. */
  delete(): Promise<void>;
}

/** A filter and page request for {@link EntityClassHandle.list} and `listEntities`. */
export interface ListEntitiesQuery {
  /** Only entities of this name (implied by {@link EntityClassHandle.list}). */
  readonly name?: string;
  /** Only entities whose key starts with this (windows of one key, children of one parent). */
  readonly keyPrefix?: string;
  /** Only entities whose last operation was at or after this time. */
  readonly lastOperationFrom?: Date;
  /** Only entities whose last operation was at or before this time. */
  readonly lastOperationTo?: Date;
  /** Entities per page; 100 by default. */
  readonly pageSize?: number;
  /** Token from the previous page's result. */
  readonly continuationToken?: string;
  /** Include each entity's state; true by default. */
  readonly fetchState?: boolean;
}

/** One entity in a listing. */
export interface EntityMetadata<T = unknown> extends EntityLockInfo {
  readonly id: EntityId;
  /** When the last committed change of its state happened (the filters of a listing use it). */
  readonly lastOperationTime: Date;
  /** The same instant as `lastOperationTime`, under the name reads use. */
  readonly lastModifiedTime: Date;
  /** The state, unless `fetchState` was false. */
  readonly state?: T;
}

/** A page of a listing. */
export interface EntityListPage<T = unknown> {
  readonly entities: readonly EntityMetadata<T>[];
  /** Pass to the next query to get the next page; absent on the last page. */
  readonly continuationToken?: string;
}

/**
 * A typed handle on all entities of one class, from `client.entities(Counter)`.
 *
 * @example
 * ```ts
 * app.client.entities(Counter).changes$.subscribe((c) => console.log(c.id.key, c.state?.value));
 * ```
 */
export interface EntityClassHandle<T> {
  readonly name: string;
  /** Every committed change of every entity of this class, from now on. Completes when the app stops. */
  readonly changes$: Observable<EntityChange<T>>;
  /** Existing entities of this class, in key order, a page at a time. */
  list(query?: Omit<ListEntitiesQuery, 'name'>): Promise<EntityListPage<T>>;
}
