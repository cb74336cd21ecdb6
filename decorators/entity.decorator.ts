import { ENTITY_METADATA } from './constants';

/** Options of {@link Entity}. */
export interface EntityOptions {
  /** The entity name used in ids, storage and subjects. Defaults to the class name. */
  name?: string;
}

/** What `@Entity` records on a class. */
export interface EntityMetadata {
  readonly name: string;
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
 * ```
 */
export function Entity(nameOrOptions?: string | EntityOptions): ClassDecorator {
  const options = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : (nameOrOptions ?? {});
  return (target) => {
    const metadata: EntityMetadata = { name: options.name ?? target.name };
    Reflect.defineMetadata(ENTITY_METADATA, metadata, target);
  };
}
