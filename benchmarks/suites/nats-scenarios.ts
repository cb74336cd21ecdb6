import { timeSequentialCalls, type CallLatencyResult } from './call-latency';
import { Counter } from '../fixtures/counter.entity';
import { sendBounded } from '../lib/bounded-producer';
import { startCpuMeter, type CpuBusy } from '../lib/cpu-usage';
import type { BenchHub } from '../lib/bench-hub';
import { nowMs } from '../lib/stats';
import { withTimeout } from '../lib/timeout';

export interface NatsSignalSettings {
  /** Number of `add(1)` signals sent. */
  readonly total: number;
  /** Number of distinct keys; signal i goes to key i % keys. */
  readonly keys: number;
  /** Most signal promises outstanding at once. */
  readonly maxInFlight: number;
  readonly timeoutMs: number;
}

export interface NatsSignalSample {
  readonly total: number;
  /** Signals applied per second, from the first send until a call to every counter returned its full count. */
  readonly signalsPerSecond: number;
  /** Signals acknowledged by JetStream per second (until the last `signal` promise resolved). */
  readonly enqueuedPerSecond: number;
  readonly elapsedMs: number;
  readonly enqueuedMs: number;
  /**
   * From the first send until the server had removed every acknowledged message from the
   * work stream. Acknowledgements are fire-and-forget, so the server may still be working
   * through them after the last signal was applied; the next run starts only after that.
   */
  readonly drainedMs: number;
  /** Committed batches the workers needed, and the mean number of messages per batch. */
  readonly batches: number;
  readonly meanBatchSize: number;
  /** Redelivered messages the workers skipped, and commits refused by a fence, during the run. */
  readonly duplicates: number;
  readonly fenced: number;
  /** Cores each side kept busy from the first send until the work stream was drained: `bench` is this process (the client, and the worker when in-process). */
  readonly cpu: CpuBusy;
}

let runs = 0;

/**
 * Sends `total` signals over `keys` fresh counters from the client-only connection and
 * waits until the workers applied them all: a `call.get()` per key sent after every
 * signal promise resolved is published to the entity's partition subject behind its
 * signals, so its answer includes them. The answers are checked per key and must sum to
 * `total`; the committed snapshots are read back and checked the same way.
 */
export async function measureNatsSignals(cluster: BenchHub, settings: NatsSignalSettings): Promise<NatsSignalSample> {
  const run = ++runs;
  const handles = Array.from({ length: settings.keys }, (_, i) => cluster.client.entity(Counter, `r${run}-k${i}`));
  const expected = (i: number): number => Math.floor(settings.total / settings.keys) + (i < settings.total % settings.keys ? 1 : 0);
  const before = await cluster.stats();

  const cpu = startCpuMeter({ bench: [cluster.pids.bench], workers: cluster.pids.workers, server: cluster.pids.servers });
  const start = nowMs();
  const work = async (): Promise<{ values: number[]; enqueuedMs: number }> => {
    await sendBounded(settings.total, settings.maxInFlight, (i) => handles[i % settings.keys]!.signal.add(1));
    const enqueuedMs = nowMs() - start;
    const values = await Promise.all(handles.map((handle) => handle.call.get()));
    return { values, enqueuedMs };
  };
  const what = `NATS (${cluster.workers.length} ${cluster.placement} worker(s)): ${settings.total} signals over ${settings.keys} key(s)`;
  const { values, enqueuedMs } = await withTimeout(work(), settings.timeoutMs, what);
  const elapsedMs = nowMs() - start;
  await withTimeout(waitUntilDrained(cluster), settings.timeoutMs, `${what}: draining the work stream`);
  const drainedMs = nowMs() - start;
  const busy = cpu();

  verify(what, 'applied values, by call.get()', values, expected, settings);
  const committed = await Promise.all(
    handles.map(async (handle) => {
      const response = await handle.read();
      return response.entityState?.value ?? 0;
    }),
  );
  verify(what, 'committed snapshots', committed, expected, settings);

  const after = await cluster.stats();
  const batches = after.batches - before.batches;
  const applied = after.applied - before.applied;
  if (after.failed !== before.failed) throw new Error(`${what}: ${after.failed - before.failed} operations failed in the workers.`);
  return {
    total: settings.total,
    signalsPerSecond: settings.total / (elapsedMs / 1000),
    enqueuedPerSecond: settings.total / (enqueuedMs / 1000),
    elapsedMs,
    enqueuedMs,
    drainedMs,
    batches,
    meanBatchSize: batches === 0 ? 0 : applied / batches,
    duplicates: after.duplicates - before.duplicates,
    fenced: after.fenced - before.fenced,
    cpu: busy,
  };
}

async function waitUntilDrained(cluster: BenchHub): Promise<void> {
  while ((await cluster.pendingWork()) > 0) await new Promise((resolve) => setTimeout(resolve, 10));
}

function verify(what: string, source: string, values: readonly number[], expected: (i: number) => number, settings: NatsSignalSettings): void {
  const sum = values.reduce((total, v) => total + v, 0);
  const wrong = values.findIndex((v, i) => v !== expected(i));
  if (sum !== settings.total || wrong >= 0) {
    throw new Error(
      `Correctness check failed (${what}, ${source}): the counters sum to ${sum}, expected ${settings.total}` +
        (wrong >= 0 ? `; key #${wrong} holds ${values[wrong]}, expected ${expected(wrong)}` : '') +
        '.',
    );
  }
}

export interface NatsCallSettings {
  readonly count: number;
  readonly warmup: number;
  readonly timeoutMs: number;
}

/** `increment` runs publish, apply, commit (snapshot publish), reply; `get` the same without a state change. */
export type NatsCallResult = CallLatencyResult;

/** Latency of sequential calls from the client-only connection to one fresh entity (see {@link timeSequentialCalls}). */
export async function measureNatsCalls(cluster: BenchHub, settings: NatsCallSettings): Promise<NatsCallResult> {
  const counter = cluster.client.entity(Counter, `latency-${++runs}`);
  return withTimeout(
    timeSequentialCalls(counter, settings),
    settings.timeoutMs,
    `NATS (${cluster.workers.length} ${cluster.placement} worker(s)): sequential calls`,
  );
}
