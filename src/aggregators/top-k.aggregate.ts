import { Operation } from '../../decorators';

/** Adds two tallies item by item. */
export function addTallies(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out = { ...a };
  for (const [item, n] of Object.entries(b)) out[item] = (out[item] ?? 0) + n;
  return out;
}

/**
 * The most frequent items, with the Space-Saving algorithm (Metwally et al. 2005): it keeps
 * at most `capacity` counters (static property, default 100); a new item past that takes
 * the smallest counter over, so a count can be over by at most that counter. Below
 * `capacity` distinct items it is exact, and so is folding its adds; above, folding can
 * change which rare items stay, within the same error bound.
 *
 * @example
 * ```ts
 * @Entity() class TopSearches extends TopK { static override readonly capacity = 500; }
 * await client.entity(TopSearches, 'shop').signal.add({ [query]: 1 });
 * const top10 = await client.entity(TopSearches, 'shop').call.top(10);
 * ```
 */
export class TopK {
  static readonly capacity: number = 100;
  counts: Record<string, number> = {};

  @Operation({ merge: addTallies })
  add(tally: Record<string, number>): void {
    const capacity = (this.constructor as typeof TopK).capacity;
    for (const [item, n] of Object.entries(tally)) {
      if (item in this.counts || Object.keys(this.counts).length < capacity) {
        this.counts[item] = (this.counts[item] ?? 0) + n;
        continue;
      }
      const [smallest, floor] = Object.entries(this.counts).reduce((min, entry) => (entry[1] < min[1] ? entry : min));
      delete this.counts[smallest];
      this.counts[item] = floor + n;
    }
  }

  /** The `k` most frequent items, most frequent first (ties by name). */
  @Operation()
  top(k: number): { item: string; count: number }[] {
    return Object.entries(this.counts)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .slice(0, k)
      .map(([item, count]) => ({ item, count }));
  }
}
