import { Counter } from '../fixtures/counter.entity';
import { withBenchApp } from '../lib/bench-app';
import { nowMs, summarizeLatencies, type LatencySummary } from '../lib/stats';
import { withTimeout } from '../lib/timeout';

export interface CallLatencySettings {
  readonly count: number;
  readonly warmup: number;
  readonly timeoutMs: number;
}

export interface CallLatencyResult {
  /** State-changing `call.increment()`, one after another. */
  readonly increment: LatencySummary;
  /** Read-only `call.get()`, one after another. */
  readonly get: LatencySummary;
}

/** The calls being timed: a counter entity's `increment` and `get`. */
export interface TimedCounter {
  readonly call: { increment(): Promise<number>; get(): Promise<number> };
}

/** Times sequential `increment()` then `get()` calls on one counter, after a warm-up; every answer is checked. */
export async function timeSequentialCalls(counter: TimedCounter, settings: Omit<CallLatencySettings, 'timeoutMs'>): Promise<CallLatencyResult> {
  let value = 0;
  for (let i = 0; i < settings.warmup; i++) {
    value = await counter.call.increment();
    await counter.call.get();
  }
  const increments: number[] = [];
  for (let i = 0; i < settings.count; i++) {
    const start = nowMs();
    const next = await counter.call.increment();
    increments.push(nowMs() - start);
    if (next !== ++value) throw new Error(`Correctness check failed: increment() returned ${next}, expected ${value}.`);
  }
  const gets: number[] = [];
  for (let i = 0; i < settings.count; i++) {
    const start = nowMs();
    const current = await counter.call.get();
    gets.push(nowMs() - start);
    if (current !== value) throw new Error(`Correctness check failed: get() returned ${current}, expected ${value}.`);
  }
  return { increment: summarizeLatencies(increments), get: summarizeLatencies(gets) };
}

/** Latency of sequential calls on one entity of an embedded app. */
export async function measureCallLatency(settings: CallLatencySettings): Promise<CallLatencyResult> {
  return withBenchApp('calls', (app) =>
    withTimeout(timeSequentialCalls(app.client.entity(Counter, 'latency'), settings), settings.timeoutMs, 'sequential calls'),
  );
}
