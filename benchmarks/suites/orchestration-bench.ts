import { DurableApp, type DurableClient } from '../../src/index';
import { startCpuMeter, type CpuBusy } from '../lib/cpu-usage';
import { startBenchHub, type BenchHub } from '../lib/bench-hub';
import { BENCH_ACTIVITIES, BENCH_ORCHESTRATORS } from '../fixtures/orchestration-fixtures';
import {
  buildLongHistory,
  driveLongHistory,
  measureFanOut,
  measureHelloSequence,
  measureReplay,
  type FanOutSample,
  type HelloSequenceSample,
  type LongHistory,
} from './orchestration-scenarios';
import { startNatsServer } from '../../tools/nats-server';
import type { NatsSettings, OrchestrationSettings, ReplaySettings } from '../lib/settings';
import { TARGETS } from '../lib/settings';
import { nowMs, spreadOf, summarizeLatencies, type LatencySummary, type Spread } from '../lib/stats';
import { formatInt, formatMs } from '../lib/table';
import { withTempDir } from '../lib/temp-dir';
import { withTimeout } from '../lib/timeout';

type Progress = (text: string) => void;

/** A throughput scenario's repetitions; `error` when a run failed (the runs before it are kept). */
export interface OrchestrationThroughput<S> {
  /** Median and spread of the headline rate (orchestrations/s or activities/s); absent when no run succeeded. */
  readonly perSecond?: Spread;
  readonly target: number;
  readonly pass: boolean;
  readonly runs: readonly S[];
  readonly error?: string;
}

export type HelloRun = HelloSequenceSample & { readonly cpu?: CpuBusy };
export type FanOutRun = FanOutSample & { readonly cpu?: CpuBusy };

/** The orchestration scenarios of one engine. */
export interface OrchestrationResults {
  readonly helloSequence: OrchestrationThroughput<HelloRun>;
  readonly fanOut: OrchestrationThroughput<FanOutRun>;
}

export interface ReplayResults {
  /** The history the executor timings ran on. */
  readonly history: {
    readonly source: 'engine' | 'executor';
    readonly steps: number;
    readonly events: number;
    readonly bytes: number;
    readonly buildMs: number;
  };
  /** Full replay (`restore`) of that history, ms. */
  readonly restoreMs?: Spread;
  /** One live turn (`advance` by one event) of the restored instance, ms. */
  readonly liveTurnMs?: LatencySummary;
  /** The same on the embedded engine: `raiseEvent` (one turn, committed) on the chain instance while live, and as the first operation after a restart. */
  readonly engine?: {
    readonly steps: number;
    readonly events: number;
    readonly bytes: number;
    /** Running the chain of `steps` sequential activities through the engine. */
    readonly buildMs: number;
    readonly liveCallMs?: LatencySummary;
    readonly afterRestartCallMs?: Spread;
    readonly error?: string;
  };
  readonly error?: string;
}

export interface EmbeddedOrchestrationResults extends OrchestrationResults {
  readonly replay: ReplayResults;
}

