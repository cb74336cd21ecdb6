import 'reflect-metadata';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DurableApp, type DurableClient } from '../../src/index';
import { startBenchHub } from '../lib/bench-hub';
import { startNatsServer } from '../../tools/nats-server';
import { BENCH_ACTIVITIES, BENCH_ORCHESTRATORS } from '../fixtures/orchestration-fixtures';
import { buildLongHistory, measureFanOut, measureHelloSequence } from '../suites/orchestration-scenarios';
import { formatInt, formatMs } from '../lib/table';
import { withTempDir } from '../lib/temp-dir';
import { parseArgs } from 'node:util';
import { integerArg } from '../lib/bench-args';

/**
 * The orchestration throughput scenarios on one engine alone, for profiling:
 *
 *   node scripts/run-ts.mjs benchmarks/standalone/orchestration-profile.ts [--nats] [--workers=N] [--instances=N]
 *        [--in-flight=N] [--fan-out=N] [--chain=N] [--runs=N] [--cpu-prof=DIR]
 *
 * Embedded (default): the app runs in this process; profile it by running the compiled
 * script under `node --cpu-prof --cpu-prof-dir=DIR build/benchmarks/standalone/orchestration-profile.js`.
 * `--nats`: a nats-server and child worker processes; with `--cpu-prof=DIR` the workers run
 * with `node --cpu-prof` and write their profiles to DIR when they stop.
 * `--chain=N` also runs one LongChain of N sequential activities (3 history events each).
 * `node build/benchmarks/standalone/cpu-profile-summary.js <file.cpuprofile>` summarizes a profile.
 */
interface ProfileArgs {
  nats: boolean;
  workers: number;
  instances: number;
  inFlight: number;
  fanOut: number;
  chain: number;
  runs: number;
  cpuProfDir: string | undefined;
}

function parse(args: readonly string[]): ProfileArgs {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: {
      nats: { type: 'boolean', default: false },
      workers: { type: 'string' },
      instances: { type: 'string' },
      'in-flight': { type: 'string' },
      'fan-out': { type: 'string' },
      chain: { type: 'string' },
      runs: { type: 'string' },
      'cpu-prof': { type: 'string' },
    },
  });
  return {
    nats: values.nats,
    workers: integerArg('workers', values.workers, 1),
    instances: integerArg('instances', values.instances, 1000, 0),
    inFlight: integerArg('in-flight', values['in-flight'], 200),
    fanOut: integerArg('fan-out', values['fan-out'], 1000, 0),
    chain: integerArg('chain', values.chain, 0, 0),
    runs: integerArg('runs', values.runs, 3),
    cpuProfDir: values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']),
  };
}

async function scenarios(client: DurableClient, args: ProfileArgs): Promise<void> {
  for (let run = 1; run <= args.runs; run++) {
    if (args.instances > 0) {
      const s = await measureHelloSequence(client, { instances: args.instances, maxInFlight: args.inFlight, timeoutMs: 600_000 });
      console.log(
        `[${run}] ${formatInt(args.instances)} HelloSequence, ${args.inFlight} in flight: ${formatInt(s.orchestrationsPerSecond)} orchestrations/s (${formatMs(s.elapsedMs)} ms)`,
      );
    }
    if (args.fanOut > 0) {
      const s = await measureFanOut(client, { activities: args.fanOut, timeoutMs: 600_000 });
      console.log(`[${run}] fan-out/fan-in of ${formatInt(args.fanOut)}: ${formatInt(s.activitiesPerSecond)} activities/s (${formatMs(s.elapsedMs)} ms)`);
    }
  }
  if (args.chain > 0) {
    const h = await buildLongHistory(client, args.chain, 600_000);
    console.log(
      `chain of ${formatInt(args.chain)} sequential activities: ${formatInt(h.history.length)} events (${formatInt(h.historyBytes / 1024)} KiB) in ${formatMs(h.buildMs)} ms`,
    );
  }
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  if (!args.nats) {
    await withTempDir('orch-profile', async (dataDir) => {
      const app = await DurableApp.create({ orchestrators: BENCH_ORCHESTRATORS, activities: BENCH_ACTIVITIES, dataDir, logger: { level: 'silent' } });
      await app.start();
      try {
        await scenarios(app.client, args);
      } finally {
        await app.stop();
      }
    });
    return;
  }
  const server = await startNatsServer();
  try {
    if (args.cpuProfDir) await mkdir(args.cpuProfDir, { recursive: true });
    const cluster = await startBenchHub({
      url: server.url,
      serverPids: [server.pid],
      hub: 'orchprofile',
      workers: args.workers,
      placement: 'child',
      spreadTimeoutMs: 60_000,
      execArgv: args.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProfDir}`] : [],
      orchestrations: true,
    });
    try {
      console.log(
        `${args.workers} child worker(s), pids ${cluster.workers.map((w) => w.pid).join(', ')}; client pid ${process.pid}; nats-server pid ${server.pid}`,
      );
      await scenarios(cluster.client, args);
    } finally {
      await cluster.close();
    }
  } finally {
    await server.dispose();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('\nFAILED:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
