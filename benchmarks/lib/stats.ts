import { build as buildHistogram } from 'hdr-histogram-js';
/** Summary of repeated measurements of one figure. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max - min) / median, as a fraction. */
  readonly relative: number;
  readonly samples: readonly number[];
}

/** The value at quantile `q` (0..1) of already sorted values, by nearest rank. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no values');
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Sorts a copy and returns the value at quantile `q`. */
export function quantile(values: readonly number[], q: number): number {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    q,
  );
}

/** Median, range and relative spread of the samples. */
export function spreadOf(samples: readonly number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  return { median, min, max, relative: median === 0 ? 0 : (max - min) / median, samples: [...samples] };
}

/** Latency distribution of sequential operations, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * Percentiles of latencies (in milliseconds) through an HDR histogram at microsecond
 * resolution with three significant digits: a value is reported within 0.1% of itself.
 */
export function summarizeLatencies(ms: readonly number[]): LatencySummary {
  if (ms.length === 0) throw new Error('latency summary of no samples');
  const histogram = buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  try {
    for (const value of ms) histogram.recordValue(Math.max(1, Math.round(value * 1000)));
    const at = (percentile: number): number => histogram.getValueAtPercentile(percentile) / 1000;
    return { count: ms.length, p50: at(50), p90: at(90), p99: at(99), max: histogram.maxValue / 1000, mean: histogram.mean / 1000 };
  } finally {
    histogram.destroy();
  }
}

/** Milliseconds since an arbitrary origin, sub-microsecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** A confidence interval of a statistic, from a percentile bootstrap. */
export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
  /** The confidence level, e.g. 0.95. */
  readonly level: number;
}

/**
 * The median of `samples` with a percentile-bootstrap confidence interval: `resamples`
 * draws with replacement, each one's median, and the quantiles of those medians. A fixed
 * seed (a linear congruential generator) makes a report reproducible from its samples.
 */
export function medianInterval(samples: readonly number[], level = 0.95, resamples = 10_000, seed = 1): Interval {
  if (samples.length === 0) throw new Error('median interval of no samples');
  let state = seed >>> 0;
  const draw = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const medians: number[] = new Array(resamples);
  const resample: number[] = new Array(samples.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < samples.length; i++) resample[i] = samples[Math.floor(draw() * samples.length)]!;
    medians[r] = spreadOf(resample).median;
  }
  medians.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { estimate: spreadOf(samples).median, low: quantileSorted(medians, tail), high: quantileSorted(medians, 1 - tail), level };
}
