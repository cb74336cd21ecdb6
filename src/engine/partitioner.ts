import { entityIdToString, type EntityId } from '../registry/entity-id';

/** The default number of partitions of a hub. */
export const DEFAULT_PARTITION_COUNT = 32;

/** FNV-1a (32 bit) of a string's UTF-16 code units: stable across processes and versions. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The partition that owns an entity. */
export function partitionOf(id: EntityId, partitionCount: number): number {
  return fnv1a(entityIdToString(id)) % partitionCount;
}
