import { LRUCache } from 'lru-cache';

/**
 * A least-recently-used cache of at most `capacity` entries that takes memory for the
 * entries it holds only. Counting entries through lru-cache's `maxSize` (each entry of size
 * 1) instead of its `max` keeps it from allocating `capacity` slots up front: caches sized
 * for 100,000 instances that hold a few hundred would otherwise carry megabytes of slot
 * arrays for the garbage collector to scan, in every partition.
 */
export function entryBoundedCache<V extends object>(capacity: number): LRUCache<string, V> {
  return new LRUCache<string, V>({ maxSize: capacity, sizeCalculation: () => 1 });
}
