import { Level } from 'level';
import { LevelStore, StorageKeys } from '../../src/internal';
import { sampleClientId, signalPuts, storedSignalJson } from './stored-signal';
import { nowMs, summarizeLatencies, type LatencySummary } from './stats';
import { withTempDir } from './temp-dir';

/** What one ceiling repetition measured: raw LevelDB with `sync: true`, no jetstate on top. */
export interface CeilingSample {
  /** Individual signal-sized puts per second, batches of `batchSize` written with `LevelStore.write` (an array batch, as jetstate writes). */
  readonly putsPerSecond: number;
  /** Main-thread time per put spent inside the `LevelStore.write` call before it awaits (encoding and copying the batch). */
  readonly putMainThreadMicros: number;
  /** The same puts through LevelDB's chained batch (`db.batch().put(...).write()`), which skips the array batch's per-operation work. */
  readonly chainedPutsPerSecond: number;
  readonly chainedPutMainThreadMicros: number;
  /** Signals per second when a batch's signals are packed into one JSON array put, as the CommitWriter stores an inbox segment. */
  readonly packedSignalsPerSecond: number;
}

export interface CeilingSettings {
  readonly batchSize: number;
  /** How long each rate measurement runs. */
  readonly durationMs: number;
}

interface Rate {
  readonly perSecond: number;
  readonly mainThreadMicrosPerItem: number;
}

/**
 * Writes batches for `durationMs`: `prepare(first)` builds the records of `perWrite` items
 * from position `first`, `write` stores them. Measures items per second (preparation
 * included) and the main-thread time of the `write` call alone.
 */
async function rateOf<B>(
  durationMs: number,
  perWrite: number,
  firstSeq: number,
  prepare: (first: number) => B,
  write: (batch: B) => Promise<void>,
): Promise<Rate & { nextSeq: number }> {
  let seq = firstSeq;
  let items = 0;
  let callMs = 0;
  const start = nowMs();
  while (nowMs() - start < durationMs) {
    const batch = prepare(seq);
    const before = nowMs();
    const written = write(batch);
    callMs += nowMs() - before;
    await written;
    seq += perWrite;
    items += perWrite;
  }
  return { perSecond: items / ((nowMs() - start) / 1000), mainThreadMicrosPerItem: (callMs * 1000) / items, nextSeq: seq };
}

/** Measures the three ceiling rates, each in its own fresh database. */
export async function measureCeiling(settings: CeilingSettings): Promise<CeilingSample> {
  const { batchSize, durationMs } = settings;
  const clientId = sampleClientId();

  const arrayBatch = await withTempDir('ceiling', async (dir) => {
    const store = await LevelStore.open(dir);
    try {
      const prepare = (first: number) => signalPuts(clientId, first, batchSize);
      const write = (operations: ReturnType<typeof prepare>): Promise<void> => store.write(operations, true);
      const warm = await rateOf(Math.min(100, durationMs), batchSize, 1, prepare, write);
      return await rateOf(durationMs, batchSize, warm.nextSeq, prepare, write);
    } finally {
      await store.close();
    }
  });

  const chained = await withTempDir('ceiling-chained', async (dir) => {
    const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    try {
      const prepare = (first: number) => signalPuts(clientId, first, batchSize);
      const write = (operations: ReturnType<typeof prepare>): Promise<void> => {
        const batch = db.batch();
        for (const op of operations) batch.put(op.key, op.value);
        return batch.write({ sync: true });
      };
      const warm = await rateOf(Math.min(100, durationMs), batchSize, 1, prepare, write);
      return await rateOf(durationMs, batchSize, warm.nextSeq, prepare, write);
    } finally {
      await db.close();
    }
  });

  const packed = await withTempDir('ceiling-packed', async (dir) => {
    const store = await LevelStore.open(dir);
    try {
      const prepare = (first: number) => {
        const parts: string[] = [];
        for (let i = 0; i < batchSize; i++) parts.push(storedSignalJson(clientId, first + i, `k${(first + i) % 1000}`));
        return [
          { type: 'put', key: StorageKeys.segment(first), value: `[${parts.join(',')}]` },
          { type: 'put', key: StorageKeys.lastSeq, value: String(first + batchSize - 1) },
        ] as const;
      };
      const write = (operations: ReturnType<typeof prepare>): Promise<void> => store.write(operations, true);
      const warm = await rateOf(Math.min(100, durationMs), batchSize, 1, prepare, write);
      return await rateOf(durationMs, batchSize, warm.nextSeq, prepare, write);
    } finally {
      await store.close();
    }
  });

  return {
    putsPerSecond: arrayBatch.perSecond,
    putMainThreadMicros: arrayBatch.mainThreadMicrosPerItem,
    chainedPutsPerSecond: chained.perSecond,
    chainedPutMainThreadMicros: chained.mainThreadMicrosPerItem,
    packedSignalsPerSecond: packed.perSecond,
  };
}

/** Latency of sequential synced writes of a single signal-sized record. */
export async function measureSyncWriteLatency(count: number, warmup: number): Promise<LatencySummary> {
  return withTempDir('fsync', async (dir) => {
    const store = await LevelStore.open(dir);
    try {
      const clientId = sampleClientId();
      const latencies: number[] = [];
      for (let i = 0; i < warmup + count; i++) {
        const operations = signalPuts(clientId, i + 1, 1);
        const start = nowMs();
        await store.write(operations, true);
        if (i >= warmup) latencies.push(nowMs() - start);
      }
      return summarizeLatencies(latencies);
    } finally {
      await store.close();
    }
  });
}