export interface NatsOrchestrationResults extends OrchestrationResults {
  readonly workers: number;
  readonly partitionSpread?: string;
  /** Starting the server, the workers or the warm-up failed: no scenario ran. */
  readonly error?: string;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function throughput<S>(runs: readonly S[], rate: (s: S) => number, target: number, error: string | undefined): OrchestrationThroughput<S> {
  const perSecond = runs.length > 0 ? spreadOf(runs.map(rate)) : undefined;
  return {
    ...(perSecond ? { perSecond } : {}),
    target,
    pass: error === undefined && perSecond !== undefined && perSecond.median >= target,
    runs,
    ...(error === undefined ? {} : { error }),
  };
}

async function withOrchestrationApp<T>(label: string, fn: (client: DurableClient) => Promise<T>): Promise<T> {
  return withTempDir(label, async (dataDir) => {
    const app = await DurableApp.create({ orchestrators: BENCH_ORCHESTRATORS, activities: BENCH_ACTIVITIES, dataDir, logger: { level: 'silent' } });
    await app.start();
    try {
      return await fn(app.client);
    } finally {
      await app.stop();
    }
  });
}

/**
 * Runs HelloSequence and fan-out/fan-in `repetitions` times, round-robin, through `run`
 * (which gives each run its client, a fresh app or the hub's client). The first failure
 * stops that scenario and is kept in its result; the other scenario goes on.
 */
async function throughputScenarios(
  engine: string,
  settings: OrchestrationSettings,
  repetitions: number,
  timeoutMs: number,
  targets: { orchestrations: number; activities: number },
  run: <T>(label: string, fn: (client: DurableClient) => Promise<T>) => Promise<T>,
  cpuMeter: (() => () => CpuBusy) | undefined,
  progress: Progress,
): Promise<OrchestrationResults> {
  const hello: HelloRun[] = [];
  const fan: FanOutRun[] = [];
  let helloError: string | undefined;
  let fanError: string | undefined;
  const h = settings.helloSequence;
  const f = settings.fanOut;
  for (let rep = 1; rep <= repetitions; rep++) {
    if (helloError === undefined) {
      try {
        const meter = cpuMeter?.();
        const sample = await run('orch-hello', (client) => measureHelloSequence(client, { ...h, timeoutMs }));
        hello.push({ ...sample, ...(meter ? { cpu: meter() } : {}) });
        progress(
          `${engine} [${rep}] ${formatInt(h.instances)} HelloSequence (${h.maxInFlight} in flight): ${formatInt(sample.orchestrationsPerSecond)} orchestrations/s (${formatMs(sample.elapsedMs)} ms)`,
        );
      } catch (error) {
        helloError = errorText(error);
        progress(`${engine} [${rep}] HelloSequence FAILED: ${helloError}`);
      }
    }
    if (fanError === undefined) {
      try {
        const meter = cpuMeter?.();
        const sample = await run('orch-fan', (client) => measureFanOut(client, { ...f, timeoutMs }));
        fan.push({ ...sample, ...(meter ? { cpu: meter() } : {}) });
        progress(
          `${engine} [${rep}] fan-out/fan-in of ${formatInt(f.activities)}: ${formatInt(sample.activitiesPerSecond)} activities/s (${formatMs(sample.elapsedMs)} ms)`,
        );
      } catch (error) {
        fanError = errorText(error);
        progress(`${engine} [${rep}] fan-out/fan-in FAILED: ${fanError}`);
      }
    }
  }
  return {
    helloSequence: throughput(hello, (s) => s.orchestrationsPerSecond, targets.orchestrations, helloError),
    fanOut: throughput(fan, (s) => s.activitiesPerSecond, targets.activities, fanError),
  };
}

/** Unreported runs of both scenarios (JIT warm-up); a failure here is left to the measured runs to report. */
async function warmUp(client: DurableClient, settings: OrchestrationSettings, timeoutMs: number): Promise<void> {
  await measureHelloSequence(client, { instances: settings.warmup.helloInstances, maxInFlight: settings.helloSequence.maxInFlight, timeoutMs });
  await measureFanOut(client, { activities: settings.warmup.fanOutActivities, timeoutMs });
}

/** Building a long chain through storage is slow (each turn stores the whole history): it gets its own, longer limit. */
const CHAIN_TIMEOUT_MS = 600_000;

/**
 * The replay scenario on the embedded engine (see {@link ReplaySettings}): the executor's
 * full replay and live turn on a 10,000-event history, and on the engine, one turn of a
 * long instance while it is live and right after a restart.
 */
async function replayScenario(settings: ReplaySettings, progress: Progress): Promise<ReplayResults> {
  let engine: ReplayResults['engine'];
  let engineHistory: LongHistory | undefined;
  try {
    await withTempDir('orch-replay', async (dataDir) => {
      const open = async (): Promise<DurableApp> => {
        const app = await DurableApp.create({ orchestrators: BENCH_ORCHESTRATORS, activities: BENCH_ACTIVITIES, dataDir, logger: { level: 'silent' } });
        await app.start();
        return app;
      };
      let app = await open();
      try {
        const built = await buildLongHistory(app.client, settings.engineSteps, CHAIN_TIMEOUT_MS);
        engineHistory = built;
        progress(
          `embedded: chain of ${formatInt(built.steps)} sequential activities through the engine: ${formatInt(built.history.length)} history events ` +
            `(${formatInt(built.historyBytes / 1024)} KiB as JSON) in ${formatMs(built.buildMs)} ms`,
        );
        const base = { steps: built.steps, events: built.history.length, bytes: built.historyBytes, buildMs: built.buildMs };
        try {
          const tick = async (value: number): Promise<number> => {
            const began = nowMs();
            await withTimeout(app.client.raiseEvent(built.instanceId, 'Tick', value), 60_000, `raiseEvent on the chain instance`);
            return nowMs() - began;
          };
          await tick(0); // the first operation on the instance in this state: not counted
          const live: number[] = [];
          for (let i = 0; i < settings.engineTurns; i++) live.push(await tick(i + 1));
          const restarted: number[] = [];
          for (let r = 0; r < settings.restarts; r++) {
            await app.stop();
            app = await open();
            restarted.push(await tick(1000 + r));
          }
          // End the instance and check it saw every tick.
          await app.client.raiseEvent(built.instanceId, 'Tick', -1);
          const final = await app.client.waitForCompletion(built.instanceId, { timeout: 60_000 });
          const ticks = final.runtimeStatus === 'Completed' ? final.output : `${final.runtimeStatus} ${JSON.stringify(final.failureDetails)}`;
          const expected = 1 + settings.engineTurns + settings.restarts;
          if (ticks !== expected) throw new Error(`Correctness check failed: the chain instance saw ${ticks} ticks, expected ${expected}.`);
          engine = { ...base, liveCallMs: summarizeLatencies(live), afterRestartCallMs: spreadOf(restarted) };
          progress(
            `embedded: raiseEvent on that instance: live p50 ${formatMs(engine.liveCallMs!.p50)} ms; first after a restart (full replay) median ${formatMs(engine.afterRestartCallMs!.median)} ms`,
          );
        } catch (error) {
          engine = { ...base, error: errorText(error) };
          progress(`embedded: live / after-restart turns FAILED: ${engine.error}`);
        }
      } finally {
        await app.stop();
      }
    });
  } catch (error) {
    engine = { steps: settings.engineSteps, events: 0, bytes: 0, buildMs: 0, error: errorText(error) };
    progress(`embedded: chain of ${formatInt(settings.engineSteps)} activities FAILED: ${engine.error}`);
  }

  let history: LongHistory | undefined;
  let source: 'engine' | 'executor' = 'engine';
  try {
    if (engineHistory && settings.engineSteps === settings.steps) history = engineHistory;
    else {
      source = 'executor';
      history = await driveLongHistory(settings.steps);
      progress(`replay: ${formatInt(history.history.length)}-event history built by driving the executor alone in ${formatMs(history.buildMs)} ms`);
    }
    const timed = await measureReplay(history, { restores: settings.restores, liveTurns: settings.liveTurns });
    progress(
      `replay of ${formatInt(timed.events)} events: restore median ${formatMs(timed.restoreMs.median)} ms; live turn p50 ${formatMs(timed.liveTurnMs.p50)} ms`,
    );
    return {
      history: { source, steps: history.steps, events: history.history.length, bytes: history.historyBytes, buildMs: history.buildMs },
      restoreMs: timed.restoreMs,
      liveTurnMs: timed.liveTurnMs,
      ...(engine ? { engine } : {}),
    };
  } catch (error) {
    const message = errorText(error);
    progress(`replay FAILED: ${message}`);
    return {
      history: { source, steps: settings.steps, events: history?.history.length ?? 0, bytes: history?.historyBytes ?? 0, buildMs: history?.buildMs ?? 0 },
      ...(engine ? { engine } : {}),
      error: message,
    };
  }
}

/** The embedded engine's orchestration scenarios: each throughput run in a fresh data directory, then the replay scenario. */
export async function runEmbeddedOrchestrations(
  settings: OrchestrationSettings,
  replay: ReplaySettings,
  repetitions: number,
  timeoutMs: number,
  progress: Progress,
): Promise<EmbeddedOrchestrationResults> {
  try {
    await withOrchestrationApp('orch-warmup', (client) => warmUp(client, settings, timeoutMs));
  } catch (error) {
    progress(`embedded orchestrations: warm-up FAILED: ${errorText(error)}`);
  }
  const results = await throughputScenarios(
    'embedded',
    settings,
    repetitions,
    timeoutMs,
    { orchestrations: TARGETS.orchestrationsPerSecond, activities: TARGETS.fanOutActivitiesPerSecond },
    withOrchestrationApp,
    undefined,
    progress,
  );
  return { ...results, replay: await replayScenario(replay, progress) };
}

let hubs = 0;

/**
 * The NATS orchestration scenarios: a nats-server of their own, a fresh hub whose workers
 * (child processes) host the orchestrators and activities, and the hub's client-only
 * connection in this process starting the instances. A failure to start is returned as
 * the result's `error`, a failing scenario as that scenario's `error`.
 */
export async function runNatsOrchestrations(
  settings: NatsSettings,
  repetitions: number,
  timeoutMs: number,
  progress: Progress,
): Promise<NatsOrchestrationResults> {
  const o = settings.orchestrations;
  const workers = settings.orchestrationWorkers;
  const targets = { orchestrations: TARGETS.natsOrchestrationsPerSecond, activities: TARGETS.natsFanOutActivitiesPerSecond };
  const failed = (error: unknown): NatsOrchestrationResults => {
    const message = errorText(error);
    progress(`NATS orchestrations FAILED: ${message}`);
    return {
      workers,
      error: message,
      helloSequence: throughput<HelloRun>([], () => 0, targets.orchestrations, message),
      fanOut: throughput<FanOutRun>([], () => 0, targets.activities, message),
    };
  };
  let server: Awaited<ReturnType<typeof startNatsServer>>;
  try {
    server = await startNatsServer();
  } catch (error) {
    return failed(error);
  }
  try {
    let cluster: BenchHub;
    try {
      cluster = await startBenchHub({
        url: server.url,
        serverPids: [server.pid],
        hub: `orch${process.pid}_${++hubs}`,
        workers,
        placement: 'child',
        spreadTimeoutMs: settings.spread.timeoutMs,
        orchestrations: true,
      });
    } catch (error) {
      return failed(error);
    }
    try {
      const spread = (await Promise.all(cluster.workers.map(async (w) => (await w.stats()).partitions.length))).join('+');
      progress(`NATS orchestrations: nats-server pid ${server.pid}, ${workers} child worker(s) (partitions ${spread}), hub ${cluster.hub}`);
      try {
        await warmUp(cluster.client, o, timeoutMs);
      } catch (error) {
        return { ...failed(new Error(`warm-up: ${errorText(error)}`)), partitionSpread: spread };
      }
      const meter = () => startCpuMeter({ bench: [cluster.pids.bench], workers: cluster.pids.workers, server: cluster.pids.servers });
      const results = await throughputScenarios('NATS', o, repetitions, timeoutMs, targets, (_label, fn) => fn(cluster.client), meter, progress);
      return { ...results, workers, partitionSpread: spread };
    } finally {
      await cluster.close();
    }
  } finally {
    await server.dispose();
  }
}
