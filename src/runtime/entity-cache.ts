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
  private readonly entries = new Map<string, LiveEntity>();

  constructor(private readonly capacity: number) {}

  get(key: string): LiveEntity | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, entry: LiveEntity): void {
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Drops entries whose in-memory state may no longer match storage (after a failed commit). */
  invalidate(keys: Iterable<string>): void {
    for (const key of keys) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
