import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startNatsCluster } from '../../tools/nats-cluster';
import type { BenchArgs } from '../lib/bench-args';
import { startBenchHub } from '../lib/bench-hub';
import { machineInfo } from '../lib/machine-info';
import { measureNatsCeiling } from '../lib/nats-ceiling';
import { measureNatsSignals, type NatsSignalSample } from './nats-scenarios';
import { spreadOf, type Spread } from '../lib/stats';
import { formatInt, formatSpread, renderTable } from '../lib/table';

type Progress = (text: string) => void;

/** Sizes of the replicated scenario. */
interface ReplicatedSettings {
  readonly ceilingMs: number;
  readonly maxInFlight: number;
  readonly signals: { readonly total: number; readonly keys: number; readonly warmup: number };
  readonly repetitions: number;
}

const FULL: ReplicatedSettings = { ceilingMs: 3000, maxInFlight: 5000, signals: { total: 100_000, keys: 1000, warmup: 20_000 }, repetitions: 3 };
const QUICK: ReplicatedSettings = { ceilingMs: 1000, maxInFlight: 5000, signals: { total: 20_000, keys: 1000, warmup: 5_000 }, repetitions: 2 };

/** What the replicated scenario measured, per replica count. */
interface ReplicatedResult {
  readonly replicas: 1 | 3;
  /** Raw `js.publish` into a stream configured like `<hub>_WORK`, on the same cluster. */
  readonly ceiling: Spread;
  /** Signals applied per second by one worker over 1,000 keys. */
  readonly signals: Spread;
  readonly ratio: number;
  readonly runs: readonly NatsSignalSample[];
}

/**
 * `npm run bench -- --only nats-cluster [--quick]`: a 3-server nats-server cluster on
 * loopback (each server with its own store, routed to the others), a hub with 3 replicas
 * of every stream and bucket, one worker in a child process and the client in this
 * process; signals over 1,000 keys against the raw publish rate into a 3-replica stream,
 * and the same with 1 replica on the same cluster for the cost of replication. Ceilings
 * and signal runs alternate, so noise hits both.
 */
export async function runReplicatedNatsBenchAlone(args: BenchArgs, resultsDir: string, progress: Progress): Promise<void> {
  const settings = args.quick ? QUICK : FULL;
  progress(`jetstate bench (${args.quick ? 'quick' : 'full'}): a hub on a 3-server cluster, replicas 1 and 3`);
  const cluster = await startNatsCluster(3);
  const results: ReplicatedResult[] = [];
  try {
    const servers = cluster.urls;
    const serverPids = cluster.members.map((m) => m.pid);
    progress(`cluster: ${cluster.members.map((m) => `${m.name} pid ${m.pid} at ${m.url}`).join(', ')}`);
    for (const replicas of [3, 1] as const) {
      const hub = await startBenchHub({
        url: servers,
        serverPids,
        replicas,
        hub: `replicated${process.pid}_r${replicas}`,
        workers: 1,
        placement: 'child',
        spreadTimeoutMs: 120_000,
      });
      try {
        const signalSettings = { keys: settings.signals.keys, maxInFlight: settings.maxInFlight, timeoutMs: 600_000 };
        await measureNatsSignals(hub, { ...signalSettings, total: settings.signals.warmup });
        const ceilings: number[] = [];
        const runs: NatsSignalSample[] = [];
        for (let rep = 1; rep <= settings.repetitions; rep++) {
          const ceiling = await measureNatsCeiling(servers, serverPids, { durationMs: settings.ceilingMs, maxInFlight: settings.maxInFlight, replicas });
          ceilings.push(ceiling.jsPublish.perSecond);
          const run = await measureNatsSignals(hub, { ...signalSettings, total: settings.signals.total });
          runs.push(run);
          progress(
            `R${replicas} [${rep}/${settings.repetitions}] raw publish ${formatInt(ceiling.jsPublish.perSecond)} msgs/s; ` +
              `${formatInt(settings.signals.total)} signals over ${settings.signals.keys} keys: ${formatInt(run.signalsPerSecond)} signals/s`,
          );
        }
        const ceiling = spreadOf(ceilings);
        const signals = spreadOf(runs.map((r) => r.signalsPerSecond));
        results.push({ replicas, ceiling, signals, ratio: signals.median / ceiling.median, runs });
      } finally {
        await hub.close();
      }
    }
  } finally {
    await cluster.dispose();
  }
  console.log(
    `\n${renderTable(
      ['replicas', 'raw js.publish msgs/s', 'jetstate signals/s (1 worker, 1,000 keys)', 'ratio'],
      ['r', 'r', 'r', 'r'],
      results.map((r) => [
        String(r.replicas),
        `${formatInt(r.ceiling.median)} ${formatSpread(r.ceiling.relative)}`,
        `${formatInt(r.signals.median)} ${formatSpread(r.signals.relative)}`,
        r.ratio.toFixed(2),
      ]),
    )}`,
  );
  const [r3, r1] = results;
  if (r3 && r1)
    console.log(
      `replication costs: raw publish R3/R1 ${(r3.ceiling.median / r1.ceiling.median).toFixed(2)}, jetstate R3/R1 ${(r3.signals.median / r1.signals.median).toFixed(2)}`,
    );
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, 'nats-cluster-latest.json');
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), machine: machineInfo(), settings, results }, null, 2)}\n`);
  console.log(`results written to ${file}`);
}
