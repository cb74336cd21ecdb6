import { decoratorOptions } from './decorator-options';
import { ENTITY_METADATA } from './constants';

/** Options of {@link Entity}. */
export interface EntityOptions {
  /** The entity name used in ids, storage and subjects. Defaults to the class name. */
  name?: string;
  /**
   * Deletes an entity whose state has not changed for this many milliseconds, durably, on
   * both engines (a scheduled check, committed with the entity's first operation, that
   * deletes it or checks again later). Leave it out to keep entities until deleted.
   */
  idleRetentionMs?: number;
}

/** What `@Entity` records on a class. */
export interface EntityMetadata {
  readonly name: string;
  readonly idleRetentionMs?: number;
}

/**
 * Declares a class as a durable entity: a keyed, single-threaded actor whose public
 * fields are its durable state. Only metadata is written here; the registry validates it.
 *
 * @example
 * ```ts
 * @Entity()
 * class Counter {
 *   value = 0;
 *   @Operation() add(amount: number): void { this.value += amount; }
 * }
 *
 * // Sessions that nobody touched for a day are deleted.
 * @Entity({ idleRetentionMs: 86_400_000 })
 * class Session { ... }
 * ```
 */
export function Entity(nameOrOptions?: string | EntityOptions): ClassDecorator {
  const options = decoratorOptions(nameOrOptions);
  return (target) => {
    const metadata: EntityMetadata = {
      name: options.name ?? target.name,
      ...(options.idleRetentionMs === undefined ? {} : { idleRetentionMs: options.idleRetentionMs }),
    };
    Reflect.defineMetadata(ENTITY_METADATA, metadata, target);
  };
}
