import { InvalidEntityIdError } from '../errors';

/** Identifies one entity instance: the entity name and a key. */
export interface EntityId {
  readonly name: string;
  readonly key: string;
}

/** The longest key accepted, in UTF-16 code units (JavaScript string length). */
export const MAX_ENTITY_KEY_LENGTH = 256;

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** True when `name` can be an entity name (it becomes part of storage keys and subjects). */
export function isValidEntityName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** Throws an {@link InvalidEntityIdError} unless `key` is a usable entity key. */
export function assertValidKey(name: string, key: unknown): asserts key is string {
  if (typeof key !== 'string') {
    throw new InvalidEntityIdError(`The key of entity '${name}' must be a string, got ${typeof key}. Convert it with String(key).`);
  }
  if (key.length === 0) {
    throw new InvalidEntityIdError(`The key of entity '${name}' is empty. Give every entity a non-empty key.`);
  }
  if (key.length > MAX_ENTITY_KEY_LENGTH) {
    throw new InvalidEntityIdError(
      `The key of entity '${name}' is ${key.length} UTF-16 code units long; the limit is ${MAX_ENTITY_KEY_LENGTH}. ` +
        `Use a shorter key, for example a hash of the long one.`,
    );
  }
}

/** The canonical string form `name/key`; unambiguous because names never contain '/'. */
export function entityIdToString(id: EntityId): string {
  return `${id.name}/${id.key}`;
}

/** Inverse of {@link entityIdToString}. */
export function entityIdFromString(text: string): EntityId {
  const slash = text.indexOf('/');
  return { name: text.slice(0, slash), key: text.slice(slash + 1) };
}
