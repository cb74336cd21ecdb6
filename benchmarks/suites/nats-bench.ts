import { startBenchHub, type BenchHub, type WorkerPlacement } from '../lib/bench-hub';
import { measureNatsCeiling, type NatsCeilingSample } from '../lib/nats-ceiling';
import { measureNatsCalls, measureNatsSignals, type NatsSignalSample } from './nats-scenarios';
import { startNatsServer } from '../../tools/nats-server';
import type { NatsConfiguration, NatsSettings } from '../lib/settings';
import { TARGETS } from '../lib/settings';
import { spreadOf, type LatencySummary, type Spread } from '../lib/stats';
import { formatInt, formatMs } from '../lib/table';

/** A signal scenario of one configuration: its repetitions, judged against the `js.publish` ceiling. */
export interface NatsThroughputResult {
  readonly perSecond: Spread;
  /** Signals acknowledged by JetStream per second, same runs. */
  readonly enqueuedPerSecond: Spread;
  /** Signals per second until the server had removed them all from the work stream, same runs. */
  readonly drainedPerSecond: Spread;
  /** Median applied rate / median `js.publish` ceiling. */
  readonly ratioToCeiling: number;
  readonly enqueuedRatioToCeiling: number;
  readonly drainedRatioToCeiling: number;
  /** Median applied rate / median rate of core publishes with an own PubAck inbox. */
  readonly ratioToMuxCeiling: number;
  readonly pass: boolean;
  readonly runs: readonly NatsSignalSample[];
}

export interface NatsConfigurationResult {
  readonly workers: number;
  readonly placement: WorkerPlacement;
  /** Partitions owned by each worker during the runs, e.g. "11+10+11". */
  readonly partitionSpread: string;
  /** How many times the workers were started to get that spread. */
  readonly starts: number;
  readonly signalsManyKeys: NatsThroughputResult;
  readonly signalsOneKey: NatsThroughputResult;
  readonly callLatencyMs: {
    readonly increment: LatencySummary & { readonly pass: boolean };
    readonly get: LatencySummary & { readonly pass: boolean };
  };
}

export interface NatsResults {
  readonly serverVersion: string;
  readonly ceiling: {
    readonly messageBytes: number;
    readonly maxInFlight: number;
    /** The ceiling: `js.publish` as jetstate publishes. */
    readonly publishesPerSecond: Spread;
    readonly noAsyncTracesPublishesPerSecond: Spread;
    readonly muxPublishesPerSecond: Spread;
    readonly runs: readonly NatsCeilingSample[];
  };
  readonly configurations: readonly NatsConfigurationResult[];
}

type Progress = (text: string) => void;

/** "1 worker, child process", "3 workers, child processes", "1 worker, in this process". */
export function configurationLabel(c: Pick<NatsConfiguration, 'workers' | 'placement'>): string {
  const workers = `${c.workers} worker${c.workers === 1 ? '' : 's'}`;
  return c.placement === 'child' ? `${workers}, child process${c.workers === 1 ? '' : 'es'}` : `${workers}, in the client's process`;
}

let hubs = 0;
const PARTITION_COUNT = 32;

/** Starts a configuration's workers until their partition spread is acceptable (see {@link NatsSettings.spread}). */
async function startBalanced(
  url: string,
  serverPid: number,
  settings: NatsSettings,
  c: NatsConfiguration,
  progress: Progress,
): Promise<{ cluster: BenchHub; spread: string; starts: number }> {
  for (let start = 1; ; start++) {
    const cluster = await startBenchHub({
      url,
      serverPids: [serverPid],
      hub: `bench${process.pid}_${++hubs}`,
      workers: c.workers,
      placement: c.placement,
      spreadTimeoutMs: settings.spread.timeoutMs,
    });
    const owned = await Promise.all(cluster.workers.map(async (w) => (await w.stats()).partitions.length));
    const spread = owned.join('+');
    const idle = Math.min(...owned) === 0;
    const mostAllowed = Math.floor((settings.spread.maxImbalance * PARTITION_COUNT) / c.workers);
    const balanced = !idle && Math.max(...owned) <= mostAllowed;
    if (balanced || (!idle && start >= settings.spread.balancedAttempts)) return { cluster, spread, starts: start };
    await cluster.close();
    if (start >= settings.spread.attempts) {
      throw new Error(`${configurationLabel(c)}: after ${start} starts, a worker still owned no partition (last spread ${spread}).`);
    }
    progress(
      `${configurationLabel(c)}: partitions spread ${spread} (${idle ? 'a worker owns none' : `more than ${mostAllowed} on one worker`}); starting the workers again`,
    );
  }
}

/**
 * The NATS phase of the benchmark: starts a nats-server, measures the JetStream publish
 * ceiling before each configuration and once more at the end, and for each configuration
 * (fresh hub, fresh workers) warms up, then runs the signal scenarios `repetitions` times
 * round-robin and the sequential calls once.
 */
