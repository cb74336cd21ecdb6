import { describe, expect, test } from 'vitest';
import { entryBoundedCache } from '../../src/runtime/entry-bounded-cache';

describe('entryBoundedCache', () => {
  test('holds at most its capacity, evicting the least recently used entry', () => {
    const cache = entryBoundedCache<{ n: number }>(3);
    cache.set('a', { n: 1 });
    cache.set('b', { n: 2 });
    cache.set('c', { n: 3 });
    expect(cache.get('a')).toEqual({ n: 1 }); // 'a' is now the most recently used
    cache.set('d', { n: 4 });
    expect(cache.size).toBe(3);
    expect(cache.has('b')).toBe(false);
    expect([...cache.keys()].sort()).toEqual(['a', 'c', 'd']);
  });

  test('a large capacity allocates no slots up front', () => {
    // lru-cache's `max` would allocate arrays of this length at once.
    const before = process.memoryUsage().arrayBuffers;
    const caches = Array.from({ length: 20 }, () => entryBoundedCache<object>(1_000_000));
    caches[0]!.set('only', {});
    expect(caches[0]!.size).toBe(1);
    // Twenty caches of 1,000,000 preallocated slots would take at least 80 MB of typed arrays.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8_000_000);
  });

  test('deleting the last entry and adding again works', () => {
    const cache = entryBoundedCache<object>(100_000);
    cache.set('x', {});
    cache.delete('x');
    expect(cache.size).toBe(0);
    cache.set('y', {});
    expect(cache.get('y')).toEqual({});
  });
});
