// jetstate/aggregators: ready-made aggregator entities, built on mergeable operations.
// Extend one and declare it with @Entity() (and @RollUp or @Windowed if you like).
import 'reflect-metadata';

export { Counter } from './counter.aggregate';
export { DistinctCount } from './distinct-count.aggregate';
export { Histogram } from './histogram.aggregate';
export { Stats, combineSummaries, summarize, type Summary } from './stats.aggregate';
export { TopK, addTallies } from './top-k.aggregate';
