import { describe, expect, test } from 'vitest';
import { ownerOf } from '../../src/engine/nats/partition-leases';

function spread(workers: readonly string[], partitions = 32): number[] {
  const counts = new Map(workers.map((w) => [w, 0]));
  for (let p = 0; p < partitions; p++) {
    const owner = ownerOf(p, workers)!;
    counts.set(owner, counts.get(owner)! + 1);
  }
  return [...counts.values()];
}

describe('rendezvous ownership of partitions', () => {
  test('every partition has exactly one owner among the live workers, whatever their order', () => {
    const workers = ['w-a', 'w-b', 'w-c'];
    for (let p = 0; p < 32; p++) {
      expect(workers).toContain(ownerOf(p, workers));
      expect(ownerOf(p, [...workers].reverse())).toBe(ownerOf(p, workers));
    }
    expect(ownerOf(0, [])).toBeUndefined();
  });

  test('three workers each get a fair share of 32 partitions across many worker-id sets', () => {
    let worst = 0;
    for (let set = 0; set < 500; set++) {
      const counts = spread([`node-${set}-x`, `node-${set}-y`, `node-${set}-z`]);
      expect(Math.min(...counts)).toBeGreaterThan(0);
      worst = Math.max(worst, ...counts);
    }
    expect(worst).toBeLessThanOrEqual(22);
  });

  test('a worker leaving moves only its own partitions', () => {
    const before = ['k1', 'k2', 'k3', 'k4'];
    const after = ['k1', 'k2', 'k4'];
    for (let p = 0; p < 32; p++) {
      if (ownerOf(p, before) !== 'k3') expect(ownerOf(p, after)).toBe(ownerOf(p, before));
    }
  });
});
