import { Operation } from '../../decorators';

/** A summary of numbers: what {@link Stats} adds and returns. */
export interface Summary {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

/** The summary of `values`, to send to {@link Stats.add}. */
export function summarize(...values: number[]): Summary {
  return { count: values.length, sum: values.reduce((a, b) => a + b, 0), min: Math.min(...values), max: Math.max(...values) };
}

/** Combines two summaries: counts and sums add, min and max take the extreme. */
export function combineSummaries(a: Summary, b: Summary): Summary {
  return { count: a.count + b.count, sum: a.sum + b.sum, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

/**
 * Count, sum, minimum, maximum (and so the mean) of numbers. The input is a summary rather
 * than a number so that `add` is mergeable: combining two summaries loses nothing.
 *
 * @example
 * ```ts
 * @Entity() class Latency extends Stats {}
 * await client.entity(Latency, 'checkout').signal.add(summarize(12.5));
 * const { mean, max } = await client.entity(Latency, 'checkout').call.get();
 * ```
 */
export class Stats {
  count = 0;
  sum = 0;
  /** `null` until a number arrives (JSON has no Infinity). */
  min: number | null = null;
  max: number | null = null;

  @Operation({ merge: combineSummaries })
  add(summary: Summary): void {
    if (summary.count === 0) return;
    this.count += summary.count;
    this.sum += summary.sum;
    this.min = this.min === null ? summary.min : Math.min(this.min, summary.min);
    this.max = this.max === null ? summary.max : Math.max(this.max, summary.max);
  }

  @Operation()
  get(): { count: number; sum: number; min: number | null; max: number | null; mean: number | null } {
    return { count: this.count, sum: this.sum, min: this.min, max: this.max, mean: this.count === 0 ? null : this.sum / this.count };
  }
}
