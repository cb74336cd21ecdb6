import 'reflect-metadata';
import { describe, expect, test } from 'vitest';
import { Entity } from '../../decorators';
import { Counter, DistinctCount, Histogram, Stats, TopK, addTallies, combineSummaries, summarize } from '../../src/aggregators';
import { addToSketch, emptySketch, estimateSketch } from '../../src/aggregators/hyper-log-log';
import { Registry } from '../../src/registry/registry';

describe('HyperLogLog sketch', () => {
  test('estimates distinct counts within a few percent, and adding an item again changes nothing', () => {
    for (const n of [10, 1_000, 50_000]) {
      const items = Array.from({ length: n }, (_, i) => `item-${i}`);
      const sketch = addToSketch(emptySketch(), items);
      expect(Math.abs(estimateSketch(sketch) - n) / n).toBeLessThan(0.05);
      expect(addToSketch(sketch, items.slice(0, 100))).toBe(sketch);
    }
    expect(estimateSketch(emptySketch())).toBe(0);
  });
});

describe('merge contracts of the ready-made aggregators', () => {
  @Entity()
  class C extends Counter {}
  @Entity()
  class S extends Stats {}
  @Entity()
  class D extends DistinctCount {}
  @Entity()
  class T extends TopK {}
  @Entity()
  class H extends Histogram {}
  const registry = Registry.create({ entities: [C, S, D, T, H] });
  const mergeOf = (cls: Function, op: string) => registry.entityOf(cls).operations.get(op)!.merge!;

  test('op(a) then op(b) equals op(merge(a, b)) for each', () => {
    const cases: [new () => object, string, unknown, unknown][] = [
      [C, 'add', 2, 5],
      [S, 'add', summarize(1, 9), summarize(-3)],
      [D, 'add', ['a', 'b'], ['b', 'c']],
      [T, 'add', { x: 1 }, { x: 2, y: 1 }],
      [H, 'add', [0.5, 50], [5_000]],
    ];
    for (const [cls, op, a, b] of cases) {
      const twice = new cls() as Record<string, (input: unknown) => void>;
      twice[op]!(a);
      twice[op]!(b);
      const once = new cls() as Record<string, (input: unknown) => void>;
      once[op]!(mergeOf(cls, op)(a, b));
      expect(JSON.stringify(once)).toBe(JSON.stringify(twice));
    }
    expect(combineSummaries(summarize(1), summarize(2, 3))).toEqual(summarize(1, 2, 3));
    expect(addTallies({ a: 1 }, { a: 2, b: 1 })).toEqual({ a: 3, b: 1 });
  });
});
