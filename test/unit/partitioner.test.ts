import { describe, expect, test } from 'vitest';
import { DEFAULT_PARTITION_COUNT, fnv1a, partitionOf } from '../../src/engine/partitioner';

describe('fnv1a', () => {
  test.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['b', 0xe70c2de5],
    ['foo', 0xa9f37ed7],
    ['foobar', 0xbf9cf968],
  ])('fnv1a(%j) matches the FNV-1a 32-bit test vector', (text, expected) => {
    expect(fnv1a(text)).toBe(expected);
  });

  test('returns an unsigned 32-bit integer', () => {
    for (const text of ['', 'x', 'Counter/key-1', 'ÿ'.repeat(100), '🚀']) {
      const hash = fnv1a(text);
      expect(Number.isInteger(hash)).toBe(true);
      expect(hash).toBeGreaterThanOrEqual(0);
      expect(hash).toBeLessThanOrEqual(0xffffffff);
    }
  });

  test('hashes UTF-16 code units', () => {
    let expected = 0x811c9dc5;
    for (const unit of [0xd83d, 0xde80]) {
      expected = Number((BigInt(expected ^ unit) * 0x01000193n) & 0xffffffffn);
    }
    expect(fnv1a('🚀')).toBe(expected);
  });
});

describe('partitionOf', () => {
  test('the default partition count is 32', () => {
    expect(DEFAULT_PARTITION_COUNT).toBe(32);
  });

  test('is the hash of name/key modulo the partition count', () => {
    expect(partitionOf({ name: 'Counter', key: 'visits' }, 32)).toBe(fnv1a('Counter/visits') % 32);
    expect(partitionOf({ name: 'a', key: 'b' }, 7)).toBe(fnv1a('a/b') % 7);
  });

  test('is stable for the same id', () => {
    const id = { name: 'Account', key: 'alice' };
    expect(partitionOf(id, 32)).toBe(partitionOf({ ...id }, 32));
  });

  test('a single partition owns everything', () => {
    expect(partitionOf({ name: 'Counter', key: 'anything' }, 1)).toBe(0);
  });

  test('spreads 10,000 keys over 32 partitions with none empty and none above twice the mean', () => {
    const counts = new Array<number>(32).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const partition = partitionOf({ name: 'Counter', key: `key-${i}` }, 32);
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(32);
      counts[partition] = (counts[partition] ?? 0) + 1;
    }
    const mean = 10_000 / 32;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2 * mean);
  });

  test('spreads sequential numeric keys of several entity names', () => {
    const counts = new Array<number>(32).fill(0);
    for (const name of ['Counter', 'Account', 'Order']) {
      for (let i = 0; i < 3_000; i++) {
        const partition = partitionOf({ name, key: String(i) }, 32);
        counts[partition] = (counts[partition] ?? 0) + 1;
      }
    }
    const mean = 9_000 / 32;
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2 * mean);
  });
});
