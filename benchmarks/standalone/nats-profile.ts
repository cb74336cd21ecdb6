import 'reflect-metadata';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startBenchHub, type WorkerPlacement } from '../lib/bench-hub';
import { measureNatsCeiling, type PublishRate } from '../lib/nats-ceiling';
import { measureNatsCalls, measureNatsSignals } from '../suites/nats-scenarios';
import { startNatsServer } from '../../tools/nats-server';
import { formatInt, formatMs } from '../lib/table';
import { parseArgs } from 'node:util';
import { integerArg } from '../lib/bench-args';

/**
 * One NATS configuration on its own, for profiling and quick experiments:
 *
 *   node scripts/run-ts.mjs benchmarks/standalone/nats-profile.ts [--workers=N] [--in-process] [--keys=N] [--total=N]
 *        [--in-flight=N] [--calls=N] [--skip-signals] [--skip-calls] [--cpu-prof=DIR] [--no-async-traces] [--skip-ceiling]
 *
 * With `--cpu-prof=DIR`, child workers run with `node --cpu-prof` and write their profiles
 * to DIR when they stop; profile the client side (this process, plus in-process workers) by
 * running the compiled script under `node --cpu-prof --cpu-prof-dir=DIR build/benchmarks/standalone/nats-profile.js`.
 * `--no-async-traces` connects the workers and the client with nats.js's `noAsyncTraces: true`
 * (through the `nats` connection-options form of the `nats` setting).
 */
interface ProfileArgs {
  workers: number;
  placement: WorkerPlacement;
  keys: number;
  total: number;
  inFlight: number;
  calls: number;
  signals: boolean;
  callsEnabled: boolean;
  cpuProfDir: string | undefined;
  noAsyncTraces: boolean;
  ceiling: boolean;
}

function parse(args: readonly string[]): ProfileArgs {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: {
      workers: { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      keys: { type: 'string' },
      total: { type: 'string' },
      'in-flight': { type: 'string' },
      calls: { type: 'string' },
      'skip-signals': { type: 'boolean', default: false },
      'skip-calls': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'no-async-traces': { type: 'boolean', default: false },
      'skip-ceiling': { type: 'boolean', default: false },
    },
  });
  return {
    workers: integerArg('workers', values.workers, 1),
    placement: values['in-process'] ? 'in-process' : 'child',
    keys: integerArg('keys', values.keys, 1000),
    total: integerArg('total', values.total, 100_000),
    inFlight: integerArg('in-flight', values['in-flight'], 5000),
    calls: integerArg('calls', values.calls, 1000),
    signals: !values['skip-signals'],
    callsEnabled: !values['skip-calls'],
    cpuProfDir: values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']),
    noAsyncTraces: values['no-async-traces'],
    ceiling: !values['skip-ceiling'],
  };
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const server = await startNatsServer();
  try {
    if (args.ceiling) {
      const ceiling = await measureNatsCeiling(server.url, [server.pid], { durationMs: 1000, maxInFlight: args.inFlight });
      const rate = (r: PublishRate): string =>
        `${formatInt(r.perSecond)} msgs/s (cores busy: publisher ${r.cpu.bench?.toFixed(2)}, nats-server ${r.cpu.server?.toFixed(2)})`;
      console.log(`JetStream ceiling, ${ceiling.messageBytes}-byte messages, ${args.inFlight} in flight, nats-server ${ceiling.serverVersion}:`);
      console.log(`  js.publish:                   ${rate(ceiling.jsPublish)}`);
      console.log(`  js.publish, noAsyncTraces:    ${rate(ceiling.jsPublishNoTraces)}`);
      console.log(`  core publish + PubAck inbox:  ${rate(ceiling.muxPublish)}`);
    }
    if (args.cpuProfDir) await mkdir(args.cpuProfDir, { recursive: true });
    const execArgv = args.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProfDir}`] : [];
    const cluster = await startBenchHub({
      url: server.url,
      serverPids: [server.pid],
      hub: 'profile',
      workers: args.workers,
      placement: args.placement,
      spreadTimeoutMs: 60_000,
      execArgv,
      ...(args.noAsyncTraces ? { connection: { noAsyncTraces: true } } : {}),
    });
    try {
      console.log(
        `${args.workers} ${args.placement} worker(s), pids ${cluster.workers.map((w) => w.pid).join(', ')}; client pid ${process.pid}; nats-server pid ${server.pid}`,
      );
      if (args.signals) {
        const sample = await measureNatsSignals(cluster, { total: args.total, keys: args.keys, maxInFlight: args.inFlight, timeoutMs: 600_000 });
        const round = (_key: string, v: unknown): unknown => (typeof v === 'number' ? Math.round(v * 100) / 100 : v);
        const micros = Object.fromEntries(
          Object.entries(sample.cpu).map(([side, cores]) => [
            side,
            cores === undefined ? undefined : Math.round((cores * sample.drainedMs * 1000) / sample.total),
          ]),
        );
        console.log(
          `${formatInt(args.total)} signals over ${args.keys} key(s): ${formatInt(sample.signalsPerSecond)} applied/s ` +
            `(${formatInt(sample.enqueuedPerSecond)} enqueued/s, work stream drained after ${formatMs(sample.drainedMs)} ms), ` +
            `${formatInt(sample.batches)} batches of ${sample.meanBatchSize.toFixed(1)} on average, ${sample.duplicates} duplicates, ${sample.fenced} fenced`,
        );
        console.log(`  cores busy: ${JSON.stringify(sample.cpu, round)}; CPU µs per signal: ${JSON.stringify(micros)}`);
      }
      if (args.callsEnabled) {
        const calls = await measureNatsCalls(cluster, { count: args.calls, warmup: Math.min(100, args.calls), timeoutMs: 600_000 });
        console.log(
          `calls: increment p50 ${formatMs(calls.increment.p50)} ms p99 ${formatMs(calls.increment.p99)} ms; get p50 ${formatMs(calls.get.p50)} ms p99 ${formatMs(calls.get.p99)} ms`,
        );
      }
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
