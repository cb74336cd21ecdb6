import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AGGREGATORS_FULL, AGGREGATORS_QUICK, runAggregatorBench } from './suites/aggregator-bench';
import { renderAggregatorReport, runAggregatorBenchAlone } from './suites/aggregator-report';
import { benchArgs } from './lib/bench-args';
import { measureCallLatency } from './suites/call-latency';
import { runDashboardBenchAlone } from './suites/dashboard-bench';
import { measureCeiling, measureSyncWriteLatency, type CeilingSample } from './lib/ceiling';
import { machineInfo } from './lib/machine-info';
import { renderHttpReport, runHttpBenchAlone, runHttpBenchInFreshProcess } from './suites/http-bench';
import { runNatsBench } from './suites/nats-bench';
import { runReplicatedNatsBenchAlone } from './suites/nats-replicated-bench';
import { runEmbeddedOrchestrations, runNatsOrchestrations } from './suites/orchestration-bench';
import { callLatencyResults, renderReport, type BenchResults } from './report';
import { benchSettings, TARGETS } from './lib/settings';
import { measureSignals, type SignalSample } from './suites/signal-throughput';
import { runTelemetryBenchAlone } from './suites/telemetry-bench';
import { nowMs, spreadOf } from './lib/stats';
import { formatInt, formatMs } from './lib/table';

// `npm run bench -- --only aggregators [--quick] [--no-nats]` runs the aggregator scenarios alone;
// `npm run bench -- --only dashboard [--quick]` the dashboard's reads with 10,000 instances and 100,000 entities;
// `npm run bench -- --only telemetry [--quick]` measures what tracing costs without an SDK.
// `npm run bench [-- --quick] [--no-nats]`: the embedded engine first (entities, then
// orchestrations), then the NATS JetStream scenarios against a nats-server the run starts
// itself ($NATS_SERVER_BIN, or nats-server in /usr/sbin, /usr/bin, /usr/local/bin or on the
// PATH), entities first, then orchestrations on a server and hub of their own; `--no-nats`
// skips them. `benchmarks/standalone/nats-profile.ts` runs one NATS configuration alone, for profiling;
// `benchmarks/standalone/orchestration-profile.ts` the orchestration scenarios on one engine.
// Compiled to build/benchmarks/run.js; results go to <project>/benchmarks/results.
const RESULTS_DIR = join(__dirname, '..', '..', 'benchmarks', 'results');

function progress(text: string): void {
  process.stderr.write(`  ${text}\n`);
}

