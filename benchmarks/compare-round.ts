// One round of `compare-builds`: the same workload on one build of jetstate, in a fresh
// process. Usage (compiled): node build/benchmarks/compare-round.js <tree>
// where <tree> is a checkout whose `npm run compile` output is in <tree>/build. Prints
// the round's figures as JSON. Only the public API and the benchmark fixtures every
// version has are used, so older builds can be measured against newer ones.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendBounded } from './bounded-producer';

/** The figures of one round. */
export interface CompareRoundResult {
  /** 200,000 signals over 1,000 keys, applied per second. */
  readonly manyKeysPerSecond: number;
  /** 100,000 signals to one key, applied per second. */
  readonly oneKeyPerSecond: number;
  /** Median of 2,000 sequential calls, in milliseconds. */
  readonly callP50Ms: number;
  /** 1,000 HelloSequence instances (5 activities each, 200 in flight), completed per second. */
  readonly orchestrationsPerSecond: number;
}

interface Handle {
  signal: { add(n: number): Promise<void> };
  call: { get(): Promise<number>; increment(): Promise<number> };
}
interface Client {
  entity(type: unknown, key: string): Handle;
  startNew(type: unknown, input?: unknown): Promise<{ waitForCompletion(options: { timeout: number }): Promise<{ runtimeStatus: string }> }>;
}
interface App {
  readonly client: Client;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function signals(client: Client, counter: unknown, total: number, keys: number, prefix: string): Promise<number> {
  const handles = Array.from({ length: keys }, (_, i) => client.entity(counter, `${prefix}${i}`));
  const began = performance.now();
  await sendBounded(total, 5000, (i) => handles[i % keys]!.signal.add(1));
  const values = await Promise.all(handles.map((h) => h.call.get()));
  const elapsed = performance.now() - began;
  const sum = values.reduce((a, b) => a + b, 0);
  if (sum !== total) throw new Error(`sent ${total} signals, the counters sum to ${sum}`);
  return total / (elapsed / 1000);
}

async function round(tree: string): Promise<CompareRoundResult> {
  // The build under test, not this checkout's: required by path at run time.
  const load = (path: string): Record<string, unknown> => require(join(tree, 'build', path)) as Record<string, unknown>;
  const jetstate = load('src/index.js') as { DurableApp: { create(options: object): Promise<App> } };
  const { Counter } = load('benchmarks/counter.entity.js');
  const fixtures = load('benchmarks/orchestration-fixtures.js') as {
    BENCH_ORCHESTRATORS: unknown[];
    BENCH_ACTIVITIES: unknown[];
    HelloSequence: unknown;
    HELLO_CITIES: readonly string[];
  };
  const dataDir = await mkdtemp(join(tmpdir(), 'jetstate-compare-'));
  const app = await jetstate.DurableApp.create({
    entities: [Counter],
    orchestrators: fixtures.BENCH_ORCHESTRATORS,
    activities: fixtures.BENCH_ACTIVITIES,
    dataDir,
    logger: { level: 'silent' },
  });
  await app.start();
  try {
    const { client } = app;
    await signals(client, Counter, 20_000, 1000, 'warm');
    const manyKeysPerSecond = await signals(client, Counter, 200_000, 1000, 'many');
    const oneKeyPerSecond = await signals(client, Counter, 100_000, 1, 'one');
    const calls: number[] = [];
    const counter = client.entity(Counter, 'calls');
    for (let i = 0; i < 2000; i++) {
      const began = performance.now();
      await counter.call.increment();
      calls.push(performance.now() - began);
    }
    calls.sort((a, b) => a - b);
    const began = performance.now();
    await sendBounded(1000, 200, async () => {
      const handle = await client.startNew(fixtures.HelloSequence, fixtures.HELLO_CITIES);
      const status = await handle.waitForCompletion({ timeout: 60_000 });
      if (status.runtimeStatus !== 'Completed') throw new Error(`an instance ended ${status.runtimeStatus}`);
    });
    const orchestrationsPerSecond = 1000 / ((performance.now() - began) / 1000);
    return { manyKeysPerSecond, oneKeyPerSecond, callP50Ms: calls[calls.length >> 1]!, orchestrationsPerSecond };
  } finally {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const tree = process.argv[2];
  if (!tree) throw new Error('usage: node build/benchmarks/compare-round.js <tree>');
  round(tree).then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