export async function runNatsBench(settings: NatsSettings, repetitions: number, timeoutMs: number, progress: Progress): Promise<NatsResults> {
  const server = await startNatsServer();
  try {
    progress(`nats-server pid ${server.pid} at ${server.url}, store ${server.storeDir}`);
    const ceilings: NatsCeilingSample[] = [];
    const measureCeiling = async (): Promise<void> => {
      const sample = await measureNatsCeiling(server.url, [server.pid], settings.ceiling);
      ceilings.push(sample);
      progress(
        `NATS ceiling [${ceilings.length}]: js.publish ${formatInt(sample.jsPublish.perSecond)} msgs/s, ` +
          `with noAsyncTraces ${formatInt(sample.jsPublishNoTraces.perSecond)} msgs/s, core publish + PubAck inbox ${formatInt(sample.muxPublish.perSecond)} msgs/s`,
      );
    };
    // Unreported: JIT of the publish paths in this process.
    await measureNatsCeiling(server.url, [server.pid], { ...settings.ceiling, durationMs: Math.min(200, settings.ceiling.durationMs) });

    const measured: {
      c: NatsConfiguration;
      spread: string;
      starts: number;
      many: NatsSignalSample[];
      one: NatsSignalSample[];
      calls: Awaited<ReturnType<typeof measureNatsCalls>>;
    }[] = [];
    for (const c of settings.configurations) {
      await measureCeiling();
      const label = configurationLabel(c);
      const { cluster, spread, starts } = await startBalanced(server.url, server.pid, settings, c, progress);
      try {
        progress(`${label}: partitions ${spread} (after ${starts} start${starts === 1 ? '' : 's'})`);
        await measureNatsSignals(cluster, { ...settings.manyKeys, total: settings.warmup.manyKeysTotal, timeoutMs });
        await measureNatsSignals(cluster, { ...settings.oneKey, total: settings.warmup.oneKeyTotal, timeoutMs });
        const many: NatsSignalSample[] = [];
        const one: NatsSignalSample[] = [];
        for (let rep = 1; rep <= repetitions; rep++) {
          const m = await measureNatsSignals(cluster, { ...settings.manyKeys, timeoutMs });
          many.push(m);
          progress(
            `${label} [${rep}] ${formatInt(settings.manyKeys.total)} signals over ${settings.manyKeys.keys} keys: ${formatInt(m.signalsPerSecond)} signals/s (${formatMs(m.elapsedMs)} ms)`,
          );
          const o = await measureNatsSignals(cluster, { ...settings.oneKey, timeoutMs });
          one.push(o);
          progress(
            `${label} [${rep}] ${formatInt(settings.oneKey.total)} signals on 1 key: ${formatInt(o.signalsPerSecond)} signals/s (${formatMs(o.elapsedMs)} ms)`,
          );
        }
        const calls = await measureNatsCalls(cluster, { ...settings.calls, timeoutMs });
        progress(`${label} calls: increment p50 ${formatMs(calls.increment.p50)} ms, get p50 ${formatMs(calls.get.p50)} ms`);
        const after = (await Promise.all(cluster.workers.map(async (w) => (await w.stats()).partitions.length))).join('+');
        if (after !== spread)
          progress(`WARNING ${label}: partitions moved during the runs (${spread} -> ${after}); see 'fenced' and 'duplicates' in the results`);
        measured.push({ c, spread: after === spread ? spread : `${spread} -> ${after}`, starts, many, one, calls });
      } finally {
        await cluster.close();
      }
    }
    await measureCeiling();

    const ceiling = spreadOf(ceilings.map((s) => s.jsPublish.perSecond));
    const mux = spreadOf(ceilings.map((s) => s.muxPublish.perSecond));
    const throughput = (runs: NatsSignalSample[]): NatsThroughputResult => {
      const perSecond = spreadOf(runs.map((r) => r.signalsPerSecond));
      const enqueuedPerSecond = spreadOf(runs.map((r) => r.enqueuedPerSecond));
      const drainedPerSecond = spreadOf(runs.map((r) => r.total / (r.drainedMs / 1000)));
      const ratioToCeiling = perSecond.median / ceiling.median;
      return {
        perSecond,
        enqueuedPerSecond,
        ratioToCeiling,
        enqueuedRatioToCeiling: enqueuedPerSecond.median / ceiling.median,
        drainedPerSecond,
        drainedRatioToCeiling: drainedPerSecond.median / ceiling.median,
        ratioToMuxCeiling: perSecond.median / mux.median,
        pass: ratioToCeiling >= TARGETS.natsSignalsRatioToPublishCeiling,
        runs,
      };
    };
    const judge = (summary: LatencySummary) => ({ ...summary, pass: summary.p50 < TARGETS.natsCallP50Ms });
    return {
      serverVersion: ceilings[0]?.serverVersion ?? 'unknown',
      ceiling: {
        messageBytes: ceilings[0]?.messageBytes ?? 0,
        maxInFlight: settings.ceiling.maxInFlight,
        publishesPerSecond: ceiling,
        noAsyncTracesPublishesPerSecond: spreadOf(ceilings.map((s) => s.jsPublishNoTraces.perSecond)),
        muxPublishesPerSecond: mux,
        runs: ceilings,
      },
      configurations: measured.map(({ c, spread, starts, many, one, calls }) => ({
        workers: c.workers,
        placement: c.placement,
        partitionSpread: spread,
        starts,
        signalsManyKeys: throughput(many),
        signalsOneKey: throughput(one),
        callLatencyMs: { increment: judge(calls.increment), get: judge(calls.get) },
      })),
    };
  } finally {
    await server.dispose();
  }
}