async function main(): Promise<void> {
  const args = benchArgs(process.argv.slice(2));
  switch (args.only) {
    case 'aggregators':
      return runAggregatorBenchAlone(args, RESULTS_DIR, progress);
    case 'dashboard':
      return runDashboardBenchAlone(args, RESULTS_DIR, progress);
    case 'telemetry':
      return runTelemetryBenchAlone(args, RESULTS_DIR, progress);
    case 'http':
      return runHttpBenchAlone(args, RESULTS_DIR, progress);
    case 'nats-cluster':
      return runReplicatedNatsBenchAlone(args, RESULTS_DIR, progress);
    case undefined:
      break;
  }
  const settings = benchSettings(args);
  const machine = machineInfo();
  const began = nowMs();
  progress(`jetstate bench (${settings.mode}): ${settings.repetitions} repetitions per throughput scenario`);

  await measureCeiling({ ...settings.ceiling, durationMs: Math.min(200, settings.ceiling.durationMs) });
  await measureSignals({ ...settings.manyKeys, total: settings.warmup.manyKeysTotal, timeoutMs: settings.scenarioTimeoutMs });
  await measureSignals({ ...settings.oneKey, total: settings.warmup.oneKeyTotal, timeoutMs: settings.scenarioTimeoutMs });
  progress('warm-up done');

  // Repetitions go round-robin over the scenarios so a burst of noise on a shared machine
  // hits one run of several scenarios rather than every run of one.
  const ceilings: CeilingSample[] = [];
  const manyKeys: SignalSample[] = [];
  const oneKey: SignalSample[] = [];
  for (let rep = 1; rep <= settings.repetitions; rep++) {
    const ceiling = await measureCeiling(settings.ceiling);
    ceilings.push(ceiling);
    progress(
      `[${rep}] ceiling: ${formatInt(ceiling.putsPerSecond)} puts/s (LevelStore), ${formatInt(ceiling.chainedPutsPerSecond)} puts/s (chained batch), ` +
        `packed ${formatInt(ceiling.packedSignalsPerSecond)} signals/s`,
    );
    const many = await measureSignals({ ...settings.manyKeys, timeoutMs: settings.scenarioTimeoutMs });
    manyKeys.push(many);
    progress(
      `[${rep}] ${formatInt(settings.manyKeys.total)} signals over ${settings.manyKeys.keys} keys: ${formatInt(many.signalsPerSecond)} signals/s (${formatMs(many.elapsedMs)} ms)`,
    );
    const one = await measureSignals({ ...settings.oneKey, timeoutMs: settings.scenarioTimeoutMs });
    oneKey.push(one);
    progress(`[${rep}] ${formatInt(settings.oneKey.total)} signals on 1 key: ${formatInt(one.signalsPerSecond)} signals/s (${formatMs(one.elapsedMs)} ms)`);
  }
  const syncWrite = await measureSyncWriteLatency(settings.ceiling.syncWrites, settings.ceiling.syncWarmup);
  progress(`single sync write: p50 ${formatMs(syncWrite.p50)} ms, p99 ${formatMs(syncWrite.p99)} ms`);
  const calls = await measureCallLatency({ ...settings.calls, timeoutMs: settings.scenarioTimeoutMs });
  progress(`calls: increment p50 ${formatMs(calls.increment.p50)} ms, get p50 ${formatMs(calls.get.p50)} ms`);
  const orchestrations = await runEmbeddedOrchestrations(settings.orchestrations, settings.replay, settings.repetitions, settings.scenarioTimeoutMs, progress);
  const http = await runHttpBenchInFreshProcess(settings.mode === 'quick', RESULTS_DIR, progress);
  // Mergeable operations, roll-ups and WordCount, on both engines (NATS against a server of their own).
  const aggregators = await runAggregatorBench(
    settings.mode === 'quick' ? AGGREGATORS_QUICK : AGGREGATORS_FULL,
    progress,
    settings.nats ? ['embedded', 'nats'] : ['embedded'],
  );

  // NATS JetStream afterwards, so the embedded figures are taken without a nats-server running.
  const nats = settings.nats ? await runNatsBench(settings.nats, settings.repetitions, settings.scenarioTimeoutMs, progress) : undefined;
  // Failures of the NATS orchestration scenarios are kept in their results and shown in the report.
  const natsOrchestrations = settings.nats ? await runNatsOrchestrations(settings.nats, settings.repetitions, settings.scenarioTimeoutMs, progress) : undefined;

  const ceilingPuts = spreadOf(ceilings.map((c) => c.putsPerSecond));
  const ceilingPacked = spreadOf(ceilings.map((c) => c.packedSignalsPerSecond));
  const throughput = (samples: SignalSample[], target: number) => {
    const perSecond = spreadOf(samples.map((s) => s.signalsPerSecond));
    return {
      perSecond,
      enqueuedPerSecond: spreadOf(samples.map((s) => s.enqueuedPerSecond)),
      ratioToCeiling: perSecond.median / ceilingPuts.median,
      ratioToPackedCeiling: perSecond.median / ceilingPacked.median,
      pass: perSecond.median >= target,
      runs: samples,
    };
  };
  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: settings.mode,
    durability: 'strict',
    machine,
    settings,
    targets: TARGETS,
    ceiling: {
      putsPerSecond: ceilingPuts,
      putMainThreadMicros: spreadOf(ceilings.map((c) => c.putMainThreadMicros)),
      chainedPutsPerSecond: spreadOf(ceilings.map((c) => c.chainedPutsPerSecond)),
      chainedPutMainThreadMicros: spreadOf(ceilings.map((c) => c.chainedPutMainThreadMicros)),
      packedSignalsPerSecond: ceilingPacked,
      syncWriteLatencyMs: syncWrite,
    },
    signalsManyKeys: throughput(manyKeys, TARGETS.manyKeysSignalsPerSecond),
    signalsOneKey: throughput(oneKey, TARGETS.oneKeySignalsPerSecond),
    callLatencyMs: callLatencyResults(calls, syncWrite),
    ...(nats ? { nats } : {}),
    orchestrations,
    ...(natsOrchestrations ? { natsOrchestrations } : {}),
    totalSeconds: (nowMs() - began) / 1000,
  };

  console.log('');
  console.log(renderReport(results));
  console.log(`\n${renderHttpReport(http)}`);
  console.log(`\n${renderAggregatorReport(aggregators)}`);
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'latest.json');
  await writeFile(file, `${JSON.stringify({ ...results, http, aggregators }, null, 2)}\n`);
  console.log(`results written to ${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('\nBENCHMARK FAILED:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
