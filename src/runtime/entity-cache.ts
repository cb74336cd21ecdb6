import type { LRUCache } from 'lru-cache';
import { entryBoundedCache } from './entry-bounded-cache';
import type { EntityDefinition } from '../registry/entity-definition';
import type { EntityId } from '../registry/entity-id';
import type { EntitySnapshot } from './messages';

/** An entity held in memory between batches. */
export interface LiveEntity {
  readonly id: EntityId;
  readonly definition: EntityDefinition;
  /** The live instance; may run ahead of `committed` while a batch executes. */
  instance: object;
  /** Whether the entity exists in the live instance's timeline (false after a delete). */
  exists: boolean;
  /** The last committed snapshot, if any. */
  committed: EntitySnapshot | undefined;
}

/** Hot entities of one partition, least recently used evicted first. */
export class EntityCache {
  private readonly entries: LRUCache<string, LiveEntity>;

  constructor(capacity: number) {
    this.entries = entryBoundedCache(capacity);
  }

  get(key: string): LiveEntity | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, entry: LiveEntity): void {
    this.entries.set(key, entry);
  }

  /** Drops entries whose in-memory state may no longer match storage (after a failed commit). */
  invalidate(keys: Iterable<string>): void {
    for (const key of keys) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
