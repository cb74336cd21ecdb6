import { Operation } from '../../decorators';

/**
 * Counts of values in buckets: bucket i holds values below `boundaries[i]` (and at or above
 * the one before); the last bucket holds the rest. Set the boundaries with a static
 * property. `add` takes values and is mergeable (a run of adds is one add of all values).
 *
 * @example
 * ```ts
 * @Entity() class ResponseTimes extends Histogram { static override readonly boundaries = [10, 50, 100, 500]; }
 * await client.entity(ResponseTimes, 'api').signal.add([42]);
 * const { counts } = await client.entity(ResponseTimes, 'api').call.get();   // [0, 1, 0, 0, 0]
 * ```
 */
export class Histogram {
  static readonly boundaries: readonly number[] = [1, 10, 100, 1_000, 10_000];
  counts: number[] = [];

  @Operation({ merge: (a: number[], b: number[]) => [...a, ...b] })
  add(values: number[]): void {
    const boundaries = (this.constructor as typeof Histogram).boundaries;
    if (this.counts.length === 0) this.counts = new Array<number>(boundaries.length + 1).fill(0);
    for (const value of values) {
      let bucket = boundaries.findIndex((b) => value < b);
      if (bucket < 0) bucket = boundaries.length;
      this.counts[bucket]!++;
    }
  }

  @Operation()
  get(): { boundaries: readonly number[]; counts: number[] } {
    const boundaries = (this.constructor as typeof Histogram).boundaries;
    return { boundaries, counts: this.counts.length === 0 ? new Array<number>(boundaries.length + 1).fill(0) : [...this.counts] };
  }
}
